package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	serverhttp "useradmin/server/http"
)

// MustOpenServer starts a Server on a free loopback port and closes it when the test ends.
func MustOpenServer(tb testing.TB, s *serverhttp.Server) *serverhttp.Server {
	tb.Helper()
	s.Addr = "127.0.0.1:0"
	if s.App == nil {
		s.App = &app.Handler{Name: "Test", Resources: app.LocalDir(tb.TempDir()), Version: "test"}
	}
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func get(tb testing.TB, url string) (*http.Response, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(body)
}

func TestServer_Healthz(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s := MustOpenServer(t, &serverhttp.Server{})
		resp, body := get(t, s.URL()+"/healthz")
		if resp.StatusCode != http.StatusOK || body != "ok\n" {
			t.Fatalf("got %d %q, want 200 \"ok\\n\"", resp.StatusCode, body)
		}
	})
	t.Run("ErrNotReady", func(t *testing.T) {
		s := MustOpenServer(t, &serverhttp.Server{
			Health: func(context.Context) error { return errors.New("database closed") },
		})
		resp, _ := get(t, s.URL()+"/healthz")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("got %d, want 503", resp.StatusCode)
		}
	})
}

func TestServer_GraphQL(t *testing.T) {
	graphql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{}}`))
	})
	t.Run("POST reaches the directory", func(t *testing.T) {
		s := MustOpenServer(t, &serverhttp.Server{GraphQL: graphql})
		resp, err := http.Post(s.URL()+"/graphql", "application/json", strings.NewReader(`{"query":"{viewer{id}}"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != `{"data":{}}` {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("ErrMethod", func(t *testing.T) {
		s := MustOpenServer(t, &serverhttp.Server{GraphQL: graphql})
		resp, body := get(t, s.URL()+"/graphql")
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(body, "Send GraphQL requests with POST") {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("ErrDirectoryOff", func(t *testing.T) {
		s := MustOpenServer(t, &serverhttp.Server{})
		resp, err := http.Post(s.URL()+"/graphql", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("got 200 from /graphql with the directory off")
		}
	})
}

func TestServer_SecurityHeaders(t *testing.T) {
	s := MustOpenServer(t, &serverhttp.Server{})
	for _, path := range []string{"/", "/healthz"} {
		resp, _ := get(t, s.URL()+path)
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", path, got)
		}
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s: Referrer-Policy = %q, want no-referrer", path, got)
		}
	}
}

// page stands for the widget's pages, which main.go registers in the real binary.
type page struct{ app.Compo }

func (p *page) Render() app.UI { return app.H1().Text("Users") }

func TestServer_App(t *testing.T) {
	app.Route("/", &page{})
	s := MustOpenServer(t, &serverhttp.Server{})
	resp, body := get(t, s.URL()+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>Users</h1>") {
		t.Fatalf("got %d, want the widget's page: %.200s", resp.StatusCode, body)
	}
}

func TestServer_PathPrefix(t *testing.T) {
	graphql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":{}}`)) })
	app.Route("/", &page{})
	s := MustOpenServer(t, &serverhttp.Server{GraphQL: graphql, PathPrefix: "/admin/users"})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		method, path string
		want         int
		body         string
	}{
		{"GET", "/admin/users/", http.StatusOK, "<h1>Users</h1>"},
		{"POST", "/admin/users/graphql", http.StatusOK, `{"data":{}}`},
		{"GET", "/admin/users/healthz", http.StatusOK, "ok"},
		{"GET", "/healthz", http.StatusOK, "ok"},
		{"GET", "/admin/users", http.StatusTemporaryRedirect, ""}, // to /admin/users/
		{"GET", "/", http.StatusNotFound, ""},
		{"POST", "/graphql", http.StatusNotFound, ""},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, s.URL()+tt.path, strings.NewReader(`{}`))
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.body) {
				t.Fatalf("got %d %.200q, want %d with %q", resp.StatusCode, body, tt.want, tt.body)
			}
			if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusTemporaryRedirect && loc != "/admin/users/" {
				t.Errorf("redirected to %q, want /admin/users/", loc)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("no CSP on %s", tt.path)
			}
		})
	}
}

// TestServer_PageAllowsZoom checks that the widget's pages let people zoom: go-app's own
// viewport (which forbids it) is replaced, and the page's length still matches its body.
// go-app writes the tag's attributes in a random order: 64 pages see both orders.
func TestServer_PageAllowsZoom(t *testing.T) {
	app.Route("/", &page{})
	s := MustOpenServer(t, &serverhttp.Server{})
	for range 64 {
		pageAllowsZoom(t, s)
	}
}

func pageAllowsZoom(t *testing.T, s *serverhttp.Server) {
	t.Helper()
	resp, body := get(t, s.URL()+"/")
	viewports := regexp.MustCompile(`<meta name="viewport"[^>]*>`).FindAllString(body, -1)
	want := `<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">`
	if len(viewports) != 1 || viewports[0] != want {
		t.Fatalf("viewport metas %q, want exactly %q (has go-app changed the one it writes?)", viewports, want)
	}
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
	}
	if !strings.Contains(body, "<h1>Users</h1>") {
		t.Errorf("the page lost its content: %.300s", body)
	}
}
