package graphql

import (
	"context"
	"log/slog"

	"useradmin/server"
)

// resolver is the root resolver: the fields of Query and Mutation are its methods.
type resolver struct {
	users    server.UserService
	orgs     server.OrganizationService
	auth     server.AuthService
	mailer   server.Mailer
	resetURL string
	logger   *slog.Logger
}

// errNoKey is the answer to every field that needs a caller when the request has no key.
var errNoKey = server.Errorf(server.EUNAUTHENTICATED,
	"This request has no API key: sign in, or send your key in the Authorization or X-API-Key header.")

// errBadHeader is the answer when the Authorization header is neither form the directory reads.
var errBadHeader = server.Errorf(server.EUNAUTHENTICATED,
	`The Authorization header must be "Bearer <key>" or "X-API-Key: <key>".`)

// authenticated returns why the request has no caller, or nil when it has one. Every field
// but signIn, completePasswordReset and introspection asks it first, so that all of them
// give the same answer to a request without a valid key.
func (r *resolver) authenticated(ctx context.Context) error {
	if st := stateFrom(ctx); st != nil && st.authErr != nil {
		return st.authErr
	}
	if server.UserFromContext(ctx) == nil {
		return errNoKey
	}
	return nil
}

// requestState is what the handler learns about one request before and while running it.
type requestState struct {
	authErr error         // why the key, if any, does not authenticate; nil when it does
	refused *server.Error // why the operation was refused before it ran: its size, a variable
}

type stateKey struct{}

func withState(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}
