package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestCrossSite_Workspaces opens the workspaces page in a portal on another site (the
// portal on 127.0.0.1, the widget on localhost), in each storage mode: the framed page
// lists the workspaces with their member counts, creates one with the keyboard's Enter,
// and deletes it after the confirmation that names its members, as at top level.
func TestCrossSite_Workspaces(t *testing.T) {
	portal := &crossSitePortal{}
	portalOrigin := serveOrigin(t, "127.0.0.1", portal)
	s := startServer(t, "-allowed-origins", portalOrigin)
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	widget := "http://localhost:" + port
	portal.widget = widget
	var made struct{ CreateWorkspace struct{ ID string } }
	s.graphql(t, `mutation { createWorkspace(name: "Annotators") { id } }`, nil, &made)
	annotators := made.CreateWorkspace.ID
	users := s.findUsers(t, map[string]any{"organizationRole": "USER"}, 2, 0, nil)
	s.graphql(t, `mutation($id: ID!, $u: [ID!]!) { addWorkspaceMembers(id: $id, userIds: $u) { id } }`,
		map[string]any{"id": annotators, "u": []string{users[0].ID, users[1].ID}}, new(struct{}))

	for _, mode := range storageModes {
		t.Run(mode.name, func(t *testing.T) {
			ctx, close := launchBrowserWith(t, mode.prefs)
			t.Cleanup(close)
			b := &browser{ctx: ctx}
			tb := b.newTab(t)
			tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=apiKey&key=" + s.Key + "&path=" + url.QueryEscape("/workspaces")))
			frame := b.frame(t, widget+"/")
			name := "Framed " + mode.name
			frame.run(
				waitApp(`document.querySelector("table.workspaces").getAttribute("aria-busy") === "false" && document.querySelector("#workspace-`+annotators+`")`),
				waitText("#workspace-"+annotators+" .col-members", func(s string) bool { return s == "2 members" }),
				setValue("#workspace-name", name),
				chromedp.SendKeys("#workspace-name", kb.Enter),
				waitText(".banner-success", func(s string) bool { return s == "Workspace “"+name+"” is created." }),
			)
			var found struct {
				Workspaces []struct{ ID, Name string }
			}
			s.graphql(t, `query($s: String) { workspaces(where: {search: $s}, first: 10, skip: 0) { id name } }`, map[string]any{"s": name}, &found)
			if len(found.Workspaces) != 1 || found.Workspaces[0].Name != name {
				t.Fatalf("stored: %+v", found.Workspaces)
			}
			id := found.Workspaces[0].ID
			frame.run(
				waitApp(`document.querySelector("#delete-`+annotators+`")`),
				chromedp.Click("#delete-"+annotators),
				waitText(".confirm-inline span", func(s string) bool { return s == "Delete it and its 2 members?" }),
				chromedp.Click("#delete-cancel"),
				// Empty, it is deleted at once: clicked once the cancelled confirmation
				// is gone, so that the click reaches the rendered button, and only once,
				// since a second click would find the workspace deleted.
				waitApp(`!document.querySelector(".confirm-inline") && document.querySelector("#delete-`+id+`") && !document.querySelector("#delete-`+id+`").disabled`),
				chromedp.Click("#delete-"+id),
				waitApp(`!document.querySelector("#workspace-`+id+`")`),
				waitText(".banner-success", func(s string) bool { return strings.Contains(s, "is deleted") }),
			)
			var n struct{ CountWorkspaces int }
			s.graphql(t, `{ countWorkspaces }`, nil, &n)
			if n.CountWorkspaces != 1 {
				t.Errorf("%d workspaces stored, want Annotators alone", n.CountWorkspaces)
			}
			var key string
			frame.run(chromedp.Evaluate(`(() => { try { return sessionStorage.getItem("useradmin.key") || ""; } catch (e) { return ""; } })()`, &key))
			if key != "" {
				t.Error("the framed widget kept the portal's key in storage")
			}
		})
	}
}
