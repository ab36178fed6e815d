package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
	"useradmin/server/sqlite"
)

// exportAll makes an export as ctx's caller, redeems its link and returns the rows written.
func exportAll(tb testing.TB, svc *sqlite.ExportService, ctx context.Context, create server.ExportCreate) (*server.Export, []exportcsv.Row) {
	tb.Helper()
	e, err := svc.CreateExport(ctx, create)
	if err != nil {
		tb.Fatal(err)
	}
	run, err := svc.RedeemExport(context.Background(), e.Token)
	if err != nil {
		tb.Fatal(err)
	}
	var rows []exportcsv.Row
	if err := svc.WriteExport(context.Background(), run, func(r *exportcsv.Row) error {
		rows = append(rows, *r)
		return nil
	}, func() error { return nil }); err != nil {
		tb.Fatal(err)
	}
	return e, rows
}

func emails(rows []exportcsv.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Email
	}
	return out
}

// findAllEmails pages through FindUsers, as the list does, for the order to compare with.
func findAllEmails(tb testing.TB, users *sqlite.UserService, ctx context.Context, filter server.UserFilter, order []server.UserOrder) []string {
	tb.Helper()
	var out []string
	for offset := 0; ; offset += server.MaxPageSize {
		page, err := users.FindUsers(ctx, filter, server.Page{Offset: offset, Limit: server.MaxPageSize}, order)
		if err != nil {
			tb.Fatal(err)
		}
		for _, u := range page {
			out = append(out, u.Email)
		}
		if len(page) < server.MaxPageSize {
			return out
		}
	}
}

// TestExport_OrderOfEverySort exports 2,500 generated users (three pages of the
// download) in every sort the list offers, both ways, and in sorts of several keys, mixed
// directions among them: the rows come in the very order the list pages show, none
// twice, none missing. A fifth of the users never signed in, so the sort by last sign-in
// crosses from its NULLs to its values.
func TestExport_OrderOfEverySort(t *testing.T) {
	f := newFixture(t)
	if err := f.db.GenerateUsers(context.Background(), f.org.ID, 2500); err != nil {
		t.Fatal(err)
	}
	svc := sqlite.NewExportService(f.db)
	orders := [][]server.UserOrder{nil}
	for _, field := range server.SortFields {
		orders = append(orders, []server.UserOrder{{Field: field}}, []server.UserOrder{{Field: field, Desc: true}})
	}
	orders = append(orders,
		[]server.UserOrder{{Field: server.SortLastname}, {Field: server.SortFirstname}},
		[]server.UserOrder{{Field: server.SortLastname, Desc: true}, {Field: server.SortFirstname, Desc: true}},
		[]server.UserOrder{{Field: server.SortRole}, {Field: server.SortEmail, Desc: true}},
		[]server.UserOrder{{Field: server.SortActivated, Desc: true}, {Field: server.SortLastSignedInAt}},
		[]server.UserOrder{{Field: server.SortRole}, {Field: server.SortLastSignedInAt, Desc: true}},
	)
	for _, order := range orders {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			want := findAllEmails(t, f.users, f.adminCtx, server.UserFilter{}, order)
			e, rows := exportAll(t, svc, f.adminCtx, server.ExportCreate{Order: order, Columns: []exportcsv.Column{exportcsv.Email}})
			if got := emails(rows); !slices.Equal(got, want) {
				t.Fatalf("the export has %d rows, the list %d; first difference at %d", len(got), len(want), firstDifference(got, want))
			}
			if e.Total != len(want) {
				t.Errorf("total = %d, want %d", e.Total, len(want))
			}
		})
	}
}

func firstDifference(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestExport_FilterAndOrganization exports with each kind of filter: the rows are the
// list's, and never a user of another organization, even when the filter names it.
func TestExport_FilterAndOrganization(t *testing.T) {
	p := newPeople(t)
	ctx := context.Background()
	if err := p.db.GenerateUsers(ctx, p.org.ID, 300); err != nil {
		t.Fatal(err)
	}
	if err := p.db.GenerateUsers(ctx, p.globex.ID, 300); err != nil {
		t.Fatal(err)
	}
	if err := p.db.GenerateWorkspaces(ctx, p.org.ID, 5); err != nil {
		t.Fatal(err)
	}
	ws, err := sqlite.NewWorkspaceService(p.db).FindWorkspaces(p.adminCtx, server.WorkspaceFilter{}, server.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	svc := sqlite.NewExportService(p.db)
	before := p.clock.t.Add(-24 * time.Hour)
	filters := []server.UserFilter{
		{},
		{Role: ptr(server.RoleUser)},
		{Activated: ptr(false)},
		{Search: ptr("ma")},
		{Search: ptr("son")},
		{WorkspaceID: &ws[0].ID},
		{NeverSignedIn: ptr(true)},
		{SignedInBefore: &before},
		{IDIn: []string{p.bob.ID, p.gus.ID}},
		{Email: ptr("gus@globex.example")},
	}
	for _, filter := range filters {
		want := findAllEmails(t, p.users, p.adminCtx, filter, []server.UserOrder{{Field: server.SortEmail}})
		_, rows := exportAll(t, svc, p.adminCtx, server.ExportCreate{Filter: filter, Order: []server.UserOrder{{Field: server.SortEmail}},
			Columns: exportcsv.Columns})
		if got := emails(rows); !slices.Equal(got, want) {
			t.Errorf("filter %+v: %d rows, want %d (first difference at %d)", filter, len(got), len(want), firstDifference(got, want))
		}
		for _, r := range rows {
			if r.Email == "gus@globex.example" || len(r.Email) > 11 && r.Email[len(r.Email)-11:] == "globex.test" {
				t.Errorf("filter %+v: another organization's user %s is in the export", filter, r.Email)
			}
		}
	}
	// The workspaces column holds each user's workspace names.
	_, rows := exportAll(t, svc, p.adminCtx, server.ExportCreate{Filter: server.UserFilter{WorkspaceID: &ws[0].ID},
		Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Workspaces}})
	if len(rows) == 0 {
		t.Fatal("the workspace has no members to export")
	}
	for _, r := range rows {
		if !slices.Contains(r.Workspaces, ws[0].Name) {
			t.Errorf("%s is a member of %s but its cell says %q", r.Email, ws[0].Name, r.Workspaces)
		}
	}
	// Globex's admin exports Globex alone, whatever Acme's admin did.
	_, rows = exportAll(t, svc, p.gusCtx, server.ExportCreate{Columns: []exportcsv.Column{exportcsv.Email}})
	if len(rows) != 301 || slices.Contains(emails(rows), "ann@acme.example") {
		t.Errorf("Globex's export has %d rows (want 301), Ann among them: %v", len(rows), slices.Contains(emails(rows), "ann@acme.example"))
	}
}

// TestExport_Authorization checks who may export and follow an export: an ADMIN of the
// organization alone. Every refusal stores nothing.
func TestExport_Authorization(t *testing.T) {
	p := newPeople(t)
	svc := sqlite.NewExportService(p.db)
	cols := []exportcsv.Column{exportcsv.Email}
	for name, ctx := range map[string]context.Context{"anonymous": context.Background(), "USER": p.bobCtx} {
		err := p.assertUnchanged(t, func() error {
			_, err := svc.CreateExport(ctx, server.ExportCreate{Columns: cols})
			return err
		})
		if err == nil {
			t.Errorf("%s made an export", name)
		}
	}
	err := p.assertUnchanged(t, func() error {
		_, err := svc.CreateExport(p.adminCtx, server.ExportCreate{Filter: server.UserFilter{OrganizationID: &p.globex.ID}, Columns: cols})
		return err
	})
	assertCode(t, err, server.EINVALID)

	e, err := svc.CreateExport(p.adminCtx, server.ExportCreate{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FindExport(p.gusCtx, e.ID); server.ErrorCode(err) != server.ENOTFOUND {
		t.Errorf("Globex's admin reads Acme's export: %v", err)
	}
	if _, err := svc.FindExport(p.bobCtx, e.ID); server.ErrorCode(err) != server.EFORBIDDEN {
		t.Errorf("a USER reads the export: %v", err)
	}
	if got, err := svc.FindExport(p.adminCtx, e.ID); err != nil || got.Total != 3 || got.Done {
		t.Errorf("FindExport = %+v, %v; want 3 users, not done", got, err)
	}
}

// TestExport_BadRequests: no column, a column twice, an unknown one, a filter too long,
// another organization's workspace: each a sentence, nothing stored.
func TestExport_BadRequests(t *testing.T) {
	p := newPeople(t)
	svc := sqlite.NewExportService(p.db)
	gusWorkspace, err := sqlite.NewWorkspaceService(p.db).CreateWorkspace(p.gusCtx, "Globex team")
	if err != nil {
		t.Fatal(err)
	}
	long := string(make([]byte, 10000))
	cases := map[string]server.ExportCreate{
		"no column":         {},
		"twice":             {Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Email}},
		"unknown":           {Columns: []exportcsv.Column{"password_hash"}},
		"too many":          {Columns: append(slices.Clone(exportcsv.Columns), exportcsv.Email)},
		"long search":       {Filter: server.UserFilter{Search: &long}, Columns: []exportcsv.Column{exportcsv.Email}},
		"another workspace": {Filter: server.UserFilter{WorkspaceID: &gusWorkspace.ID}, Columns: []exportcsv.Column{exportcsv.Email}},
	}
	for name, create := range cases {
		err := p.assertUnchanged(t, func() error {
			_, err := svc.CreateExport(p.adminCtx, create)
			return err
		})
		if code := server.ErrorCode(err); code != server.EINVALID && code != server.ENOTFOUND || server.ErrorMessage(err) == "" {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

// TestExport_LinkWorksOnce checks the link's token: used once, even by a burst of
// requests at the same moment; not after its lifetime; not once its admin is no longer
// an admin; a made-up one never. All refusals are the same answer.
func TestExport_LinkWorksOnce(t *testing.T) {
	p := newPeople(t)
	svc := sqlite.NewExportService(p.db)
	cols := []exportcsv.Column{exportcsv.Email}
	create := func() *server.Export {
		e, err := svc.CreateExport(p.adminCtx, server.ExportCreate{Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	refused := func(token, what string) {
		t.Helper()
		_, err := svc.RedeemExport(context.Background(), token)
		assertError(t, err, server.ENOTFOUND, "", "This export link was used already or has expired: start the export again from the user list.")
	}

	e := create()
	if _, err := svc.RedeemExport(context.Background(), e.Token); err != nil {
		t.Fatal(err)
	}
	refused(e.Token, "a used token")
	refused("ua_made-up", "a made-up token")
	refused("", "no token")

	e = create()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.RedeemExport(context.Background(), e.Token); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if server.ErrorCode(err) != server.ENOTFOUND {
				t.Errorf("burst: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d requests of a burst got the file, want 1", won)
	}

	e = create()
	p.clock.Add(server.ExportLifetime + time.Second)
	refused(e.Token, "an expired token")

	// A second admin makes an export, then is made a USER: the link no longer works.
	dan := p.mustCreateUser(t, p.adminCtx, "dan@acme.example", "Dan", "Diaz", server.RoleAdmin)
	danCtx, _ := p.mustUserContext(t, p.adminCtx, dan)
	e, err := svc.CreateExport(danCtx, server.ExportCreate{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: dan.ID}, server.UserUpdate{Role: ptr(server.RoleUser)}); err != nil {
		t.Fatal(err)
	}
	refused(e.Token, "the token of an admin made a USER")
}

// TestExport_ProgressAndAudit follows an export's progress to done, and finds its
// EXPORT_CREATED event with the filter, the sort and the columns.
func TestExport_ProgressAndAudit(t *testing.T) {
	f := newFixture(t)
	if err := f.db.GenerateUsers(context.Background(), f.org.ID, 2100); err != nil {
		t.Fatal(err)
	}
	svc := sqlite.NewExportService(f.db)
	create := server.ExportCreate{Filter: server.UserFilter{Search: ptr("a")}, Order: []server.UserOrder{{Field: server.SortEmail, Desc: true}},
		Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Lastname}}
	e, err := svc.CreateExport(f.adminCtx, create)
	if err != nil {
		t.Fatal(err)
	}
	run, err := svc.RedeemExport(context.Background(), e.Token)
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	n := 0
	err = svc.WriteExport(context.Background(), run, func(*exportcsv.Row) error { n++; return nil }, func() error {
		got, err := svc.FindExport(f.adminCtx, e.ID)
		if err != nil {
			return err
		}
		seen = append(seen, got.Written)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.FindExport(f.adminCtx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Done || got.Written != n || got.Total != n {
		t.Errorf("after the download: %+v, want %d written of %d, done", got, n, n)
	}
	if len(seen) < 2 {
		t.Errorf("the progress was read %v: want a step per page", seen)
	}
	events, err := sqlite.NewAuditService(f.db).FindAuditEvents(f.adminCtx, server.AuditFilter{Action: ptr(server.AuditExportCreated)}, server.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d EXPORT_CREATED events, want 1", len(events))
	}
	changes := map[string]string{}
	for _, c := range events[0].Changes {
		changes[c.Field] = *c.New
	}
	want := map[string]string{"where": `search="a"`, "orderBy": "EMAIL DESC", "columns": "email,lastname", "total": fmt.Sprint(n)}
	if fmt.Sprint(changes) != fmt.Sprint(want) || events[0].ActorID != f.admin.ID {
		t.Errorf("event %+v with changes %v, want %v by Ann", events[0], changes, want)
	}
}
