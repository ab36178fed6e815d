package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestAccessibility runs axe-core on every page of the widget, signed out and signed in,
// in the light and the dark scheme (prefers-color-scheme emulated), at 1440 and 390 px.
// Any violation fails, color-contrast included. Each dark page is also checked as a
// person sees it: on its screenshot, the background is dark and the text stands out from
// it (at least 7:1 for the brightest text), and the computed colours of the page are the
// dark theme's.
func TestAccessibility(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 1, nil)[0]
	s.graphql(t, `mutation($w: UserWhere) { createApiKey(name: "build server", where: $w) { id } }`,
		map[string]any{"w": map[string]any{"id": u.ID}}, new(struct{}))

	// A change of Uma's name, username and role, for the Activity of her page and the
	// organization's.
	s.graphql(t, `mutation($w: UserWhere!) { updatePropertiesInUser(where: $w, data: {lastname: "Audited", username: "audited.user", organizationRole: ADMIN}) { id } }`,
		map[string]any{"w": map[string]any{"id": u.ID}}, new(struct{}))
	var invited struct {
		InviteUsers []struct{ Link string }
	}
	s.graphql(t, `mutation { inviteUsers(emails: ["axe@e2e.test", "bad"], organizationRole: USER) { link } }`, nil, &invited)
	link, err := url.Parse(invited.InviteUsers[0].Link)
	if err != nil {
		t.Fatal(err)
	}
	signedOut := []struct{ name, path, ready string }{
		{"sign-in", "/sign-in", `document.querySelector("form.signin-card[aria-busy=false]")`},
		{"reset-password", "/reset-password?token=abc", `document.querySelector("#password2")`},
		{"reset-no-token", "/reset-password", `document.querySelector(".banner-error")`},
		{"accept-invitation", link.RequestURI(), `document.querySelector("#password2")`},
		{"accept-dead-link", "/accept-invitation?token=ua_dead", `document.querySelector("#invitation-dead")`},
	}
	signedIn := []struct{ name, path, ready string }{
		{"list", "/", `document.querySelector("table.users tbody td.col-name a") && document.querySelector("table.users").getAttribute("aria-busy") === "false"`},
		{"edit", "/users/" + url.PathEscape(u.ID), `document.querySelector("#lastname") && document.querySelector(".api-keys .key") && document.querySelector(".activity .timeline .event")`},
		{"new", "/users/new", `document.querySelector("#password2")`},
		{"account", "/account", `document.querySelector("#oldPassword")`},
		{"invitations", "/invitations?status=all", `document.querySelector("table.invitations tbody.invitation-rows") && document.querySelector("table.invitations").getAttribute("aria-busy") === "false"`},
		{"invite", "/invite", `document.querySelector("#invite-emails")`},
		{"activity", "/activity", `document.querySelector(".timeline .event .changes") && document.querySelector(".timeline").getAttribute("aria-busy") === "false"`},
	}
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			check := func(name, path, ready string, then ...chromedp.Action) {
				for _, width := range []int64{1440, 390} {
					tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+path), waitApp(ready))
					tb.run(then...)
					tb.checkPage(axe, name+"-"+scheme+"-"+strconv.FormatInt(width, 10), scheme)
				}
			}
			for _, p := range signedOut {
				check(p.name, p.path, p.ready)
			}
			// A refused sign-in, whose one sentence for every refusal is long.
			check("sign-in-refused", "/sign-in", `document.querySelector("form.signin-card[aria-busy=false]")`,
				setValue("#email", "nobody-"+scheme+"@e2e.test"),
				setValue("#password", "not a password of anyone"),
				chromedp.Click(`form.signin-card button[type=submit]`),
				waitText("#password-error", func(s string) bool { return s != "" }))
			tb.signInWithKey(s)
			for _, p := range signedIn {
				check(p.name, p.path, p.ready)
			}
			// The answers of an invitation, each with its link to copy.
			check("invite-results", "/invite", `document.querySelector("#invite-emails")`,
				setValue("#invite-emails", "axe@e2e.test, new-"+scheme+"@e2e.test, bad"),
				chromedp.Click("#send-invitations"),
				waitText("#invite-summary", func(s string) bool { return s != "" }))
		})
	}
}

// TestAccessibility_Bulk checks the list's bulk actions as TestAccessibility checks the
// other pages: the bar with the delete confirmation, and the result with a user not
// changed.
func TestAccessibility_Bulk(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, width := range []int64{1440, 390} {
				name := "-" + scheme + "-" + strconv.FormatInt(width, 10)
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"), rowsLoaded(),
					chromedp.Click("#select-page"), chromedp.WaitVisible("#select-all-matching"),
					chromedp.Click("#bulk-delete"), chromedp.WaitVisible("#bulk-delete-title"))
				tb.checkPage(axe, "bulk-confirm"+name, scheme)
				tb.run(chromedp.Click("#bulk-cancel-confirm"), chromedp.Click("#bulk-activate"), chromedp.WaitVisible("#bulk-result .bulk-failures"))
				tb.checkPage(axe, "bulk-result"+name, scheme)
			}
		})
	}
}

// TestAccessibility_ListLoading checks the list while a page loads, the previous rows
// still shown: its answer is held back by the proxy, so the busy state lasts as long as
// axe-core needs. The rows were once faded there, below 4.5:1.
func TestAccessibility_ListLoading(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	p := startProxy(t, s.URL)
	b := newBrowser(t)
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			p.set(passThrough)
			tb.signInAt(p.URL(), s.Key)
			for _, width := range []int64{1440, 390} {
				p.set(passThrough)
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(p.URL()+"/"), rowsLoaded())
				p.set(hangAfterForwarding)
				tb.run(chromedp.Click(`a[rel=next]`),
					waitApp(`document.querySelector("table.users[aria-busy=true] tbody.user-rows td.col-name a")`))
				tb.checkPage(axe, "list-loading-"+scheme+"-"+strconv.FormatInt(width, 10), scheme)
			}
		})
	}
}

// TestAccessibility_Paradime checks the widget's list against Paradime's API alone as
// TestAccessibility checks the other pages.
func TestAccessibility_Paradime(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t, "-contract", "paradime")
	b := newBrowser(t)
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
				chromedp.Navigate(s.URL+"/sign-in"),
				waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
				setValue("#key", s.Key),
				chromedp.Click(`form.signin-card button[type=submit]`),
				waitApp(`document.querySelector("table.paradime-users tbody tr td.col-email")`))
			for _, width := range []int64{1440, 390} {
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"),
					waitApp(`document.querySelector("table.paradime-users tbody tr td.col-email")`))
				tb.checkPage(axe, "paradime-"+scheme+"-"+strconv.FormatInt(width, 10), scheme)
			}
		})
	}
}

// checkPage runs axe-core on the page, saves its screenshot, and in the dark scheme checks
// that it shows the dark theme.
func (tb *tab) checkPage(axe, label, scheme string) {
	tb.t.Helper()
	tb.axe(axe, label)
	shot := tb.screenshot(label)
	if scheme == "dark" {
		tb.checkDark(label, shot)
	}
}

// axeSource is axe-core's script, installed from the npm registry by `make test-deps`.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("E2E_AXE")
	if path == "" {
		path = filepath.Join(root, ".bin", "npm", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run `make test-deps`, which installs it from npm", err)
	}
	return string(src)
}

// axe runs axe-core on the page and fails the test with each violation.
func (tb *tab) axe(axe, label string) {
	tb.t.Helper()
	var res struct {
		Violations []string
		Passed     []string
	}
	tb.run(
		chromedp.Evaluate(axe, nil),
		chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"]}).then(r => ({
			violations: r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at " +
				v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + n.html).join(", ")),
			passed: r.passes.map(p => p.id)}))`, &res, awaitPromise),
	)
	// The rules this widget depends on must have run and passed, not been skipped.
	for _, rule := range []string{"meta-viewport", "color-contrast", "document-title", "html-has-lang"} {
		if !slices.Contains(res.Passed, rule) {
			tb.t.Errorf("%s: axe-core's %s rule did not pass (violations: %v)", label, rule, res.Violations)
		}
	}
	for _, v := range res.Violations {
		tb.t.Errorf("%s: axe-core: %s", label, v)
	}
}

// checkDark fails the test unless the page shows the dark theme: its computed colours,
// and its screenshot (the commonest colour is the background).
func (tb *tab) checkDark(label, shot string) {
	tb.t.Helper()
	var colors []string
	tb.run(chromedp.Evaluate(`[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]`, &colors))
	if bg, fg := cssLuminance(colors[0]), cssLuminance(colors[1]); bg > 0.05 || contrast(bg, fg) < 7 {
		tb.t.Errorf("%s: body %s on %s, want light text on a dark background", label, colors[1], colors[0])
	}
	f, err := os.ReadFile(shot)
	if err != nil {
		tb.t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		tb.t.Fatal(err)
	}
	bg, brightest := screenshotColors(img)
	if bg > 0.05 {
		tb.t.Errorf("%s: the screenshot's background has luminance %.2f, want a dark one", label, bg)
	}
	if c := contrast(bg, brightest); c < 7 {
		tb.t.Errorf("%s: the screenshot's brightest text has contrast %.1f:1 on its background, want 7:1 at least", label, c)
	}
}

// screenshotColors is the luminance of an image's commonest colour (its background) and
// of its brightest pixel.
func screenshotColors(img image.Image) (background, brightest float64) {
	counts := map[[3]uint32]int{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			c := [3]uint32{cr >> 8, cg >> 8, cb >> 8}
			counts[c]++
			brightest = math.Max(brightest, luminance(c))
		}
	}
	var top [3]uint32
	for c, n := range counts {
		if n > counts[top] {
			top = c
		}
	}
	return luminance(top), brightest
}

// cssLuminance is the relative luminance of a computed CSS colour "rgb(r, g, b)".
func cssLuminance(css string) float64 {
	var c [3]uint32
	if n, _ := fmt.Sscanf(css, "rgb(%d, %d, %d)", &c[0], &c[1], &c[2]); n < 3 {
		return math.NaN()
	}
	return luminance(c)
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(c [3]uint32) float64 {
	lin := func(v uint32) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// contrast is WCAG's contrast ratio of two luminances.
func contrast(a, b float64) float64 {
	return (math.Max(a, b) + 0.05) / (math.Min(a, b) + 0.05)
}
