package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestWidget_BulkWorkspaceMembership selects the page, then all matching users, and adds
// them to a workspace from the bulk bar, then removes the page's users again: the result
// counts who was a member already, and the store agrees. The bar with its workspace
// picker passes axe-core, light and dark, at 1440 and 390 px.
func TestWidget_BulkWorkspaceMembership(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	var made struct {
		CreateWorkspace struct{ ID string }
	}
	s.graphql(t, `mutation { createWorkspace(name: "Annotators") { id } }`, nil, &made)
	ws := made.CreateWorkspace.ID
	members := func() int { return s.countUsers(t, map[string]any{"workspaceId": ws}) }
	total := s.countUsers(t, map[string]any{})

	for _, scheme := range []string{"light", "dark"} {
		t.Run("Accessibility-"+scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, width := range []int64{1440, 390} {
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"), rowsLoaded(),
					chromedp.Click("#select-page"), waitApp(`document.querySelector("#bulk-workspace option[value='`+ws+`']")`),
					selectValue("#bulk-workspace", ws), waitApp(`!document.querySelector("#bulk-add-to-workspace").disabled`))
				tb.checkPage(axe, "bulk-membership-"+scheme+"-"+strconv.FormatInt(width, 10), scheme)
			}
		})
	}

	tb := b.newTab(t)
	tb.signInWithKey(s)
	var page int
	tb.run(chromedp.Evaluate(`document.querySelectorAll("table.users tbody.user-rows tr").length`, &page))
	tb.run(
		chromedp.Click("#select-page"),
		waitApp(`document.querySelector("#bulk-workspace option[value='`+ws+`']")`),
		selectValue("#bulk-workspace", ws),
		// The button is enabled once the widget has the choice: a click before does nothing.
		waitApp(`!document.querySelector("#bulk-add-to-workspace").disabled`),
		chromedp.Click("#bulk-add-to-workspace"),
		waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Add to workspace: ") }),
	)
	var result string
	tb.run(chromedp.Text("#bulk-result", &result))
	if want := "Add to workspace: " + strconv.Itoa(page) + " users changed."; !strings.Contains(result, want) {
		t.Errorf("result %q, want %q", result, want)
	}
	if n := members(); n != page {
		t.Fatalf("%d members after adding the page, want %d", n, page)
	}

	// All matching: those of the page are members already.
	tb.run(
		rowsLoaded(),
		chromedp.Click("#select-page"),
		waitApp(`document.querySelector("#select-all-matching")`),
		chromedp.Click("#select-all-matching"),
		waitText("#bulk-bar .bulk-count", func(got string) bool { return digits(got) == strconv.Itoa(total) }),
		selectValue("#bulk-workspace", ws),
		waitApp(`!document.querySelector("#bulk-add-to-workspace").disabled`),
		chromedp.Click("#bulk-add-to-workspace"),
		waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "already so") }),
	)
	tb.run(chromedp.Text("#bulk-result", &result))
	if want := "Add to workspace: " + strconv.Itoa(total-page) + " users changed, " + strconv.Itoa(page) + " already so."; !strings.Contains(result, want) {
		t.Errorf("result %q, want %q", result, want)
	}
	if n := members(); n != total {
		t.Fatalf("%d members after adding all, want %d", n, total)
	}

	// The page again, removed: the workspace column shows it no more for them.
	tb.run(
		rowsLoaded(),
		chromedp.Click("#select-page"),
		waitApp(`document.querySelector("#bulk-workspace option[value='`+ws+`']")`),
		selectValue("#bulk-workspace", ws),
		waitApp(`!document.querySelector("#bulk-remove-from-workspace").disabled`),
		chromedp.Click("#bulk-remove-from-workspace"),
		waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Remove from workspace: ") }),
		rowsLoaded(),
		waitText("table.users tbody.user-rows tr td.col-workspaces", func(s string) bool { return s == "—" }),
	)
	if n := members(); n != total-page {
		t.Errorf("%d members after removing the page, want %d", n, total-page)
	}
	tb.screenshot("result")
}
