package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"useradmin/server"
)

// RunBulk sends batches of size until the action is done and adds up their results.
func RunBulk(tb testing.TB, bulk server.BulkService, ctx context.Context, filter server.UserFilter, change server.BulkChange, size int) (*server.BulkResult, int) {
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
		if r.Matched > size {
			tb.Fatalf("batch %d looked at %d users, more than its %d", batches, r.Matched, size)
		}
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

// checkCounts checks that the counts the store keeps agree with the rows: the users by
// organization, role and activation, the audit events by organization and action, and
// whatever else the store keeps (Store.CheckCounts).
func (f *fixture) checkCounts(tb testing.TB) {
	tb.Helper()
	for what, query := range map[string]string{
		"user_counts": `SELECT COUNT(*) FROM (
			SELECT * FROM (SELECT organization_id, role, activated, COUNT(*) AS n FROM users GROUP BY 1, 2, 3
				EXCEPT SELECT organization_id, role, activated, n FROM user_counts WHERE n != 0) a
			UNION ALL SELECT * FROM (SELECT organization_id, role, activated, n FROM user_counts WHERE n != 0
				EXCEPT SELECT organization_id, role, activated, COUNT(*) FROM users GROUP BY 1, 2, 3) b) c`,
		"audit_counts": `SELECT COUNT(*) FROM (
			SELECT * FROM (SELECT organization_id, action, COUNT(*) AS n FROM audit_events GROUP BY 1, 2
				EXCEPT SELECT organization_id, action, n FROM audit_counts WHERE n != 0) a
			UNION ALL SELECT * FROM (SELECT organization_id, action, n FROM audit_counts WHERE n != 0
				EXCEPT SELECT organization_id, action, COUNT(*) FROM audit_events GROUP BY 1, 2) b) c`,
	} {
		var bad int
		if err := f.store.Raw.QueryRow(query).Scan(&bad); err != nil {
			tb.Fatal(err)
		}
		if bad != 0 {
			tb.Fatalf("%s disagrees with the rows in %d groups", what, bad)
		}
	}
	if f.store.CheckCounts != nil {
		f.store.CheckCounts(tb)
	}
}

// countIn counts the users of filter that the caller in ctx sees.
func (f *fixture) countIn(tb testing.TB, ctx context.Context, filter server.UserFilter) int {
	tb.Helper()
	n, err := f.users.CountUsers(ctx, filter)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// generateUsers adds n generated users to the organization orgID.
func (f *fixture) generateUsers(tb testing.TB, orgID string, n int) {
	tb.Helper()
	if err := f.store.GenerateUsers(context.Background(), orgID, n); err != nil {
		tb.Fatal(err)
	}
}

// activeAdmins counts the active admins of the whole database, as stored.
func (f *fixture) activeAdmins(tb testing.TB) int {
	tb.Helper()
	var n int
	if err := f.store.Raw.QueryRow(`SELECT COUNT(*) FROM users WHERE role = 'ADMIN' AND activated`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func testBulk_DeactivateThousandsWithFailuresMixedIn(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	f.generateUsers(t, f.org.ID, 2500)
	// Another admin who signed in: deactivating them ends their session.
	other := f.mustCreateUser(t, f.adminCtx, "olga@acme.example", "Olga", "Other", server.RoleAdmin)
	otherCtx, _ := f.mustUserContext(t, f.adminCtx, other)
	globex, _, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Globex")
	f.generateUsers(t, globex.ID, 300)
	globexBefore := f.countIn(t, globexCtx, server.UserFilter{})

	on, off := true, false
	before := f.countIn(t, f.adminCtx, server.UserFilter{Activated: &on})
	got, batches := RunBulk(t, bulk, f.adminCtx, server.UserFilter{Activated: &on}, server.BulkChange{Activated: &off}, 1000)
	if got.Matched != before || got.Changed != before-1 || got.Unchanged != 0 || len(got.Failures) != 1 {
		t.Fatalf("matched %d changed %d unchanged %d failures %v; %d were activated", got.Matched, got.Changed, got.Unchanged, got.Failures, before)
	}
	if fl := got.Failures[0]; fl.UserID != f.admin.ID || fl.Email != f.admin.Email || fl.Reason != server.BulkSelf || fl.Message == "" {
		t.Errorf("failure = %+v, want the caller as SELF", fl)
	}
	if want := before/1000 + 1; batches != want {
		t.Errorf("%d batches, want %d", batches, want)
	}
	if n := f.countIn(t, f.adminCtx, server.UserFilter{Activated: &on}); n != 1 {
		t.Errorf("%d users are still activated, want the caller alone", n)
	}
	if _, err := f.users.FindUsers(otherCtx, server.UserFilter{}, server.Page{Limit: 1}, nil); server.ErrorCode(err) != server.EUNAUTHENTICATED {
		t.Errorf("the deactivated admin's key answers %v, want UNAUTHENTICATED", err)
	}
	if n := f.countIn(t, globexCtx, server.UserFilter{}); n != globexBefore {
		t.Errorf("Globex has %d users, had %d", n, globexBefore)
	}
	if n := f.countIn(t, globexCtx, server.UserFilter{Activated: &off}); n == globexBefore {
		t.Errorf("Globex's users were deactivated")
	}
	// Every change is on the trail: one USER_DEACTIVATED per user.
	events, err := f.store.Audit.CountAuditEvents(f.adminCtx, server.AuditFilter{Action: ptr(server.AuditUserDeactivated)})
	if err != nil || events != got.Changed {
		t.Errorf("%d USER_DEACTIVATED events (%v), want %d", events, err, got.Changed)
	}
	f.checkCounts(t)

	// Again: nothing left to change, the same answer for the caller.
	again, _ := RunBulk(t, bulk, f.adminCtx, server.UserFilter{}, server.BulkChange{Activated: &off}, 1000)
	if all := f.countIn(t, f.adminCtx, server.UserFilter{}); again.Changed != 0 || again.Unchanged != all-1 || len(again.Failures) != 1 {
		t.Errorf("second run: changed %d unchanged %d failures %d", again.Changed, again.Unchanged, len(again.Failures))
	}
}

func testBulk_RoleAndDeleteBySearch(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	for i := range 30 {
		f.mustCreateUser(t, f.adminCtx, fmt.Sprintf("sales%02d@acme.example", i), "Sam", "Sales", server.RoleUser)
	}
	for i := range 5 {
		f.mustCreateUser(t, f.adminCtx, fmt.Sprintf("dev%02d@acme.example", i), "Dee", "Dev", server.RoleUser)
	}
	admin := server.RoleAdmin
	search := "sales"
	// Batches of 7: the cursor carries the action across them.
	got, batches := RunBulk(t, bulk, f.adminCtx, server.UserFilter{Search: &search}, server.BulkChange{Role: &admin}, 7)
	if got.Matched != 30 || got.Changed != 30 || batches != 5 {
		t.Fatalf("matched %d changed %d in %d batches", got.Matched, got.Changed, batches)
	}
	if n := f.countIn(t, f.adminCtx, server.UserFilter{Role: &admin}); n != 31 {
		t.Errorf("%d admins, want 31", n)
	}
	// Both at once, on users of mixed roles and activations: each ends as asked, and the
	// counters follow.
	user, off := server.RoleUser, false
	dee := "dee"
	if _, err := bulk.ApplyBulk(f.adminCtx, server.UserFilter{Search: &dee}, server.BulkChange{Activated: &off}, server.BulkBatch{Limit: 2}); err != nil {
		t.Fatal(err)
	}
	got, _ = RunBulk(t, bulk, f.adminCtx, server.UserFilter{}, server.BulkChange{Role: &user, Activated: &off}, 1000)
	if got.Changed != 33 || got.Unchanged != 2 || len(got.Failures) != 1 {
		t.Fatalf("role and activation: %+v", got)
	}
	after, _ := f.users.FindUsers(f.adminCtx, server.UserFilter{Search: &dee}, server.Page{Limit: 10}, nil)
	for _, u := range after {
		if u.Role != server.RoleUser || u.Activated {
			t.Errorf("%s: %s %v %v", u.Email, u.Role, u.Activated, u.UpdatedAt)
		}
	}
	sales, _ := f.users.FindUsers(f.adminCtx, server.UserFilter{Search: &search}, server.Page{Limit: 1}, nil)
	if !sales[0].UpdatedAt.After(f.admin.CreatedAt) {
		t.Errorf("updatedAt %v did not move on", sales[0].UpdatedAt)
	}
	f.checkCounts(t)
	on := true
	if _, err := bulk.ApplyBulk(f.adminCtx, server.UserFilter{}, server.BulkChange{Role: &admin, Activated: &on}, server.BulkBatch{Limit: 1000}); err != nil {
		t.Fatal(err)
	}
	f.checkCounts(t)
	if _, err := bulk.ApplyBulk(f.adminCtx, server.UserFilter{Search: &dee}, server.BulkChange{Role: &user}, server.BulkBatch{Limit: 1000}); err != nil {
		t.Fatal(err)
	}
	// The promoted admins can be deleted: the caller stays.
	got, _ = RunBulk(t, bulk, f.adminCtx, server.UserFilter{Role: &admin}, server.BulkChange{Delete: true}, 1000)
	if got.Changed != 30 || len(got.Failures) != 1 || got.Failures[0].Reason != server.BulkSelf {
		t.Fatalf("delete: %+v", got)
	}
	if n := f.countIn(t, f.adminCtx, server.UserFilter{}); n != 6 {
		t.Errorf("%d users left, want the admin and the 5 developers", n)
	}
	// The search forgot them too.
	if n := f.countIn(t, f.adminCtx, server.UserFilter{Search: &search}); n != 0 {
		t.Errorf("search finds %d deleted users", n)
	}
	if n, err := f.store.Audit.CountAuditEvents(f.adminCtx, server.AuditFilter{Action: ptr(server.AuditUserDeleted)}); err != nil || n != 30 {
		t.Errorf("%d USER_DELETED events (%v), want 30", n, err)
	}
	f.checkCounts(t)
}

func testBulk_IDsOfAnotherOrganizationAreNotFound(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	_, gus, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Globex")
	gil := f.mustCreateUser(t, globexCtx, "gil@globex.example", "Gil", "Globex", server.RoleUser)
	off, admin := false, server.RoleAdmin
	globexOrg := gus.OrganizationID
	gilSearch := "gil"
	for _, tt := range []struct {
		name   string
		filter server.UserFilter
	}{
		{"idIn", server.UserFilter{IDIn: []string{gil.ID, gus.ID, "nosuchid"}}},
		{"idIn and organization", server.UserFilter{IDIn: []string{gil.ID, gus.ID}, OrganizationID: &globexOrg}},
		{"organization", server.UserFilter{OrganizationID: &globexOrg}},
		{"id", server.UserFilter{ID: &gil.ID}},
		{"email", server.UserFilter{Email: &gil.Email}},
		{"email in upper case", server.UserFilter{Email: ptr(" GIL@Globex.Example ")}},
		{"search", server.UserFilter{Search: &gilSearch}},
		{"role of theirs", server.UserFilter{Role: &admin, Email: &gus.Email}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, change := range []server.BulkChange{{Activated: &off}, {Delete: true}, {Role: &admin}} {
				f.assertUnchanged(t, func() error {
					got, _ := RunBulk(t, bulk, f.adminCtx, tt.filter, change, 10)
					if got.Matched != 0 || got.Changed != 0 {
						t.Errorf("%+v", got)
					}
					for _, fl := range got.Failures {
						if fl.Reason != server.BulkNotFound || fl.Email != "" {
							t.Errorf("failure %+v tells more than NOT_FOUND", fl)
						}
					}
					if tt.filter.IDIn != nil && len(got.Failures) != len(tt.filter.IDIn) {
						t.Errorf("%d failures for %d ids", len(got.Failures), len(tt.filter.IDIn))
					}
					return nil
				})
			}
		})
	}
	// Mixed with one of Acme's own: only that one changes.
	got, _ := RunBulk(t, bulk, f.adminCtx, server.UserFilter{IDIn: []string{gil.ID, uma.ID}}, server.BulkChange{Activated: &off}, 10)
	if got.Changed != 1 || len(got.Failures) != 1 || got.Failures[0].UserID != gil.ID {
		t.Errorf("%+v", got)
	}
	if u, err := f.users.FindUsers(globexCtx, server.UserFilter{ID: &gil.ID}, server.Page{Limit: 1}, nil); err != nil || !u[0].Activated {
		t.Errorf("Gil: %v %v", u, err)
	}
	// As many ids as a filter may hold, all the same id of another organization: one
	// NOT_FOUND, nothing changed.
	many := make([]string, server.MaxIDs)
	for i := range many {
		many[i] = gil.ID
	}
	f.assertUnchanged(t, func() error {
		got, _ := RunBulk(t, bulk, f.adminCtx, server.UserFilter{IDIn: many}, server.BulkChange{Delete: true}, server.MaxBulkBatch)
		if got.Changed != 0 || len(got.Failures) != 1 {
			t.Errorf("%d ids, all Gil's: changed %d, %d failures", len(many), got.Changed, len(got.Failures))
		}
		return nil
	})
}

func testBulk_RefusesUsersAndBadInput(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	f.mustCreateUser(t, f.adminCtx, "ulf@acme.example", "Ulf", "User", server.RoleUser)
	umaCtx, _ := f.mustUserContext(t, f.adminCtx, uma)
	olga := f.mustCreateUser(t, f.adminCtx, "olga@acme.example", "Olga", "Off", server.RoleAdmin)
	olgaCtx, _ := f.mustUserContext(t, f.adminCtx, olga)
	revoked := f.mustCreateUser(t, f.adminCtx, "rev@acme.example", "Rev", "Oked", server.RoleAdmin)
	revokedCtx, revokedKey := f.mustUserContext(t, f.adminCtx, revoked)
	if err := f.auth.RevokeAPIKey(f.adminCtx, revokedKey.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: olga.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	off, admin, bogus := false, server.RoleAdmin, server.Role("OWNER")
	long := string(make([]byte, 10_000))
	for _, tt := range []struct {
		name   string
		ctx    context.Context
		filter server.UserFilter
		change server.BulkChange
		batch  server.BulkBatch
		code   string
	}{
		{"a USER deactivates", umaCtx, server.UserFilter{}, server.BulkChange{Activated: &off}, server.BulkBatch{Limit: 10}, server.EFORBIDDEN},
		{"a USER promotes herself", umaCtx, server.UserFilter{ID: &uma.ID}, server.BulkChange{Role: &admin}, server.BulkBatch{Limit: 10}, server.EFORBIDDEN},
		{"a USER deletes", umaCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}, server.EFORBIDDEN},
		{"a deactivated admin", olgaCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}, server.EUNAUTHENTICATED},
		{"a revoked key", revokedCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}, server.EUNAUTHENTICATED},
		{"no caller", context.Background(), server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}, server.EUNAUTHENTICATED},
		{"no change", f.adminCtx, server.UserFilter{}, server.BulkChange{}, server.BulkBatch{Limit: 10}, server.EINVALID},
		{"unknown role", f.adminCtx, server.UserFilter{}, server.BulkChange{Role: &bogus}, server.BulkBatch{Limit: 10}, server.EINVALID},
		{"batch of 0", f.adminCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 0}, server.EINVALID},
		{"batch too large", f.adminCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: server.MaxBulkBatch + 1}, server.EINVALID},
		{"forged cursor", f.adminCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{After: "-1", Limit: 10}, server.EINVALID},
		{"text cursor", f.adminCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{After: "1 OR 1", Limit: 10}, server.EINVALID},
		{"10 kB cursor", f.adminCtx, server.UserFilter{}, server.BulkChange{Delete: true}, server.BulkBatch{After: long, Limit: 10}, server.EINVALID},
		{"10 kB search", f.adminCtx, server.UserFilter{Search: &long}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}, server.EINVALID},
		{"too many ids", f.adminCtx, server.UserFilter{IDIn: make([]string, server.MaxIDs+1)}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}, server.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := f.assertUnchanged(t, func() error {
				_, err := bulk.ApplyBulk(tt.ctx, tt.filter, tt.change, tt.batch)
				return err
			})
			assertCode(t, err, tt.code)
		})
	}
}

// Two admins, and two more, each deactivate, demote or delete every admin at once,
// through two instances of the store, many times over: whatever the order, one active
// admin stays, and the counts agree with the rows.
func testBulk_ParallelRunsKeepAnAdmin(t *testing.T, open Open) {
	for round := range 5 {
		f := newFixture(t, open)
		services := []server.BulkService{f.store.Bulk, f.store.Bulk}
		if f.store.OtherBulk != nil {
			services[1] = f.store.OtherBulk(t)
		}
		ctxs := []context.Context{f.adminCtx}
		for i := range 3 {
			u := f.mustCreateUser(t, f.adminCtx, fmt.Sprintf("admin%d@acme.example", i), "Ad", "Min", server.RoleAdmin)
			ctx, _ := f.mustUserContext(t, f.adminCtx, u)
			ctxs = append(ctxs, ctx)
		}
		admin, off, user := server.RoleAdmin, false, server.RoleUser
		changes := []server.BulkChange{{Activated: &off}, {Delete: true}, {Role: &user}, {Activated: &off}}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := services[i%2].ApplyBulk(ctxs[i%4], server.UserFilter{Role: &admin}, changes[(i/2)%4], server.BulkBatch{Limit: 10})
				if code := server.ErrorCode(err); code != "" && code != server.EUNAUTHENTICATED && code != server.EFORBIDDEN {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		// Any admin may have been demoted, deactivated or deleted by another: count rows.
		if n := f.activeAdmins(t); n < 1 {
			t.Fatalf("round %d: no active admin left", round)
		}
		f.checkCounts(t)
	}
}

// A batch publishes, once committed, one change per user it changed or deleted, and
// nothing for those it left.
func testBulk_PublishesEachChange(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	a := f.mustCreateUser(t, f.adminCtx, "a@acme.example", "A", "", server.RoleUser)
	b := f.mustCreateUser(t, f.adminCtx, "b@acme.example", "B", "", server.RoleUser)
	f.store.TakeChanges(t)
	admin := server.RoleAdmin
	if _, err := bulk.ApplyBulk(f.adminCtx, server.UserFilter{}, server.BulkChange{Role: &admin}, server.BulkBatch{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	got := f.store.TakeChanges(t)
	if len(got) != 2 || got[0].UserID != a.ID || got[1].UserID != b.ID || got[0].Kind != server.ChangeUpdated || got[0].ByID != f.admin.ID {
		t.Fatalf("published %+v", got)
	}
	if _, err := bulk.ApplyBulk(f.adminCtx, server.UserFilter{IDIn: []string{a.ID}}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if got := f.store.TakeChanges(t); len(got) != 1 || got[0].Kind != server.ChangeDeleted || got[0].UserID != a.ID {
		t.Fatalf("published %+v", got)
	}
	// Nothing to change: nothing published.
	if _, err := bulk.ApplyBulk(f.adminCtx, server.UserFilter{}, server.BulkChange{Role: &admin}, server.BulkBatch{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if got := f.store.TakeChanges(t); len(got) != 0 {
		t.Fatalf("published %+v", got)
	}
}

// A bulk action adds thousands of matching users to a workspace and
// removes some of them again, batch by batch: the result counts who was already as
// asked, every change has its audit event on the user's timeline, the member counts
// follow, and another organization's workspace is not found, with nothing changed.
func testBulk_WorkspaceMembership(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	workspaces := f.store.Workspaces
	f.generateUsers(t, f.org.ID, 2500)
	ws, err := workspaces.CreateWorkspace(f.adminCtx, "Annotators")
	if err != nil {
		t.Fatal(err)
	}
	all := f.countIn(t, f.adminCtx, server.UserFilter{})
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
	events := func(action server.AuditAction) int {
		t.Helper()
		var n int
		if err := f.store.Raw.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = ` + quote(string(action)) +
			` AND user_id IS NOT NULL AND changes LIKE '%Annotators%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	members := func() int {
		t.Helper()
		return f.countIn(t, f.adminCtx, server.UserFilter{WorkspaceID: &ws.ID})
	}

	got, batches := RunBulk(t, bulk, f.adminCtx, server.UserFilter{}, server.BulkChange{AddToWorkspace: &ws.ID}, 1000)
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
	inactive := f.countIn(t, f.adminCtx, server.UserFilter{Activated: &off})
	got, _ = RunBulk(t, bulk, f.adminCtx, server.UserFilter{Activated: &off}, server.BulkChange{RemoveFromWorkspace: &ws.ID}, 500)
	if got.Matched != inactive || got.Changed != inactive || got.Unchanged != 0 {
		t.Fatalf("remove: %+v; %d inactive", got, inactive)
	}
	if n := members(); n != all-inactive {
		t.Errorf("%d members after the removal, want %d", n, all-inactive)
	}
	if n := events(server.AuditWorkspaceMembersRemoved); n != inactive {
		t.Errorf("%d audit events of users removed, want %d", n, inactive)
	}
	again, _ := RunBulk(t, bulk, f.adminCtx, server.UserFilter{Activated: &off}, server.BulkChange{RemoveFromWorkspace: &ws.ID}, 500)
	if again.Changed != 0 || again.Unchanged != inactive {
		t.Errorf("removing again: %+v", again)
	}
	f.checkCounts(t)
}

// The attacks and the bad input of a
// bulk membership change: each is refused and nothing stored changes.
func testBulk_WorkspaceMembershipRefused(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	workspaces := f.store.Workspaces
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
	got, _ := RunBulk(t, bulk, f.adminCtx, server.UserFilter{IDIn: []string{gil.ID}}, server.BulkChange{AddToWorkspace: &mine.ID}, 10)
	if got.Changed != 0 || len(got.Failures) != 1 || got.Failures[0].Reason != server.BulkNotFound {
		t.Errorf("%+v", got)
	}
	if n := f.countIn(t, f.adminCtx, server.UserFilter{WorkspaceID: &mine.ID}); n != 0 {
		t.Errorf("%d members", n)
	}
}

// A batch changes exactly the users it was asked to, each with its own audit event and
// published change: the users picked here are made in an order of their own, apart from
// their ids', mixed with the caller and users of another organization, and the action
// walks them in small batches.
func testBulk_ChangesExactlyTheUsersAsked(t *testing.T, open Open) {
	f := newFixture(t, open)
	bulk := f.store.Bulk
	_, gus, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Globex")
	gil := f.mustCreateUser(t, globexCtx, "gil@globex.example", "Gil", "Globex", server.RoleUser)
	var all []*server.User
	picked := map[string]*server.User{}
	ids := []string{gil.ID, f.admin.ID, gus.ID}
	for i := range 20 {
		u := f.mustCreateUser(t, f.adminCtx, fmt.Sprintf("u%02d@acme.example", i), "U", fmt.Sprint(i), server.RoleUser)
		all = append(all, u)
		if i%3 != 1 {
			continue
		}
		picked[u.ID] = u
		ids = append(ids, u.ID)
	}
	f.store.TakeChanges(t)
	off := false
	got, _ := RunBulk(t, bulk, f.adminCtx, server.UserFilter{IDIn: ids}, server.BulkChange{Activated: &off}, 4)
	if got.Changed != len(picked) || got.Matched != len(picked)+1 || len(got.Failures) != 3 {
		t.Fatalf("changed %d matched %d failures %+v; %d picked", got.Changed, got.Matched, got.Failures, len(picked))
	}
	for _, u := range all {
		now, err := f.users.FindUsers(f.adminCtx, server.UserFilter{ID: &u.ID}, server.Page{Limit: 1}, nil)
		if err != nil || len(now) != 1 {
			t.Fatalf("%s: %v %v", u.Email, now, err)
		}
		_, isPicked := picked[u.ID]
		if now[0].Activated == isPicked || now[0].UpdatedAt.Equal(u.UpdatedAt) == isPicked {
			t.Errorf("%s: activated %v, updatedAt %v (was %v); picked %v", u.Email, now[0].Activated, now[0].UpdatedAt, u.UpdatedAt, isPicked)
		}
		events, err := f.store.Audit.FindAuditEvents(f.adminCtx, server.AuditFilter{UserID: &u.ID, Action: ptr(server.AuditUserDeactivated)}, server.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[isPicked]; len(events) != want {
			t.Errorf("%s: %d USER_DEACTIVATED events, want %d", u.Email, len(events), want)
		} else if isPicked && (events[0].UserEmail != u.Email || events[0].ActorID != f.admin.ID) {
			t.Errorf("%s: event %+v", u.Email, events[0])
		}
	}
	changes := f.store.TakeChanges(t)
	if len(changes) != len(picked) {
		t.Errorf("%d changes published, want %d", len(changes), len(picked))
	}
	for _, c := range changes {
		if _, ok := picked[c.UserID]; !ok || c.Kind != server.ChangeUpdated || c.OrganizationID != f.org.ID {
			t.Errorf("published %+v, which was not asked", c)
		}
	}
	for _, u := range []*server.User{gil, gus} {
		if now, err := f.users.FindUsers(globexCtx, server.UserFilter{ID: &u.ID}, server.Page{Limit: 1}, nil); err != nil || !now[0].Activated || !now[0].UpdatedAt.Equal(u.UpdatedAt) {
			t.Errorf("Globex's %s: %v %v", u.Email, now, err)
		}
	}
	f.checkCounts(t)
}
