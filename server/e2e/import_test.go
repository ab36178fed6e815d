package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// importFile writes a CSV file for the file input and returns its path.
func importFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// download clicks the link sel, as a person would, and returns the file the browser
// saved: the page's own policy does not let a script read the blob it links to.
func (tb *tab) download(sel string) string {
	tb.t.Helper()
	dir := tb.t.TempDir()
	done := make(chan string, 1)
	chromedp.ListenTarget(tb.ctx, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	})
	tb.run(
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.Click(sel),
	)
	select {
	case guid := <-done:
		data, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			tb.t.Fatal(err)
		}
		return string(data)
	case <-time.After(20 * time.Second):
		tb.t.Fatalf("no download from %s", sel)
	}
	return ""
}

// importPeople is a file of three new people and two lines the directory refuses.
const importPeople = "\ufeffemail,firstname,lastname,organizationRole,workspaces\r\n" +
	"ivo@import.test,Ivo,Import,USER,Importers\r\n" +
	"ida@import.test,Ida,Import,ADMIN,\r\n" +
	"not an address,Nia,,USER,\r\n" +
	"ike@import.test,Ike,,USER,Nowhere\r\n" +
	"isa@import.test,Isa,,user,importers\r\n"

// TestWidget_ImportCSV goes from the list's Import CSV button to the page, uploads a
// malformed file (its sentence, nothing sent), then a file with two bad lines: the
// preview lists them and writes nothing; the import creates the others; the result is a
// CSV to download; previewing the same file again, keyboard only, to update existing
// users, finds nothing to change.
func TestWidget_ImportCSV(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	s.graphql(t, `mutation { createWorkspace(name: "Importers") { id } }`, nil, new(struct{ CreateWorkspace struct{ ID string } }))
	tb := b.newTab(t)
	tb.signInWithKey(s)
	tb.run(
		chromedp.WaitVisible("#import-csv"),
		chromedp.Click("#import-csv"),
		chromedp.WaitVisible("#import-file"),
	)

	// Malformed: the page says what is wrong.
	tb.run(
		chromedp.SetUploadFiles("#import-file", []string{importFile(t, "names.csv", "name;team\nIvo;A\n")}),
		waitText("#import-file-error", func(s string) bool { return strings.Contains(s, "no email column") }),
	)
	tb.run(
		chromedp.SetUploadFiles("#import-file", []string{importFile(t, "latin1.csv", "email,firstname\nj@import.test,J\xf6rg\n")}),
		waitText("#import-file-error", func(s string) bool { return strings.Contains(s, "not UTF-8") }),
	)

	// The preview: two errors, and nothing written.
	before := s.countUsers(t, map[string]any{})
	tb.run(
		chromedp.SetUploadFiles("#import-file", []string{importFile(t, "people.csv", importPeople)}),
		waitText("#import-summary", func(s string) bool { return strings.HasPrefix(s, "3 to create · 2 with an error.") }),
	)
	var errs []string
	tb.run(texts("#import-preview .import-row", &errs))
	if len(errs) != 2 || !strings.Contains(errs[0], "not an address") || !strings.Contains(errs[1], `Workspace "Nowhere" does not exist`) {
		t.Errorf("preview rows %q", errs)
	}
	if n := s.countUsers(t, map[string]any{}); n != before {
		t.Fatalf("the preview changed the users: %d, then %d", before, n)
	}
	tb.screenshot("preview")

	// The import.
	tb.run(
		waitText("#import-run", func(s string) bool { return s == "Import 3 rows" }),
		chromedp.Click("#import-run"),
		waitText("#import-result-summary", func(s string) bool { return strings.HasPrefix(s, "Imported people.csv: 3 created · 2 not imported.") }),
	)
	if n := s.countUsers(t, map[string]any{}); n != before+3 {
		t.Fatalf("%d users after the import, want %d", n, before+3)
	}
	ivo := s.findUsers(t, map[string]any{"email": "ivo@import.test"}, 1, 0, nil)
	if len(ivo) != 1 || ivo[0].Firstname != "Ivo" {
		t.Fatalf("ivo = %+v", ivo)
	}
	var href string
	tb.run(chromedp.AttributeValue("#import-download", "href", &href, nil))
	download := tb.download("#import-download")
	if !strings.HasPrefix(href, "blob:") || !strings.Contains(download, "line,email,outcome,message,link") ||
		!strings.Contains(download, "2,ivo@import.test,CREATED,") || !strings.Contains(download, "/reset-password?token=ua_") ||
		strings.Count(download, "\r\n") != 6 {
		t.Errorf("download %s:\n%s", href, download)
	}
	tb.screenshot("result")

	// Again, by keyboard: update existing users; nothing to change.
	tb.run(
		chromedp.Focus("#existing-update"),
		chromedp.KeyEvent(" "),
		waitText("#import-summary", func(s string) bool { return strings.HasPrefix(s, "3 already as the file says · 2 with an error.") }),
		chromedp.Focus("#import-run"),
		chromedp.KeyEvent(kb.Enter),
		waitText("#import-result-summary", func(s string) bool { return strings.Contains(s, "3 already as the file says") }),
	)
	if n := s.countUsers(t, map[string]any{}); n != before+3 {
		t.Errorf("%d users after the second import, want %d", n, before+3)
	}
}

// TestWidget_ImportCSVInPortalFrame imports a file in the widget framed by a portal of
// another site: the file input, the batches and the download work in the frame.
func TestWidget_ImportCSVInPortalFrame(t *testing.T) {
	portal := &crossSitePortal{}
	portalOrigin := serveOrigin(t, "127.0.0.1", portal)
	s := startServer(t, "-allowed-origins", portalOrigin)
	s.graphql(t, `mutation { createWorkspace(name: "Importers") { id } }`, nil, new(struct{ CreateWorkspace struct{ ID string } }))
	widget := "http://localhost:" + s.URL[strings.LastIndex(s.URL, ":")+1:]
	portal.widget = widget
	b := newBrowser(t)
	tb := b.newTab(t)
	tb.run(chromedp.Navigate(portalOrigin + "/portal?credential=apiKey&key=" + s.Key))
	frame := b.frame(t, widget+"/")
	before := s.countUsers(t, map[string]any{})
	frame.run(
		rowsLoaded(),
		chromedp.Click("#import-csv"),
		chromedp.WaitVisible("#import-file"),
		chromedp.SetUploadFiles("#import-file", []string{importFile(t, "people.csv", importPeople)}),
		waitText("#import-summary", func(s string) bool { return strings.HasPrefix(s, "3 to create · 2 with an error.") }),
		chromedp.Click("#import-run"),
		waitText("#import-result-summary", func(s string) bool { return strings.Contains(s, "3 created") }),
		chromedp.WaitVisible("#import-download"),
	)
	if n := s.countUsers(t, map[string]any{}); n != before+3 {
		t.Errorf("%d users, want %d", n, before+3)
	}
	if download := frame.download("#import-download"); strings.Count(download, "CREATED") != 3 {
		t.Errorf("download in the frame:\n%s", download)
	}
}

// TestAccessibility_Import checks the import page as TestAccessibility checks the others:
// empty, with a malformed file's sentence, with a preview listing errors, and with the
// result, light and dark, at 1440 and 390 px.
func TestAccessibility_Import(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	s.graphql(t, `mutation { createWorkspace(name: "Importers") { id } }`, nil, new(struct{ CreateWorkspace struct{ ID string } }))
	b := newBrowser(t)
	bad := importFile(t, "bad.csv", "name\nIvo\n")
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tb := b.newTab(t)
			tb.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
			tb.signInWithKey(s)
			for _, width := range []int64{1440, 390} {
				name := "-" + scheme + "-" + strconv.FormatInt(width, 10)
				people := strings.ReplaceAll(importPeople, "@import.test", "-"+name[1:]+"@import.test")
				tb.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/import"), chromedp.WaitVisible("#import-file"))
				tb.checkPage(axe, "import"+name, scheme)
				tb.run(chromedp.SetUploadFiles("#import-file", []string{bad}), chromedp.WaitVisible("#import-file-error"))
				tb.checkPage(axe, "import-bad-file"+name, scheme)
				tb.run(chromedp.SetUploadFiles("#import-file", []string{importFile(t, "people.csv", people)}),
					waitText("#import-summary", func(s string) bool { return strings.Contains(s, "with an error") }))
				tb.checkPage(axe, "import-preview"+name, scheme)
				tb.run(chromedp.Click("#import-run"), chromedp.WaitVisible("#import-download"))
				tb.checkPage(axe, "import-result"+name, scheme)
			}
		})
	}
}
