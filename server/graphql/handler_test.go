package graphql_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/graphql"
	"useradmin/server/sqlite"
)

// The people of the test directory. Every fixture starts from the same database, built
// once, so that the slow password hashes are computed once per test run.
const (
	acmeAdminEmail   = "admin@acme.test"
	acmeUserEmail    = "uma@acme.test"
	goneEmail        = "gone@acme.test"
	globexAdminEmail = "admin@globex.test"
	password         = "correct horse battery"
)

// directory holds what the template database was built with.
type directory struct {
	path                                   string
	acme, globex                           *server.Organization
	acmeAdmin, acmeUser, gone, globexAdmin *server.User
	acmeAdminKey, acmeUserKey, goneKey     string
	globexAdminKey, acmeUserKeyID          string
	expiredKey                             string                   // Uma's session key from 13 hours ago
	ivy                                    *server.IssuedInvitation // Acme's pending invitation of ivy@acme.test, as a USER
	acmeWorkspace, globexWorkspace         *server.Workspace        // Acme's Annotators, with Uma; Globex's empty Globex team
}

var (
	templateOnce sync.Once
	template     directory
	templateErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if template.path != "" {
		os.RemoveAll(filepath.Dir(template.path))
	}
	os.Exit(code)
}

// buildTemplate creates Acme (an ADMIN, a USER, a deactivated USER) and Globex (an ADMIN).
func buildTemplate() (d directory, err error) {
	dir, err := os.MkdirTemp("", "graphql-test-")
	if err != nil {
		return d, err
	}
	d.path = filepath.Join(dir, "template.db")
	db := sqlite.NewDB(d.path)
	if err := db.Open(); err != nil {
		return d, err
	}
	defer db.Close()
	ctx := context.Background()
	users, auth := sqlite.NewUserService(db), sqlite.NewAuthService(db)

	acme, admin, adminKey, err := db.CreateOrganization(ctx, "Acme", server.UserCreate{
		Email: acmeAdminEmail, Password: password, Firstname: "Ada", Lastname: "Admin"})
	if err != nil {
		return d, err
	}
	d.acme, d.acmeAdmin, d.acmeAdminKey = acme, admin, adminKey.Key
	asAdmin := server.NewContextWithAuth(ctx, &server.Auth{User: admin, KeyID: adminKey.ID})
	var umaKey, goneKey *server.APIKey
	if d.acmeUser, umaKey, err = addUser(asAdmin, users, auth, acmeUserEmail, "Uma", "User"); err != nil {
		return d, err
	}
	d.acmeUserKey, d.acmeUserKeyID = umaKey.Key, umaKey.ID
	if d.gone, goneKey, err = addUser(asAdmin, users, auth, goneEmail, "Gil", "Gone"); err != nil {
		return d, err
	}
	d.goneKey = goneKey.Key
	off := false
	if d.gone, err = users.UpdateUser(asAdmin, server.UserRef{ID: d.gone.ID}, server.UserUpdate{Activated: &off}); err != nil {
		return d, err
	}
	globex, gadmin, gkey, err := db.CreateOrganization(ctx, "Globex", server.UserCreate{
		Email: globexAdminEmail, Password: password, Firstname: "Gus", Lastname: "Globex"})
	if err != nil {
		return d, err
	}
	d.globex, d.globexAdmin, d.globexAdminKey = globex, gadmin, gkey.Key

	results, err := sqlite.NewInvitationService(db).InviteUsers(asAdmin, []string{"ivy@acme.test"}, server.RoleUser)
	if err != nil {
		return d, err
	}
	d.ivy = &server.IssuedInvitation{Invitation: results[0].Invitation, Token: results[0].Token}

	ws := sqlite.NewWorkspaceService(db)
	if d.acmeWorkspace, err = ws.CreateWorkspace(asAdmin, "Annotators"); err != nil {
		return d, err
	}
	if d.acmeWorkspace, err = ws.AddWorkspaceMembers(asAdmin, d.acmeWorkspace.ID, []string{d.acmeUser.ID}); err != nil {
		return d, err
	}
	asGlobex := server.NewContextWithAuth(ctx, &server.Auth{User: gadmin, KeyID: gkey.ID})
	if d.globexWorkspace, err = ws.CreateWorkspace(asGlobex, "Globex team"); err != nil {
		return d, err
	}

	// A session opened 13 hours ago has expired; the store no longer lists it.
	db.Now = func() time.Time { return time.Now().Add(-server.SessionLifetime - time.Hour) }
	session, err := auth.SignIn(ctx, acmeUserEmail, password)
	db.Now = time.Now
	if err != nil {
		return d, err
	}
	d.expiredKey = session.APIKey
	return d, nil
}

// addUser adds a USER to the admin's organization, with an API key.
func addUser(asAdmin context.Context, users server.UserService, auth server.AuthService, email, first, last string) (*server.User, *server.APIKey, error) {
	u, err := users.CreateUser(asAdmin, server.UserCreate{
		Email: email, Password: password, Role: server.RoleUser, Firstname: first, Lastname: last})
	if err != nil {
		return nil, nil, err
	}
	key, err := auth.CreateAPIKey(asAdmin, server.APIKeyCreate{Name: "test"}, &server.UserRef{ID: u.ID})
	if err != nil {
		return nil, nil, err
	}
	return u, key, nil
}

// fixture is a handler on a fresh copy of the test directory.
type fixture struct {
	directory
	db      *sqlite.DB
	handler *graphql.Handler
	mailer  *mailbox
	log     *bytes.Buffer
	reader  *sql.DB // a connection of its own, for snapshots
}

// newFixture returns a handler on its own copy of the test directory.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	templateOnce.Do(func() { template, templateErr = buildTemplate() })
	if templateErr != nil {
		tb.Fatalf("build the test directory: %v", templateErr)
	}
	path := filepath.Join(tb.TempDir(), "directory.db")
	data, err := os.ReadFile(template.path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	f := &fixture{directory: template, db: db, mailer: &mailbox{}, log: &bytes.Buffer{}}
	db.Logger = slog.New(slog.NewTextHandler(f.log, nil))
	f.handler = f.newHandler(f.mailer)
	return f
}

// newHandler returns a handler on the fixture's database that sends mail with mailer.
func (f *fixture) newHandler(mailer server.Mailer) *graphql.Handler {
	return f.handlerWith(func(h *graphql.Handler) { h.Mailer = mailer })
}

// handlerWith returns a handler on the fixture's database, set up by configure before Init.
func (f *fixture) handlerWith(configure func(h *graphql.Handler)) *graphql.Handler {
	auth := sqlite.NewAuthService(f.db)
	h := &graphql.Handler{
		Users:          sqlite.NewUserService(f.db),
		Organizations:  sqlite.NewOrganizationService(f.db),
		Auth:           auth,
		EmbedTokens:    auth,
		AllowedOrigins: []string{portalOrigin, otherPortal},
		Invitations:    sqlite.NewInvitationService(f.db),
		Workspaces:     sqlite.NewWorkspaceService(f.db),
		Audit:          sqlite.NewAuditService(f.db),
		Bulk:           sqlite.NewBulkService(f.db),
		Imports:        sqlite.NewImportService(f.db),
		Exports:        sqlite.NewExportService(f.db),
		Mailer:         f.mailer,
		ResetURL:       "http://127.0.0.1:8000/reset-password",
		InvitationURL:  "http://127.0.0.1:8000/accept-invitation",
		Logger:         slog.New(slog.NewTextHandler(f.log, nil)),
	}
	configure(h)
	h.Init()
	return h
}

// mailbox is a Mailer that keeps what it is asked to send.
type mailbox struct {
	mu          sync.Mutex
	sent        []mail
	invitations []server.InvitationMail
}

type mail struct {
	to, link  string
	expiresAt time.Time
}

func (m *mailbox) SendPasswordReset(_ context.Context, to, link string, expiresAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, mail{to, link, expiresAt})
	return nil
}

func (m *mailbox) SendInvitations(_ context.Context, mails []server.InvitationMail) []error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, im := range mails {
		m.invitations = append(m.invitations, im)
	}
	return make([]error, len(mails))
}

// gql is one GraphQL request.
type gql struct {
	query     string
	variables string // JSON; empty: absent
	opName    string // empty: absent
	key       string // sent as "Authorization: X-API-Key: <key>"; empty: no key
}

// post sends body to the handler with header and returns the status and the parsed answer.
func (f *fixture) post(tb testing.TB, header http.Header, body string) (int, map[string]any) {
	tb.Helper()
	return f.postFrom(tb, "", header, body)
}

// postFrom is post from the client at remoteAddr ("host:port"; empty: httptest's).
func (f *fixture) postFrom(tb testing.TB, remoteAddr string, header http.Header, body string) (int, map[string]any) {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	if remoteAddr != "" {
		r.RemoteAddr = remoteAddr
	}
	r.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		tb.Fatalf("answer is not JSON: %v\n%s", err, w.Body.String())
	}
	return w.Code, got
}

// do runs one request and fails unless it answers 200.
func (f *fixture) do(tb testing.TB, q gql) map[string]any {
	tb.Helper()
	body := map[string]any{"query": q.query}
	if q.variables != "" {
		body["variables"] = json.RawMessage(q.variables)
	}
	if q.opName != "" {
		body["operationName"] = q.opName
	}
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	header := http.Header{}
	if q.key != "" {
		header.Set("Authorization", "X-API-Key: "+q.key)
	}
	status, got := f.post(tb, header, string(b))
	if status != http.StatusOK {
		tb.Fatalf("status = %d, want 200; answer %v", status, got)
	}
	return got
}

// data runs a request that must succeed and returns its data.
func (f *fixture) data(tb testing.TB, q gql) map[string]any {
	tb.Helper()
	got := f.do(tb, q)
	if errs, ok := got["errors"]; ok {
		tb.Fatalf("errors: %v", errs)
	}
	data, _ := got["data"].(map[string]any)
	return data
}

// refusal is one error of an answer: its message, and its extensions' code and field.
type refusal struct{ message, code, field string }

// mustRefuse returns the errors of the answer got, and fails the test when it has none:
// the request was accepted.
func mustRefuse(tb testing.TB, got map[string]any) []refusal {
	tb.Helper()
	errs, _ := got["errors"].([]any)
	if len(errs) == 0 {
		tb.Fatalf("accepted: %v", got)
	}
	out := make([]refusal, len(errs))
	for i, e := range errs {
		e, _ := e.(map[string]any)
		ext, _ := e["extensions"].(map[string]any)
		out[i].message = fmt.Sprint(e["message"])
		out[i].code, _ = ext["code"].(string)
		out[i].field, _ = ext["field"].(string)
	}
	return out
}

// firstError runs a request that must fail and returns its first error's message and
// extensions.
func (f *fixture) firstError(tb testing.TB, q gql) (string, map[string]any) {
	tb.Helper()
	got := f.do(tb, q)
	errs, _ := got["errors"].([]any)
	if len(errs) == 0 {
		tb.Fatalf("no errors; answer %v", got)
	}
	e := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg, ext
}

// expand replaces the fixture's names ($ACME_ADMIN_ID, ...) in s.
func (f *fixture) expand(s string) string {
	return strings.NewReplacer(
		"$ACME_ADMIN_ID", f.acmeAdmin.ID,
		"$ACME_USER_ID", f.acmeUser.ID,
		"$GONE_ID", f.gone.ID,
		"$GLOBEX_ADMIN_ID", f.globexAdmin.ID,
		"$ACME_ID", f.acme.ID,
		"$GLOBEX_ID", f.globex.ID,
		"$ACME_USER_KEY_ID", f.acmeUserKeyID,
		"$IVY_ID", f.ivy.Invitation.ID,
		"$IVY_TOKEN", f.ivy.Token,
		"$ACME_WS_ID", f.acmeWorkspace.ID,
		"$GLOBEX_WS_ID", f.globexWorkspace.ID,
	).Replace(s)
}

// assertJSON compares got with the JSON want, after expanding the fixture's names in want.
func (f *fixture) assertJSON(tb testing.TB, got any, want string) {
	tb.Helper()
	var w any
	if err := json.Unmarshal([]byte(f.expand(want)), &w); err != nil {
		tb.Fatalf("bad expected JSON: %v\n%s", err, want)
	}
	g := roundTrip(tb, got)
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.MarshalIndent(g, "", "  ")
		wb, _ := json.MarshalIndent(w, "", "  ")
		tb.Errorf("got\n%s\nwant\n%s", gb, wb)
	}
}

// roundTrip gives v the shapes encoding/json decodes to.
func roundTrip(tb testing.TB, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// countUsers counts the users the Acme admin sees, through the handler.
func (f *fixture) countUsers(tb testing.TB) float64 {
	tb.Helper()
	d := f.data(tb, gql{query: `{ n: countUsers(where: {}) }`, key: f.acmeAdminKey})
	return d["n"].(float64)
}

// userJSON reads one user of Acme as the admin sees it, every field.
func (f *fixture) userJSON(tb testing.TB, id string) any {
	tb.Helper()
	d := f.data(tb, gql{
		query:     `query($id: ID!) { users(where: {id: $id}, first: 1, skip: 0) { id email firstname lastname activated organizationId organizationRole createdAt updatedAt } }`,
		variables: `{"id": "` + id + `"}`,
		key:       f.acmeAdminKey,
	})
	return d["users"]
}

func TestHandler_Transport(t *testing.T) {
	f := newFixture(t)
	f.snapshot(t) // opens the reader for the whole test
	viewer := `{"query": "{ viewer { email } }"}`

	t.Run("HeaderForms", func(t *testing.T) {
		for name, header := range map[string]http.Header{
			"AuthorizationXAPIKey": {"Authorization": {"X-API-Key: " + f.acmeUserKey}},
			"AuthorizationBearer":  {"Authorization": {"Bearer " + f.acmeUserKey}},
			"XAPIKey":              {"X-Api-Key": {f.acmeUserKey}},
		} {
			t.Run(name, func(t *testing.T) {
				status, got := f.post(t, header, viewer)
				if status != http.StatusOK {
					t.Fatalf("status = %d", status)
				}
				f.assertJSON(t, got, `{"data": {"viewer": {"email": "`+acmeUserEmail+`"}}}`)
			})
		}
	})

	t.Run("ErrMalformedAuthorization", func(t *testing.T) {
		_, got := f.post(t, http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, viewer)
		f.assertJSON(t, got["errors"], `[{"message": "The Authorization header must be \"Bearer <key>\" or \"X-API-Key: <key>\".",
			"path": ["viewer"], "extensions": {"code": "UNAUTHENTICATED"}}]`)
	})

	t.Run("ErrRepeatedHeader", func(t *testing.T) {
		// A credential header sent twice names two callers, or one a proxy in between may
		// read apart from the directory: the request is refused, whichever comes first,
		// and writes nothing.
		promote := `{"query": "mutation { updatePropertiesInUser(where: {email: \"` + acmeUserEmail + `\"}, data: {organizationRole: ADMIN}) { id } }"}`
		before := f.snapshot(t)
		for name, header := range map[string]http.Header{
			"Authorization, the user's first":   {"Authorization": {"X-API-Key: " + f.acmeUserKey, "Bearer " + f.acmeAdminKey}},
			"Authorization, the admin's first":  {"Authorization": {"Bearer " + f.acmeAdminKey, "X-API-Key: " + f.acmeUserKey}},
			"Authorization, the same key twice": {"Authorization": {"Bearer " + f.acmeAdminKey, "Bearer " + f.acmeAdminKey}},
			"X-API-Key":                         {"X-Api-Key": {f.acmeAdminKey, f.acmeUserKey}},
			"X-API-Secret":                      {"X-Api-Key": {f.acmeUserKeyID}, "X-Api-Secret": {f.acmeUserKey, f.acmeAdminKey}},
		} {
			t.Run(name, func(t *testing.T) {
				for _, body := range []string{viewer, promote} {
					_, got := f.post(t, header, body)
					if strings.Contains(fmt.Sprint(got["data"]), "@") {
						t.Fatalf("answered %v", got)
					}
					errs, _ := got["errors"].([]any)
					if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs[0]), "at most once") {
						t.Fatalf("errors = %v, want the repeated header's", got["errors"])
					}
				}
			})
		}
		if f.snapshot(t) != before {
			t.Fatal("a request with a repeated credential header changed what is stored")
		}
	})

	t.Run("NullVariablesAndOperationName", func(t *testing.T) {
		status, got := f.post(t, http.Header{"X-Api-Key": {f.acmeUserKey}},
			`{"query": "{ viewer { email } }", "variables": null, "operationName": null}`)
		if status != http.StatusOK {
			t.Fatalf("status = %d", status)
		}
		f.assertJSON(t, got, `{"data": {"viewer": {"email": "`+acmeUserEmail+`"}}}`)
	})

	t.Run("OperationName", func(t *testing.T) {
		got := f.data(t, gql{
			query:  `query A { viewer { email } } query B { me { firstname } }`,
			opName: "B",
			key:    f.acmeUserKey,
		})
		f.assertJSON(t, got, `{"me": {"firstname": "Uma"}}`)
	})

	t.Run("ErrOperationNameMissing", func(t *testing.T) {
		msg, ext := f.firstError(t, gql{query: `query A { viewer { email } } query B { me { email } }`, key: f.acmeUserKey})
		f.assertJSON(t, []any{msg, ext}, `["The query has several operations: send operationName to say which one to run.",
			{"code": "BAD_USER_INPUT", "field": "operationName"}]`)
	})

	t.Run("ErrNotJSON", func(t *testing.T) {
		status, got := f.post(t, nil, `query { viewer { id } }`)
		if status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", status)
		}
		f.assertJSON(t, got, `{"errors": [{"message": "The request body must be JSON such as {\"query\": \"{ viewer { id } }\", \"variables\": {}}.",
			"extensions": {"code": "BAD_USER_INPUT"}}]}`)
	})

	t.Run("ContentType", func(t *testing.T) {
		// Only JSON is executed: browsers send text/plain, forms and multipart across sites
		// without a CORS preflight. Such a request runs nothing, stores nothing, and counts
		// no sign-in attempt.
		signIn := `{"query": "mutation { signIn(email: \"uma@acme.test\", password: \"a guess\") { apiKey } }"}`
		before := f.snapshot(t)
		attempts := f.attempts(t)
		for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
			"multipart/form-data; boundary=x", "application/graphql", "application/jsonx", "application/json; charset=latin1",
			"application/json;;", "text/json"} {
			w := f.serveWith(ct, signIn)
			if w.Code != http.StatusUnsupportedMediaType || !strings.Contains(w.Body.String(), `Send GraphQL requests as JSON, with the header \"Content-Type: application/json\".`) {
				t.Errorf("Content-Type %q: status %d, answer %s; want 415 with a sentence", ct, w.Code, w.Body)
			}
		}
		if f.snapshot(t) != before || f.attempts(t) != attempts {
			t.Errorf("a request that is not JSON stored something")
		}
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; Charset=UTF-8"} {
			if w := f.serveWith(ct, viewer); w.Code != http.StatusOK {
				t.Errorf("Content-Type %q: status %d, want 200", ct, w.Code)
			}
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		body := `{"query": "{ viewer { id } }", "variables": {"pad": "` + strings.Repeat("x", graphql.MaxBodySize) + `"}}`
		status, got := f.post(t, nil, body)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413", status)
		}
		if got["errors"] == nil {
			t.Errorf("no errors in %v", got)
		}
	})

	t.Run("ErrMethod", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, r)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
			t.Errorf("status = %d, Allow = %q", w.Code, w.Header().Get("Allow"))
		}
		body, _ := io.ReadAll(w.Body)
		if !json.Valid(body) {
			t.Errorf("body is not JSON: %s", body)
		}
	})

	t.Run("WholeAnswer", func(t *testing.T) {
		// An answer with both errors and data, sent with its length rather than chunked.
		body := `{"query": "{ viewer { email } }"}`
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Api-Key", f.goneKey)
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, r)
		out := w.Body.Bytes()
		if got, want := w.Header().Get("Content-Length"), strconv.Itoa(len(out)); got != want {
			t.Errorf("Content-Length = %q, want %q", got, want)
		}
		if !bytes.HasPrefix(out, []byte(`{"errors":[{`)) || !bytes.HasSuffix(out, []byte(`,"data":null}`+"\n")) {
			t.Errorf("answer = %s", out)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("answer is not JSON: %v\n%s", err, out)
		}
		f.assertJSON(t, got["errors"], `[{"message": "Your account is deactivated: ask an admin of your organization to activate it.",
			"path": ["viewer"], "extensions": {"code": "UNAUTHENTICATED"}}]`)
	})

	t.Run("ErrEmptyQuery", func(t *testing.T) {
		msg, ext := f.firstError(t, gql{query: "  ", key: f.acmeUserKey})
		f.assertJSON(t, []any{msg, ext}, `["The request has no query: send one such as \"{ viewer { id } }\".",
			{"code": "BAD_USER_INPUT", "field": "query"}]`)
	})

	t.Run("ErrTooDeep", func(t *testing.T) {
		// __schema, types, fields and type, then ofType down to depth 16.
		q := "{ __schema { types { fields { type { " + strings.Repeat("ofType { ", 11) + "name" + strings.Repeat(" }", 15) + " }"
		msg, ext := f.firstError(t, gql{query: q})
		f.assertJSON(t, []any{msg, ext}, `["The query nests fields too deeply: at most 15 levels.", {"code": "BAD_USER_INPUT", "field": "query"}]`)
	})
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestHandler_InternalError(t *testing.T) {
	f := newFixture(t)
	key := f.acmeAdminKey
	f.db.Close() // every store call now fails with an error that is not a server.Error

	got := f.do(t, gql{query: `{ viewer { id } }`, key: key})
	f.assertJSON(t, got, `{"data": null, "errors": [{"message": "Internal error.", "path": ["viewer"], "extensions": {"code": "INTERNAL"}}]}`)
	log := f.log.String()
	if !strings.Contains(log, "database is closed") {
		t.Errorf("the cause is not logged: %q", log)
	}
	if strings.Contains(log, key) {
		t.Errorf("the log holds the API key: %q", log)
	}
}

// serveWith posts body with the Content-Type ct ("" for none) and returns the answer.
func (f *fixture) serveWith(ct, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w
}

// TestHandler_MediaTypes checks the GraphQL over HTTP conventions: only a JSON body runs;
// a client that accepts application/graphql-response+json gets it, with 400 for a request
// that never ran; any other client gets application/json with 200, as go-graphql-client
// needs.
func TestHandler_MediaTypes(t *testing.T) {
	f := newFixture(t)
	send := func(contentType, accept, body string) (*httptest.ResponseRecorder, map[string]any) {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		r.Header.Set("X-Api-Key", f.acmeUserKey)
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, r)
		var got map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("answer is not JSON: %v\n%s", err, w.Body.String())
		}
		return w, got
	}
	const (
		viewer       = `{"query": "{ viewer { email } }"}`
		badSyntax    = `{"query": "{ viewer { email }"}`
		tooBig       = `{"query": "{ a: users(where: {}, first: 100, skip: 0) { apiKeys { id name createdAt expiresAt } } b: users(where: {}, first: 100, skip: 0) { apiKeys { id } } }"}`
		badVariable  = `{"query": "query($n: PageSize!) { users(where: {}, first: $n, skip: 0) { id } }", "variables": {"n": "ten"}}`
		failsRunning = `{"query": "mutation { deleteUser(where: {}) }"}`
		graphqlJSON  = "application/graphql-response+json"
	)

	t.Run("ErrNotJSONContentType", func(t *testing.T) {
		before := f.snapshot(t)
		for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/graphql"} {
			w, got := send(ct, "", `{"query": "mutation { createUser(data: {email: \"csrf@acme.test\", password: \"a long password\", organizationRole: ADMIN}) { id } }"}`)
			if w.Code != http.StatusUnsupportedMediaType || got["data"] != nil {
				t.Errorf("Content-Type %q: status %d, %v", ct, w.Code, got)
			}
			f.assertJSON(t, got["errors"], `[{"message": "Send GraphQL requests as JSON, with the header \"Content-Type: application/json\".", "extensions": {"code": "BAD_USER_INPUT"}}]`)
		}
		if f.snapshot(t) != before {
			t.Errorf("a request that is not JSON changed what is stored")
		}
		if w, _ := send("application/json; charset=utf-8", "", viewer); w.Code != http.StatusOK {
			t.Errorf("application/json with a charset: status %d", w.Code)
		}
	})

	for _, tc := range []struct {
		name, accept, body string
		status             int
		media              string
	}{
		{"JSON", "", viewer, 200, "application/json"},
		{"JSONRefused", "application/json", badSyntax, 200, "application/json"},
		{"JSONCostRefused", "", tooBig, 200, "application/json"},
		{"JSONVariableRefused", "*/*", badVariable, 200, "application/json"},
		{"GraphQLResponse", graphqlJSON, viewer, 200, graphqlJSON},
		{"GraphQLResponseSyntax", graphqlJSON + ", application/json;q=0.9", badSyntax, 400, graphqlJSON},
		{"GraphQLResponseCost", graphqlJSON, tooBig, 400, graphqlJSON},
		{"GraphQLResponseVariable", graphqlJSON, badVariable, 400, graphqlJSON},
		{"GraphQLResponseRanAndFailed", graphqlJSON, failsRunning, 200, graphqlJSON},
		{"GraphQLResponseRefusedByClient", graphqlJSON + ";q=0, application/json", viewer, 200, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, got := send("application/json", tc.accept, tc.body)
			if w.Code != tc.status || w.Header().Get("Content-Type") != tc.media {
				t.Errorf("status %d, Content-Type %q; want %d, %q (%v)", w.Code, w.Header().Get("Content-Type"), tc.status, tc.media, got)
			}
		})
	}
}
