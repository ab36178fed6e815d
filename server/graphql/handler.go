// Package graphql answers the directory's GraphQL contract (schema.graphql) on the domain's
// services: the resolvers of gqlgen's generated executor (generated.go, made by `go
// generate` from gqlgen.yml), the limits checked on each document before it runs, the
// mapping of errors to errors[].extensions, and the HTTP handler for POST /graphql.
package graphql

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"useradmin/server"
)

// coreSchemaText is Kili's core alone, paradimeSchemaText Paradime's API alone. The same
// generated executor answers each, given it in place of the full schema; each must stay a
// subset of schema.graphql (TestSchema_SubsetsOfFull checks it).
var (
	//go:embed schema_core.graphql
	coreSchemaText string
	//go:embed schema_paradime.graphql
	paradimeSchemaText string
)

// Handler answers POST /graphql with the directory's GraphQL contract. Set its fields, then
// call Init (or let the first request do it).
type Handler struct {
	Users         server.UserService         // users, on behalf of the caller
	Organizations server.OrganizationService // organizations, on behalf of the caller
	Auth          server.AuthService         // keys, sessions and password resets
	Invitations   server.InvitationService   // invitations and their links
	Workspaces    server.WorkspaceService    // workspaces and their members
	Audit         server.AuditService        // the audit trail; may be nil: none is read
	Bulk          server.BulkService         // bulk actions; may be nil: updateUsers and deleteUsers then answer FORBIDDEN
	Imports       server.ImportService       // CSV import; may be nil: importUsers then answers FORBIDDEN
	Exports       server.ExportService       // CSV exports; may be nil: createExport and export then answer FORBIDDEN
	Mailer        server.Mailer              // may be nil: resetPassword then only issues the token
	EmbedTokens   server.EmbedTokenService   // may be nil: createEmbedToken is then refused
	// AllowedOrigins are the portals (-allowed-origins, the CORS allow-list) that embed
	// tokens may be bound to, and whose pages may open a WebSocket to the directory besides
	// its own.
	AllowedOrigins []string
	// ResetURL is the page where a user chooses a new password, e.g.
	// "http://127.0.0.1:8000/reset-password"; links are ResetURL + "?token=" + token.
	ResetURL string
	// InvitationURL is the page where an invited person accepts, e.g.
	// "http://127.0.0.1:8000/accept-invitation"; links are InvitationURL + "?token=" + token.
	InvitationURL string
	// CoreOnly serves only the contract's core (schema_core.graphql), as an endpoint that
	// is not the built-in directory would.
	CoreOnly bool
	// ParadimeOnly serves only Paradime's user-management API (schema_paradime.graphql).
	ParadimeOnly bool
	Logger       *slog.Logger // may be nil
	// TrustProxy takes the client's address from the last entry of X-Forwarded-For, which
	// the proxy in front of the directory adds. Leave it false when clients connect directly:
	// they could then write any address there and escape the store's limits on credential
	// checks, which count per client (see server.NewContextWithClient).
	TrustProxy bool
	// Changes is the fan-out that Subscription.userChanged follows; nil: subscriptions
	// answer that live updates are off.
	Changes server.Changes
	// LiveRecheck is how often an idle subscription checks its caller's key again; 0
	// means DefaultLiveRecheck.
	LiveRecheck time.Duration
	// LiveConnectionsPerClient is how many WebSockets one client (its address, as the
	// limits on credential checks name it) may hold open at once; 0 means
	// DefaultLiveConnectionsPerClient.
	LiveConnectionsPerClient int

	executorOnly bool // every document to gqlgen's executor, none to pageSchema (tests compare the two)

	live liveConnections // the WebSockets open now, per client

	once      sync.Once
	schema    *ast.Schema
	exec      *executor.Executor
	documents *documents
}

// Init binds the schema to the handler's services. It panics if the core schema cannot be
// read, which is a programming error found at start-up.
func (h *Handler) Init() {
	h.once.Do(func() {
		if h.Logger == nil {
			h.Logger = slog.New(slog.DiscardHandler)
		}
		root := &resolver{
			users:          h.Users,
			orgs:           h.Organizations,
			auth:           h.Auth,
			invites:        h.Invitations,
			workspaces:     h.Workspaces,
			audit:          h.Audit,
			bulk:           h.Bulk,
			imports:        h.Imports,
			exports:        h.Exports,
			mailer:         h.Mailer,
			resetURL:       h.ResetURL,
			invitationURL:  h.InvitationURL,
			logger:         h.Logger,
			changes:        h.Changes,
			recheck:        h.LiveRecheck,
			embeds:         h.EmbedTokens,
			allowedOrigins: h.AllowedOrigins,
		}
		cfg := Config{Resolvers: root}
		switch {
		case h.CoreOnly:
			cfg.Schema = gqlparser.MustLoadSchema(&ast.Source{Name: "schema_core.graphql", Input: coreSchemaText})
		case h.ParadimeOnly:
			cfg.Schema = gqlparser.MustLoadSchema(&ast.Source{Name: "schema_paradime.graphql", Input: paradimeSchemaText})
		}
		es := NewExecutableSchema(cfg)
		h.schema = es.Schema()
		h.documents = newDocuments(h.schema)
		if h.executorOnly {
			h.exec = executor.New(es)
		} else {
			h.exec = executor.New(pageSchema{ExecutableSchema: es, es: es.(*executableSchema)})
		}
		h.exec.SetQueryCache(documentCache{})
		h.exec.SetErrorPresenter(h.presentError)
		h.exec.SetRecoverFunc(h.recoverPanic)
		h.exec.Use(extension.Introspection{})
	})
}

// request is the JSON body of a GraphQL request.
type request struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName *string        `json:"operationName"`
}

// The media types of answers: application/json for every client, with 200 for every
// GraphQL answer (go-graphql-client v0.6.3 reads no other status); and the GraphQL over
// HTTP spec's own, for clients that ask for it, with 400 for a request that never ran.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// ServeHTTP answers one GraphQL request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.Init()
	if isWebSocket(r) {
		h.serveLive(w, r)
		return
	}
	media := answerMedia(r.Header.Get("Accept"))
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, media, http.StatusMethodNotAllowed, "Send GraphQL requests with POST.")
		return
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		// Browsers send text/plain, forms and multipart across sites without asking first
		// (no CORS preflight): executing them would let any web page call signIn in a
		// visitor's name. application/json needs a preflight, which CORS answers.
		w.Header().Set("Accept-Post", mediaJSON)
		writeError(w, media, http.StatusUnsupportedMediaType, `Send GraphQL requests as JSON, with the header "Content-Type: application/json".`)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, media, http.StatusRequestEntityTooLarge, "The request is larger than 1 MiB: send a shorter query or fewer variables.")
		return
	} else if err != nil {
		writeError(w, media, http.StatusBadRequest, "The request body could not be read: send it again.")
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, media, http.StatusBadRequest, `The request body must be JSON such as {"query": "{ viewer { id } }", "variables": {}}.`)
		return
	}
	res, ran := h.run(r, &req)
	status := http.StatusOK
	if !ran && media == mediaGraphQLResponse {
		status = http.StatusBadRequest
	}
	writeJSON(w, media, status, res)
}

// isJSON reports whether a Content-Type is application/json, with no charset or UTF-8,
// the only encoding of JSON (RFC 8259).
func isJSON(contentType string) bool {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != mediaJSON {
		return false
	}
	charset, ok := params["charset"]
	return !ok || strings.EqualFold(charset, "utf-8")
}

// answerMedia picks the media type of the answer from the request's Accept header.
func answerMedia(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		if t, params, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && t == mediaGraphQLResponse && params["q"] != "0" {
			return mediaGraphQLResponse
		}
	}
	return mediaJSON
}

// run runs a request as the caller its headers name; ran reports whether it got as far
// as running, or was refused before (its document, its cost or its variables).
func (h *Handler) run(r *http.Request, req *request) (res *response, ran bool) {
	if strings.TrimSpace(req.Query) == "" {
		return &response{Errors: []*gqlError{inputProblem("query", `The request has no query: send one such as "{ viewer { id } }".`)}}, false
	}
	opName := ""
	if req.OperationName != nil {
		opName = *req.OperationName
	}
	doc, op, refused := h.documents.prepare(r.Context(), req.Query, opName, req.Variables)
	if refused != nil {
		return &response{Errors: refused}, false
	}
	if res := refuseSubscription(op); res != nil {
		return res, false
	}
	ctx := h.authenticate(r)
	ctx = withDocument(gql.StartOperationTrace(ctx), doc)
	params := &gql.RawParams{Query: req.Query, OperationName: opName, Variables: req.Variables}
	opCtx, errs := h.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		out := &response{}
		for _, ge := range errs {
			e := presentVariable(h.schema, op, req.Variables, ge)
			if e == nil {
				h.Logger.Error("graphql operation", "err", ge)
				e = &gqlError{Message: "Internal error.", Extensions: map[string]any{"code": server.EINTERNAL}}
			}
			out.Errors = append(out.Errors, e)
		}
		return out, false
	}
	if e := checkVariables(h.schema, op, opCtx.Variables); e != nil {
		return &response{Errors: []*gqlError{e}}, false
	}
	responses, ctx := h.exec.DispatchOperation(ctx, opCtx)
	answer := responses(ctx)
	if answer == nil {
		// The executor answers nothing once the request's context is done: the client left.
		return &response{Errors: []*gqlError{{Message: "The request was cancelled before it was answered.",
			Extensions: map[string]any{"code": server.EINTERNAL}}}}, true
	}
	out := &response{Data: answer.Data}
	for _, ge := range answer.Errors {
		out.Errors = append(out.Errors, &gqlError{Message: ge.Message, Path: ge.Path, Extensions: ge.Extensions})
	}
	return out, true
}

// authenticate finds the caller named by the request's key. A request without a key, or
// with a key that does not authenticate, still runs: fields that need no caller answer,
// the others report why there is none.
func (h *Handler) authenticate(r *http.Request) context.Context {
	return h.authenticateFrom(r, requestOrigin(r.Header))
}

// authenticateFrom is authenticate for a request from the web origin origin.
func (h *Handler) authenticateFrom(r *http.Request, origin string) context.Context {
	st := &requestState{}
	ctx := server.NewContextWithClient(withState(r.Context(), st), clientAddress(r, h.TrustProxy))
	ctx = server.NewContextWithOrigin(ctx, origin)
	id, key, present, err := credentials(r.Header)
	switch {
	case !present:
		return ctx
	case err != nil:
		st.authErr = err
		return ctx
	}
	auth, err := h.Auth.AuthenticatePair(ctx, id, key)
	if err != nil {
		if server.ErrorCode(err) == server.EINTERNAL {
			h.Logger.Error("authenticate", "err", err)
		}
		st.authErr = err
		return ctx
	}
	return server.NewContextWithAuth(ctx, auth)
}

// FrameOriginHeader is where the widget names the portal that frames it: the origin the
// browser gave the portal's useradmin:init message.
const FrameOriginHeader = "X-Useradmin-Frame-Origin"

// requestOrigin is the web origin a request comes from, which an embed token must be bound
// to: the Origin header that a browser writes, or, for a request of the widget's own page
// (Sec-Fetch-Site: same-origin, which no other site's page can write), the portal that
// frames the widget, as the widget names it. A page of another site cannot send a
// request as if from the portal: the browser writes its real Origin, and the widget's
// page is framed only by the portals on -allowed-origins and names only the origin of
// the parent that sent init.
func requestOrigin(hdr http.Header) string {
	if hdr.Get("Sec-Fetch-Site") == "same-origin" {
		return strings.TrimSpace(hdr.Get(FrameOriginHeader))
	}
	return hdr.Get("Origin")
}

// credentials reads the caller's key from the request's headers: the pair X-API-KEY (the
// key's id) and X-API-SECRET (its secret), as Paradime's clients send them, or one of the
// three forms of apiKey (id is then empty). present reports whether any was sent at all.
func credentials(hdr http.Header) (id, key string, present bool, err error) {
	// A header sent twice is refused rather than read by its first value: a proxy or a
	// library in between may read another one, and the two would disagree on who calls.
	for _, name := range []string{"Authorization", "X-API-Key", "X-API-Secret"} {
		if len(hdr.Values(name)) > 1 {
			return "", "", true, errRepeatedHeader
		}
	}
	secret := strings.TrimSpace(hdr.Get("X-API-Secret"))
	if secret == "" {
		key, present = apiKey(hdr)
		if present && key == "" {
			return "", "", true, errBadHeader
		}
		return "", key, present, nil
	}
	id = strings.TrimSpace(hdr.Get("X-API-Key"))
	switch {
	case hdr.Get("Authorization") != "":
		return "", "", true, errTwoCredentials
	case id == "":
		return "", "", true, errSecretWithoutID
	}
	return id, secret, true, nil
}

// apiKey reads the key from the three header forms the contract accepts:
// "Authorization: X-API-Key: <key>" (Kili's), "Authorization: Bearer <key>", and
// "X-API-Key: <key>". present reports whether a key was sent at all; key is empty
// when the Authorization header has neither form.
func apiKey(hdr http.Header) (key string, present bool) {
	if v := strings.TrimSpace(hdr.Get("Authorization")); v != "" {
		for _, prefix := range []string{"X-API-Key:", "Bearer "} {
			if len(v) > len(prefix) && strings.EqualFold(v[:len(prefix)], prefix) {
				return strings.TrimSpace(v[len(prefix):]), true
			}
		}
		return "", true
	}
	if v := strings.TrimSpace(hdr.Get("X-API-Key")); v != "" {
		return v, true
	}
	return "", false
}

// response is the JSON body of a GraphQL answer.
type response struct {
	Errors []*gqlError     `json:"errors,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

func writeError(w http.ResponseWriter, media string, status int, message string) {
	writeJSON(w, media, status, &response{Errors: []*gqlError{{
		Message:    message,
		Extensions: map[string]any{"code": server.EINVALID},
	}}})
}

// writeJSON writes an answer whole, with its length, rather than chunked.
func writeJSON(w http.ResponseWriter, media string, status int, res *response) {
	buf := bodies.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledBody {
			bodies.Put(buf)
		}
	}()
	body, err := res.appendJSON((*buf)[:0])
	if err != nil {
		// Only a bug can make an answer that cannot be written.
		status = http.StatusInternalServerError
		body = []byte(`{"errors":[{"message":"Internal error.","extensions":{"code":"INTERNAL"}}]}` + "\n")
	} else {
		*buf = body
	}
	h := w.Header()
	h.Set("Content-Type", media)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// bodies holds buffers to write answers in: a page of users takes tens of kilobytes, and a
// new buffer for each answer would be as much more for the garbage collector. A buffer
// that grew past maxPooledBody is left to it.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 256 << 10

// appendJSON appends the answer as encoding/json writes it, and a new line. Data is the
// executor's output, compact JSON whose strings are escaped as encoding/json escapes them
// (see MarshalString): it is copied as it is, where encoding/json would scan it all again
// to compact it, which on a page of users costs as much as the rest of writing the answer.
func (res *response) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if len(res.Errors) > 0 {
		errs, err := json.Marshal(res.Errors)
		if err != nil {
			return nil, err
		}
		b = append(b, `"errors":`...)
		b = append(b, errs...)
	}
	if len(res.Data) > 0 {
		if len(res.Errors) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"data":`...)
		b = append(b, res.Data...)
	}
	return append(b, "}\n"...), nil
}
