package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	graphql "github.com/hasura/go-graphql-client"
)

// api is the widget's I/O: GraphQL calls to one endpoint on behalf of the holder of one
// key, each returning what its page shows. It knows nothing of go-app, so that it runs
// under plain `go test` against a real directory. The calls of each feature sit beside
// its action handlers (user_list_actions.go, ...).
type api struct {
	endpoint string
	key      string
	http     *http.Client
	// frameOrigin is the portal that frames the widget, named to the directory on the
	// widget's own origin: a portal's token works only from the portal it was made for.
	frameOrigin string
}

// frameOriginHeader is where the widget names the portal that frames it.
const frameOriginHeader = "X-Useradmin-Frame-Origin"

// requestTimeout bounds every request, so that a silent endpoint ends in a message.
const requestTimeout = 15 * time.Second

// client is a GraphQL client that authenticates with the key as Kili expects it:
// "Authorization: X-API-Key: <key>". An empty key sends no header.
func (a api) client() *graphql.Client {
	c := graphql.NewClient(a.endpoint, a.http)
	if a.key == "" {
		return c
	}
	key, frame := a.key, a.frameOrigin
	return c.WithRequestModifier(func(r *http.Request) {
		r.Header.Set("Authorization", "X-API-Key: "+key)
		if frame != "" {
			r.Header.Set(frameOriginHeader, frame)
		}
	})
}

// query runs the query that q describes and decodes the answer into q with
// encoding/json, matching the answer's keys to q's field names or json tags. The client's
// own decoder reads an answer token by token: in the browser it took about 45 ms for a
// page of 100 users, most of the time from the answer to the rows on screen.
func (a api) query(ctx context.Context, q any, vars map[string]any) *failure {
	data, err := a.client().QueryRaw(ctx, q, vars)
	if err != nil {
		return toFailure(err)
	}
	if data == nil {
		return nil
	}
	return toFailure(json.Unmarshal(*data, q))
}

// mutate runs the mutation that m describes and decodes the answer into m.
func (a api) mutate(ctx context.Context, m any, vars map[string]any) *failure {
	return toFailure(a.client().Mutate(ctx, m, vars))
}

// openSession finds what the endpoint offers and checks the key. Where the endpoint
// answers the introspection and viewer in one request (the built-in directory, and any
// endpoint with the core) that is one round trip; elsewhere, or when that request fails,
// it goes step by step (openStepwise), which also says why a key is refused.
func (a api) openSession(ctx context.Context) (sessionState, *failure) {
	var look sessionLook
	if a.query(ctx, &look, nil) == nil {
		if st, ok := look.session(a.endpoint); ok {
			return st, nil
		}
	}
	return a.openStepwise(ctx)
}

// openPortalSession is openSession for the portal's token c, with the scope the token
// allows where the endpoint has embedGrant; c gets the token's expiry from it when the
// portal did not say.
func (a api) openPortalSession(ctx context.Context, c *credential) (sessionState, *failure) {
	var look portalLook
	if a.query(ctx, &look, nil) == nil {
		if st, ok := look.session(a.endpoint); ok {
			st.Scope = look.Grant.scope(c)
			return st, nil
		}
	}
	st, f := a.openStepwise(ctx)
	if f == nil && st.Caps.EmbedGrant {
		st.Scope, f = a.embedGrant(ctx, c)
	}
	return st, f
}

// sessionLook is what openSession asks for in one request.
type sessionLook struct {
	introspection
	Viewer user `graphql:"viewer"`
}

// portalLook adds what a portal's token allows.
type portalLook struct {
	sessionLook
	Grant *embedGrantAnswer `graphql:"embedGrant" json:"embedGrant"`
}

// session is the open session the answer l shows, if it shows one: an endpoint whose
// introspection finds no users query has no viewer either, and goes step by step.
func (l *sessionLook) session(endpoint string) (sessionState, bool) {
	caps := l.capabilities()
	if caps.NoCore || l.Viewer.ID == "" {
		return sessionState{}, false
	}
	return sessionState{Status: statusReady, Endpoint: endpoint, Viewer: l.Viewer, Caps: caps}, true
}

// openStepwise finds what the endpoint offers, then checks the key: with viewer, or, on
// an endpoint with Paradime's API alone, which has no viewer, by listing its users.
func (a api) openStepwise(ctx context.Context) (sessionState, *failure) {
	caps, f := a.capabilities(ctx)
	if f != nil {
		return sessionState{}, f
	}
	var viewer user
	if caps.NoCore {
		f = a.checkParadimeKey(ctx)
	} else {
		viewer, f = a.viewer(ctx)
	}
	if f != nil {
		return sessionState{}, f
	}
	return sessionState{Status: statusReady, Endpoint: a.endpoint, Viewer: viewer, Caps: caps}, nil
}

// viewer is the person the key belongs to.
func (a api) viewer(ctx context.Context) (user, *failure) {
	var q struct {
		Viewer user `graphql:"viewer"`
	}
	if f := a.query(ctx, &q, nil); f != nil {
		if f.Code == codeUnauthenticated {
			f.Message = "This API key was not accepted. Check it, or ask an admin for a new one."
		}
		return user{}, f
	}
	return q.Viewer, nil
}

// capabilities asks the endpoint which extensions it has; an endpoint that refuses
// introspection is treated as the core alone. An endpoint that did not answer is not:
// taken for the core, the widget would hide features and, worse, save without the
// updatedAt precondition. Its failure is returned, to be retried.
func (a api) capabilities(ctx context.Context) (capabilities, *failure) {
	var q introspection
	if err := a.client().Query(ctx, &q, nil); err != nil {
		if f := toFailure(err); retryable(f) {
			return capabilities{}, f
		}
		return capabilities{}, nil
	}
	return q.capabilities(), nil
}
