package http_test

import (
	"net/http"
	"strings"
	"testing"

	serverhttp "useradmin/server/http"
)

func TestServer_ContentSecurityPolicy(t *testing.T) {
	s := MustOpenServer(t, &serverhttp.Server{
		AllowedOrigins: []string{"https://portal.example.com"},
		ConnectOrigins: []string{"https://kili.example.com"},
	})
	resp, _ := get(t, s.URL()+"/healthz")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{
		"script-src 'self' 'wasm-unsafe-eval'",
		"connect-src 'self' https://kili.example.com",
		"frame-ancestors 'self' https://portal.example.com",
		"object-src 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "'unsafe-eval'") || strings.Contains(csp, "'unsafe-inline'") {
		t.Errorf("CSP allows more scripts than go-app needs: %s", csp)
	}
}

func TestServer_CORS(t *testing.T) {
	graphql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":{}}`)) })
	s := MustOpenServer(t, &serverhttp.Server{GraphQL: graphql, AllowedOrigins: []string{"https://portal.example.com"}})
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", s.URL()+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	t.Run("Allowed", func(t *testing.T) {
		resp := preflight("https://portal.example.com")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://portal.example.com" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("ErrUnknownOrigin", func(t *testing.T) {
		resp := preflight("https://evil.example.net")
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
		}
		req, _ := http.NewRequest("POST", s.URL()+"/graphql", strings.NewReader(`{}`))
		req.Header.Set("Origin", "https://evil.example.net")
		post, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		post.Body.Close()
		if post.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("an unknown origin got CORS headers: %v", post.Header)
		}
	})
}

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://kili.example.com/api/label/v2/graphql": "https://kili.example.com",
		"http://127.0.0.1:8000/graphql":                 "http://127.0.0.1:8000",
		"/graphql":                                      "",
		"::not a url":                                   "",
	} {
		if got := serverhttp.Origin(in); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
}
