package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWidget_FirstPageShowsUserModels opens the list as a person arrives at it — just
// signed in, after a reload before the widget knows what the endpoint offers, and framed
// by a portal on another site — and asserts that the very first page already shows the
// admin's username and last sign-in, not the empty cells of a page read without them.
func TestWidget_FirstPageShowsUserModels(t *testing.T) {
	portal := &crossSitePortal{}
	portalOrigin := serveOrigin(t, "127.0.0.1", portal)
	s := startServer(t, "-allowed-origins", portalOrigin)
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	portal.widget = "http://localhost:" + port
	var viewer struct {
		Viewer struct{ ID, Username string }
	}
	s.graphql(t, `{ viewer { id username } }`, nil, &viewer)
	if viewer.Viewer.Username == "" {
		t.Fatal("the seeded admin has no username")
	}
	// The admin's own row, on the first page of the unfiltered list (the demo's 50 users
	// fit one page of 100): a filter would make the page wait for the session.
	row := `document.querySelector("table.users tbody.user-rows a[href$='/users/` + viewer.Viewer.ID + `']")?.closest("tr")`
	check := func(tb *tab, where string) {
		t.Helper()
		var got struct{ Username, SignIn string }
		tb.run(waitApp(row+` && document.querySelector("table.users").getAttribute("aria-busy") === "false"`),
			chromedp.Evaluate(`(() => { const r = `+row+`; return {username: r.querySelector("td.col-username")?.textContent || "", signIn: r.querySelector("td.col-signin")?.textContent || ""}; })()`, &got))
		if got.Username != viewer.Viewer.Username || got.SignIn == "" || got.SignIn == "Never" {
			t.Errorf("%s: the first page shows the admin with username %q and last sign-in %q, want %q and a time", where, got.Username, got.SignIn, viewer.Viewer.Username)
		}
	}
	search := "/?size=100"

	t.Run("Standalone", func(t *testing.T) {
		b := newBrowser(t)
		tb := b.newTab(t)
		tb.signInWithKey(s)
		tb.run(chromedp.Navigate(s.URL + search))
		check(tb, "after signing in")
		// A reload on a browser that does not remember the endpoint's capabilities: the
		// page goes out before the session has found them.
		tb.run(chromedp.Evaluate(`Object.keys(localStorage).filter(k => k.startsWith("useradmin.caps:")).forEach(k => localStorage.removeItem(k))`, nil),
			chromedp.Navigate(s.URL+search))
		check(tb, "after a reload without the capabilities known")
		tb.run(chromedp.Navigate(s.URL + search))
		check(tb, "after a reload with the capabilities known")
	})

	t.Run("Framed", func(t *testing.T) {
		ctx, close := launchBrowserWith(t, "")
		t.Cleanup(close)
		b := &browser{ctx: ctx}
		tb := b.newTab(t)
		tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=apiKey&key=" + s.Key + "&path=" + url.QueryEscape(search)))
		frame := b.frame(t, portal.widget+"/")
		frame.run(rowsLoaded())
		check(frame, "framed by the portal")
	})
}
