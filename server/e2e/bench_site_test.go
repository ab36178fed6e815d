package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	userserver "useradmin/server"
	"useradmin/server/sqlite"
)

// benchAdminKey is the demo admin's key in benchmark databases. The directory's own
// benchmarks (server/sqlite) make their files with the same key, so that one cached file
// of a million users serves both.
const benchAdminKey = "ua_benchmark-admin-key"

// benchDB is the database behind the benchmarks: BENCH_USERS users (default 1,000,000)
// in the demo organization of the file BENCH_DB (default in the temporary folder, the
// same file the directory's benchmarks use). A file that has them already is used as it
// is; filling one takes about a minute per million users.
var benchDB struct {
	once  sync.Once
	path  string
	users int
	err   error
}

func benchDatabase(tb testing.TB) string {
	tb.Helper()
	benchDB.once.Do(func() { benchDB.path, benchDB.users, benchDB.err = prepareBenchDB() })
	if benchDB.err != nil {
		tb.Fatal(benchDB.err)
	}
	return benchDB.path
}

func prepareBenchDB() (path string, users int, err error) {
	n := 1_000_000
	if s := os.Getenv("BENCH_USERS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			return "", 0, fmt.Errorf("BENCH_USERS=%q is not a number of users: %w", s, err)
		}
	}
	path = os.Getenv("BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("useradmin-bench-%d.db", n))
	}
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		return "", 0, err
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Seed(ctx, sqlite.SeedOptions{AdminKey: benchAdminKey}); err != nil {
		return "", 0, err
	}
	auth, err := sqlite.NewAuthService(db).Authenticate(ctx, benchAdminKey)
	if err != nil {
		return "", 0, fmt.Errorf("%s was not made by the benchmarks (its admin key is not %s): remove it or point BENCH_DB elsewhere: %w", path, benchAdminKey, err)
	}
	have, err := sqlite.NewUserService(db).CountUsers(userserver.NewContextWithAuth(ctx, auth), userserver.UserFilter{})
	if err != nil {
		return "", 0, err
	}
	if have < n {
		start := time.Now()
		if err := db.GenerateUsers(ctx, auth.User.OrganizationID, n-have); err != nil {
			return "", 0, err
		}
		fmt.Printf("generated %d users in %s\n", n-have, time.Since(start).Round(time.Millisecond))
	}
	return path, n, nil
}

// startBenchServer runs the binary on the benchmark database as it is (no seeding).
func startBenchServer(tb testing.TB, flags ...string) *server {
	tb.Helper()
	s := startServer(tb, append([]string{"-db", benchDatabase(tb), "-seed=false"}, flags...)...)
	s.Key = benchAdminKey
	return s
}

// benchSite is the widget and the minimal page on one origin: a proxy that serves
// /minimal.html itself and hands everything else to the binary. Both pages then load
// from the same host and call the same /graphql, with no CORS between them.
type benchSite struct {
	URL    string
	server *server
}

func startBenchSite(tb testing.TB) *benchSite {
	tb.Helper()
	return startBenchSiteWith(tb, false)
}

// startBenchSiteWith starts the binary with extra flags behind the site; with probe, the
// site adds benchFrameProbe to both pages (see withProbe).
func startBenchSiteWith(tb testing.TB, probe bool, flags ...string) *benchSite {
	tb.Helper()
	s := startBenchServer(tb, flags...)
	target, err := url.Parse(s.URL)
	if err != nil {
		tb.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	minimal := filepath.Join("testdata", "minimal.html")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /minimal.html", func(w http.ResponseWriter, r *http.Request) {
		if !probe {
			http.ServeFile(w, r, minimal)
			return
		}
		page, err := os.ReadFile(minimal)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(withProbe(page))
	})
	if probe {
		proxy.ModifyResponse = probeResponse
		mux.HandleFunc("GET /bench/probe.js", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = io.WriteString(w, benchFrameProbe)
		})
	}
	mux.Handle("/", proxy)
	mux.Handle("POST /graphql", forwardBuffered(proxy.Transport, target))
	ts := httptest.NewServer(mux)
	tb.Cleanup(ts.Close)
	return &benchSite{URL: ts.URL, server: s}
}

// openTab opens a tab of the browser; close closes it.
func openTab(tb testing.TB, browser context.Context) (ctx context.Context, close func()) {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	if err := chromedp.Run(ctx); err != nil {
		cancel()
		tb.Fatalf("open a tab: %v", err)
	}
	return ctx, cancel
}

// runTab runs actions in a tab, all within 60s; an error fails the benchmark.
func runTab(tb testing.TB, ctx context.Context, actions ...chromedp.Action) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		tb.Fatalf("browser: %v", err)
	}
}

// forwardBuffered passes requests on to target as a whole: the request read in full
// before it is sent, the answer read in full before it is written. Streaming a POST's body
// through httputil.ReverseProxy now and then lost the connection to the server in the
// middle of an answer, which the browser saw as a failed fetch.
func forwardBuffered(transport http.RoundTripper, target *url.URL) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		u := *target
		u.Path, u.RawQuery = r.URL.Path, r.URL.RawQuery
		req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header = r.Header.Clone()
		req.Host = r.Host
		resp, err := transport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(out)
	})
}
