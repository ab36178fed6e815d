package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

// An import that changes many existing users in one batch: new names, a new username
// that frees another for a later line, a role, deactivations, an unchanged line, the
// caller's own line, the last admin and another organization's address. Each user ends
// up as their line says and no other: the preview answers the same and stores nothing;
// the deactivated lose their sessions and no one else does; each change is published and
// audited once, on its user; another organization's user is left as they were.
func testImport_UpdatesMixedInOneBatch(t *testing.T, open Open) {
	f := newFixture(t, open)
	svc := f.store.Imports
	names := f.mustCreateUser(t, f.adminCtx, "names@acme.example", "Nia", "Old", server.RoleUser)
	renamed := f.mustCreateUser(t, f.adminCtx, "renamed@acme.example", "Rae", "Old", server.RoleUser) // username "renamed"
	taker := f.mustCreateUser(t, f.adminCtx, "taker@acme.example", "Tad", "Old", server.RoleUser)
	leaver := f.mustCreateUser(t, f.adminCtx, "leaver@acme.example", "Lee", "Old", server.RoleUser)
	promoted := f.mustCreateUser(t, f.adminCtx, "promoted@acme.example", "Pat", "Old", server.RoleUser)
	same := f.mustCreateUser(t, f.adminCtx, "same@acme.example", "Sam", "Old", server.RoleUser)
	bea := f.mustCreateUser(t, f.adminCtx, "bea@acme.example", "Bea", "Admin", server.RoleAdmin)
	_, globexAdmin, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Boss")
	sessions := map[string]string{}
	for _, u := range []*server.User{leaver, same, bea, promoted} {
		s, err := f.auth.SignIn(context.Background(), u.Email, password)
		if err != nil {
			t.Fatal(err)
		}
		sessions[u.ID] = s.APIKey
	}
	f.clock.Add(time.Second)
	rows := []server.ImportRow{
		{Line: 2, Email: names.Email, Firstname: "Nina", Lastname: "New"},
		{Line: 3, Email: renamed.Email, Username: "renamed.new", Lastname: "New"},
		{Line: 4, Email: taker.Email, Username: "renamed"}, // the name line 3 gave up
		{Line: 5, Email: leaver.Email, Activated: "false"},
		{Line: 6, Email: promoted.Email, Role: "admin"},
		{Line: 7, Email: same.Email, Firstname: "Sam", Lastname: "Old"},
		{Line: 8, Email: bea.Email, Activated: "false"}, // an admin, but Ann stays one
		{Line: 9, Email: f.admin.Email, Activated: "false"},
		{Line: 10, Email: globexAdmin.Email, Lastname: "Taken"},
	}
	want := []server.ImportOutcome{server.ImportUpdated, server.ImportUpdated, server.ImportUpdated, server.ImportUpdated,
		server.ImportUpdated, server.ImportUnchanged, server.ImportUpdated, server.ImportFailed, server.ImportFailed}
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate}

	var preview []*server.ImportResult
	f.assertUnchanged(t, func() error {
		preview, _ = RunImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: opts.Mode, Existing: opts.Existing, DryRun: true})
		return nil
	})
	f.store.TakeChanges(t)
	earlier := map[string]bool{}
	for _, e := range f.mustAuditEvents(t) {
		earlier[e.ID] = true
	}
	res, _ := RunImport(t, svc, f.adminCtx, rows, opts)
	for i, r := range res {
		if r.Outcome != want[i] || preview[i].Outcome != r.Outcome || preview[i].Message != r.Message {
			t.Errorf("line %d: preview %s %q, import %s %q, want %s", r.Line, preview[i].Outcome, preview[i].Message, r.Outcome, r.Message, want[i])
		}
	}

	// Each user is as their line says, and was written once, after the import began.
	wantUsers := map[string]server.User{
		names.ID:    {Firstname: "Nina", Lastname: "New", Username: names.Username, Role: server.RoleUser, Activated: true},
		renamed.ID:  {Firstname: "Rae", Lastname: "New", Username: "renamed.new", Role: server.RoleUser, Activated: true},
		taker.ID:    {Firstname: "Tad", Lastname: "Old", Username: "renamed", Role: server.RoleUser, Activated: true},
		leaver.ID:   {Firstname: "Lee", Lastname: "Old", Username: leaver.Username, Role: server.RoleUser, Activated: false},
		promoted.ID: {Firstname: "Pat", Lastname: "Old", Username: promoted.Username, Role: server.RoleAdmin, Activated: true},
		same.ID:     {Firstname: "Sam", Lastname: "Old", Username: same.Username, Role: server.RoleUser, Activated: true},
		bea.ID:      {Firstname: "Bea", Lastname: "Admin", Username: bea.Username, Role: server.RoleAdmin, Activated: false},
		f.admin.ID:  {Firstname: "Ann", Lastname: "Admin", Username: f.admin.Username, Role: server.RoleAdmin, Activated: true},
	}
	before := map[string]*server.User{names.ID: names, renamed.ID: renamed, taker.ID: taker, leaver.ID: leaver,
		promoted.ID: promoted, same.ID: same, bea.ID: bea, f.admin.ID: f.admin}
	var changedIDs []string
	for id, w := range wantUsers {
		got := f.mustFindUser(t, f.adminCtx, id)
		if got.Firstname != w.Firstname || got.Lastname != w.Lastname || got.Username != w.Username ||
			got.Role != w.Role || got.Activated != w.Activated || got.OrganizationID != f.org.ID {
			t.Errorf("%s: stored %+v, want %+v", before[id].Email, got, w)
		}
		changed := got.Firstname != before[id].Firstname || got.Lastname != before[id].Lastname || got.Username != before[id].Username ||
			got.Role != before[id].Role || got.Activated != before[id].Activated
		if moved := got.UpdatedAt.After(before[id].UpdatedAt); moved != changed {
			t.Errorf("%s: updatedAt %v → %v, changed %v", before[id].Email, before[id].UpdatedAt, got.UpdatedAt, changed)
		}
		if changed {
			changedIDs = append(changedIDs, id)
		}
	}
	if gus := f.mustFindUser(t, globexCtx, globexAdmin.ID); gus.Lastname != "Boss" || !gus.UpdatedAt.Equal(globexAdmin.UpdatedAt) {
		t.Errorf("Globex's admin changed: %+v", gus)
	}

	// The deactivated lost their sessions; the others kept theirs.
	for id, key := range sessions {
		_, err := f.auth.Authenticate(context.Background(), key)
		if ended := id == leaver.ID || id == bea.ID; ended != (err != nil) {
			t.Errorf("%s: session ended %v, want %v", before[id].Email, err != nil, ended)
		}
	}

	// Each changed user is published once, and no one else.
	var published []string
	for _, c := range f.store.TakeChanges(t) {
		if c.Kind != server.ChangeUpdated || c.OrganizationID != f.org.ID || c.ByID != f.admin.ID {
			t.Errorf("published %+v", c)
		}
		published = append(published, c.UserID)
	}
	slices.Sort(published)
	slices.Sort(changedIDs)
	if !slices.Equal(published, changedIDs) {
		t.Errorf("published %v, want %v", published, changedIDs)
	}

	// The audit trail holds each change once, on its user, and nothing on the others.
	actions := map[string][]string{}
	for _, e := range f.mustAuditEvents(t) {
		if !earlier[e.ID] && e.UserID != "" {
			var fields []string
			for _, c := range e.Changes {
				fields = append(fields, c.Field)
			}
			actions[e.UserID] = append(actions[e.UserID], string(e.Action)+" "+strings.Join(fields, ","))
		}
	}
	wantActions := map[string][]string{
		names.ID:    {"USER_UPDATED firstname,lastname"},
		renamed.ID:  {"USER_UPDATED lastname,username"},
		taker.ID:    {"USER_UPDATED username"},
		leaver.ID:   {"USER_DEACTIVATED activated"},
		promoted.ID: {"ROLE_CHANGED organizationRole"},
		bea.ID:      {"USER_DEACTIVATED activated"},
	}
	for id := range before {
		if !slices.Equal(actions[id], wantActions[id]) {
			t.Errorf("%s: events %q, want %q", before[id].Email, actions[id], wantActions[id])
		}
	}
	f.checkCounts(t)
}

// mustAuditEvents returns the latest audit events of Ann's organization.
func (f *fixture) mustAuditEvents(tb testing.TB) []*server.AuditEvent {
	tb.Helper()
	events, err := f.store.Audit.FindAuditEvents(f.adminCtx, server.AuditFilter{}, server.Page{Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	return events
}

// mustFindUser returns the user with id, as the caller in ctx sees them.
func (f *fixture) mustFindUser(tb testing.TB, ctx context.Context, id string) *server.User {
	tb.Helper()
	got, err := f.users.FindUsers(ctx, server.UserFilter{ID: &id}, server.Page{Limit: 1}, nil)
	if err != nil || len(got) != 1 {
		tb.Fatalf("find %s: %v %v", id, got, err)
	}
	return got[0]
}
