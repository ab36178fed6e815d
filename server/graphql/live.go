package graphql

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"useradmin/server"
)

// Live updates: Subscription.userChanged, over a WebSocket at /graphql. A connection
// authenticates once, in its connection_init payload (browsers cannot set headers on a
// WebSocket), with the same credentials as a request's headers; each subscription then
// checks its caller again before every change it delivers and every LiveRecheck, through
// the store (a revoked or expired key, a deactivated user end it). Its documents go
// through the same limits as a POST's, before anything runs.

// Timings of live connections.
const (
	// DefaultLiveRecheck is how often an idle subscription checks that its caller's key
	// still works.
	DefaultLiveRecheck = 15 * time.Second
	// liveInitTimeout is how long a new connection may take to authenticate.
	liveInitTimeout = 10 * time.Second
	// liveKeepAlive is how often the server shows an idle connection it is there.
	liveKeepAlive = 10 * time.Second
	// liveWriteTimeout is how long a client may take to read what is written to it
	// before its connection is closed: a slow client is dropped, not waited for.
	liveWriteTimeout = 10 * time.Second
)

// DefaultLiveConnectionsPerClient is how many WebSockets one client address may hold open
// at once: the tabs of the people of an office behind one address. A connection lasts as
// long as its client keeps it, subscribed or not, and the subscriptions' limits do not
// count one that never subscribes.
const DefaultLiveConnectionsPerClient = 256

// liveConnections counts the WebSockets open now, per client, in this process: what they
// hold (a socket, its goroutines) is this process's.
type liveConnections struct {
	mu   sync.Mutex
	open map[string]int
}

// take counts one more connection of client, unless it holds limit already.
func (l *liveConnections) take(client string, limit int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[client] >= limit {
		return false
	}
	if l.open == nil {
		l.open = map[string]int{}
	}
	l.open[client]++
	return true
}

// release counts one connection of client fewer.
func (l *liveConnections) release(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[client]--; l.open[client] <= 0 {
		delete(l.open, client)
	}
}

// UserChange is a change as Subscription.userChanged delivers it.
type UserChange struct {
	Kind        server.ChangeKind
	UserID      *string
	User        *User
	ChangedBy   *string
	ChangedByID *string
	ChangedAt   time.Time
	Cursor      string
}

// Subscription returns the resolver of the fields of Subscription.
func (r *resolver) Subscription() SubscriptionResolver { return (*subscriptionResolver)(r) }

type subscriptionResolver resolver

// UserChanged follows the changes of the users the caller may see.
func (r *subscriptionResolver) UserChanged(ctx context.Context, since *string) (<-chan *UserChange, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if r.changes == nil {
		return nil, errLiveOff
	}
	me, err := r.viewerNow(ctx)
	if err != nil {
		return nil, err
	}
	auth := server.AuthFromContext(ctx)
	sub := server.ChangeSubscriber{OrganizationID: me.OrganizationID, Credential: auth.KeyID, UserID: me.ID}
	if sub.Credential == "" {
		sub.Credential = "user:" + me.ID
	}
	if since != nil {
		sub.Since = *since
	}
	in, err := r.changes.Subscribe(ctx, sub)
	if err != nil {
		return nil, err
	}
	out := make(chan *UserChange)
	go r.follow(ctx, in, out)
	return out, nil
}

// follow hands the changes from in to out, as the caller may see them, until ctx ends;
// it ends the subscription with an error when the caller's key stops working, when the
// fan-out dropped it for falling behind, or when out is not read in time.
func (r *subscriptionResolver) follow(ctx context.Context, in <-chan server.UserChange, out chan<- *UserChange) {
	defer close(out)
	every := r.recheck
	if every <= 0 {
		every = DefaultLiveRecheck
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := r.viewerNow(ctx); err != nil {
				endSubscription(ctx, err)
				return
			}
		case c, ok := <-in:
			if !ok {
				if ctx.Err() == nil {
					endSubscription(ctx, errBehind(last))
				}
				return
			}
			uc, err := r.present(ctx, c)
			if err != nil {
				endSubscription(ctx, err)
				return
			}
			if uc == nil {
				continue
			}
			timer := time.NewTimer(liveWriteTimeout)
			select {
			case out <- uc:
				timer.Stop()
				last = c.Cursor
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
				endSubscription(ctx, errBehind(last))
				return
			}
		}
	}
}

// errBehind ends a subscription that fell behind.
func errBehind(cursor string) error {
	msg := "Changes came faster than this connection read them: subscribe again with since set to the cursor of the last change received."
	if cursor != "" {
		msg = "Changes came faster than this connection read them: subscribe again with since: \"" + cursor + "\"."
	}
	return server.Errorf(server.ERATELIMITED, "%s", msg)
}

// viewerNow reads the caller again, through the store, which checks their key and
// whether they are activated.
func (r *subscriptionResolver) viewerNow(ctx context.Context) (*server.User, error) {
	auth := server.AuthFromContext(ctx)
	users, err := r.users.FindUsers(ctx, server.UserFilter{IDIn: []string{auth.User.ID}}, server.Page{Limit: 1}, nil)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, server.Errorf(server.EUNAUTHENTICATED, "Your account is no longer in the directory: sign in again.")
	}
	return users[0], nil
}

// present turns a change into what the caller is shown, reading the caller and the user
// again in one read of the store, on the caller's behalf: nil when the caller may not see
// the change (a USER is shown only their own; a deletion only to an ADMIN).
func (r *subscriptionResolver) present(ctx context.Context, c server.UserChange) (*UserChange, error) {
	auth := server.AuthFromContext(ctx)
	ids := []string{auth.User.ID}
	if c.UserID != "" && c.UserID != auth.User.ID {
		ids = append(ids, c.UserID)
	}
	users, err := r.users.FindUsers(ctx, server.UserFilter{IDIn: ids}, server.Page{Limit: len(ids)}, nil)
	if err != nil {
		return nil, err
	}
	var me, target *server.User
	for _, u := range users {
		if u.ID == auth.User.ID {
			me = u
		}
		if u.ID == c.UserID {
			target = u
		}
	}
	if me == nil {
		return nil, server.Errorf(server.EUNAUTHENTICATED, "Your account is no longer in the directory: sign in again.")
	}
	uc := &UserChange{Kind: c.Kind, ChangedAt: c.At, Cursor: c.Cursor}
	switch c.Kind {
	case server.ChangeResync:
		return uc, nil
	case server.ChangeDeleted:
		if me.Role != server.RoleAdmin {
			return nil, nil
		}
	default:
		if target == nil {
			return nil, nil // not theirs to see, or deleted since: its deletion follows
		}
		uc.User = &User{User: target}
	}
	uc.UserID = &c.UserID
	if c.ByID != "" {
		uc.ChangedByID, uc.ChangedBy = &c.ByID, &c.ByName
	}
	return uc, nil
}

// endSubscription ends a subscription with err, sent to the client as its error.
func endSubscription(ctx context.Context, err error) {
	var se *server.Error
	if !errors.As(err, &se) {
		se = &server.Error{Code: server.EINTERNAL, Message: "Internal error."}
	}
	e := presentServerError(se)
	transport.AddSubscriptionError(ctx, &gqlerror.Error{Message: e.Message, Extensions: e.Extensions})
}

// isWebSocket reports whether r asks to open a WebSocket.
func isWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// serveLive opens a WebSocket for subscriptions, in either protocol: graphql-ws (the
// older one, which the widget's client speaks) or graphql-transport-ws.
func (h *Handler) serveLive(w http.ResponseWriter, r *http.Request) {
	if !h.originAllowed(r) {
		writeError(w, mediaJSON, http.StatusForbidden, "This origin is not allowed to call the directory: add it to -allowed-origins.")
		return
	}
	client, most := clientAddress(r, h.TrustProxy), h.LiveConnectionsPerClient
	if most <= 0 {
		most = DefaultLiveConnectionsPerClient
	}
	if !h.live.take(client, most) {
		w.Header().Set("Retry-After", "60")
		writeJSON(w, mediaJSON, http.StatusTooManyRequests, &response{Errors: []*gqlError{{
			Message:    "Your address has as many live connections open as it may: close other tabs or windows of the directory, then reload.",
			Extensions: map[string]any{"code": server.ERATELIMITED, "retryAfterSeconds": 60},
		}}})
		return
	}
	defer h.live.release(client)
	limit := int64(MaxBodySize)
	ws := transport.Websocket{
		Implementation: liveSockets{},
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			return h.initLive(ctx, r, p)
		},
		InitTimeout:           liveInitTimeout,
		KeepAlivePingInterval: liveKeepAlive,
		PingPongInterval:      liveKeepAlive,
		PayloadReadLimit:      &limit,
	}
	ws.Do(w, r, liveExecutor{h})
}

// originAllowed is CORS's rule for a WebSocket, which browsers open from any page without
// asking: a page of the directory's own host, or of a portal on -allowed-origins. A
// client that sends no Origin is not a browser.
func (h *Handler) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || slices.Contains(h.AllowedOrigins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// payloadHeaders are the credential a connection_init payload may name, as a request's
// headers would. Whatever else it names is not read as a header: the payload is the
// client's own writing, where the upgrade's Origin is the browser's and its
// X-Forwarded-For the proxy's, which the embed tokens' origins and the limits per client
// rely on.
var payloadHeaders = []string{"Authorization", "X-API-Key", "X-API-Secret"}

// initLive authenticates a connection with the credentials of its connection_init
// payload, read as the headers of a request would be ({"Authorization": "Bearer <key>"},
// {"X-API-Key": "<key>"}, ...), else with the headers of its upgrade request.
func (h *Handler) initLive(ctx context.Context, r *http.Request, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	named := http.Header{}
	for k, v := range payload {
		if s, ok := v.(string); ok && len(s) <= server.MaxKeyLength+len("X-API-Key: ") {
			named.Set(k, s)
		}
	}
	req := r.WithContext(ctx)
	if _, _, present, _ := credentials(named); present {
		req.Header = r.Header.Clone()
		for _, k := range payloadHeaders {
			req.Header.Del(k)
			if v := named.Get(k); v != "" {
				req.Header.Set(k, v)
			}
		}
	}
	ctx = h.authenticateFrom(req, liveOrigin(r, named))
	ctx = transport.WithWebsocketCloseCode(ctx, 4401)
	if err := authenticated(ctx); err != nil {
		var se *server.Error
		if errors.As(err, &se) {
			return ctx, nil, errors.New(se.Message)
		}
		return ctx, nil, errors.New("Internal error.")
	}
	return ctx, nil, nil
}

// liveOrigin is the web origin of a WebSocket, which an embed token must be bound to: the
// Origin of its upgrade, which the browser writes; or, for the widget's own page (an
// Origin of the directory's own host, which no other site's page can write), the portal
// that frames it, as its connection_init names it (X-Useradmin-Frame-Origin), as a POST
// of that page names it. Browsers send no Sec-Fetch-Site with a WebSocket's upgrade.
func liveOrigin(r *http.Request, named http.Header) string {
	origin := r.Header.Get("Origin")
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return strings.TrimSpace(named.Get(FrameOriginHeader))
	}
	return origin
}

// liveExecutor runs the documents of a WebSocket as the handler runs a POST's: read,
// measured and validated before anything runs; subscriptions only.
type liveExecutor struct{ h *Handler }

var errLiveOnlySubscriptions = server.FieldErrorf("query", "Send queries and mutations with POST: the WebSocket carries subscriptions only.")

// CreateOperationContext prepares one operation the client started.
func (e liveExecutor) CreateOperationContext(ctx context.Context, params *gql.RawParams) (*gql.OperationContext, gqlerror.List) {
	h := e.h
	if strings.TrimSpace(params.Query) == "" {
		return nil, listOf(refusal{inputProblem("query", `The request has no query: send one such as "subscription { userChanged { kind userId } }".`)})
	}
	doc, op, refused := h.documents.prepare(ctx, params.Query, params.OperationName, params.Variables)
	if refused != nil {
		return nil, listOf(refused)
	}
	if op.Operation != ast.Subscription {
		return nil, listOf(refuse(errLiveOnlySubscriptions))
	}
	rc, errs := h.exec.CreateOperationContext(withDocument(ctx, doc), params)
	if errs != nil {
		var out refusal
		for _, ge := range errs {
			if e := presentVariable(h.schema, op, params.Variables, ge); e != nil {
				out = append(out, e)
			} else {
				out = append(out, &gqlError{Message: "Internal error.", Extensions: map[string]any{"code": server.EINTERNAL}})
			}
		}
		return nil, listOf(out)
	}
	if ge := checkVariables(h.schema, op, rc.Variables); ge != nil {
		return nil, listOf(refusal{ge})
	}
	return rc, nil
}

// DispatchOperation runs a prepared operation.
func (e liveExecutor) DispatchOperation(ctx context.Context, rc *gql.OperationContext) (gql.ResponseHandler, context.Context) {
	return e.h.exec.DispatchOperation(ctx, rc)
}

// DispatchError answers errors as they are: CreateOperationContext presented them.
func (e liveExecutor) DispatchError(_ context.Context, list gqlerror.List) *gql.Response {
	return &gql.Response{Errors: list}
}

// listOf turns a refusal into the errors of a subscription's answer.
func listOf(r refusal) gqlerror.List {
	out := make(gqlerror.List, len(r))
	for i, e := range r {
		out[i] = &gqlerror.Error{Message: e.Message, Locations: e.Locations, Path: e.Path, Extensions: e.Extensions}
	}
	return out
}

// refuseSubscription refuses a subscription sent with POST, which answers once.
func refuseSubscription(op *ast.OperationDefinition) *response {
	if op.Operation != ast.Subscription {
		return nil
	}
	return &response{Errors: []*gqlError{inputProblem("query", "Subscriptions need a WebSocket: open one at this address with the graphql-ws or graphql-transport-ws protocol.")}}
}
