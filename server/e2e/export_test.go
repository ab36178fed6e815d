package e2e

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// allowDownloads makes the browser of tb save downloads in a new folder under their own
// names, and returns the folder.
func allowDownloads(tb *tab) string {
	dir := tb.t.TempDir()
	tb.run(cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir).WithEventsEnabled(true))
	return dir
}

// downloaded waits for the one finished file in dir and returns its name and content.
func downloaded(t testing.TB, dir string) (string, string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		entries, _ := os.ReadDir(dir)
		var done []string
		partial := false
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".crdownload") {
				partial = true
			} else {
				done = append(done, e.Name())
			}
		}
		if len(done) == 1 && !partial {
			b, err := os.ReadFile(filepath.Join(dir, done[0]))
			if err != nil {
				t.Fatal(err)
			}
			return done[0], string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download in %s: %v", dir, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exportFromList opens the export panel, leaves out the columns of off, downloads, and
// waits for the widget to say it is done.
func exportFromList(frame *tab, off ...string) {
	frame.run(chromedp.WaitVisible("#export-csv"), chromedp.Click("#export-csv"), chromedp.WaitVisible("#export-panel"))
	for _, col := range off {
		frame.run(chromedp.Click("#export-col-" + col))
	}
	frame.run(
		chromedp.Click("#export-start"),
		waitText("#export-status", func(s string) bool { return strings.HasPrefix(s, "Exported ") }),
	)
}

// checkExport reads the file and compares it with the directory's users of where, in
// order, and the header with the columns chosen.
func checkExport(t *testing.T, s *server, name, file string, where map[string]any, order []map[string]string, header []string) {
	t.Helper()
	today := time.Now().UTC().Format("2006-01-02")
	if name != "users-"+today+".csv" {
		t.Errorf("the file is named %q", name)
	}
	records, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatalf("the file is not CSV: %v", err)
	}
	if !slices.Equal(records[0], header) {
		t.Errorf("header %q, want %q", records[0], header)
	}
	var want, got []string
	for skip := 0; ; skip += 100 {
		page := s.findUsers(t, where, 100, skip, order)
		for _, u := range page {
			want = append(want, u.Email)
		}
		if len(page) < 100 {
			break
		}
	}
	for _, r := range records[1:] {
		got = append(got, r[0])
	}
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("the file has %d users, the directory %d of the filter", len(got), len(want))
	}
}

// TestWidget_ExportCSV exports the list's filter and sort from the widget and reads the
// file the browser saved: from the directory's link (full contract), and written by the
// widget itself where the endpoint has no createExport (Kili's core).
func TestWidget_ExportCSV(t *testing.T) {
	for _, contract := range []string{"full", "core"} {
		t.Run(contract, func(t *testing.T) {
			b := newBrowser(t)
			s := startServer(t, "-contract", contract)
			tb := b.newTab(t)
			dir := allowDownloads(tb)
			tb.signInWithKey(s)
			// The core has neither the role filter nor the sort: its list is the status filter
			// in the endpoint's order.
			path, where, order := "/?role=USER&sort=email&dir=desc", map[string]any{"organizationRole": "USER"}, []map[string]string{{"field": "EMAIL", "direction": "DESC"}}
			header := []string{"email", "firstname", "lastname", "username", "organizationRole", "workspaces", "createdAt", "lastSignedInAt"}
			if contract == "core" {
				path, where, order = "/?status=inactive", map[string]any{"activated": false}, nil
				header = []string{"email", "firstname", "lastname", "organizationRole", "createdAt"}
			}
			tb.run(chromedp.Navigate(s.URL+path), rowsLoaded())
			exportFromList(tb, "activated")
			tb.screenshot("done")
			name, file := downloaded(t, dir)
			checkExport(t, s, name, file, where, order, header)
		})
	}
}

// TestCrossSite_ExportCSV exports from the widget framed by a portal on another site: the
// download is a plain link whose token is its credential, so no cookie of the widget's
// site is needed, in either storage mode.
func TestCrossSite_ExportCSV(t *testing.T) {
	portal := &crossSitePortal{}
	portalOrigin := serveOrigin(t, "127.0.0.1", portal)
	s := startServer(t, "-allowed-origins", portalOrigin)
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	widget := "http://localhost:" + port
	portal.widget = widget
	for _, mode := range storageModes {
		t.Run(mode.name, func(t *testing.T) {
			ctx, close := launchBrowserWith(t, mode.prefs)
			t.Cleanup(close)
			b := &browser{ctx: ctx}
			tb := b.newTab(t)
			dir := allowDownloads(tb)
			tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=apiKey&key=" + s.Key))
			frame := b.frame(t, widget+"/")
			frame.run(rowsLoaded())
			exportFromList(frame)
			name, file := downloaded(t, dir)
			checkExport(t, s, name, file, map[string]any{}, nil,
				[]string{"email", "firstname", "lastname", "username", "organizationRole", "activated", "workspaces", "createdAt", "lastSignedInAt"})
		})
	}
}

// TestAccessibility_Export checks the export panel as TestAccessibility checks the pages:
// open, with its columns, and after a download with its progress, light and dark, at 1440
// and 390 px.
func TestAccessibility_Export(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	b := newBrowser(t)
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			allowDownloads(tb)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, width := range []int64{1440, 390} {
				name := "-" + scheme + "-" + strconv.FormatInt(width, 10)
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"), rowsLoaded(),
					chromedp.Click("#export-csv"), chromedp.WaitVisible("#export-panel"))
				tb.checkPage(axe, "export-open"+name, scheme)
				tb.run(chromedp.Click("#export-start"),
					waitText("#export-status", func(s string) bool { return strings.HasPrefix(s, "Exported ") }))
				tb.checkPage(axe, "export-done"+name, scheme)
			}
		})
	}
}

// TestSecurity_ExportLinkEndsWithItsCredential: through the real binary, an export's
// link made with a session that then signs out, or with an API key that is then
// revoked, is refused with the answer of a used link, and the refusal uses nothing up; a
// link made with a key that still works downloads.
func TestSecurity_ExportLinkEndsWithItsCredential(t *testing.T) {
	d := startDirectory(t)
	session := d.signIn(t, d.AdminEmail, d.AdminPassword)
	var k struct{ CreateApiKey struct{ ID, Key string } }
	d.graphql(t, `mutation { createApiKey(name: "export script") { id key } }`, nil, &k)
	export := func(key string) string {
		t.Helper()
		a := d.send(t, call{query: `mutation { createExport(where: {}, columns: [EMAIL]) { url } }`, key: key})
		var e struct{ URL string }
		if a.code() != "" || json.Unmarshal(a.Data["createExport"], &e) != nil || !strings.HasPrefix(e.URL, "export/") {
			t.Fatalf("createExport: %+v", a)
		}
		return d.URL + "/" + e.URL
	}
	fromSession, fromKey, working := export(session), export(k.CreateApiKey.Key), export(d.Key)

	if a := d.send(t, call{query: `mutation { signOut }`, key: session}); a.code() != "" {
		t.Fatalf("signOut: %+v", a)
	}
	var revoked struct{ RevokeApiKey bool }
	d.graphql(t, `mutation($id: ID!) { revokeApiKey(id: $id) }`, map[string]any{"id": k.CreateApiKey.ID}, &revoked)

	for name, url := range map[string]string{"signed out": fromSession, "revoked": fromKey} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		const refusal = "This export link no longer works (used already, expired, or its admin signed out or may no longer export): start the export again from the user list.\n"
		if resp.StatusCode != http.StatusNotFound || string(body) != refusal {
			t.Errorf("the link of a %s credential: %d %q, want 404 %q", name, resp.StatusCode, body, refusal)
		}
	}
	if n := queryOne(t, d.path, `SELECT COUNT(*) FROM exports WHERE used_at IS NOT NULL`); n != "0" {
		t.Errorf("%s links used up by refusals", n)
	}
	resp, err := http.Get(working)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), d.AdminEmail) {
		t.Errorf("the link of a working key: %d, %d bytes", resp.StatusCode, len(body))
	}
}
