package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The embedding tests put each party on its own loopback origin, so that the browser
// applies its cross-origin rules for real:
//
//	127.0.0.1  the widget (the binary)
//	127.0.0.2  the example portal (the binary's -portal-addr), on the allow-list
//	127.0.0.4  a test portal that never answers the handshake, on the allow-list
//	127.0.0.3  a stranger, not on the allow-list

// TestEmbed frames the widget in the example portal and checks the handshake, the events
// the portal receives, and that strangers can neither frame it, sign it in, nor call its
// directory. The subtests share one server and run in order.
func TestEmbed(t *testing.T) {
	b := newBrowser(t)
	silent := &widgetPages{}
	silentOrigin := serveOrigin(t, "127.0.0.4", silent)
	stranger := &widgetPages{}
	strangerOrigin := serveOrigin(t, "127.0.0.3", stranger)
	portalAddr := freeAddr(t, "127.0.0.2")
	portalURL := "http://" + portalAddr
	s := startServer(t, "-portal-addr", portalAddr, "-allowed-origins", portalURL+","+silentOrigin)
	for _, p := range []*widgetPages{silent, stranger} {
		p.widget, p.stranger, p.key = s.URL, strangerOrigin, s.Key
	}
	silent.snippet = readmeSnippet(t, s.URL, s.mintToken(t, silentOrigin))

	t.Run("HandshakeSignsIn", func(t *testing.T) {
		portal := b.newTab(t)
		portal.openPortal(portalURL, "portal")
		frame := b.frame(t, s.URL+"/")
		frame.run(rowsLoaded())
		var signIn bool
		frame.run(chromedp.Evaluate(`!!document.querySelector("form.signin-card")`, &signIn))
		if signIn {
			t.Error("the widget shows its sign-in form though the portal handed it a key")
		}
		want := strconv.Itoa(s.countUsers(t, map[string]any{}))
		frame.run(waitText("#user-count", func(got string) bool { return digits(got) == want }))

		// The portal's theme reached the widget's custom properties; its height, the frame.
		var accent, radius string
		frame.run(
			chromedp.Evaluate(`getComputedStyle(document.documentElement).getPropertyValue("--ua-accent").trim()`, &accent),
			chromedp.Evaluate(`getComputedStyle(document.querySelector(".btn-primary")).borderTopLeftRadius`, &radius),
		)
		if accent != "#7c3aed" || radius != "10px" {
			t.Errorf("theme: --ua-accent %q, button radius %q; want #7c3aed and 10px", accent, radius)
		}
		waitFrameFits(portal, frame)

		// The key went by postMessage only: no URL holds it.
		var urls []string
		portal.run(chromedp.Evaluate(`[location.href, document.getElementById("widget").src]`, &urls))
		urls = append(urls, frame.location())
		for _, u := range urls {
			if strings.Contains(u, s.Key) {
				t.Errorf("a URL holds the API key: %s", u)
			}
		}

		for _, width := range []int64{1440, 360} {
			portal.pageScreenshot(width, "portal-"+strconv.FormatInt(width, 10))
		}
	})

	t.Run("ReadmeSnippet", func(t *testing.T) {
		// The snippet the README gives portal developers, as they would paste it.
		tb := b.newTab(t)
		tb.run(chromedp.Navigate(silentOrigin + "/snippet"))
		frame := b.frame(t, s.URL+"/")
		frame.run(rowsLoaded())
		tb.run(waitJS(`parseInt(document.getElementById("users").style.height) > 320`))
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 3, nil)[0]
		frame.openUser(u, true)
		frame.run(
			setValue("#firstname", "Snippet"+kb.Enter),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
		)
		tb.run(waitJS(`window.refreshed === ` + jsString(u.ID)))
	})

	t.Run("NoCSPViolationsAfterReload", func(t *testing.T) {
		portal := b.newTab(t)
		portal.openPortal(portalURL, "default")
		frame := b.frame(t, s.URL+"/")
		frame.run(rowsLoaded())
		// Record violations from the very start of the next load, then have the portal
		// load the frame again: the widget asks the portal again and signs in again.
		frame.run(recordCSPViolations())
		portal.run(chromedp.Click(`#handover button[type=submit]`))
		frame.run(waitAcrossLoad(`window.cspViolations !== undefined`), rowsLoaded())
		var violations []string
		frame.run(chromedp.Evaluate(`window.cspViolations`, &violations))
		if len(violations) > 0 {
			t.Errorf("CSP violations in the framed widget: %v", violations)
		}
		var events []string
		portal.run(texts("#events li", &events))
		ready := 0
		for _, e := range events {
			if e == "useradmin:ready" {
				ready++
			}
		}
		if ready != 2 {
			t.Errorf("the portal got %d useradmin:ready, want 2 (load and reload): %v", ready, events)
		}
	})

	t.Run("InviteInFrame", func(t *testing.T) {
		// Inviting works in the portal's frame, copying the link included, which the
		// frame may do without the clipboard permission.
		portal := b.newTab(t)
		portal.openPortal(portalURL, "default")
		frame := b.frame(t, s.URL+"/")
		frame.run(
			rowsLoaded(),
			chromedp.Click("#invite-people"),
			waitApp(`document.querySelector("#invite-emails")`),
			setValue("#invite-emails", "framed@e2e.test"),
			chromedp.Click("#send-invitations"),
			waitText("#invite-summary", func(s string) bool { return s == "1 invited." }),
		)
		// The results made the widget taller: click once the portal has grown the frame,
		// so that the button is not moved under the click.
		waitFrameFits(portal, frame)
		frame.run(
			chromedp.Click("#invite-link-0-copy"),
			waitText(".copy-status", func(s string) bool { return s != "" }),
		)
		var status string
		frame.run(chromedp.Text(".copy-status", &status))
		if status != "Copied." {
			t.Errorf("copy in the frame: %q", status)
		}
		frame.run(
			chromedp.Click("#to-invitations"),
			waitApp(`document.querySelector("table.invitations tbody.invitation-rows")`),
			waitText("#tab-pending .tab-count", func(s string) bool { return s == "1" }),
		)
	})

	t.Run("EditReachesPortal", func(t *testing.T) {
		portal := b.newTab(t)
		portal.openPortal(portalURL, "default")
		frame := b.frame(t, s.URL+"/")
		frame.run(rowsLoaded())
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 0, nil)[0]
		frame.openUser(u, true)
		frame.run(
			setValue("#lastname", "Portal"+kb.Enter),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
		)
		portal.run(waitText("#events", func(log string) bool {
			return strings.Contains(log, "useradmin:user-updated "+u.ID)
		}))
		if got := s.findUser(t, u.ID); got.Lastname != "Portal" {
			t.Errorf("stored lastname %q", got.Lastname)
		}
	})

	t.Run("SignOutReachesPortal", func(t *testing.T) {
		portal := b.newTab(t)
		portal.openPortal(portalURL, "default")
		frame := b.frame(t, s.URL+"/")
		frame.run(
			rowsLoaded(),
			chromedp.Click(`.topbar button`),
			chromedp.WaitVisible(`form.signin-card`),
		)
		portal.run(waitText("#events", func(log string) bool { return strings.Contains(log, "useradmin:signed-out") }))
		// The key belongs to the portal: signing out of the widget forgets it, and
		// leaves it working.
		if n := s.countUsers(t, map[string]any{}); n == 0 {
			t.Error("the portal's key stopped working after signing out of the widget")
		}
	})

	t.Run("ErrMessageFromStranger", func(t *testing.T) {
		// The silent portal frames the widget and never answers; a frame on a stranger's
		// origin and a sibling frame on the portal's own origin post init with a valid key.
		tb := b.newTab(t)
		tb.run(chromedp.Navigate(silentOrigin + "/silent"))
		frame := b.frame(t, s.URL+"/")
		frame.run(waitApp(`document.querySelector("form.signin-card[aria-busy=false]") || document.querySelector("table.users td.col-name a")`))
		var senders int
		tb.run(waitJS(`document.querySelectorAll("iframe").length === 3`))
		frame.run(chromedp.Evaluate(`parent.frames.length`, &senders))
		time.Sleep(time.Second) // more posts from the senders
		var key string
		var onForm bool
		frame.run(
			chromedp.Evaluate(`sessionStorage.getItem("useradmin.key") || ""`, &key),
			chromedp.Evaluate(`!!document.querySelector("form.signin-card") && !document.querySelector("table.users td.col-name a")`, &onForm),
		)
		if key != "" || !onForm {
			t.Fatalf("a message from outside the parent signed the widget in (key %q, sign-in form %v)", key, onForm)
		}
		// The same init from the parent itself is taken: the widget was listening.
		tb.run(chromedp.Evaluate(`document.getElementById("widget").contentWindow.postMessage(
			{type: "useradmin:init", apiKey: `+jsString(s.Key)+`}, `+jsString(s.URL)+`)`, nil))
		frame.run(rowsLoaded())
		if senders != 3 {
			t.Errorf("the silent portal has %d frames, want the widget and two senders", senders)
		}
	})

	t.Run("ErrFrameNotAllowed", func(t *testing.T) {
		// The browser loads the frame and, reading frame-ancestors, puts its error page
		// there instead of the widget (the allowed portals above get the widget).
		tb := b.newTab(t)
		tb.run(chromedp.Navigate(strangerOrigin + "/framer"))
		frame := b.frame(t, s.URL+"/")
		var href string
		frame.run(
			waitJS(`location.href !== "about:blank" && document.readyState === "complete"`),
			chromedp.Evaluate(`location.href`, &href),
		)
		if strings.HasPrefix(href, s.URL) {
			t.Fatalf("a page not on the allow-list framed the widget: the frame holds %s", href)
		}
		if !strings.HasPrefix(href, "chrome-error://") {
			t.Errorf("the frame holds %s, want the browser's error page", href)
		}
	})

	t.Run("ErrCORSUnknownOrigin", func(t *testing.T) {
		fetchViewer := `fetch(` + jsString(s.URL+"/graphql") + `, {method: "POST",
			headers: {"Content-Type": "application/json", "Authorization": "X-API-Key: ` + s.Key + `"},
			body: JSON.stringify({query: "{ viewer { email } }"})})
			.then(r => r.json()).then(j => j.data.viewer.email).catch(e => "refused: " + e.message)`
		var got string
		tb := b.newTab(t)
		tb.run(chromedp.Navigate(strangerOrigin+"/blank"), chromedp.Evaluate(fetchViewer, &got, awaitPromise))
		if !strings.HasPrefix(got, "refused:") {
			t.Errorf("a stranger's page read /graphql: %q", got)
		}
		portal := b.newTab(t)
		portal.run(chromedp.Navigate(portalURL+"/"), chromedp.Evaluate(fetchViewer, &got, awaitPromise))
		if got != s.AdminEmail {
			t.Errorf("the allowed portal's fetch of /graphql: got %q, want %q", got, s.AdminEmail)
		}
	})

	t.Run("NoCredentialInLogs", func(t *testing.T) {
		// A wrong key and a failed sign-in make the server log; neither they nor the
		// admin's key and password may appear in what it logs.
		wrong := "e2e-wrong-key-9876543210"
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "X-API-Key: "+wrong)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		logs := s.logs()
		for name, secret := range map[string]string{"admin key": s.Key, "wrong key": wrong, "admin password": s.AdminPassword} {
			if secret != "" && strings.Contains(logs, secret) {
				t.Errorf("the server's log holds the %s", name)
			}
		}
	})
}

// TestEmbed_PathPrefix serves the widget under /admin/users/ behind a reverse proxy on
// another port that forwards /admin/users/... unchanged, as a portal's proxy does.
func TestEmbed_PathPrefix(t *testing.T) {
	const prefix = "/admin/users"
	b := newBrowser(t)
	var proxy http.Handler = http.NotFoundHandler()
	proxyURL := serveOrigin(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			http.Error(w, "The portal's own page.", http.StatusNotFound)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	s := startServer(t, "-path-prefix", prefix, "-public-url", proxyURL+prefix)
	s.Prefix = prefix
	backend, _ := url.Parse(s.URL)
	proxy = httputil.NewSingleHostReverseProxy(backend)
	base := proxyURL + prefix

	tb := b.newTab(t)
	tb.run(
		recordCSPViolations(),
		chromedp.Navigate(base+"/"),
		waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
	)
	var loc string
	tb.run(chromedp.Location(&loc))
	if !strings.HasPrefix(loc, base+"/sign-in?next=") {
		t.Errorf("signed out, the widget went to %s, want the sign-in page under the prefix", loc)
	}
	tb.run(
		chromedp.Click("#toggle-mode"),
		setValue("#key", s.Key),
		chromedp.Click(`form.signin-card button[type=submit]`),
		rowsLoaded(),
		waitJS(`location.pathname === "`+prefix+`/"`),
	)
	want := strconv.Itoa(s.countUsers(t, map[string]any{}))
	tb.run(waitText("#user-count", func(got string) bool { return digits(got) == want }))

	u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 0, nil)[0]
	userPath := prefix + "/users/" + url.PathEscape(u.ID)
	tb.run(
		setValue("#search", u.Email),
		chromedp.WaitVisible(`table.users a[href="`+userPath+`"]`),
		chromedp.Click(`table.users a[href="`+userPath+`"]`),
		waitApp(`document.querySelector("#email") && document.querySelector("#email").value === `+jsString(u.Email)),
		setValue("#lastname", "Prefixed"+kb.Enter),
		waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
		chromedp.Reload(),
		waitApp(`document.querySelector("#lastname") && document.querySelector("#lastname").value === "Prefixed"`),
		chromedp.Location(&loc),
	)
	if loc != base+"/users/"+url.PathEscape(u.ID) {
		t.Errorf("after reload: %s, want the user's page under the prefix", loc)
	}
	if got := s.findUser(t, u.ID); got.Lastname != "Prefixed" {
		t.Errorf("stored lastname %q", got.Lastname)
	}

	var resetLink string
	tb.run(
		chromedp.Click("#reset-password"),
		chromedp.WaitVisible("#reset-link"),
		chromedp.Value("#reset-link", &resetLink),
	)
	if !strings.HasPrefix(resetLink, base+"/reset-password?token=") {
		t.Errorf("reset link %q does not carry the prefix", resetLink)
	}

	// Everything the page loaded came through the prefix, and nothing broke the CSP.
	var resources, violations []string
	tb.run(
		chromedp.Evaluate(`performance.getEntriesByType("resource").map(e => e.name)`, &resources),
		chromedp.Evaluate(`window.cspViolations`, &violations),
	)
	for _, r := range resources {
		if !strings.HasPrefix(r, base+"/") {
			t.Errorf("a resource outside the prefix: %s", r)
		}
	}
	if len(violations) > 0 {
		t.Errorf("CSP violations: %v", violations)
	}
	tb.run(chromedp.Click(`a.back`), waitJS(`location.pathname === "`+prefix+`/"`), rowsLoaded())
}

// widgetPages are the test's own pages on an origin: a portal that frames the widget and
// never answers it (/silent), a page that posts init to the widget's frame (/sender), a
// page that frames the widget (/framer) and an empty page (/blank).
type widgetPages struct {
	widget, stranger, key, snippet string
}

func (p *widgetPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/silent":
		fmt.Fprintf(w, `<!doctype html><title>Silent portal</title>
<iframe id="widget" src="%s/" width="800" height="600"></iframe>
<iframe id="sibling" src="/sender"></iframe>
<iframe id="stranger" src="%s/sender"></iframe>`, p.widget, p.stranger)
	case "/sender":
		fmt.Fprintf(w, `<!doctype html><title>Sender</title><script>
setInterval(() => parent.frames[0].postMessage({type: "useradmin:init", apiKey: %q}, "*"), 100);
</script>`, p.key)
	case "/framer":
		fmt.Fprintf(w, `<!doctype html><title>Stranger</title><iframe id="widget" src="%s/"></iframe>`, p.widget)
	case "/snippet":
		fmt.Fprint(w, p.snippet)
	case "/blank":
		fmt.Fprint(w, `<!doctype html><title>Blank</title>`)
	default:
		http.NotFound(w, r)
	}
}

// readmeSnippet is the embedding snippet of the README, pointed at the widget, with the
// functions it leaves to the portal defined: its back end's token is one minted already.
func readmeSnippet(t *testing.T, widgetURL string, token embedToken) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "## Embedding in an admin portal")
	_, block, ok := strings.Cut(section, "```html\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no html block under \"Embedding in an admin portal\"")
	}
	return `<!doctype html><title>Portal</title><script>
async function tokenFromYourBackEnd() { return {token: ` + jsString(token.Token) + `, expiresAt: ` + jsString(token.ExpiresAt) + `}; }
function refreshYourViews(id) { window.refreshed = id; }
function yourSignOut() {}
</script>
` + strings.ReplaceAll(block, "https://users.example.com", widgetURL)
}

// serveOrigin serves h on host (a loopback address) at a free port until the test ends,
// and returns its origin.
func serveOrigin(t *testing.T, host string, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", host, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// freeAddr finds a free port on host for a server the test starts later.
func freeAddr(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", host, err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// openPortal opens the example portal as its back end's own admin, with the theme, and
// waits for the widget's handshake.
func (tb *tab) openPortal(portalURL, theme string) {
	tb.t.Helper()
	tb.openPortalWith(portalURL, portalForm{theme: theme})
}

// portalForm is what the example portal's form is set to: the person ("" for the first,
// the admin whose key the back end holds), the scope, the token's lifetime in seconds (0:
// the default), whether to renew, and the theme.
type portalForm struct {
	person, scope, theme string
	lifetime             int
	noRenew              bool
}

func (tb *tab) openPortalWith(portalURL string, f portalForm) {
	tb.t.Helper()
	actions := []chromedp.Action{
		chromedp.Navigate(portalURL + "/"),
		waitJS(`document.querySelectorAll("#person option").length > 0`),
	}
	if f.person != "" {
		actions = append(actions, selectValue("#person", f.person))
	}
	if f.scope != "" {
		actions = append(actions, selectValue("#scope", f.scope))
	}
	if f.lifetime != 0 {
		actions = append(actions, setValue("#lifetime", strconv.Itoa(f.lifetime)))
	}
	if f.noRenew {
		actions = append(actions, chromedp.Click("#renew"))
	}
	if f.theme != "" {
		actions = append(actions, selectValue("#theme", f.theme))
	}
	actions = append(actions,
		chromedp.Click(`#handover button[type=submit]`),
		waitText("#events", func(log string) bool { return strings.Contains(log, "useradmin:ready") }),
	)
	tb.run(actions...)
}

// frame attaches to the widget running in a frame whose URL starts with urlPrefix. A
// cross-origin frame runs in a renderer of its own, which the browser exposes as a target.
func (b *browser) frame(t *testing.T, urlPrefix string) *tab {
	t.Helper()
	var id target.ID
	deadline := time.Now().Add(20 * time.Second)
	for id == "" {
		for _, ti := range b.targets(t) {
			if ti.Type == "iframe" && strings.HasPrefix(ti.URL, urlPrefix) {
				id = ti.TargetID
			}
		}
		if id == "" && time.Now().After(deadline) {
			t.Fatalf("no frame at %s", urlPrefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(id))
	if err := chromedp.Run(ctx); err != nil {
		cancel()
		t.Fatalf("attach to the frame: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return &tab{t: t, ctx: ctx}
}

// targets lists the browser's targets: tabs, and frames that run in their own renderer.
func (b *browser) targets(t *testing.T) []*target.Info {
	t.Helper()
	infos, err := chromedp.Targets(b.ctx)
	if err != nil {
		t.Fatalf("list targets: %v", err)
	}
	return infos
}

// pageScreenshot saves the whole page at width, frames included: the viewport is made as
// tall as the page, since a full-page capture leaves cross-origin frames blank.
func (tb *tab) pageScreenshot(width int64, name string) {
	tb.t.Helper()
	var height int64
	tb.run(chromedp.EmulateViewport(width, 800))
	time.Sleep(500 * time.Millisecond) // the widget reports its new height; the frame takes it
	tb.run(chromedp.Evaluate(`document.documentElement.scrollHeight`, &height))
	var png []byte
	tb.run(chromedp.EmulateViewport(width, height), chromedp.Sleep(300*time.Millisecond), chromedp.CaptureScreenshot(&png))
	path := filepath.Join(artifacts(), tb.t.Name()[:strings.Index(tb.t.Name(), "/")]+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Errorf("screenshot: %v", err)
	}
	tb.t.Logf("screenshot: %s", path)
}

// recordCSPViolations makes the next pages the tab loads collect their CSP violations
// in window.cspViolations, from their very start.
func recordCSPViolations() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.cspViolations = [];
document.addEventListener("securitypolicyviolation", e => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`).Do(ctx)
		return err
	})
}

// waitAcrossLoad waits until the expression is true in a page that is being replaced:
// while the old page goes, evaluating fails, which is not yet an answer.
func waitAcrossLoad(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var ok bool
			if err := chromedp.Run(ctx, chromedp.Evaluate(`!!(`+expr+`)`, &ok)); err == nil && ok {
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

// awaitPromise makes Evaluate wait for the promise the expression returns.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// waitFrameFits waits until the portal has set its frame to the widget's height, which
// the widget reports as its content grows (at least 320 px).
func waitFrameFits(portal, frame *tab) {
	var bodyHeight int
	frame.run(chromedp.Evaluate(`Math.ceil(document.body.getBoundingClientRect().height)`, &bodyHeight))
	portal.run(waitJS(`document.getElementById("widget").style.height === "` + strconv.Itoa(max(320, bodyHeight)) + `px"`))
}
