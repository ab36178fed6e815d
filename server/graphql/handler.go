// Package graphql answers the directory's GraphQL contract (schema.graphql) on the domain's
// services: the schema, its resolvers, the mapping of server.Error to errors[].extensions,
// and the HTTP handler for POST /graphql.
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

	gql "github.com/graph-gophers/graphql-go"

	"useradmin/server"
)

//go:embed schema.graphql
var schemaText string

// coreSchemaText is Kili's core alone; the same resolvers answer it, so it can only lag
// behind schema.graphql, never disagree with it (TestHandler_CoreContract checks both).
//
//go:embed schema_core.graphql
var coreSchemaText string

// Limits on a request.
const (
	// MaxBodySize is the largest request body read, in bytes.
	MaxBodySize = 1 << 20
	// MaxDepth is how deeply fields may nest in a query. The directory's own types nest four
	// levels at most; the standard introspection query that tools send nests about thirteen.
	MaxDepth = 15
	// MaxQueryLength is the longest query read, in bytes; long values belong in variables.
	// Kili's documents and the standard introspection query are under 2 KiB.
	MaxQueryLength = 16 << 10
	// MaxRootFields is how many fields the top level of an operation may have, aliases
	// included, so that one request cannot ask for many pages at once.
	MaxRootFields = 10
	// MaxFields is how many fields an operation may ask for in all, a fragment counted each
	// time it is used. The standard introspection query asks for about 200.
	MaxFields = 400
	// MaxIDs is how many ids where.idIn may hold.
	MaxIDs = 1000
	// maxOverlapPairs bounds the library's check that fields of the same name agree, which
	// otherwise takes time in the square of the number of fields; the standard
	// introspection query passes it with room to spare.
	maxOverlapPairs = 20_000
)

// Handler answers POST /graphql with the directory's GraphQL contract. Set its fields, then
// call Init (or let the first request do it).
type Handler struct {
	Users         server.UserService         // users, on behalf of the caller
	Organizations server.OrganizationService // organizations, on behalf of the caller
	Auth          server.AuthService         // keys, sessions and password resets
	Mailer        server.Mailer              // may be nil: resetPassword then only issues the token
	// ResetURL is the page where a user chooses a new password, e.g.
	// "http://127.0.0.1:8000/reset-password"; links are ResetURL + "?token=" + token.
	ResetURL string
	// CoreOnly serves only the contract's core (schema_core.graphql), as an endpoint that
	// is not the built-in directory would.
	CoreOnly bool
	Logger   *slog.Logger // may be nil
	// TrustProxy takes the client's address from the last entry of X-Forwarded-For, which
	// the proxy in front of the directory adds. Leave it false when clients connect directly:
	// they could then write any address there and escape the store's limits on credential
	// checks, which count per client (see server.NewContextWithClient).
	TrustProxy bool

	once   sync.Once
	schema *gql.Schema
}

// Init parses the schema and binds it to the handler's services. It panics if the schema and
// the resolvers do not match, which is a programming error found at start-up.
func (h *Handler) Init() {
	h.once.Do(func() {
		if h.Logger == nil {
			h.Logger = slog.New(slog.DiscardHandler)
		}
		root := &resolver{
			users:    h.Users,
			orgs:     h.Organizations,
			auth:     h.Auth,
			mailer:   h.Mailer,
			resetURL: h.ResetURL,
			logger:   h.Logger,
		}
		text := schemaText
		if h.CoreOnly {
			text = coreSchemaText
		}
		// UseFieldResolvers lets a field without a method be read from the resolver's
		// struct field of the same name: User's scalars are (see userResolver), which on a
		// page of users saves a call by reflection per field. A field with neither a
		// method nor a struct field still fails here, at start-up; a resolver's unexported
		// fields must not share a name with a field of its type.
		h.schema = gql.MustParseSchema(text, root,
			gql.UseStringDescriptions(),
			gql.UseFieldResolvers(),
			gql.MaxDepth(MaxDepth),
			gql.OverlapValidationLimit(maxOverlapPairs),
			gql.Tracer(queryChecker{logger: h.Logger}),
			gql.Logger(panicLogger{h.Logger}),
			gql.PanicHandler(panicHandler{}),
		)
	})
}

// request is the JSON body of a GraphQL request.
type request struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName *string        `json:"operationName"`
}

// ServeHTTP answers one GraphQL request. Everything GraphQL, errors included, answers 200 so
// that clients can read the error codes; only a body that is not a GraphQL request does not.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.Init()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "Send GraphQL requests with POST.")
		return
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		// Browsers send text/plain, forms and multipart across sites without asking first
		// (no CORS preflight): executing them would let any web page call signIn in a
		// visitor's name. application/json needs a preflight, which CORS answers.
		w.Header().Set("Accept-Post", "application/json")
		writeError(w, http.StatusUnsupportedMediaType, `Send GraphQL requests as JSON, with the header "Content-Type: application/json".`)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "The request is larger than 1 MiB: send a shorter query or fewer variables.")
		return
	} else if err != nil {
		writeError(w, http.StatusBadRequest, "The request body could not be read: send it again.")
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, `The request body must be JSON such as {"query": "{ viewer { id } }", "variables": {}}.`)
		return
	}
	writeJSON(w, http.StatusOK, h.exec(r, &req))
}

// isJSON reports whether a Content-Type is application/json, with no charset or UTF-8,
// the only encoding of JSON (RFC 8259).
func isJSON(contentType string) bool {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "application/json" {
		return false
	}
	charset, ok := params["charset"]
	return !ok || strings.EqualFold(charset, "utf-8")
}

// exec runs a request as the caller its headers name.
func (h *Handler) exec(r *http.Request, req *request) *response {
	if strings.TrimSpace(req.Query) == "" {
		return &response{Errors: []*gqlError{{
			Message:    `The request has no query: send one such as "{ viewer { id } }".`,
			Extensions: map[string]any{"code": server.EINVALID, "field": "query"},
		}}}
	}
	if len(req.Query) > MaxQueryLength {
		return &response{Errors: []*gqlError{presentServerError(server.FieldErrorf("query",
			"The query is %d bytes long: send at most %d, and put long values in variables.", len(req.Query), MaxQueryLength))}}
	}
	ctx, st := h.authenticate(r)
	opName := ""
	if req.OperationName != nil {
		opName = *req.OperationName
	}
	res := h.schema.Exec(ctx, req.Query, opName, req.Variables)
	if st.refused != nil {
		// The operation was refused before any resolver ran; what the run reported
		// afterwards is only the consequence.
		return &response{Errors: []*gqlError{presentServerError(st.refused)}}
	}
	out := &response{Data: res.Data}
	for _, e := range res.Errors {
		out.Errors = append(out.Errors, h.present(e, req.Variables))
	}
	return out
}

// authenticate finds the caller named by the request's key. A request without a key, or
// with a key that does not authenticate, still runs: fields that need no caller answer,
// the others report why there is none.
func (h *Handler) authenticate(r *http.Request) (context.Context, *requestState) {
	st := &requestState{}
	ctx := server.NewContextWithClient(withState(r.Context(), st), clientAddress(r, h.TrustProxy))
	key, present := apiKey(r.Header)
	switch {
	case !present:
		return ctx, st
	case key == "":
		st.authErr = errBadHeader
		return ctx, st
	}
	auth, err := h.Auth.Authenticate(ctx, key)
	if err != nil {
		if server.ErrorCode(err) == server.EINTERNAL {
			h.Logger.Error("authenticate", "err", err)
		}
		st.authErr = err
		return ctx, st
	}
	return server.NewContextWithAuth(ctx, auth), st
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

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, &response{Errors: []*gqlError{{
		Message:    message,
		Extensions: map[string]any{"code": server.EINVALID},
	}}})
}

// writeJSON writes an answer whole, with its length, rather than chunked.
func writeJSON(w http.ResponseWriter, status int, res *response) {
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
	h.Set("Content-Type", "application/json")
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
// library's output, compact JSON whose strings encoding/json escaped already: it is copied
// as it is, where encoding/json would scan it all again to compact it, which on a page of
// users costs as much as the rest of writing the answer.
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
