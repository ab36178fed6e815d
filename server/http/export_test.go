package http_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
	serverhttp "useradmin/server/http"
	"useradmin/server/sqlite"
)

// exportFixture is a directory with Acme (its admin and users whose names need quoting or
// would be formulas) and Globex, served with the export handler.
type exportFixture struct {
	db       *sqlite.DB
	now      time.Time
	exports  *sqlite.ExportService
	adminCtx context.Context
	srv      *serverhttp.Server
}

func newExportFixture(t *testing.T) *exportFixture {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "users.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &exportFixture{db: db, now: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), exports: sqlite.NewExportService(db)}
	db.Now = func() time.Time { return f.now }
	ctx := context.Background()
	_, _, key, err := db.CreateOrganization(ctx, "Acme", server.UserCreate{Email: "ann@acme.example", Password: "correct horse", Firstname: "Ann", Lastname: "Admin"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := sqlite.NewAuthService(db).Authenticate(ctx, key.Key)
	if err != nil {
		t.Fatal(err)
	}
	f.adminCtx = server.NewContextWithAuth(ctx, auth)
	users := sqlite.NewUserService(db)
	for _, u := range []server.UserCreate{
		{Email: "formula@acme.example", Firstname: "=HYPERLINK(\"http://evil.example\")", Lastname: "+1-2", Role: server.RoleUser},
		{Email: "at@acme.example", Firstname: "@SUM(A1:A9)", Lastname: "-3", Role: server.RoleUser},
		{Email: "comma@acme.example", Firstname: "Smith, Jr.", Lastname: `The "Boss"`, Role: server.RoleAdmin},
		{Email: "zoe@acme.example", Firstname: "Zoë", Lastname: "Ågren-東京", Role: server.RoleUser},
	} {
		u.Password = "correct horse"
		if _, err := users.CreateUser(f.adminCtx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := db.CreateOrganization(ctx, "Globex", server.UserCreate{Email: "gus@globex.example", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	f.srv = MustOpenServer(t, &serverhttp.Server{Exports: f.exports})
	return f
}

func (f *exportFixture) create(t *testing.T, create server.ExportCreate) string {
	t.Helper()
	e, err := f.exports.CreateExport(f.adminCtx, create)
	if err != nil {
		t.Fatal(err)
	}
	return f.srv.URL() + "/export/" + e.Token
}

func fetchExport(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// TestExport_Download downloads an export: an attachment named by its day, RFC 4180 with
// CRLF, UTF-8, the chosen columns in order, formulas made inert, the filter and sort
// honoured, and no user of Globex.
func TestExport_Download(t *testing.T) {
	f := newExportFixture(t)
	url := f.create(t, server.ExportCreate{
		Filter:  server.UserFilter{Search: new(string)},
		Order:   []server.UserOrder{{Field: server.SortEmail, Desc: true}},
		Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Firstname, exportcsv.Lastname, exportcsv.OrganizationRole, exportcsv.CreatedAt},
	})
	resp, body := fetchExport(t, http.MethodGet, url)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s: %s", resp.Status, body)
	}
	for name, want := range map[string]string{
		"Content-Type":        "text/csv; charset=utf-8",
		"Content-Disposition": "attachment; filename=users-2026-05-06.csv",
		"Cache-Control":       "no-store",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.HasPrefix(body, "email,firstname,lastname,organizationRole,createdAt\r\n") {
		t.Errorf("the file starts %q", body[:min(80, len(body))])
	}
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	created := "2026-05-06T07:08:09.000000Z"
	want := [][]string{
		{"email", "firstname", "lastname", "organizationRole", "createdAt"},
		{"zoe@acme.example", "Zoë", "Ågren-東京", "USER", created},
		{"formula@acme.example", `'=HYPERLINK("http://evil.example")`, "'+1-2", "USER", created},
		{"comma@acme.example", "Smith, Jr.", `The "Boss"`, "ADMIN", created},
		{"at@acme.example", "'@SUM(A1:A9)", "'-3", "USER", created},
		{"ann@acme.example", "Ann", "Admin", "ADMIN", created},
	}
	if !slices.EqualFunc(records, want, slices.Equal) {
		t.Errorf("the file holds\n%q\nwant\n%q", records, want)
	}
	if strings.Contains(body, "globex") {
		t.Error("another organization's user is in the file")
	}

	// A filter: the admins alone.
	admin := server.RoleAdmin
	_, body = fetchExport(t, http.MethodGet, f.create(t, server.ExportCreate{Filter: server.UserFilter{Role: &admin}, Order: []server.UserOrder{{Field: server.SortEmail}}, Columns: []exportcsv.Column{exportcsv.Email}}))
	if body != "email\r\nann@acme.example\r\ncomma@acme.example\r\n" {
		t.Errorf("the admins' file is %q", body)
	}
}

// TestExport_LinkRefusals: a used link, a made-up one, an expired one, a HEAD, and a burst
// of the same link at once; each refusal the same 404 with the same sentence, and of the
// burst exactly one gets the file.
func TestExport_LinkRefusals(t *testing.T) {
	f := newExportFixture(t)
	cols := []exportcsv.Column{exportcsv.Email}
	const refusal = "This export link no longer works (used already, expired, or its admin signed out or may no longer export): start the export again from the user list.\n"
	refused := func(url, what string) {
		t.Helper()
		resp, body := fetchExport(t, http.MethodGet, url)
		if resp.StatusCode != http.StatusNotFound || body != refusal || strings.Contains(body, "acme") {
			t.Errorf("%s: %s %q", what, resp.Status, body)
		}
	}

	url := f.create(t, server.ExportCreate{Columns: cols})
	if resp, _ := fetchExport(t, http.MethodHead, url); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD: %s", resp.Status)
	}
	if resp, body := fetchExport(t, http.MethodGet, url); resp.StatusCode != http.StatusOK || !strings.Contains(body, "ann@acme.example") {
		t.Fatalf("after a HEAD the link should still work: %s %q", resp.Status, body)
	}
	refused(url, "a used link")
	refused(f.srv.URL()+"/export/ua_neverIssued", "a made-up link")
	refused(f.srv.URL()+"/export/"+strings.Repeat("x", 500), "a long link")

	url = f.create(t, server.ExportCreate{Columns: cols})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusOK] != 1 || codes[http.StatusNotFound] != 11 {
		t.Errorf("a burst of 12 got %v, want one 200 and eleven 404", codes)
	}

	url = f.create(t, server.ExportCreate{Columns: cols})
	f.now = f.now.Add(server.ExportLifetime + time.Second)
	refused(url, "an expired link")
}
