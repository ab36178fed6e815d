package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestAccessibility_Workspaces runs axe-core on the workspaces page (with the deletion's
// confirmation open, which names the member count) and on the user list with the new
// columns and the workspace and dormant filters, light and dark, at 1440 and 390 px.
func TestAccessibility_Workspaces(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	users := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 3, 0, nil)
	var made struct {
		CreateWorkspace struct{ ID string }
	}
	s.graphql(t, `mutation { createWorkspace(name: "Annotators") { id } }`, nil, &made)
	ids := []string{users[0].ID, users[1].ID, users[2].ID}
	s.graphql(t, `mutation($id: ID!, $u: [ID!]!) { addWorkspaceMembers(id: $id, userIds: $u) { id } }`,
		map[string]any{"id": made.CreateWorkspace.ID, "u": ids}, new(struct{}))
	s.graphql(t, `mutation { createWorkspace(name: "Reviewers") { id } }`, nil, new(struct{}))
	ws := made.CreateWorkspace.ID

	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, width := range []int64{1440, 390} {
				label := scheme + "-" + strconv.FormatInt(width, 10)
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/workspaces"),
					waitApp(`document.querySelector("#workspace-`+ws+` .col-members a") && document.querySelector("table.workspaces").getAttribute("aria-busy") === "false"`))
				tb.run(waitText("#workspace-"+ws+" .col-members", func(s string) bool { return s == "3 members" }))
				tb.checkPage(axe, "workspaces-"+label, scheme)
				tb.run(chromedp.Click("#delete-"+ws), waitText(".confirm-inline span", func(s string) bool { return s == "Delete it and its 3 members?" }))
				tb.checkPage(axe, "workspace-delete-"+label, scheme)
				tb.run(chromedp.Click("#delete-cancel"), waitApp(`document.querySelector("#delete-`+ws+`")`))

				tb.run(chromedp.Navigate(s.URL+"/?workspace="+url.QueryEscape(ws)+"&sort=username"),
					waitApp(`document.querySelectorAll("table.users tbody.user-rows tr").length === 3 && document.querySelector("table.users").getAttribute("aria-busy") === "false"`),
					waitText("table.users tbody.user-rows tr td.col-workspaces", func(s string) bool { return s == "Annotators" }))
				tb.checkPage(axe, "list-workspace-"+label, scheme)
				tb.run(chromedp.Navigate(s.URL+"/?signin=never"),
					waitApp(`document.querySelector("table.users tbody.user-rows td.col-signin") && document.querySelector("table.users").getAttribute("aria-busy") === "false"`),
					waitText("table.users tbody.user-rows td.col-signin", func(s string) bool { return s == "Never" }))
				tb.checkPage(axe, "list-never-"+label, scheme)
				tb.run(chromedp.Navigate(s.URL+"/users/"+url.PathEscape(users[0].ID)),
					waitApp(`document.querySelector("#member-`+ws+`") && document.querySelector("#member-`+ws+`").checked && document.querySelector("#username-edit").value !== ""`))
				tb.checkPage(axe, "user-page-"+label, scheme)
				tb.run(chromedp.Navigate(s.URL+"/users/new"), waitApp(`document.querySelector("#username")`))
				tb.checkPage(axe, "new-user-"+label, scheme)
			}
		})
	}
}

// TestWorkspaces_Widget creates, renames and deletes a workspace through the widget, as
// an admin would, with the keyboard's Enter on the forms.
func TestWorkspaces_Widget(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t)
	tb := b.newTab(t)
	tb.signInWithKey(s)
	tb.run(chromedp.Navigate(s.URL+"/"), waitApp(`document.querySelector("#workspaces-link")`),
		chromedp.Click("#workspaces-link"), waitApp(`document.querySelector("#workspace-name")`),
		setValue("#workspace-name", "Labelers"), chromedp.Click("#create-workspace"),
		waitText(".banner-success", func(s string) bool { return s == "Workspace “Labelers” is created." }),
		waitApp(`[...document.querySelectorAll("table.workspaces td.col-name")].some(td => td.textContent === "Labelers")`))
	var id string
	tb.run(chromedp.Evaluate(`document.querySelector("table.workspaces tbody.workspace-rows tr").id.slice("workspace-".length)`, &id))
	tb.run(chromedp.Click("#rename-"+id), waitApp(`document.querySelector("#rename-input")`),
		setValue("#rename-input", "Labellers"), chromedp.Click("#rename-save"),
		waitText(".banner-success", func(s string) bool { return s == "The workspace is renamed “Labellers”." }),
		waitText("#workspace-"+id+" td.col-name", func(s string) bool { return s == "Labellers" }),
		// Empty, it is deleted at once.
		chromedp.Click("#delete-"+id),
		waitText(".banner-success", func(s string) bool {
			return s == "Workspace “Labellers” is deleted; its members stay in the directory."
		}),
		waitApp(`!document.querySelector("#workspace-`+id+`")`))
	// The user page: tick a workspace, and the list shows the user in it.
	u := s.findUsers(t, map[string]any{"organizationRole": "USER"}, 1, 0, nil)[0]
	var made struct{ CreateWorkspace struct{ ID string } }
	s.graphql(t, `mutation { createWorkspace(name: "Ticked") { id } }`, nil, &made)
	box := "#member-" + made.CreateWorkspace.ID
	tb.run(chromedp.Navigate(s.URL+"/users/"+url.PathEscape(u.ID)), waitApp(`document.querySelector("`+box+`")`),
		chromedp.Click(box),
		waitText(".user-models .banner-success", func(s string) bool { return s == "1 user added to “Ticked”, which has 1 member now." }),
		waitApp(`document.querySelector("`+box+`").checked`),
		// The panel reads the user again after the membership's write, and shows the
		// username it reads: the new one is typed until it stays.
		retype("#username-edit", "ticked.user"), chromedp.Click("#save-username"),
		waitText(".user-models .banner-success", func(s string) bool { return s == "The username is now ticked.user." }))
	var members struct {
		Users []struct{ Username string }
	}
	s.graphql(t, `query($w: ID) { users(where: {workspaceId: $w}, first: 10, skip: 0) { username } }`, map[string]any{"w": made.CreateWorkspace.ID}, &members)
	if len(members.Users) != 1 || members.Users[0].Username != "ticked.user" {
		t.Fatalf("members %+v", members.Users)
	}
	s.graphql(t, `mutation($id: ID!) { deleteWorkspace(id: $id, evenIfNotEmpty: true) }`, map[string]any{"id": made.CreateWorkspace.ID}, new(struct{}))
	var n struct{ CountWorkspaces int }
	s.graphql(t, `{ countWorkspaces }`, nil, &n)
	if n.CountWorkspaces != 0 {
		t.Fatalf("%d workspaces left", n.CountWorkspaces)
	}
}

// retype sets the input sel to value, again while what it holds is not value: the
// widget may fill the input with what it read meanwhile.
func retype(sel, value string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for range 10 {
			if err := setValue(sel, value).Do(ctx); err != nil {
				return err
			}
			time.Sleep(500 * time.Millisecond)
			var now string
			if err := chromedp.Value(sel, &now).Do(ctx); err != nil {
				return err
			}
			if now == value {
				return nil
			}
		}
		return fmt.Errorf("%s does not keep %q", sel, value)
	})
}
