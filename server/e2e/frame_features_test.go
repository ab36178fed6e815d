package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCrossSite_ImportBulkLive runs, in a portal on another site (the portal on
// 127.0.0.1, the widget on localhost) and in each storage mode, what the other
// cross-site tests leave out: a CSV import through the file input, a bulk deactivation
// from the selection's bar, and a live update of a row changed by someone else. Each
// is checked in the store, not only on the page.
func TestCrossSite_ImportBulkLive(t *testing.T) {
	portal := &crossSitePortal{}
	portalOrigin := serveOrigin(t, "127.0.0.1", portal)
	s := startServer(t, "-allowed-origins", portalOrigin)
	s.graphql(t, `mutation { createWorkspace(name: "Importers") { id } }`, nil, new(struct{ CreateWorkspace struct{ ID string } }))
	widget := "http://localhost:" + s.URL[strings.LastIndex(s.URL, ":")+1:]
	portal.widget = widget

	for _, mode := range storageModes {
		t.Run(mode.name, func(t *testing.T) {
			ctx, close := launchBrowserWith(t, mode.prefs)
			t.Cleanup(close)
			b := &browser{ctx: ctx}
			tb := b.newTab(t)
			tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=apiKey&key=" + s.Key))
			frame := b.frame(t, widget+"/")
			frame.run(rowsLoaded())

			t.Run("Import", func(t *testing.T) {
				before := s.countUsers(t, map[string]any{})
				people := strings.ReplaceAll(importPeople, "@import.test", "-"+strings.ToLower(mode.name)+"@import.test")
				frame.run(
					chromedp.Click("#import-csv"),
					chromedp.WaitVisible("#import-file"),
					chromedp.SetUploadFiles("#import-file", []string{importFile(t, "people.csv", people)}),
					waitText("#import-summary", func(s string) bool { return strings.HasPrefix(s, "3 to create · 2 with an error.") }),
					chromedp.Click("#import-run"),
					waitText("#import-result-summary", func(s string) bool { return strings.Contains(s, "3 created") }),
				)
				if n := s.countUsers(t, map[string]any{}); n != before+3 {
					t.Errorf("%d users, want %d", n, before+3)
				}
				frame.run(chromedp.Navigate(widget+"/"), rowsLoaded())
			})

			t.Run("BulkDeactivate", func(t *testing.T) {
				var two []apiUser
				for _, u := range s.findUsers(t, map[string]any{"activated": true, "organizationRole": "USER"}, 10, 0, nil) {
					if len(two) < 2 {
						two = append(two, u)
					}
				}
				if len(two) != 2 {
					t.Fatalf("the directory has %d activated users to deactivate", len(two))
				}
				frame.selectRows(two)
				frame.run(
					waitText("#bulk-bar .bulk-count", func(s string) bool { return s == "2 users selected" }),
					chromedp.Click("#bulk-deactivate"),
					waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Deactivate: 2 users changed.") }),
				)
				for _, u := range two {
					if s.findUser(t, u.ID).Activated {
						t.Errorf("%s is still activated", u.Email)
					}
				}
				frame.run(rowsLoaded())
			})

			t.Run("LiveUpdate", func(t *testing.T) {
				u := s.findUsers(t, map[string]any{"activated": true}, 1, 0, nil)[0]
				name := "Live" + mode.name
				s.graphql(t, `mutation($id: ID, $n: String) { updatePropertiesInUser(where: {id: $id}, data: {firstname: $n}) { id } }`,
					map[string]any{"id": u.ID, "n": name}, new(struct{}))
				frame.run(waitText(`table.users tbody a[href="/users/`+u.ID+`"]`, func(s string) bool { return strings.Contains(s, name) }))
			})
		})
	}
}
