package e2e

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestWidget_WorkspacePickersBeyondAHundred gives the organization 150 workspaces, more
// than a picker lists (the first 100 by name), and reaches the last of them by typing
// part of its name in each picker: the user page's membership, the list's workspace
// filter, and the bulk bar. The pickers with their search box pass axe-core, light and
// dark, at 1440 and 390 px.
func TestWidget_WorkspacePickersBeyondAHundred(t *testing.T) {
	// The workspace filter's finder comes once the list has read the workspaces, after the
	// first rows, and moves the table down: a click aimed before it came would miss.
	filterFinderShown := waitApp(`document.querySelector("#workspace-filter-search")`)
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	ids := map[string]string{}
	for i := range 150 {
		name := fmt.Sprintf("Team %03d", i)
		var made struct{ CreateWorkspace struct{ ID string } }
		s.graphql(t, `mutation($n: String!) { createWorkspace(name: $n) { id } }`, map[string]any{"n": name}, &made)
		ids[name] = made.CreateWorkspace.ID
	}
	last, other := ids["Team 149"], ids["Team 148"]
	u := s.findUsers(t, map[string]any{"organizationRole": "USER"}, 1, 0, nil)[0]

	tb := b.newTab(t)
	tb.signInWithKey(s)
	// The user page: the last workspace is not among the boxes until searched for.
	tb.run(chromedp.Navigate(s.URL+"/users/"+url.PathEscape(u.ID)),
		waitApp(`document.querySelector("#member-search") && document.querySelectorAll("fieldset.membership input[type=checkbox]").length === 100`),
		waitText(".workspace-finder p", func(s string) bool { return s == "Showing 100 of 150: type part of a name to find the others." }))
	var present bool
	tb.run(chromedp.Evaluate(`!!document.querySelector("#member-`+last+`")`, &present))
	if present {
		t.Fatal("the 150th workspace is listed before any search: the test does not need the search")
	}
	tb.run(setValue("#member-search", "149"),
		waitApp(`document.querySelector("#member-`+last+`") && document.querySelectorAll("fieldset.membership input[type=checkbox]").length === 1`),
		chromedp.Click("#member-"+last),
		waitText(".user-models .banner-success", func(s string) bool { return strings.HasPrefix(s, "1 user added to “Team 149”") }))
	if n := s.countUsers(t, map[string]any{"workspaceId": last}); n != 1 {
		t.Fatalf("Team 149 has %d members, want 1", n)
	}

	// The list's filter: found by search, chosen, the list shows its member.
	tb.run(chromedp.Navigate(s.URL+"/"), rowsLoaded(),
		setValue("#workspace-filter-search", "149"),
		waitApp(`document.querySelector("#workspace-filter option[value='`+last+`']")`),
		selectValue("#workspace-filter", last),
		waitApp(`document.querySelectorAll("table.users tbody.user-rows tr").length === 1 && document.querySelector("table.users").getAttribute("aria-busy") === "false"`),
		waitText("table.users tbody.user-rows td.col-workspaces", func(s string) bool { return s == "Team 149" }))

	// The bulk bar: the page's users added to the 149th workspace, found by search.
	tb.run(chromedp.Navigate(s.URL+"/"), rowsLoaded(), filterFinderShown, chromedp.Click("#select-page"),
		setValue("#bulk-workspace-search", "148"),
		waitApp(`document.querySelector("#bulk-workspace option[value='`+other+`']")`),
		selectValue("#bulk-workspace", other),
		waitApp(`!document.querySelector("#bulk-add-to-workspace").disabled`),
		chromedp.Click("#bulk-add-to-workspace"),
		waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Add to workspace: ") }))
	if n := s.countUsers(t, map[string]any{"workspaceId": other}); n != 25 {
		t.Errorf("Team 148 has %d members, want the page's 25", n)
	}

	for _, scheme := range []string{"light", "dark"} {
		t.Run("Accessibility-"+scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, width := range []int64{1440, 390} {
				label := scheme + "-" + strconv.FormatInt(width, 10)
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/users/"+url.PathEscape(u.ID)),
					waitApp(`document.querySelector("#member-search") && document.querySelectorAll("fieldset.membership input[type=checkbox]").length === 100`))
				tb.checkPage(axe, "membership-finder-"+label, scheme)
				tb.run(chromedp.Navigate(s.URL+"/"), rowsLoaded(), filterFinderShown, chromedp.Click("#select-page"),
					waitApp(`document.querySelector("#bulk-workspace-search")`))
				tb.checkPage(axe, "list-finders-"+label, scheme)
			}
		})
	}
}
