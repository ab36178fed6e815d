package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
)

// exportAll makes an export as ctx's caller, redeems its link and returns the rows written.
func exportAll(tb testing.TB, svc server.ExportService, ctx context.Context, create server.ExportCreate) (*server.Export, []exportcsv.Row) {
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
func findAllEmails(tb testing.TB, users server.UserService, ctx context.Context, filter server.UserFilter, order []server.UserOrder) []string {
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

// OrderOfEverySort exports 2,500 generated users (three pages of the
// download) in every sort the list offers, both ways, and in sorts of several keys, mixed
// directions among them: the rows come in the very order the list pages show, none
// twice, none missing. A fifth of the users never signed in, so the sort by last sign-in
// crosses from its NULLs to its values.
func testExport_OrderOfEverySort(t *testing.T, open Open) {
	f := newFixture(t, open)
	f.generateUsers(t, f.org.ID, 2500)
	svc := f.store.Exports
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

// FilterAndOrganization exports with each kind of filter: the rows are the
// list's, and never a user of another organization, even when the filter names it.
func testExport_FilterAndOrganization(t *testing.T, open Open) {
	p := newPeople(t, open)
	p.generateUsers(t, p.org.ID, 300)
	p.generateUsers(t, p.globex.ID, 300)
	svc := p.store.Exports
	before := p.clock.t.Add(-24 * time.Hour)
	filters := []server.UserFilter{
		{},
		{Role: ptr(server.RoleUser)},
		{Activated: ptr(false)},
		{Search: ptr("ma")},
		{Search: ptr("son")},
		{NeverSignedIn: ptr(true)},
		{SignedInBefore: &before},
		{IDIn: []string{p.bob.ID, p.gus.ID}},
		{Email: ptr("gus@globex.example")},
		{Email: ptr(" GUS@Globex.Example ")},
		{Search: ptr("globex")},
		{OrganizationID: &p.org.ID, Search: ptr("gus")},
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
	// Globex's admin exports Globex alone, whatever Acme's admin did.
	_, rows := exportAll(t, svc, p.gusCtx, server.ExportCreate{Columns: []exportcsv.Column{exportcsv.Email}})
	if len(rows) != 301 || slices.Contains(emails(rows), "ann@acme.example") {
		t.Errorf("Globex's export has %d rows (want 301), Ann among them: %v", len(rows), slices.Contains(emails(rows), "ann@acme.example"))
	}
}

// Authorization checks who may export and follow an export: an ADMIN of the
// organization alone. Every refusal stores nothing.
func testExport_Authorization(t *testing.T, open Open) {
	p := newPeople(t, open)
	svc := p.store.Exports
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

// BadRequests: no column, a column twice, an unknown one, a filter too long,
// another organization's workspace: each a sentence, nothing stored.
func testExport_BadRequests(t *testing.T, open Open) {
	p := newPeople(t, open)
	svc := p.store.Exports
	long := string(make([]byte, 10000))
	cases := map[string]server.ExportCreate{
		"no column":    {},
		"twice":        {Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Email}},
		"unknown":      {Columns: []exportcsv.Column{"password_hash"}},
		"too many":     {Columns: append(slices.Clone(exportcsv.Columns), exportcsv.Email)},
		"long search":  {Filter: server.UserFilter{Search: &long}, Columns: []exportcsv.Column{exportcsv.Email}},
		"10 kB email":  {Filter: server.UserFilter{Email: &long}, Columns: []exportcsv.Column{exportcsv.Email}},
		"10 kB column": {Columns: []exportcsv.Column{exportcsv.Column(long)}},
		"10^4 columns": {Columns: make([]exportcsv.Column, 10_000)},
		"bad sort":     {Order: []server.UserOrder{{Field: "PASSWORD"}}, Columns: []exportcsv.Column{exportcsv.Email}},
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

// LinkWorksOnce checks the link's token: used once, even by a burst of
// requests at the same moment; not after its lifetime; not once its admin is no longer
// an admin; a made-up one never. All refusals are the same answer.
func testExport_LinkWorksOnce(t *testing.T, open Open) {
	p := newPeople(t, open)
	svc := p.store.Exports
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
		assertError(t, err, server.ENOTFOUND, "", "This export link no longer works (used already, expired, or its admin signed out or may no longer export): start the export again from the user list.")
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

// ProgressAndAudit follows an export's progress to done, and finds its
// EXPORT_CREATED event with the filter, the sort and the columns.
func testExport_ProgressAndAudit(t *testing.T, open Open) {
	f := newFixture(t, open)
	f.generateUsers(t, f.org.ID, 2100)
	svc := f.store.Exports
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
	events, err := f.store.Audit.FindAuditEvents(f.adminCtx, server.AuditFilter{Action: ptr(server.AuditExportCreated)}, server.Page{Limit: 10})
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

// The link is the export's, whoever holds it: redeemed through another instance, with
// another organization's admin signed in, or after the stored filter was made to name
// another organization, it writes the rows of the export's own organization and no
// other; a burst through two instances at once gets the file once.
func testExport_LinkAcrossInstancesAndOrganizations(t *testing.T, open Open) {
	p := newPeople(t, open)
	p.generateUsers(t, p.globex.ID, 50)
	svc, other := p.store.Exports, p.store.OtherExports(t)
	cols := []exportcsv.Column{exportcsv.Email}
	acme := []string{"ann@acme.example", "bob@acme.example", "carol@acme.example"}

	e, err := svc.CreateExport(p.adminCtx, server.ExportCreate{Columns: cols, Order: []server.UserOrder{{Field: server.SortEmail}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.FindExport(p.gusCtx, e.ID); server.ErrorCode(err) != server.ENOTFOUND {
		t.Errorf("Globex's admin follows Acme's export through another instance: %v", err)
	}
	run, err := other.RedeemExport(p.gusCtx, e.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got := writeAll(t, other, run); !slices.Equal(emails(got), acme) {
		t.Errorf("the link redeemed by Globex's admin wrote %v, want Acme's %v", emails(got), acme)
	}
	if _, err := svc.RedeemExport(context.Background(), e.Token); server.ErrorCode(err) != server.ENOTFOUND {
		t.Errorf("the link used on one instance works on the other: %v", err)
	}

	// The stored filter names Globex: the rows are still Acme's.
	e, err = svc.CreateExport(p.adminCtx, server.ExportCreate{Columns: cols, Order: []server.UserOrder{{Field: server.SortEmail}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.store.Raw.Exec(`UPDATE exports SET filter = ` + quote(`{"OrganizationID":"`+p.globex.ID+`"}`) + ` WHERE id = ` + quote(e.ID)); err != nil {
		t.Fatal(err)
	}
	run, err = other.RedeemExport(context.Background(), e.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got := writeAll(t, svc, run); !slices.Equal(emails(got), acme) {
		t.Errorf("a filter naming Globex wrote %v, want Acme's %v", emails(got), acme)
	}

	// A burst of 20 through both instances: one gets the file.
	e, err = svc.CreateExport(p.adminCtx, server.ExportCreate{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	services := []server.ExportService{svc, other}
	errs := AtOnce(20, func(i int) error {
		_, err := services[i%2].RedeemExport(context.Background(), e.Token)
		return err
	})
	if n := Codes(errs); n[""] != 1 || n[server.ENOTFOUND] != 19 {
		t.Errorf("a burst of 20 on two instances: %v, want one file and 19 NOT_FOUND", n)
	}
}

// The exports an organization may make an hour are counted in the database: a burst
// through two instances makes no more than the limit, the others are told when to try
// again, another organization is not slowed, and an hour later it works again.
func testExport_RateLimitAcrossInstances(t *testing.T, open Open) {
	p := newPeople(t, open)
	services := []server.ExportService{p.store.Exports, p.store.OtherExports(t)}
	create := server.ExportCreate{Columns: []exportcsv.Column{exportcsv.Email}}
	errs := AtOnce(40, func(i int) error {
		_, err := services[i%2].CreateExport(p.adminCtx, create)
		return err
	})
	n := Codes(errs)
	if n[""] != 30 || n[server.ERATELIMITED] != 10 {
		t.Fatalf("40 exports at once: %v, want the 30 of an hour and 10 RATE_LIMITED", n)
	}
	limit := n[""]
	var refused *server.Error
	for _, err := range errs {
		if errors.As(err, &refused) {
			break
		}
	}
	if refused == nil || refused.RetryAfter <= 0 || refused.Message == "" {
		t.Fatalf("the refusal %+v says neither when nor what to do", refused)
	}
	var made int
	if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM exports WHERE organization_id = ` + quote(p.org.ID)).Scan(&made); err != nil {
		t.Fatal(err)
	}
	if made != limit {
		t.Errorf("%d exports stored, %d answered", made, limit)
	}
	err := p.assertUnchanged(t, func() error {
		_, err := services[1].CreateExport(p.adminCtx, create)
		return err
	})
	assertCode(t, err, server.ERATELIMITED)
	if _, err := services[0].CreateExport(p.gusCtx, create); err != nil {
		t.Errorf("Globex is slowed by Acme's exports: %v", err)
	}
	p.clock.Add(time.Hour + time.Second)
	if _, err := services[1].CreateExport(p.adminCtx, create); err != nil {
		t.Errorf("an hour later: %v", err)
	}
}

// writeAll writes run and returns its rows.
func writeAll(tb testing.TB, svc server.ExportService, run *server.ExportRun) []exportcsv.Row {
	tb.Helper()
	var rows []exportcsv.Row
	if err := svc.WriteExport(context.Background(), run, func(r *exportcsv.Row) error {
		rows = append(rows, *r)
		return nil
	}, func() error { return nil }); err != nil {
		tb.Fatal(err)
	}
	return rows
}

// The workspaces column holds each user's workspace names, by name, and the username
// column their usernames; a filter on another organization's workspace is NOT_FOUND,
// with nothing stored.
func testExport_WorkspacesAndUsernames(t *testing.T, open Open) {
	p := newPeople(t, open)
	svc, spaces := p.store.Exports, p.store.Workspaces
	team, err := spaces.CreateWorkspace(p.adminCtx, "Team")
	if err != nil {
		t.Fatal(err)
	}
	alpha, err := spaces.CreateWorkspace(p.adminCtx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spaces.AddWorkspaceMembers(p.adminCtx, team.ID, []string{p.bob.ID, p.carol.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := spaces.AddWorkspaceMembers(p.adminCtx, alpha.ID, []string{p.bob.ID}); err != nil {
		t.Fatal(err)
	}
	_, rows := exportAll(t, svc, p.adminCtx, server.ExportCreate{Filter: server.UserFilter{WorkspaceID: &team.ID},
		Order: []server.UserOrder{{Field: server.SortEmail}}, Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Username, exportcsv.Workspaces}})
	want := []exportcsv.Row{
		{Email: "bob@acme.example", Username: p.bob.Username, Workspaces: []string{"alpha", "Team"}},
		{Email: "carol@acme.example", Username: p.carol.Username, Workspaces: []string{"Team"}},
	}
	if len(rows) != 2 || fmt.Sprint(rows[0].Email, rows[0].Username, rows[0].Workspaces, rows[1].Email, rows[1].Username, rows[1].Workspaces) !=
		fmt.Sprint(want[0].Email, want[0].Username, want[0].Workspaces, want[1].Email, want[1].Username, want[1].Workspaces) {
		t.Errorf("rows %+v, want %+v", rows, want)
	}
	theirs, err := spaces.CreateWorkspace(p.gusCtx, "Globex team")
	if err != nil {
		t.Fatal(err)
	}
	err = p.assertUnchanged(t, func() error {
		_, err := svc.CreateExport(p.adminCtx, server.ExportCreate{Filter: server.UserFilter{WorkspaceID: &theirs.ID}, Columns: []exportcsv.Column{exportcsv.Email}})
		return err
	})
	assertCode(t, err, server.ENOTFOUND)
}
