package http_test

import (
	"context"
	"encoding/json"
	"fmt"
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

func TestPortal_RefusesRenamedHost(t *testing.T) {
	// DNS rebinding: a site whose name an attacker points at 127.0.0.1 after its page
	// has loaded is, to the browser, the portal's own origin. Its page reads the people
	// (a same-origin GET sends no Origin) and its POSTs carry an Origin that matches their
	// Host: neither reaches the directory with the portal's key.
	var calls int
	dir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": {"viewer": {"id": "u1"}, "users": [{"id": "u1", "email": "ann@acme.test"}], "createEmbedToken": {"token": "uaet_x"}}}`))
	}))
	defer dir.Close()
	s := MustOpenServer(t, &serverhttp.Server{Handler: serverhttp.PortalHandler(serverhttp.Portal{
		WidgetURL: dir.URL + "/", GraphQL: dir.URL + "/graphql", Key: "ua_portal"})})
	port := s.URL()[strings.LastIndex(s.URL(), ":"):]
	for _, host := range []string{"rebound.evil.test" + port, "evil.test", "127.0.0.1.evil.test" + port} {
		for _, tc := range []struct{ method, path, origin string }{
			{http.MethodGet, "/api/people", ""},
			{http.MethodPost, "/api/embed-token", "http://" + host},
		} {
			req, _ := http.NewRequest(tc.method, s.URL()+tc.path, strings.NewReader(`{"userId": "u1"}`))
			req.Host = host
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(fmt.Sprint(out["error"]), "127.0.0.1") {
				t.Errorf("%s %s as %s: %d %v, want 403 naming the address to use", tc.method, tc.path, host, resp.StatusCode, out)
			}
		}
	}
	if calls != 0 {
		t.Fatalf("the directory was called %d times with the portal's key", calls)
	}
	// By its address, or as localhost, it answers.
	for _, host := range []string{"127.0.0.1" + port, "localhost" + port} {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/people", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("as %s: %d, want 200", host, resp.StatusCode)
		}
	}
}
