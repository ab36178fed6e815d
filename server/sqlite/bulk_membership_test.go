package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// runBulk sends batches of size until the action is done and adds up their results.
func runBulk(tb testing.TB, bulk *sqlite.BulkService, ctx context.Context, filter server.UserFilter, change server.BulkChange, size int) (*server.BulkResult, int) {
	tb.Helper()
	total := &server.BulkResult{Failures: []server.BulkFailure{}}
	batches := 0
	after := ""
	for {
		r, err := bulk.ApplyBulk(ctx, filter, change, server.BulkBatch{After: after, Limit: size})
		if err != nil {
			tb.Fatalf("batch %d: %v", batches, err)
		}
		batches++
		total.Matched += r.Matched
		total.Changed += r.Changed
		total.Unchanged += r.Unchanged
		total.Failures = append(total.Failures, r.Failures...)
		if r.Done {
			return total, batches
		}
		after = r.Next
	}
}

func countIn(tb testing.TB, f *fixture, ctx context.Context, filter server.UserFilter) int {
	tb.Helper()
	n, err := f.users.CountUsers(ctx, filter)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestBulkService_WorkspaceMembership adds thousands of matching users to a workspace and
// removes some of them again, batch by batch: the result counts who was already as
// asked, every change has its audit event on the user's timeline, the member counts
// follow, and another organization's workspace is not found, with nothing changed.
func TestBulkService_WorkspaceMembership(t *testing.T) {
	f := newFixture(t)
	bulk := sqlite.NewBulkService(f.db)
	workspaces := sqlite.NewWorkspaceService(f.db)
	if err := f.db.GenerateUsers(context.Background(), f.org.ID, 2500); err != nil {
		t.Fatal(err)
	}
	ws, err := workspaces.CreateWorkspace(f.adminCtx, "Annotators")
	if err != nil {
		t.Fatal(err)
	}
	all := countIn(t, f, f.adminCtx, server.UserFilter{})
	some, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 10, Offset: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var someIDs []string
	for _, u := range some {
		someIDs = append(someIDs, u.ID)
	}
	if _, err := workspaces.AddWorkspaceMembers(f.adminCtx, ws.ID, someIDs); err != nil {
		t.Fatal(err)
	}
	raw := mustRawDB(t, f.db)
	events := func(action server.AuditAction) int {
		t.Helper()
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND user_id IS NOT NULL AND changes LIKE '%Annotators%'`, string(action)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	members := func() int {
		t.Helper()
		return countIn(t, f, f.adminCtx, server.UserFilter{WorkspaceID: &ws.ID})
	}

	got, batches := runBulk(t, bulk, f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &ws.ID}, 1000)
	if got.Matched != all || got.Changed != all-10 || got.Unchanged != 10 || len(got.Failures) != 0 || batches != 3 {
		t.Fatalf("add: matched %d changed %d unchanged %d failures %v in %d batches; %d users, 10 members already",
			got.Matched, got.Changed, got.Unchanged, got.Failures, batches, all)
	}
	if n := members(); n != all {
		t.Errorf("%d members, want all %d (the caller too)", n, all)
	}
	if n := events(server.AuditWorkspaceMembersAdded); n != all-10 {
		t.Errorf("%d audit events of users added, want %d", n, all-10)
	}
	counted, err := workspaces.FindWorkspaces(f.adminCtx, server.WorkspaceFilter{ID: &ws.ID}, server.Page{Limit: 1})
	if err != nil || len(counted) != 1 || counted[0].MemberCount == nil || *counted[0].MemberCount != all {
		t.Errorf("the workspace counts %v members (%v), want %d", counted, err, all)
	}

	// Remove the inactive ones: the others stay members.
	off := false
	inactive := countIn(t, f, f.adminCtx, server.UserFilter{Activated: &off})
	got, _ = runBulk(t, bulk, f.adminCtx, server.UserFilter{Activated: &off}, server.BulkChange{RemoveFromWorkspace: &ws.ID}, 500)
	if got.Matched != inactive || got.Changed != inactive || got.Unchanged != 0 {
		t.Fatalf("remove: %+v; %d inactive", got, inactive)
	}
	if n := members(); n != all-inactive {
		t.Errorf("%d members after the removal, want %d", n, all-inactive)
	}
	if n := events(server.AuditWorkspaceMembersRemoved); n != inactive {
		t.Errorf("%d audit events of users removed, want %d", n, inactive)
	}
	again, _ := runBulk(t, bulk, f.adminCtx, server.UserFilter{Activated: &off}, server.BulkChange{RemoveFromWorkspace: &ws.ID}, 500)
	if again.Changed != 0 || again.Unchanged != inactive {
		t.Errorf("removing again: %+v", again)
	}
	checkCounts(t, f.db)
}

// TestBulkService_WorkspaceMembershipRefused checks the attacks and the bad input of a
// bulk membership change: each is refused and nothing stored changes.
func TestBulkService_WorkspaceMembershipRefused(t *testing.T) {
	f := newFixture(t)
	bulk := sqlite.NewBulkService(f.db)
	workspaces := sqlite.NewWorkspaceService(f.db)
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	umaCtx, _ := f.mustUserContext(t, f.adminCtx, uma)
	mine, err := workspaces.CreateWorkspace(f.adminCtx, "Reviewers")
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Globex")
	theirs, err := workspaces.CreateWorkspace(globexCtx, "Reviewers")
	if err != nil {
		t.Fatal(err)
	}
	gil := f.mustCreateUser(t, globexCtx, "gil@globex.example", "Gil", "Globex", server.RoleUser)
	admin, on, empty, long := server.RoleAdmin, true, "", strings.Repeat("w", 10_000)
	for _, tt := range []struct {
		name   string
		ctx    context.Context
		filter server.UserFilter
		change server.BulkChange
		code   string
	}{
		{"another organization's workspace, added to", f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &theirs.ID}, server.ENOTFOUND},
		{"another organization's workspace, removed from", f.adminCtx, server.UserFilter{}, server.BulkChange{RemoveFromWorkspace: &theirs.ID}, server.ENOTFOUND},
		{"another organization's workspace and users", f.adminCtx, server.UserFilter{IDIn: []string{gil.ID}}, server.BulkChange{AddToWorkspace: &theirs.ID}, server.ENOTFOUND},
		{"no such workspace", f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: ptr("nosuchworkspace")}, server.ENOTFOUND},
		{"a USER adds", umaCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &mine.ID}, server.EFORBIDDEN},
		{"a USER adds herself", umaCtx, server.UserFilter{ID: &uma.ID}, server.BulkChange{AddToWorkspace: &mine.ID}, server.EFORBIDDEN},
		{"no caller", context.Background(), server.UserFilter{}, server.BulkChange{AddToWorkspace: &mine.ID}, server.EUNAUTHENTICATED},
		{"add and remove", f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &mine.ID, RemoveFromWorkspace: &mine.ID}, server.EINVALID},
		{"with a role", f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &mine.ID, Role: &admin}, server.EINVALID},
		{"with an activation", f.adminCtx, server.UserFilter{}, server.BulkChange{RemoveFromWorkspace: &mine.ID, Activated: &on}, server.EINVALID},
		{"empty id", f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &empty}, server.EINVALID},
		{"10 kB id", f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &long}, server.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := f.assertUnchanged(t, func() error {
				_, err := bulk.ApplyBulk(tt.ctx, tt.filter, tt.change, server.BulkBatch{Limit: 10})
				return err
			})
			assertCode(t, err, tt.code)
		})
	}
	// Acme's admin adds Globex's user to Acme's workspace: not found, not added.
	got, _ := runBulk(t, bulk, f.adminCtx, server.UserFilter{IDIn: []string{gil.ID}}, server.BulkChange{AddToWorkspace: &mine.ID}, 10)
	if got.Changed != 0 || len(got.Failures) != 1 || got.Failures[0].Reason != server.BulkNotFound {
		t.Errorf("%+v", got)
	}
	if n := countIn(t, f, f.adminCtx, server.UserFilter{WorkspaceID: &mine.ID}); n != 0 {
		t.Errorf("%d members", n)
	}
}
