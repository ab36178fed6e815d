package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWidget_BulkActions selects rows one by one, then the page, then all matching users,
// runs bulk actions from the bar, and checks the result against the store: the count in
// the confirmation, every user not changed listed with the reason, the list read again.
func TestWidget_BulkActions(t *testing.T) {
	for _, contract := range []string{"full", "core"} {
		t.Run(contract, func(t *testing.T) {
			b := newBrowser(t)
			s := startServer(t, "-contract", contract)
			tb := b.newTab(t)
			tb.signInWithKey(s)

			// Two rows, by their checkboxes: deactivated.
			var two []apiUser
			for _, u := range s.findUsers(t, map[string]any{}, 10, 0, nil) {
				if u.Activated && u.Email != s.AdminEmail && len(two) < 2 {
					two = append(two, u)
				}
			}
			tb.selectRows(two)
			tb.run(
				waitText("#bulk-bar .bulk-count", func(s string) bool { return s == "2 users selected" }),
				chromedp.Click("#bulk-deactivate"),
				waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Deactivate: 2 users changed.") }),
				rowsLoaded(),
			)
			for _, u := range two {
				if s.findUser(t, u.ID).Activated {
					t.Errorf("%s is still activated", u.Email)
				}
			}

			// The page, then all matching: the delete confirmation names the count; cancel it,
			// then deactivate them all. The admin running it is left out, and listed.
			total := s.countUsers(t, map[string]any{})
			active := s.countUsers(t, map[string]any{"activated": true})
			tb.run(
				chromedp.Click("#select-page"),
				waitText("#bulk-bar .bulk-count", func(s string) bool { return strings.HasSuffix(s, "users selected") }),
				chromedp.Click("#select-all-matching"),
				waitText("#bulk-bar .bulk-count", func(got string) bool { return digits(got) == strconv.Itoa(total) }),
			)
			if contract == "full" {
				tb.run(
					chromedp.Click("#bulk-delete"),
					waitText("#bulk-delete-title", func(got string) bool { return got == "Delete "+strconv.Itoa(total)+" users? This cannot be undone." }),
					chromedp.Click("#bulk-cancel-confirm"),
					waitApp(`!document.querySelector("#bulk-delete-title")`),
				)
			}
			tb.run(
				chromedp.Click("#bulk-deactivate"),
				waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Deactivate: ") }),
			)
			var result string
			tb.run(chromedp.Text("#bulk-result", &result))
			want := "Deactivate: " + strconv.Itoa(active-1) + " users changed, " + strconv.Itoa(total-active) + " already so, 1 not changed."
			if !strings.Contains(result, want) || !strings.Contains(result, s.AdminEmail+": You are left as you are") {
				t.Errorf("result %q, want %q and the admin listed", result, want)
			}
			if n := s.countUsers(t, map[string]any{"activated": true}); n != 1 {
				t.Errorf("%d users active, want the admin alone", n)
			}
			tb.screenshot("result")
		})
	}
}

// TestWidget_BulkQuickSelect checks two rows in quick succession, the second at various
// short delays after the first, as a fast admin does: every check counts, whether it comes
// before, during or after the list shows its bar of bulk actions for the first.
func TestWidget_BulkQuickSelect(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	tb := b.newTab(t)
	tb.signInWithKey(s)
	var two []apiUser
	for _, u := range s.findUsers(t, map[string]any{}, 10, 0, nil) {
		if u.Email != s.AdminEmail && len(two) < 2 {
			two = append(two, u)
		}
	}
	if len(two) != 2 {
		t.Fatalf("the directory has %d users besides the admin", len(two))
	}
	a, c := jsString("select-"+two[0].ID), jsString("select-"+two[1].ID)
	for _, delay := range []int{0, 0, 1, 2, 4, 8, 16, 32} {
		tb.run(
			waitApp(`!document.querySelector("#bulk-bar") && document.getElementById(`+a+`)`),
			chromedp.Evaluate(`document.getElementById(`+a+`).click();
				setTimeout(() => document.getElementById(`+c+`).click(), `+strconv.Itoa(delay)+`); true`, nil),
			waitText("#bulk-bar .bulk-count", func(s string) bool { return s == "2 users selected" }),
			waitApp(`document.getElementById(`+a+`).checked && document.getElementById(`+c+`).checked`),
			chromedp.Click("#clear-selection"),
		)
	}
}

// selectRows checks the rows of users one by one, as a person does, each check seen in
// the bulk bar before the next: the bar's coming moves the rows down, so that a click
// aimed before it came would land on another row.
func (tb *tab) selectRows(users []apiUser) {
	tb.t.Helper()
	for i, u := range users {
		tb.run(chromedp.WaitVisible(`#select-`+u.ID), chromedp.Click(`#select-`+u.ID),
			waitText("#bulk-bar .bulk-count", func(s string) bool { return s == countSelected(i+1) }))
	}
}

// countSelected is what the bar says when n users are selected.
func countSelected(n int) string {
	if n == 1 {
		return "1 user selected"
	}
	return strconv.Itoa(n) + " users selected"
}
