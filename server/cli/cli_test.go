package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"useradmin/server/postgres/pgtest"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"useradmin/server/cli"
)

func TestParseFlags(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		cfg, err := cli.ParseFlags(nil, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Addr != "127.0.0.1:8000" || cfg.DB != "./data/users.db" || !cfg.Seed || !cfg.Directory || cfg.Contract != "full" {
			t.Fatalf("unexpected defaults: %+v", cfg)
		}
	})
	t.Run("EnvironmentThenFlags", func(t *testing.T) {
		t.Setenv("USERADMIN_ADDR", "127.0.0.1:9999")
		t.Setenv("USERADMIN_ADMIN_KEY", "from-env")
		t.Setenv("USERADMIN_SEED", "false")
		t.Setenv("USERADMIN_TRUST_PROXY", "true")
		cfg, err := cli.ParseFlags([]string{"-admin-key", "from-flag"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Addr != "127.0.0.1:9999" || cfg.AdminKey != "from-flag" || cfg.Seed || !cfg.TrustProxy {
			t.Fatalf("got %+v", cfg)
		}
	})
	t.Run("PortalKey", func(t *testing.T) {
		// The example portal's key comes from the environment too, never the page.
		t.Setenv("USERADMIN_PORTAL_KEY", "ua_portal")
		cfg, err := cli.ParseFlags([]string{"-portal-addr", "127.0.0.1:8001"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.PortalKey != "ua_portal" || cfg.PortalAddr != "127.0.0.1:8001" {
			t.Fatalf("got %+v", cfg)
		}
	})
	t.Run("ErrBadEnvironment", func(t *testing.T) {
		t.Setenv("USERADMIN_SEED", "maybe")
		_, err := cli.ParseFlags(nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "USERADMIN_SEED") {
			t.Fatalf("got %v, want an error naming USERADMIN_SEED", err)
		}
	})
	t.Run("ErrContract", func(t *testing.T) {
		_, err := cli.ParseFlags([]string{"-contract", "partial"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-contract must be full, core or paradime") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("AuditRetention", func(t *testing.T) {
		cfg, err := cli.ParseFlags(nil, io.Discard)
		if err != nil || cfg.AuditRetention != 400*24*time.Hour {
			t.Fatalf("default %v, %v", cfg.AuditRetention, err)
		}
		t.Setenv("USERADMIN_AUDIT_RETENTION", "8760h")
		if cfg, err := cli.ParseFlags(nil, io.Discard); err != nil || cfg.AuditRetention != 8760*time.Hour {
			t.Fatalf("from the environment %v, %v", cfg.AuditRetention, err)
		}
		for _, v := range []string{"0s", "-1h", "30m", "a year"} {
			if _, err := cli.ParseFlags([]string{"-audit-retention", v}, io.Discard); err == nil {
				t.Errorf("-audit-retention %s: accepted", v)
			}
		}
	})
	t.Run("Mail", func(t *testing.T) {
		// The credentials come from the environment; the command line has no flag for them.
		t.Setenv("USERADMIN_SMTP_USERNAME", "mailer")
		t.Setenv("USERADMIN_SMTP_PASSWORD", "s3cret")
		cfg, err := cli.ParseFlags([]string{"-smtp-addr", "smtp.example.com:587", "-smtp-from", "Users <users@example.com>", "-invitation-lifetime", "48h"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.SMTPUsername != "mailer" || cfg.SMTPPassword != "s3cret" || cfg.InvitationLifetime != 48*time.Hour {
			t.Fatalf("got %+v", cfg)
		}
		for _, args := range [][]string{
			{"-smtp-addr", "smtp.example.com:587"},
			{"-smtp-addr", "smtp.example.com", "-smtp-from", "users@example.com"},
			{"-invitation-lifetime", "-1h"},
			{"-smtp-password", "s3cret"},
		} {
			if _, err := cli.ParseFlags(args, io.Discard); err == nil {
				t.Errorf("%v: accepted", args)
			}
		}
	})
	t.Run("Help", func(t *testing.T) {
		var out bytes.Buffer
		_, err := cli.ParseFlags([]string{"-h"}, &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("got %v, want flag.ErrHelp", err)
		}
		for _, name := range []string{"-addr", "-db", "-admin-key", "-seed", "-graphql-endpoint", "USERADMIN_"} {
			if !strings.Contains(out.String(), name) {
				t.Errorf("help does not mention %s:\n%s", name, out.String())
			}
		}
	})
}

// syncBuffer is a bytes.Buffer safe to read while Run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRun runs the server on a free port with the given database and returns its URL,
// its output so far, and a function that stops it and waits for it.
func startRun(t *testing.T, cfg cli.Config) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- cli.Run(ctx, cfg, out, io.Discard) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "Listening on "); ok {
				return url, out, func() error { cancel(); return <-done }
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("Run stopped before listening: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("Run did not print its URL in time:\n%s", out.String())
	return "", nil, nil
}

// testConfig is a Config on a temp database and a temp assets folder with a stand-in
// app.wasm: these tests check the server's wiring, the browser tests the real widget.
func testConfig(t *testing.T) cli.Config {
	assets := t.TempDir()
	if err := os.MkdirAll(filepath.Join(assets, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(assets, "web", "app.wasm"), []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cli.Config{
		Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "sub", "users.db"),
		AdminKey: "test-admin-key-0123456789", Seed: true, Directory: true, Contract: "full", Assets: assets,
	}
}

func postViewer(t *testing.T, url, key string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/graphql", strings.NewReader(`{"query":"{ viewer { email organizationRole } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "X-API-Key: "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func TestRun(t *testing.T) {
	t.Run("SeedsOnceThenServes", func(t *testing.T) {
		cfg := testConfig(t)
		url, out, stop := startRun(t, cfg)
		if !strings.Contains(out.String(), "Admin API key:  "+cfg.AdminKey) {
			t.Errorf("first start does not print the admin key:\n%s", out.String())
		}
		if body := postViewer(t, url, cfg.AdminKey); !strings.Contains(body, `"organizationRole":"ADMIN"`) {
			t.Errorf("viewer with the admin key: %s", body)
		}
		resp, err := http.Get(url + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		if err := stop(); err != nil {
			t.Fatal(err)
		}

		cfg.AdminKey = "another-key-0123456789"
		url, out, stop = startRun(t, cfg)
		defer stop()
		if strings.Contains(out.String(), "Admin API key") {
			t.Errorf("second start seeded again:\n%s", out.String())
		}
		if body := postViewer(t, url, "test-admin-key-0123456789"); !strings.Contains(body, `"ADMIN"`) {
			t.Errorf("the first key stopped working after a restart: %s", body)
		}
	})
	t.Run("NoSeed", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.Seed = false
		url, out, stop := startRun(t, cfg)
		defer stop()
		if strings.Contains(out.String(), "Admin") {
			t.Errorf("seeded with -seed=false:\n%s", out.String())
		}
		if body := postViewer(t, url, cfg.AdminKey); !strings.Contains(body, "UNAUTHENTICATED") {
			t.Errorf("viewer on an empty directory: %s", body)
		}
	})
	t.Run("ErrWidgetNotBuilt", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.Assets = t.TempDir()
		err := cli.Run(context.Background(), cfg, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "make build") {
			t.Fatalf("got %v, want an error that says to run make build", err)
		}
	})
}

// TestRun_Postgres starts the directory on a postgres:// URL: it migrates and seeds the
// database, and a second start on it finds the first's admin key.
func TestRun_Postgres(t *testing.T) {
	cfg := testConfig(t)
	cfg.DB = pgtest.NewDatabase(t)
	url, out, stop := startRun(t, cfg)
	if !strings.Contains(out.String(), "Admin API key:  "+cfg.AdminKey) {
		t.Errorf("first start does not print the admin key:\n%s", out.String())
	}
	if body := postViewer(t, url, cfg.AdminKey); !strings.Contains(body, `"organizationRole":"ADMIN"`) {
		t.Errorf("viewer with the admin key: %s", body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	cfg.AdminKey = "another-key-0123456789"
	url, out, stop = startRun(t, cfg)
	defer stop()
	if strings.Contains(out.String(), "Admin API key") {
		t.Errorf("second start seeded again:\n%s", out.String())
	}
	if body := postViewer(t, url, "test-admin-key-0123456789"); !strings.Contains(body, `"ADMIN"`) {
		t.Errorf("the first key stopped working after a restart: %s", body)
	}
}

func TestParseFlags_AllowedOrigins(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		cfg, err := cli.ParseFlags([]string{"-allowed-origins", "https://a.example.com, http://127.0.0.1:9000/"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(cfg.AllowedOrigins, " ") != "https://a.example.com http://127.0.0.1:9000" {
			t.Fatalf("got %q", cfg.AllowedOrigins)
		}
	})
	t.Run("ErrPath", func(t *testing.T) {
		_, err := cli.ParseFlags([]string{"-allowed-origins", "https://a.example.com/admin"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "is not an origin") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestParseFlags_PathPrefix(t *testing.T) {
	for in, want := range map[string]string{"/admin/users": "/admin/users", "/admin/users/": "/admin/users", "/": "", "": ""} {
		cfg, err := cli.ParseFlags([]string{"-path-prefix", in}, io.Discard)
		if err != nil || cfg.PathPrefix != want {
			t.Errorf("-path-prefix %q: got %q, %v; want %q", in, cfg.PathPrefix, err, want)
		}
	}
	t.Run("Environment", func(t *testing.T) {
		t.Setenv("USERADMIN_PATH_PREFIX", "/admin/users")
		cfg, err := cli.ParseFlags(nil, io.Discard)
		if err != nil || cfg.PathPrefix != "/admin/users" {
			t.Fatalf("got %q, %v", cfg.PathPrefix, err)
		}
	})
	for _, bad := range []string{"admin/users", "/admin/../users", "/admin//users", "/admin users", "/admin?x=1", "https://x/admin"} {
		t.Run("Err "+bad, func(t *testing.T) {
			_, err := cli.ParseFlags([]string{"-path-prefix", bad}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "is not a path prefix") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestRun_PathPrefix(t *testing.T) {
	cfg := testConfig(t)
	cfg.PathPrefix = "/admin/users"
	cfg.AllowedOrigins = []string{"https://portal.example.com"}
	url, out, stop := startRun(t, cfg)
	defer stop()
	if !strings.Contains(out.String(), "The widget is at "+url+"/admin/users/") {
		t.Errorf("the start-up output does not say where the widget is:\n%s", out.String())
	}
	if body := postViewer(t, url+"/admin/users", cfg.AdminKey); !strings.Contains(body, `"ADMIN"`) {
		t.Errorf("viewer under the prefix: %s", body)
	}
	// The page preloads the wasm at the URL app.js fetches it from.
	app.Route("/", &page{})
	resp, err := http.Get(url + "/admin/users/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `<link rel="preload" href="/admin/users/web/app.wasm" as="fetch" type="application/wasm" crossorigin>`; !strings.Contains(string(page), want) {
		t.Errorf("the page lacks %s:\n%s", want, page)
	}
	resp, err = http.Get(url + "/admin/users/app.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"GOAPP_ROOT_PREFIX":"/admin/users"`, `"GRAPHQL_ENDPOINT":"/admin/users/graphql"`,
		`"/admin/users/web/app.wasm"`, `"/admin/users/app-worker.js"`, `"ALLOWED_ORIGINS":"https://portal.example.com"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	// A portal may hand the widget an endpoint on its own origin: the CSP lets it call there.
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://portal.example.com") ||
		!strings.Contains(csp, "frame-ancestors 'self' https://portal.example.com") {
		t.Errorf("CSP = %s", csp)
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// page is a page for go-app to render, as main.go's routes are.
type page struct{ app.Compo }

func (p *page) Render() app.UI { return app.H1().Text("Users") }
