package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/graphql"
	serverhttp "useradmin/server/http"
	"useradmin/server/sqlite"
)

func TestPortalHandler(t *testing.T) {
	s := MustOpenServer(t, &serverhttp.Server{Handler: serverhttp.PortalHandler(serverhttp.Portal{WidgetURL: "http://127.0.0.1:8000/"})})
	resp, page := get(t, s.URL()+"/")
	if resp.StatusCode != http.StatusOK ||
		!strings.Contains(page, `data-src="http://127.0.0.1:8000/"`) ||
		!strings.Contains(page, `data-origin="http://127.0.0.1:8000"`) ||
		!strings.Contains(page, "This portal has no API key") {
		t.Fatalf("got %d:\n%s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src http://127.0.0.1:8000") {
		t.Errorf("CSP = %q, want frame-src for the widget's origin", csp)
	}
	resp, script := get(t, s.URL()+"/portal.js")
	if resp.StatusCode != http.StatusOK || !strings.Contains(script, `"useradmin:init"`) || strings.Contains(script, "apiKey") {
		t.Fatalf("portal.js: %d", resp.StatusCode)
	}
	if resp, body := get(t, s.URL()+"/api/people"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "-portal-key") {
		t.Fatalf("people without a key: %d %s", resp.StatusCode, body)
	}
}

// portalPost posts body to the portal's back end from origin ("" for none).
func portalPost(t *testing.T, url, origin, body string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestPortal_MintsTokens(t *testing.T) {
	// The portal's back end against a real directory: it lists the people, mints a token
	// bound to its own origin for the one its page names, and refuses other sites' pages.
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "users.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, admin, key, err := db.CreateOrganization(context.Background(), "Acme", server.UserCreate{Email: "ann@acme.test", Password: "a long password", Firstname: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	auth := sqlite.NewAuthService(db)
	dir := &graphql.Handler{Users: sqlite.NewUserService(db), Organizations: sqlite.NewOrganizationService(db), Auth: auth,
		Invitations: sqlite.NewInvitationService(db), EmbedTokens: auth}
	ds := httptest.NewServer(dir)
	defer ds.Close()
	s := MustOpenServer(t, &serverhttp.Server{Handler: serverhttp.PortalHandler(serverhttp.Portal{
		WidgetURL: ds.URL + "/", GraphQL: ds.URL + "/graphql", Key: key.Key})})
	dir.AllowedOrigins = []string{s.URL()}

	resp, body := get(t, s.URL()+"/api/people")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, admin.ID) || strings.Contains(body, key.Key) {
		t.Fatalf("people: %d %s", resp.StatusCode, body)
	}
	status, tok := portalPost(t, s.URL()+"/api/embed-token", s.URL(), `{"userId": "`+admin.ID+`", "scope": "READ_ONLY", "lifetimeSeconds": 60}`)
	if status != http.StatusOK || !strings.HasPrefix(tok["token"], "uaet_") || tok["expiresAt"] == "" {
		t.Fatalf("mint: %d %v", status, tok)
	}
	// The token works from the portal's origin, read-only.
	req, _ := http.NewRequest(http.MethodPost, ds.URL+"/graphql", strings.NewReader(`{"query": "{ embedGrant { scope origin } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok["token"])
	req.Header.Set("Origin", s.URL())
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var grant map[string]any
	json.NewDecoder(r.Body).Decode(&grant)
	r.Body.Close()
	if g, _ := grant["data"].(map[string]any)["embedGrant"].(map[string]any); g["scope"] != "READ_ONLY" || g["origin"] != s.URL() {
		t.Fatalf("grant: %v", grant)
	}

	for name, origin := range map[string]string{"another site": "https://evil.test", "no origin": ""} {
		if status, out := portalPost(t, s.URL()+"/api/embed-token", origin, `{"userId": "`+admin.ID+`"}`); status != http.StatusForbidden || out["token"] != "" {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	// The directory's sentence reaches the page.
	if status, out := portalPost(t, s.URL()+"/api/embed-token", s.URL(), `{"userId": "`+admin.ID+`", "lifetimeSeconds": 7200}`); status != http.StatusBadRequest ||
		out["error"] != "A token lives from 10 to 3600 seconds (900 by default): pick a lifetime in that range." {
		t.Errorf("too long: %d %v", status, out)
	}
}
