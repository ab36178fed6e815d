// Package e2e drives the real binary in headless Chromium: it builds the server, starts it
// on a free port with a fresh SQLite file, and uses the widget as a person would.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"useradmin/server/postgres/pgtest"

	"github.com/chromedp/chromedp"
)

// binary is the server built once for all tests; root is the module's folder.
var (
	binary string
	root   string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	root, err = filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := os.Stat(filepath.Join(root, "web", "app.wasm")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: web/app.wasm is missing: build the widget first with\n"+
			"  GOOS=js GOARCH=wasm go build -o web/app.wasm .\n(or `make build`) from "+root)
		return 1
	}
	dir, err := os.MkdirTemp("", "useradmin-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "useradmin")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building the server failed: %v\n%s", err, out)
		return 1
	}
	return pgtest.Main(m)
}

// newDatabase returns where a test's server keeps its directory: a new SQLite file, or,
// with E2E_STORE=postgres, a new database on the tests' PostgreSQL cluster, so that the
// same tests run once per store (see the Makefile's test target).
func newDatabase(t testing.TB) string {
	t.Helper()
	if os.Getenv("E2E_STORE") == "postgres" {
		return pgtest.NewDatabase(t)
	}
	return filepath.Join(t.TempDir(), "users.db")
}

// server is a running useradmin binary.
type server struct {
	URL           string
	Prefix        string // the -path-prefix the test started it with, if any
	Key           string
	AdminEmail    string
	AdminPassword string

	cmd    *exec.Cmd
	db     string // the database file
	mu     sync.Mutex
	stderr bytes.Buffer
}

// adminKey is the key the tests give the seeded admin with -admin-key.
const adminKey = "e2e-admin-key-0123456789abcdef"

// startServer runs the binary on 127.0.0.1:0 with a fresh database and extra flags, and
// waits for its "Listening on" line. It stops at the end of the test.
func startServer(t testing.TB, flags ...string) *server {
	t.Helper()
	return startServerOn(t, newDatabase(t), flags...)
}

// startServerOn is startServer on the database file db, which may exist already.
func startServerOn(t testing.TB, db string, flags ...string) *server {
	t.Helper()
	args := append([]string{
		"-addr", "127.0.0.1:0",
		"-db", db,
		"-admin-key", adminKey,
	}, flags...)
	cmd := exec.Command(binary, args...)
	cmd.Dir = root // the server finds web/ in its working folder
	s := &server{Key: adminKey, cmd: cmd, db: db}
	cmd.Stderr = lockedWriter{&s.mu, &s.stderr}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	ready := make(chan error, 1)
	go s.readStdout(stdout, ready)
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("the server did not start: %v\nstderr:\n%s", err, s.logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the server printed no \"Listening on\" line within 30s\nstderr:\n%s", s.logs())
	}

	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: status %d, want 200", resp.StatusCode)
	}
	return s
}

var (
	listeningRe = regexp.MustCompile(`Listening on (http://127\.0\.0\.1:\d+)`)
	emailRe     = regexp.MustCompile(`Admin email:\s+(\S+)`)
	passwordRe  = regexp.MustCompile(`Admin password:\s+(\S+)`)
)

// readStdout reads the seed's sign-in and the listening address, then drains the rest.
func (s *server) readStdout(r io.Reader, ready chan<- error) {
	sc := bufio.NewScanner(r)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if m := emailRe.FindStringSubmatch(line); m != nil {
			s.AdminEmail = m[1]
		}
		if m := passwordRe.FindStringSubmatch(line); m != nil {
			s.AdminPassword = m[1]
		}
		if m := listeningRe.FindStringSubmatch(line); m != nil && !sent {
			s.URL = m[1]
			ready <- nil
			sent = true
		}
	}
	if !sent {
		ready <- errors.New("stdout ended before the \"Listening on\" line")
	}
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// logged waits up to 5 s for the server's log to hold part, and reports whether it came:
// the log reaches the test through a pipe, a moment after the server writes it.
func (s *server) logged(part string) bool {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(s.logs(), part) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// graphql posts a document to the server's /graphql with the admin key and decodes the
// data into out; GraphQL errors fail the test.
func (s *server) graphql(t testing.TB, query string, variables map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	req, _ := http.NewRequest(http.MethodPost, s.URL+s.Prefix+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "X-API-Key: "+s.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatalf("POST /graphql: status %d, body is not JSON: %v", resp.StatusCode, err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("POST /graphql %s: %s", query, res.Errors[0].Message)
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		t.Fatalf("decode %s: %v", res.Data, err)
	}
}

// countUsers asks the directory itself how many users match where.
func (s *server) countUsers(t *testing.T, where map[string]any) int {
	t.Helper()
	var out struct{ CountUsers int }
	s.graphql(t, `query($w: UserWhere!) { countUsers(where: $w) }`, map[string]any{"w": where}, &out)
	return out.CountUsers
}

// apiUser is a user as the tests read it from the directory.
type apiUser struct {
	ID               string
	Email            string
	Firstname        string
	Lastname         string
	Activated        bool
	OrganizationRole string
}

const userFields = `id email firstname lastname activated organizationRole`

// findUsers reads a page of users straight from the directory.
func (s *server) findUsers(t *testing.T, where map[string]any, first, skip int, orderBy []map[string]string) []apiUser {
	t.Helper()
	var out struct{ Users []apiUser }
	vars := map[string]any{"w": where, "first": first, "skip": skip}
	q := `query($w: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $w, first: $first, skip: $skip) { ` + userFields + ` } }`
	if orderBy != nil {
		vars["o"] = orderBy
		q = `query($w: UserWhere!, $first: PageSize!, $skip: Int!, $o: [UserOrderBy!]) { users(where: $w, first: $first, skip: $skip, orderBy: $o) { ` + userFields + ` } }`
	}
	s.graphql(t, q, vars, &out)
	return out.Users
}

// findUser reads one user by id straight from the directory.
func (s *server) findUser(t *testing.T, id string) apiUser {
	t.Helper()
	users := s.findUsers(t, map[string]any{"id": id}, 1, 0, nil)
	if len(users) != 1 {
		t.Fatalf("user %s: found %d", id, len(users))
	}
	return users[0]
}

// findChromium is $E2E_CHROMIUM, else Debian's chromium.
func findChromium() (string, error) {
	for _, p := range []string{os.Getenv("E2E_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium is missing: run `make test`, which installs it, or apt-get install -y chromium")
}

// launchBrowser starts a headless Chromium with a fresh profile; close stops it and
// removes the profile.
func launchBrowser(tb testing.TB) (ctx context.Context, close func()) {
	tb.Helper()
	return launchBrowserWith(tb, "")
}

// launchBrowserWith starts a headless Chromium whose fresh profile has the preferences
// prefs (JSON, as Chromium keeps them in Default/Preferences), such as a person's
// settings for cookies and site data.
func launchBrowserWith(tb testing.TB, prefs string) (ctx context.Context, close func()) {
	tb.Helper()
	exe, err := findChromium()
	if err != nil {
		tb.Fatal(err)
	}
	// Not tb.TempDir: Chromium may still write its profile while it exits, which would
	// fail the test in TempDir's cleanup.
	profile, err := os.MkdirTemp("", "useradmin-e2e-chromium-")
	if err != nil {
		tb.Fatal(err)
	}
	if prefs != "" {
		if err := os.MkdirAll(filepath.Join(profile, "Default"), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(profile, "Default", "Preferences"), []byte(prefs), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		// Phones overlay their scrollbars: without this, a desktop scrollbar would take
		// 15 px of a 360 px screen and blur the screenshots.
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 900),
	)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	close = func() {
		cancelBrowser()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	}
	if err := chromedp.Run(bctx); err != nil {
		close()
		tb.Fatalf("start chromium: %v", err)
	}
	return bctx, close
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	ctx context.Context
}

// newBrowser starts Chromium for the test; it is closed at the end of the test.
func newBrowser(t testing.TB) *browser {
	t.Helper()
	ctx, close := launchBrowser(t)
	t.Cleanup(close)
	return &browser{ctx: ctx}
}

// tab is one browser tab (its own sessionStorage), bound to a test.
type tab struct {
	t   testing.TB
	ctx context.Context
}

// newTab opens a tab for t; when t fails, a screenshot of the tab is saved and its path
// printed.
func (b *browser) newTab(t testing.TB) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	// The first Run opens the tab and binds it to its context: it must not be one of the
	// per-step timeouts below, or the tab would close with the first step.
	if err := chromedp.Run(ctx); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	tb := &tab{t: t, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot("failure")
		}
		cancelTimeout()
		cancel()
	})
	return tb
}

// run runs actions, each waiting at most 20s; an error fails the test.
func (tb *tab) run(actions ...chromedp.Action) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v (url %s)", err, tb.location())
	}
}

// within runs actions for at most d and returns their error, for a wait that may fail.
func (tb *tab) within(d time.Duration, actions ...chromedp.Action) error {
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	return chromedp.Run(ctx, actions...)
}

func (tb *tab) location() string {
	var u string
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	_ = chromedp.Run(ctx, chromedp.Location(&u))
	return u
}

// artifacts is where screenshots go: $E2E_ARTIFACTS, else a temp folder that is kept.
var artifacts = sync.OnceValue(func() string {
	dir := os.Getenv("E2E_ARTIFACTS")
	if dir == "" {
		dir, _ = os.MkdirTemp("", "useradmin-e2e-artifacts-")
	}
	_ = os.MkdirAll(dir, 0o755)
	return dir
})

// screenshot saves a full-page PNG named after the test and returns its path.
func (tb *tab) screenshot(name string) string {
	var png []byte
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		tb.t.Logf("screenshot failed: %v", err)
		return ""
	}
	file := strings.NewReplacer("/", "_", " ", "_").Replace(tb.t.Name()) + "-" + name + ".png"
	if name == "failure" {
		file = strings.TrimSuffix(file, ".png") + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10) + ".png"
	}
	path := filepath.Join(artifacts(), file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Logf("screenshot failed: %v", err)
		return ""
	}
	tb.t.Logf("screenshot: %s", path)
	return path
}

// waitText waits until the element matching sel has text for which ok holds.
func waitText(sel string, ok func(string) bool) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var last string
		for {
			var nodes []string
			err := chromedp.Run(ctx, chromedp.Evaluate(
				`Array.from(document.querySelectorAll(`+jsString(sel)+`)).map(e => e.innerText)`, &nodes))
			if err != nil {
				return err
			}
			if len(nodes) > 0 {
				last = nodes[0]
				if ok(last) {
					return nil
				}
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: last text %q: %w", sel, last, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// waitJS waits until the JavaScript expression is true.
func waitJS(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var ok bool
			if err := chromedp.Run(ctx, chromedp.Evaluate(`!!(`+expr+`)`, &ok)); err != nil {
				return err
			}
			if ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// texts reads the text of every element matching sel.
func texts(sel string, out *[]string) chromedp.Action {
	return chromedp.Evaluate(`Array.from(document.querySelectorAll(`+jsString(sel)+`)).map(e => e.innerText.trim())`, out)
}

// setValue replaces an input's text as typing would (the widget listens to input events).
func setValue(sel, value string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel),
		chromedp.Evaluate(`(() => { const e = document.querySelector(`+jsString(sel)+`); e.focus(); e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})); })()`, nil),
		chromedp.SendKeys(sel, value),
	}
}

// selectValue picks an option of a select and fires its change event.
func selectValue(sel, value string) chromedp.Action {
	return chromedp.Evaluate(`(() => { const e = document.querySelector(`+jsString(sel)+`); e.value = `+jsString(value)+`; e.dispatchEvent(new Event("change", {bubbles: true})); })()`, nil)
}

// waitApp waits until the widget runs (go-app has replaced the page the server rendered,
// loader included) and the JavaScript expression is true.
func waitApp(expr string) chromedp.Action {
	return waitJS(`!document.getElementById("app-wasm-loader") && (` + expr + `)`)
}

// rowsLoaded waits until the list shows users and is not loading.
func rowsLoaded() chromedp.Action {
	return waitApp(`document.querySelector("table.users tbody td.col-name a") && document.querySelector("table.users").getAttribute("aria-busy") === "false"`)
}

// signInWithKey signs in on the sign-in page with the admin key and waits for the list.
func (tb *tab) signInWithKey(s *server) {
	tb.t.Helper()
	tb.run(
		chromedp.Navigate(s.URL+"/sign-in"),
		waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
	)
	var hasToggle bool
	tb.run(chromedp.Evaluate(`!!document.querySelector("#toggle-mode")`, &hasToggle))
	if hasToggle {
		tb.run(chromedp.Click("#toggle-mode"))
	}
	tb.run(
		setValue("#key", s.Key),
		chromedp.Click(`form.signin-card button[type=submit]`),
		chromedp.WaitVisible(`#user-count`),
		rowsLoaded(),
	)
}

// digits keeps the digits of s ("1,234 users" → "1234").
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
