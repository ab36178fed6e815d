package e2e

import (
	"encoding/csv"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestWidget_BulkResetLinks selects users on the list and sends them reset links from
// the bulk bar, with a directory that has no mail server: the result offers the links as
// a CSV file, one row per selected user (the admin left out and listed), and a link of
// the file sets that user's password. Against Kili's core the action is not offered. The
// bar and the result pass axe-core, light and dark, at 1440 and 390 px.
func TestWidget_BulkResetLinks(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	var two []apiUser
	// Two USERs: the admin signed in is never given a link.
	for _, u := range s.findUsers(t, map[string]any{"activated": true, "organizationRole": "USER"}, 10, 0, nil) {
		if len(two) < 2 {
			two = append(two, u)
		}
	}

	for _, scheme := range []string{"light", "dark"} {
		t.Run("Accessibility-"+scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, width := range []int64{1440, 390} {
				w := strconv.FormatInt(width, 10)
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"), rowsLoaded(),
					chromedp.Click(`#select-`+two[0].ID), chromedp.WaitVisible("#bulk-reset-links"))
				tb.checkPage(axe, "bulk-reset-bar-"+scheme+"-"+w, scheme)
				tb.run(chromedp.Click("#bulk-reset-links"), chromedp.WaitVisible("#bulk-reset-csv"), rowsLoaded())
				tb.checkPage(axe, "bulk-reset-result-"+scheme+"-"+w, scheme)
			}
		})
	}

	tb := b.newTab(t)
	tb.signInWithKey(s)
	tb.selectRows(two)
	tb.run(
		waitText("#bulk-bar .bulk-count", func(s string) bool { return s == "2 users selected" }),
		chromedp.Click("#bulk-reset-links"),
		waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Send reset links: 2 links issued.") }),
	)
	rows := tb.resetLinksFile()
	if len(rows) != 3 || strings.Join(rows[0], ",") != "email,link,expires" {
		t.Fatalf("file %v, want a header and 2 rows", rows)
	}
	var emails []string
	for _, r := range rows[1:] {
		emails = append(emails, r[0])
		if _, err := time.Parse(time.RFC3339, r[2]); err != nil || !strings.Contains(r[1], "token=") {
			t.Errorf("row %v", r)
		}
	}
	slices.Sort(emails)
	want := []string{two[0].Email, two[1].Email}
	slices.Sort(want)
	if !slices.Equal(emails, want) {
		t.Errorf("file for %v, want %v", emails, want)
	}
	link, err := url.Parse(rows[1][1])
	if err != nil {
		t.Fatal(err)
	}
	var done struct{ CompletePasswordReset bool }
	s.graphql(t, `mutation($t: String!) { completePasswordReset(token: $t, newPassword: "a new long password") }`,
		map[string]any{"t": link.Query().Get("token")}, &done)
	if !done.CompletePasswordReset {
		t.Error("the link of the file did not set the password")
	}
	// Dismissed: the file is gone from the page.
	tb.run(chromedp.Click("#bulk-dismiss"), waitApp(`!document.querySelector("#bulk-reset-csv")`))

	// All matching: everyone activated gets a link, the admin and the deactivated users
	// are listed.
	total := s.countUsers(t, map[string]any{})
	active := s.countUsers(t, map[string]any{"activated": true})
	tb.run(
		rowsLoaded(),
		chromedp.Click("#select-page"),
		waitApp(`document.querySelector("#select-all-matching")`),
		chromedp.Click("#select-all-matching"),
		waitText("#bulk-bar .bulk-count", func(got string) bool { return digits(got) == strconv.Itoa(total) }),
		chromedp.Click("#bulk-reset-links"),
		waitText("#bulk-result", func(s string) bool { return strings.Contains(s, "Send reset links: ") }),
	)
	var result string
	tb.run(chromedp.Text("#bulk-result", &result))
	if want := "Send reset links: " + strconv.Itoa(active-1) + " links issued, " + strconv.Itoa(total-active+1) + " without a link."; !strings.Contains(result, want) ||
		!strings.Contains(result, s.AdminEmail+": You get no link") {
		t.Errorf("result %q, want %q and the admin listed", result, want)
	}
	if rows := tb.resetLinksFile(); len(rows) != active {
		t.Errorf("file of %d rows, want a header and %d links", len(rows), active-1)
	}
	tb.screenshot("result")

	// Kili's core has no bulk reset links: the bar does not offer them.
	core := startServer(t, "-contract", "core")
	ct := b.newTab(t)
	ct.signInWithKey(core)
	ct.run(rowsLoaded(), chromedp.Click("#select-page"), chromedp.WaitVisible("#bulk-deactivate"))
	var offered bool
	ct.run(chromedp.Evaluate(`!!document.querySelector("#bulk-reset-links")`, &offered))
	if offered {
		t.Error("the core's bar offers reset links")
	}
}

// resetLinksFile downloads the CSV file the result offers, as a person does, and reads it.
func (tb *tab) resetLinksFile() [][]string {
	tb.t.Helper()
	dir := allowDownloads(tb)
	tb.run(chromedp.Click("#bulk-reset-csv"))
	name, text := downloaded(tb.t, dir)
	if name != "reset-links.csv" {
		tb.t.Errorf("the file is named %q", name)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
	if err != nil {
		tb.t.Fatalf("the file is not CSV: %v\n%s", err, text)
	}
	return rows
}
