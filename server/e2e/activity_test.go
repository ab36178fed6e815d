package e2e

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWidget_Activity saves a change on a user's page and finds it in the page's
// Activity, old → new, then in the organization's activity page, filtered by action
// through the URL.
func TestWidget_Activity(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	tb := b.newTab(t)
	tb.signInWithKey(s)
	u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 2, nil)[0]

	tb.run(waitApp(`document.querySelector("#activity")`), chromedp.Click("#activity"),
		waitApp(`location.pathname === "/activity" && document.querySelector("#activity-action")`),
		chromedp.Navigate(s.URL+"/"), waitApp(`document.querySelector("table.users").getAttribute("aria-busy") === "false"`))
	tb.openUser(u, false)
	tb.run(
		setValue("#lastname", "Timeline"+kb.Enter),
		waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
	)
	// The save shows in the page's Activity at once.
	tb.run(waitText(".activity .timeline .event", func(s string) bool {
		return strings.Contains(s, "Profile changed") && strings.Contains(s, "Last name: "+u.Lastname+" → Timeline")
	}))

	tb.run(chromedp.Navigate(s.URL+"/activity"), waitApp(`document.querySelector(".timeline .event")`),
		chromedp.SetValue("#activity-action", "USER_UPDATED"),
		chromedp.Evaluate(`document.querySelector("#activity-action").dispatchEvent(new Event("change", {bubbles: true}))`, nil),
		waitApp(`location.search === "?action=USER_UPDATED" && document.querySelector(".timeline").getAttribute("aria-busy") === "false"`),
		waitText(".timeline .event", func(s string) bool { return strings.Contains(s, u.Email) && strings.Contains(s, "→ Timeline") }))
	var others bool
	tb.run(chromedp.Evaluate(`[...document.querySelectorAll(".timeline .event-action")].some(e => e.textContent !== "Profile changed")`, &others))
	if others {
		t.Error("the activity filtered by action shows other actions")
	}
}

// TestAccessibility_Activity checks the organization's activity page and a user's page
// with its Activity as TestAccessibility checks the other pages, in a tab of their own.
func TestAccessibility_Activity(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 1, nil)[0]
	s.graphql(t, `mutation($w: UserWhere!) { updatePropertiesInUser(where: $w, data: {lastname: "Audited", organizationRole: ADMIN, activated: false}) { id } }`,
		map[string]any{"w": map[string]any{"id": u.ID}}, new(struct{}))
	s.graphql(t, `mutation { inviteUsers(emails: ["axe-activity@e2e.test"], organizationRole: USER) { link } }`, nil, new(struct{}))
	pages := []struct{ name, path, ready string }{
		{"activity", "/activity", `document.querySelector(".timeline .event .changes") && document.querySelector(".timeline").getAttribute("aria-busy") === "false"`},
		{"edit-activity", "/users/" + url.PathEscape(u.ID), `document.querySelector("#lastname") && document.querySelectorAll(".activity .timeline .event").length >= 3`},
	}
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, p := range pages {
				for _, width := range []int64{1440, 390} {
					tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+p.path), waitApp(p.ready))
					tb.checkPage(axe, p.name+"-"+scheme+"-"+strconv.FormatInt(width, 10), scheme)
				}
			}
		})
	}
}
