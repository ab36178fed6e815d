//go:build !wasm

package app

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/graphql"
	"useradmin/server/sqlite"
)

// The import against the real directory: a file parsed as the page parses it, previewed
// and imported in batches, and its result as the CSV to download.
func TestImport_PreviewThenImportAgainstTheDirectory(t *testing.T) {
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	ctx := context.Background()
	var file strings.Builder
	file.WriteString("email,firstname,lastname,organizationRole,workspaces\n")
	for i := range 1200 {
		fmt.Fprintf(&file, "p%04d@import.test,Pia,%d,USER,\n", i, i)
	}
	file.WriteString("=cmd@import.test,Eq,,USER,\n") // a valid address, that a spreadsheet would take for a formula
	file.WriteString("owner@import.test,Olga,,OWNER,\n")
	f, msg := parseImport([]byte(file.String()))
	if msg != "" {
		t.Fatal(msg)
	}
	progressed := 0
	preview := a.runImport(ctx, importRequest{Rows: f.Rows, Mode: "CREATE", Existing: "SKIP", DryRun: true}, func(importState) { progressed++ })
	if preview.Err != nil || preview.Counts["CREATED"] != 1201 || preview.Counts["FAILED"] != 1 || progressed != 3 {
		t.Fatalf("preview: %v %v, %d progress calls", preview.Err, preview.Counts, progressed)
	}
	done := a.runImport(ctx, importRequest{Rows: f.Rows, Mode: "CREATE", Existing: "SKIP"}, func(importState) {})
	if done.Err != nil || done.Counts["CREATED"] != 1201 || done.importable() != 1201 {
		t.Fatalf("import: %v %v", done.Err, done.Counts)
	}
	again := a.runImport(ctx, importRequest{Rows: f.Rows, Mode: "CREATE", Existing: "UPDATE"}, func(importState) {})
	if again.Counts["UNCHANGED"] != 1201 {
		t.Fatalf("again: %v", again.Counts)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(importResultsCSV(done.Results), "\ufeff"))).ReadAll()
	if err != nil || len(records) != 1203 {
		t.Fatalf("result CSV: %d records, %v", len(records), err)
	}
	if r := records[1]; r[2] != "CREATED" || !strings.Contains(r[4], "/reset-password?token=") {
		t.Errorf("first row = %v", r)
	}
	if r := records[1201]; r[1] != "'=cmd@import.test" || r[2] != "CREATED" {
		t.Errorf("the formula-like email is not inert: %v", r)
	}
}

// A cancelled run stops between two batches, with what was sent imported and counted.
func TestImport_CancelStopsBetweenBatches(t *testing.T) {
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	ctx, cancel := context.WithCancel(context.Background())
	rows := make([]ImportRow, 30)
	for i := range rows {
		rows[i] = ImportRow{Line: i + 2, Email: fmt.Sprintf("c%d@import.test", i)}
	}
	s := a.runImport(ctx, importRequest{Rows: rows, Mode: "CREATE", Existing: "SKIP", Batch: 10}, func(s importState) {
		if s.Done == 10 {
			cancel()
		}
	})
	if !s.Cancelled || s.Done != 10 || s.Counts["CREATED"] != 10 || s.Err != nil {
		t.Fatalf("%+v", s)
	}
}

// exported is a user as the round trip compares them.
type exported struct {
	Email, Firstname, Lastname, Username, OrganizationRole string
	Activated                                              bool
	Workspaces                                             []struct{ Name string }
}

func (u exported) key() string {
	var names []string
	for _, w := range u.Workspaces {
		names = append(names, w.Name)
	}
	sort.Strings(names)
	return strings.Join([]string{u.Email, u.Firstname, u.Lastname, u.Username, u.OrganizationRole,
		strconv.FormatBool(u.Activated), strings.Join(names, ";")}, "|")
}

const exportedQuery = `{ users(where: {}, first: 100, skip: 0) { email firstname lastname username organizationRole activated workspaces { name } } }`

// TestImport_ExportThenImportIntoAnEmptyOrganization writes the users of a directory as
// the export writes them (its columns, workspaces joined by ";", the dates the import
// does not read), imports the file into an empty organization of another directory whose
// workspaces have the same names, and finds the same users there.
func TestImport_ExportThenImportIntoAnEmptyOrganization(t *testing.T) {
	src := startDirectory(t, false)
	var ids struct{ Users []struct{ ID string } }
	src.post(t, src.AdminKey, `{ users(where: {}, first: 5, skip: 0) { id } }`, nil, &ids)
	for i, name := range []string{"Annotators", "Reviewers"} {
		var ws struct{ CreateWorkspace struct{ ID string } }
		src.post(t, src.AdminKey, `mutation($n: String!) { createWorkspace(name: $n) { id } }`, map[string]any{"n": name}, &ws)
		members := []string{ids.Users[i].ID, ids.Users[2].ID, ids.Users[3+i].ID}
		src.post(t, src.AdminKey, `mutation($id: ID!, $u: [ID!]!) { addWorkspaceMembers(id: $id, userIds: $u) { id } }`,
			map[string]any{"id": ws.CreateWorkspace.ID, "u": members}, new(struct{}))
	}
	var from struct{ Users []exported }
	src.post(t, src.AdminKey, exportedQuery, nil, &from)
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"email", "firstname", "lastname", "username", "organizationRole", "activated", "workspaces", "createdAt", "lastSignedInAt"})
	spaces := map[string]bool{}
	for _, u := range from.Users {
		var names []string
		for _, ws := range u.Workspaces {
			names, spaces[ws.Name] = append(names, ws.Name), true
		}
		w.Write([]string{inert(u.Email), inert(u.Firstname), inert(u.Lastname), u.Username, u.OrganizationRole,
			strconv.FormatBool(u.Activated), strings.Join(names, ";"), "2026-01-02T03:04:05Z", ""})
	}
	w.Flush()

	db := sqlite.NewDB(filepath.Join(t.TempDir(), "empty.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, boss, key, err := db.CreateOrganization(context.Background(), "Empty", server.UserCreate{Email: "boss@empty.test", Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&graphql.Handler{Users: sqlite.NewUserService(db), Organizations: sqlite.NewOrganizationService(db),
		Auth: sqlite.NewAuthService(db), Invitations: sqlite.NewInvitationService(db), Workspaces: sqlite.NewWorkspaceService(db),
		Imports: sqlite.NewImportService(db), ResetURL: "http://widget.test/reset-password"})
	t.Cleanup(srv.Close)
	dst := &directory{URL: srv.URL, rec: &recorder{}}
	for name := range spaces {
		dst.post(t, key.Key, `mutation($n: String!) { createWorkspace(name: $n) { id } }`, map[string]any{"n": name}, new(struct{}))
	}
	f, msg := parseImport([]byte(b.String()))
	if msg != "" {
		t.Fatal(msg)
	}
	res := dst.api(key.Key).runImport(context.Background(), importRequest{Rows: f.Rows, Mode: "CREATE", Existing: "SKIP"}, func(importState) {})
	if res.Err != nil || res.Counts["CREATED"] != len(from.Users) {
		t.Fatalf("import: %v %v", res.Err, res.Counts)
	}
	var to struct{ Users []exported }
	dst.post(t, key.Key, exportedQuery, nil, &to)
	var want, got []string
	for _, u := range from.Users {
		want = append(want, u.key())
	}
	for _, u := range to.Users {
		if u.Email != boss.Email {
			got = append(got, u.key())
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("imported users differ:\n got %q\nwant %q", got, want)
	}
	if len(spaces) == 0 {
		t.Error("the source's users have no workspaces: the round trip does not test them")
	}
}
