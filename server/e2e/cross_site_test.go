package e2e

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The cross-site embedding tests put the portal and the widget on different *sites*, as in
// production (portal.acme.com framing users.vendor.io): the portal on http://127.0.0.1:Q,
// the widget on http://localhost:P. Each storage mode gets a fresh browser profile:
//
//	allowed  Chromium's default: a third-party frame's storage works, partitioned by the
//	         top-level site (what it wrote under this portal only).
//	denied   the person blocked the widget's site data under the portal (a content
//	         setting; Chrome's incognito and third-party-cookie blocking deny storage to
//	         third-party frames the same way in other versions): reading localStorage or
//	         sessionStorage in the frame throws a SecurityError.
var storageModes = []struct {
	name  string
	prefs string
}{
	{"StorageAllowed", ""},
	{"StorageDenied", `{"profile":{"content_settings":{"exceptions":{"cookies":{"localhost,127.0.0.1":{"setting":2}}}}}}`},
}

// TestCrossSite frames the widget from another site, in each storage mode, with both
// forms of the portal's init: an API key, and a token with its expiry that the portal
// renews when the widget asks.
func TestCrossSite(t *testing.T) {
	portal := &crossSitePortal{}
	portalOrigin := serveOrigin(t, "127.0.0.1", portal)
	s := startServer(t, "-allowed-origins", portalOrigin)
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	widget := "http://localhost:" + port
	portal.widget = widget

	for i, mode := range storageModes {
		t.Run(mode.name, func(t *testing.T) {
			ctx, close := launchBrowserWith(t, mode.prefs)
			t.Cleanup(close)
			b := &browser{ctx: ctx}

			t.Run("Storage", func(t *testing.T) {
				// What the widget wrote at top level, on its own site, in this browser.
				top := b.newTab(t)
				top.run(chromedp.Navigate(widget+"/sign-in"), waitApp(`document.querySelector("form.signin-card")`))
				var topWrote string
				top.run(chromedp.Evaluate(`(() => { try { localStorage.setItem("e2e.top", "1"); return "ok"; } catch (e) { return e.name; } })()`, &topWrote))
				if topWrote != "ok" {
					t.Fatalf("the widget's own site cannot use storage at top level: %s", topWrote)
				}

				tb := b.newTab(t)
				tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=none"))
				frame := b.frame(t, widget+"/")
				var got string
				frame.run(
					waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
					// sessionStorage is the browser's own; where the browser denies
					// storage, the widget has put a stand-in for localStorage in place
					// (for go-app, which reads it) before go-app started.
					chromedp.Evaluate(`(() => {
						try { return "readable, session " + typeof sessionStorage.length + ", top-level value " + localStorage.getItem("e2e.top"); }
						catch (e) { return e.name + ": " + e.message; } })()`, &got),
				)
				switch mode.name {
				case "StorageDenied":
					if got != "SecurityError: Failed to read the 'sessionStorage' property from 'Window': Access is denied for this document." {
						t.Fatalf("storage in the frame: %q, want it to throw a SecurityError", got)
					}
				default:
					if got != "readable, session number, top-level value null" {
						t.Fatalf("storage in the frame: %q, want it readable and partitioned (without the top-level value)", got)
					}
				}
			})

			t.Run("APIKey", func(t *testing.T) {
				tb := b.newTab(t)
				tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=apiKey&key=" + s.Key))
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded())
				want := strconv.Itoa(s.countUsers(t, map[string]any{}))
				frame.run(waitText("#user-count", func(got string) bool { return digits(got) == want }))
				var key string
				frame.run(chromedp.Evaluate(`(() => { try { return sessionStorage.getItem("useradmin.key") || ""; } catch (e) { return ""; } })()`, &key))
				if key != "" {
					t.Error("the framed widget kept the portal's key in storage")
				}
				tb.run(waitJS(`window.events.includes("useradmin:height")`))
			})

			t.Run("TokenRenewedThenEnded", func(t *testing.T) {
				first, second := s.createKey(t, "portal-1"), s.createKey(t, "portal-2")
				tb := b.newTab(t)
				// Each token lives 8 s: the widget asks for a new one 4 s before it expires.
				tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=token&ttl=8&key=" + first.Key + "&renew=" + second.Key))
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded())
				u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 2+i, nil)[0]
				frame.openUser(u, true)
				var path string
				frame.run(setValue("#lastname", "Renewed"), chromedp.Evaluate(`location.pathname`, &path))

				// The widget asks, the portal answers with the second token.
				tb.run(waitJS(`window.sent === 2`))
				// The widget checks the new token (who it signs in, with what rights) before
				// it uses it: the old one is revoked only once the widget has moved on.
				frame.run(waitJS(`performance.getEntriesByName("useradmin:renewed", "mark").length === 1`))
				var events []string
				tb.run(chromedp.Evaluate(`window.events`, &events))
				if !containsInOrder(events, "useradmin:ready", "useradmin:token-expiring") {
					t.Fatalf("portal events %v", events)
				}
				// The first token no longer works; the page kept what is typed and saves
				// with the second.
				s.graphql(t, `mutation($id: ID!) { revokeApiKey(id: $id) }`, map[string]any{"id": first.ID}, new(struct{ RevokeApiKey bool }))
				var typed, nowPath string
				frame.run(chromedp.Value("#lastname", &typed), chromedp.Evaluate(`location.pathname`, &nowPath))
				if typed != "Renewed" || nowPath != path {
					t.Fatalf("after the renewal the page shows %q at %s, want what was typed at %s", typed, nowPath, path)
				}
				frame.run(
					chromedp.SendKeys("#lastname", kb.Enter),
					waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
				)
				if got := s.findUser(t, u.ID); got.Lastname != "Renewed" {
					t.Errorf("stored lastname %q", got.Lastname)
				}

				// No third token comes: at expiry the widget says so and tells the portal.
				frame.run(waitText(".banner-info", func(s string) bool {
					return strings.Contains(s, "Your session ended at") && strings.Contains(s, "your portal did not renew it")
				}))
				tb.run(waitJS(`window.events.includes("useradmin:signed-out")`))
				tb.run(chromedp.Evaluate(`window.events`, &events))
				if n := count(events, "useradmin:token-expiring"); n != 2 {
					t.Errorf("the widget asked %d times for a token, want 2 (once per token): %v", n, events)
				}
			})

			t.Run("ErrTokenExpired", func(t *testing.T) {
				tb := b.newTab(t)
				tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=token&ttl=-5&key=" + s.Key))
				frame := b.frame(t, widget+"/")
				frame.run(waitText(".banner-error", func(s string) bool {
					return strings.Contains(s, "Your portal could not sign you in. The token the portal sent expired at")
				}))
				tb.run(waitJS(`window.events.includes("useradmin:error")`))
			})
		})
	}
}

// createKey makes an API key for the seeded admin, which this test's portal hands over as
// a token: the widget sends either alike. TestEmbedTokens runs real embed tokens.
func (s *server) createKey(t *testing.T, name string) struct{ ID, Key string } {
	t.Helper()
	var out struct {
		CreateAPIKey struct{ ID, Key string } `json:"createApiKey"`
	}
	s.graphql(t, `mutation($name: String!) { createApiKey(name: $name) { id key } }`, map[string]any{"name": name}, &out)
	return out.CreateAPIKey
}

// crossSitePortal is a portal page that frames the widget and answers its messages with
// the credential its URL names: /portal?credential=none|apiKey|token&key=K[&ttl=S&renew=K2]
// [&path=/widget/path?query], the frame's path being / unless named.
// With a token, expiresAt is ttl seconds ahead; the widget's token-expiring gets the renew
// key once, then no answer. window.events lists what the widget posted; window.sent counts
// the inits.
type crossSitePortal struct{ widget string }

func (p *crossSitePortal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/portal" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	cfg, _ := json.Marshal(map[string]string{
		"credential": q.Get("credential"), "key": q.Get("key"), "renew": q.Get("renew"), "ttl": q.Get("ttl"),
	})
	path := q.Get("path")
	if !strings.HasPrefix(path, "/") {
		path = "/"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Cross-site portal</title>
<iframe id="widget" title="Users" src="%[1]s%[4]s" style="width:100%%;height:700px;border:0"></iframe>
<script>
const cfg = %[2]s, origin = %[3]q, frame = document.getElementById("widget");
window.events = []; window.sent = 0;
const renewals = [cfg.renew].filter(Boolean);
function init(key) {
  window.sent++;
  const msg = {type: "useradmin:init"};
  if (cfg.credential === "token") {
    msg.token = key;
    msg.expiresAt = new Date(Date.now() + Number(cfg.ttl) * 1000).toISOString();
  } else {
    msg.apiKey = key;
  }
  frame.contentWindow.postMessage(msg, origin);
}
window.addEventListener("message", (e) => {
  if (e.origin !== origin || e.source !== frame.contentWindow) return;
  window.events.push(e.data.type);
  if (e.data.type === "useradmin:ready" && cfg.credential !== "none") init(cfg.key);
  if (e.data.type === "useradmin:token-expiring" && renewals.length) init(renewals.shift());
});
</script>`, p.widget, cfg, p.widget, html.EscapeString(path))
}

// containsInOrder reports whether want appear in got in this order.
func containsInOrder(got []string, want ...string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func count(list []string, s string) int {
	n := 0
	for _, e := range list {
		if e == s {
			n++
		}
	}
	return n
}
