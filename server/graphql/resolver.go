package graphql

import (
	"context"
	"log/slog"
	"time"

	"useradmin/server"
)

// resolver answers the fields of the schema on the domain's services; gqlgen's generated
// code (generated.go) calls it through the interfaces of ResolverRoot.
type resolver struct {
	users         server.UserService
	orgs          server.OrganizationService
	auth          server.AuthService
	invites       server.InvitationService
	workspaces    server.WorkspaceService
	audit         server.AuditService
	bulk          server.BulkService   // nil: no bulk actions
	imports       server.ImportService // nil: no imports
	exports       server.ExportService // nil: no CSV exports
	mailer        server.Mailer
	resetURL      string
	invitationURL string
	logger        *slog.Logger
	changes       server.Changes // nil: no live updates
	recheck       time.Duration  // how often a subscription checks its caller again
	// Embed tokens: who mints them, and the portals they may be bound to.
	embeds         server.EmbedTokenService
	allowedOrigins []string
}

// Query returns the resolver of the fields of Query.
func (r *resolver) Query() QueryResolver { return (*queryResolver)(r) }

// Mutation returns the resolver of the fields of Mutation.
func (r *resolver) Mutation() MutationResolver { return (*mutationResolver)(r) }

// User returns the resolver of the fields of User that read the store.
func (r *resolver) User() UserResolver { return (*userResolver)(r) }

type (
	queryResolver    resolver
	mutationResolver resolver
	userResolver     resolver
)

// errNoKey is the answer to every field that needs a caller when the request has no key.
var errNoKey = server.Errorf(server.EUNAUTHENTICATED,
	"This request has no API key: sign in, or send your key in the Authorization or X-API-Key header.")

// errBadHeader is the answer when the Authorization header is neither form the directory reads.
var errBadHeader = server.Errorf(server.EUNAUTHENTICATED,
	`The Authorization header must be "Bearer <key>" or "X-API-Key: <key>".`)

// errSecretWithoutID and errTwoCredentials are the answers to Paradime's pair of headers
// sent incompletely, or along with another credential.
var (
	errSecretWithoutID = server.Errorf(server.EUNAUTHENTICATED,
		"X-API-SECRET needs X-API-KEY: send the API key's id in X-API-KEY and its secret in X-API-SECRET.")
	errTwoCredentials = server.Errorf(server.EUNAUTHENTICATED,
		"Send one credential: either the Authorization header, or X-API-KEY with X-API-SECRET.")
	errRepeatedHeader = server.Errorf(server.EUNAUTHENTICATED,
		"Send each of the Authorization, X-API-KEY and X-API-SECRET headers at most once, with one credential.")
)

// authenticated returns why the request has no caller, or nil when it has one. Every field
// but signIn, completePasswordReset and introspection asks it first, so that all of them
// give the same answer to a request without a valid key.
func authenticated(ctx context.Context) error {
	if st := stateFrom(ctx); st != nil && st.authErr != nil {
		return st.authErr
	}
	if server.UserFromContext(ctx) == nil {
		return errNoKey
	}
	return nil
}

// requestState is what the handler learns about one request before running it.
type requestState struct {
	authErr error // why the key, if any, does not authenticate; nil when it does
}

type stateKey struct{}

func withState(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// user wraps a user of the domain as the schema's User, nil as nil.
func user(u *server.User) *User {
	if u == nil {
		return nil
	}
	return &User{User: u}
}
