package app

import (
	"context"
	"strings"
	"time"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// probe is what an endpoint offers, found without signing in.
type probe struct {
	Status   status
	Endpoint string
	Caps     capabilities
}

// signInRequest is what the sign-in form sends: a key, or an email and password.
type signInRequest struct {
	Endpoint string
	Key      string
	Email    string
	Password string
}

func (w *Widget) handleProbe(ctx app.Context, a app.Action) {
	endpoint, _ := a.Value.(string)
	ctx.SetState(stateProbe, probe{Status: statusLoading, Endpoint: endpoint})
	ctx.SetState(stateProbe, w.api(resolveEndpoint(endpoint), "").probe(ctx, endpoint))
}

func (w *Widget) handleSignIn(ctx app.Context, a app.Action) {
	req, _ := a.Value.(signInRequest)
	seq := w.seqs.next(stateSignIn)
	ctx.SetState(stateSignIn, result{Status: statusLoading, Seq: seq})
	c := credential{Endpoint: resolveEndpoint(req.Endpoint), Key: strings.TrimSpace(req.Key)}
	if req.Email != "" {
		var f *failure
		if c.Key, c.ExpiresAt, f = w.api(c.Endpoint, "").signIn(ctx, req.Email, req.Password); f != nil {
			ctx.SetState(stateSignIn, result{Status: statusFailed, Err: f, Seq: seq})
			return
		}
	}
	st, f := w.api(c.Endpoint, c.Key).openSession(ctx)
	if f != nil {
		ctx.SetState(stateSignIn, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	w.session.cacheCaps(c.Endpoint, st.Caps)
	w.session.start(ctx, st, c)
	ctx.SetState(stateSignIn, result{Status: statusReady, Seq: seq})
}

// probe asks the endpoint, without a key, what it offers.
func (a api) probe(ctx context.Context, endpoint string) probe {
	var q introspection
	if err := a.client().Query(ctx, &q, nil); err != nil {
		return probe{Status: statusFailed, Endpoint: endpoint}
	}
	return probe{Status: statusReady, Endpoint: endpoint, Caps: q.capabilities()}
}

// signIn checks an email and password and returns the session key the endpoint issued,
// with its expiry.
func (a api) signIn(ctx context.Context, email, password string) (string, time.Time, *failure) {
	var m struct {
		SignIn struct {
			APIKey    string `graphql:"apiKey"`
			ExpiresAt string
		} `graphql:"signIn(email: $email, password: $password)"`
	}
	vars := map[string]any{
		"email":    graphql.String(strings.TrimSpace(email)),
		"password": graphql.String(password),
	}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return "", time.Time{}, f
	}
	expires, _ := time.Parse(time.RFC3339, m.SignIn.ExpiresAt)
	return m.SignIn.APIKey, expires, nil
}

// signOut revokes the session key the request is sent with.
func (a api) signOut(ctx context.Context) *failure {
	var m struct {
		SignOut bool `graphql:"signOut"`
	}
	return a.mutate(ctx, &m, nil)
}
