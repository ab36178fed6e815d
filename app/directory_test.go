//go:build !wasm

// The widget's I/O tested against the real directory: server/sqlite and server/graphql
// behind httptest, as the binary serves them. Only tests import server/; the widget's
// own code never does, and the wasm build (whose vet compiles tests) leaves these files
// out, since SQLite does not build for the browser.

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"useradmin/server"
	"useradmin/server/graphql"
	serverhttp "useradmin/server/http"
	"useradmin/server/live"
	"useradmin/server/sqlite"
)

// directory is a running built-in directory with its seeded admin.
type directory struct {
	URL           string
	AdminKey      string
	AdminEmail    string
	AdminPassword string
	rec           *recorder
}

const testAdminKey = "app-test-admin-key-0123456789"

// startDirectory serves a freshly seeded directory until the test ends; coreOnly serves
// only the contract's core, as an endpoint that is not the directory would.
func startDirectory(t *testing.T, coreOnly bool) *directory {
	t.Helper()
	if coreOnly {
		return startDirectoryWith(t, "core")
	}
	return startDirectoryWith(t, "full")
}

// startDirectoryWith serves a freshly seeded directory with the contract named as
// -contract names it: full, core or paradime.
func startDirectoryWith(t *testing.T, contract string) *directory {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "users.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seed, err := db.Seed(context.Background(), sqlite.SeedOptions{AdminKey: testAdminKey})
	if err != nil {
		t.Fatal(err)
	}
	changes := live.New(server.ChangeLimit{}, 0)
	db.Changes = changes
	exports := sqlite.NewExportService(db)
	mux := http.NewServeMux()
	mux.Handle("GET /export/{token}", serverhttp.ExportHandler(exports, slog.New(slog.DiscardHandler)))
	mux.Handle("/", &graphql.Handler{
		Changes:       changes,
		Users:         sqlite.NewUserService(db),
		Organizations: sqlite.NewOrganizationService(db),
		Auth:          sqlite.NewAuthService(db),
		Invitations:   sqlite.NewInvitationService(db),
		Workspaces:    sqlite.NewWorkspaceService(db),
		Audit:         sqlite.NewAuditService(db),
		Bulk:          sqlite.NewBulkService(db),
		Imports:       sqlite.NewImportService(db),
		Exports:       exports,
		CoreOnly:      contract == "core",
		ParadimeOnly:  contract == "paradime",
		ResetURL:      "http://widget.test/reset-password",
		InvitationURL: "http://widget.test/accept-invitation",
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &directory{URL: srv.URL, AdminKey: testAdminKey, AdminEmail: seed.AdminEmail,
		AdminPassword: seed.AdminPassword, rec: &recorder{}}
}

// api is the widget's I/O with the directory on behalf of key; every request it sends is
// recorded.
func (d *directory) api(key string) api {
	return api{endpoint: d.URL, key: key, http: &http.Client{Transport: d.rec}}
}

// post sends a document the widget never sends (setting up a test), with key, and decodes
// its data into out.
func (d *directory) post(t *testing.T, key, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "X-API-Key: "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || len(res.Errors) > 0 {
		t.Fatalf("%s: %v %v", query, err, res.Errors)
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		t.Fatal(err)
	}
}

// sentDocument is one request the widget sent: its document and variables.
type sentDocument struct {
	Query     string
	Variables map[string]any
}

// recorder is an http.RoundTripper that keeps every document sent through it.
type recorder struct {
	mu   sync.Mutex
	sent []sentDocument
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var doc sentDocument
	if err := json.Unmarshal(body, &doc); err == nil {
		r.mu.Lock()
		r.sent = append(r.sent, doc)
		r.mu.Unlock()
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(req)
}

// documents returns what was sent so far.
func (r *recorder) documents() []sentDocument {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentDocument(nil), r.sent...)
}
