package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
	"useradmin/server/storetest"
)

// checkExactCounts checks every counter the store keeps of users and events against a
// count of the rows themselves, both ways (a group counted that has no rows, or rows of a
// group not counted), besides what checkCounts checks (user_grams, the bulk guard).
func checkExactCounts(tb testing.TB, db *sqlite.DB) {
	tb.Helper()
	checkCounts(tb, db)
	raw := mustRawDB(tb, db)
	for _, c := range []struct{ name, counted, rows string }{
		{"user_counts",
			`SELECT organization_id, role, activated, n FROM user_counts WHERE n != 0`,
			`SELECT organization_id, role, activated, COUNT(*) FROM users GROUP BY 1, 2, 3`},
		{"user_sign_in_days",
			`SELECT organization_id, day, role, activated, n FROM user_sign_in_days WHERE n != 0`,
			`SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1), role, activated, COUNT(*) FROM users GROUP BY 1, 2, 3, 4`},
		{"workspace_counts",
			`SELECT workspace_num, role, activated, n FROM workspace_counts WHERE n != 0`,
			`SELECT m.workspace_num, u.role, u.activated, COUNT(*) FROM workspace_members m JOIN users u ON u.num = m.user_num GROUP BY 1, 2, 3`},
		{"audit_counts",
			`SELECT organization_id, action, n FROM audit_counts WHERE n != 0`,
			`SELECT organization_id, action, COUNT(*) FROM audit_events GROUP BY 1, 2`},
	} {
		var bad, negative int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM (
			SELECT * FROM (` + c.counted + ` EXCEPT ` + c.rows + `)
			UNION ALL SELECT * FROM (` + c.rows + ` EXCEPT ` + c.counted + `))`).Scan(&bad); err != nil {
			tb.Fatal(err)
		}
		if err := raw.QueryRow(`SELECT COUNT(*) FROM ` + c.name + ` WHERE n < 0`).Scan(&negative); err != nil {
			tb.Fatal(err)
		}
		if bad != 0 || negative != 0 {
			tb.Fatalf("%s disagrees with the rows in %d groups (%d below 0)", c.name, bad, negative)
		}
	}
}

// auditEvent is an event as stored.
type auditEvent struct {
	Action, UserID, UserEmail, ActorID, ActorKeyID, Changes string
	CreatedAt                                               int64
}

// eventsSince returns the events stored after the event num after, in order.
func eventsSince(tb testing.TB, db *sqlite.DB, after int64) ([]auditEvent, int64) {
	tb.Helper()
	rows, err := mustRawDB(tb, db).Query(`SELECT num, action, COALESCE(user_id, ''), COALESCE(user_email, ''),
		COALESCE(actor_id, ''), COALESCE(actor_key_id, ''), changes, created_at FROM audit_events WHERE num > ? ORDER BY num`, after)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []auditEvent
	last := after
	for rows.Next() {
		var e auditEvent
		if err := rows.Scan(&last, &e.Action, &e.UserID, &e.UserEmail, &e.ActorID, &e.ActorKeyID, &e.Changes, &e.CreatedAt); err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out, last
}

// TestBulkCounts_ExactAfterBulkWritesWithFailuresMixedIn runs bulk deactivations, role
// changes, both at once, activations by id (with ids of another organization and of no
// one), membership changes and deletes over thousands of users in workspaces, with the
// caller left out of each and single writes between them, and checks after each that
// every counter equals a count of the rows, and that each changed user got exactly one
// event of the action, made by the caller, in the batch's transaction.
func TestBulkCounts_ExactAfterBulkWritesWithFailuresMixedIn(t *testing.T) {
	f := newFixture(t)
	bulk := sqlite.NewBulkService(f.db)
	ctx := context.Background()
	if err := f.db.GenerateUsers(ctx, f.org.ID, 2600); err != nil {
		t.Fatal(err)
	}
	if err := f.db.GenerateWorkspaces(ctx, f.org.ID, 7); err != nil {
		t.Fatal(err)
	}
	_, gus, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Globex")
	if err := f.db.GenerateUsers(ctx, gus.OrganizationID, 400); err != nil {
		t.Fatal(err)
	}
	if err := f.db.GenerateWorkspaces(ctx, gus.OrganizationID, 3); err != nil {
		t.Fatal(err)
	}
	other := f.mustCreateUser(t, f.adminCtx, "olga@acme.example", "Olga", "Other", server.RoleAdmin)
	f.mustUserContext(t, f.adminCtx, other) // signed in today: a day of its own
	checkExactCounts(t, f.db)
	globexRows := func() string {
		var b strings.Builder
		rows, err := mustRawDB(t, f.db).Query(`SELECT id, role, activated, updated_at FROM users WHERE organization_id = ? ORDER BY num`, gus.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, role string
			var on bool
			var at int64
			if err := rows.Scan(&id, &role, &on, &at); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, id, role, on, at)
		}
		return b.String()
	}
	globex := globexRows()
	_, last := eventsSince(t, f.db, 0)

	admin, user, on, off := server.RoleAdmin, server.RoleUser, true, false
	var globexIDs []string
	gs, err := f.users.FindUsers(globexCtx, server.UserFilter{}, server.Page{Limit: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range gs {
		globexIDs = append(globexIDs, u.ID)
	}
	steps := []struct {
		name   string
		filter server.UserFilter
		change server.BulkChange
		size   int
		// actions is the events each changed user gets; nil: none for a membership change.
		actions []server.AuditAction
	}{
		{"deactivate the activated", server.UserFilter{Activated: &on}, server.BulkChange{Activated: &off}, 1000, []server.AuditAction{server.AuditUserDeactivated}},
		{"make admins of a search", server.UserFilter{Search: ptr("an")}, server.BulkChange{Role: &admin}, 333, []server.AuditAction{server.AuditRoleChanged}},
		{"role and activation at once", server.UserFilter{}, server.BulkChange{Role: &user, Activated: &on}, 1000, nil},
		{"remove from a workspace", server.UserFilter{Search: ptr("e")}, server.BulkChange{RemoveFromWorkspace: nil}, 500, nil},
		{"delete some", server.UserFilter{Search: ptr("ar")}, server.BulkChange{Delete: true}, 700, []server.AuditAction{server.AuditUserDeleted}},
		{"deactivate all", server.UserFilter{}, server.BulkChange{Activated: &off}, 1000, []server.AuditAction{server.AuditUserDeactivated}},
		{"delete all", server.UserFilter{}, server.BulkChange{Delete: true}, 1000, []server.AuditAction{server.AuditUserDeleted}},
	}
	for i, st := range steps {
		if st.name == "remove from a workspace" {
			ws, err := sqlite.NewWorkspaceService(f.db).FindWorkspaces(f.adminCtx, server.WorkspaceFilter{}, server.Page{Limit: 1})
			if err != nil || len(ws) == 0 {
				t.Fatalf("workspaces: %v %v", ws, err)
			}
			st.change.RemoveFromWorkspace = &ws[0].ID
		}
		t.Logf("%s", st.name)
		before := map[string]*server.User{}
		for _, u := range allMatching(t, f, st.filter) {
			before[u.ID] = u
		}
		got, _ := storetest.RunBulk(t, bulk, f.adminCtx, st.filter, st.change, st.size)
		if got.Matched != len(before) || got.Changed+got.Unchanged+len(got.Failures) != got.Matched {
			t.Fatalf("%s: %+v for %d matching", st.name, got, len(before))
		}
		if _, self := before[f.admin.ID]; st.change.RemoveFromWorkspace == nil && self &&
			(len(got.Failures) != 1 || got.Failures[0].Reason != server.BulkSelf) {
			t.Fatalf("%s: failures %+v, want the caller alone", st.name, got.Failures)
		} else if !self && len(got.Failures) != 0 {
			t.Fatalf("%s: failures %+v, want none", st.name, got.Failures)
		}
		checkExactCounts(t, f.db)
		events, next := eventsSince(t, f.db, last)
		last = next
		if st.change.RemoveFromWorkspace != nil {
			// A membership change records its own events, checked with the workspaces.
			continue
		}
		perUser := map[string][]auditEvent{}
		for _, e := range events {
			if e.ActorID != f.admin.ID || e.ActorKeyID == "" {
				t.Errorf("%s: event %+v not by the caller's key", st.name, e)
			}
			perUser[e.UserID] = append(perUser[e.UserID], e)
		}
		if len(perUser) != got.Changed {
			t.Errorf("%s: events about %d users, %d were changed", st.name, len(perUser), got.Changed)
		}
		for id, es := range perUser {
			u := before[id]
			if u == nil {
				t.Fatalf("%s: an event about %s, who did not match", st.name, id)
			}
			want := st.actions
			if want == nil { // role and activation: each that changed
				if u.Role != user {
					want = append(want, server.AuditRoleChanged)
				}
				if !u.Activated {
					want = append(want, server.AuditUserActivated)
				}
			}
			if len(es) != len(want) {
				t.Fatalf("%s: %s got %d events %+v, want %v", st.name, u.Email, len(es), es, want)
			}
			for j, e := range es {
				if e.Action != string(want[j]) || e.UserEmail != u.Email || e.CreatedAt != es[0].CreatedAt {
					t.Errorf("%s: event %+v of %s, want %s", st.name, e, u.Email, want[j])
				}
				var changes []map[string]*string
				if err := json.Unmarshal([]byte(e.Changes), &changes); err != nil || len(changes) == 0 {
					t.Errorf("%s: changes %q: %v", st.name, e.Changes, err)
				}
				if e.Action == string(server.AuditUserDeactivated) &&
					(len(changes) != 1 || *changes[0]["field"] != "activated" || *changes[0]["old"] != "true" || *changes[0]["new"] != "false") {
					t.Errorf("%s: changes %s", st.name, e.Changes)
				}
				if e.Action == string(server.AuditUserDeleted) && !strings.Contains(e.Changes, `"organizationRole"`) {
					t.Errorf("%s: changes %s lack the role", st.name, e.Changes)
				}
			}
		}
		// A single write between two bulk actions is counted by the triggers.
		if i < len(steps)-1 {
			if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: other.ID}, server.UserUpdate{Activated: ptr(i%2 == 0)}); err != nil && server.ErrorCode(err) != server.ENOTFOUND {
				t.Fatal(err)
			}
			checkExactCounts(t, f.db)
			_, last = eventsSince(t, f.db, last)
		}
	}
	if n, err := f.users.CountUsers(f.adminCtx, server.UserFilter{}); err != nil || n != 1 {
		t.Errorf("%d users left in Acme, want the caller", n)
	}
	// Ids of another organization and of no one are not found, and Globex is as it was.
	got, _ := storetest.RunBulk(t, bulk, f.adminCtx, server.UserFilter{IDIn: append(globexIDs, "nosuchid")}, server.BulkChange{Activated: &off}, 1000)
	if got.Changed != 0 || len(got.Failures) != len(globexIDs)+1 {
		t.Errorf("ids of Globex: %+v", got)
	}
	if now := globexRows(); now != globex {
		t.Errorf("Globex's users changed")
	}
	checkExactCounts(t, f.db)
}

// TestBulkCounts_FailedBatchChangesNothing has a batch fail after its write, at the
// audit event of its last user: the whole batch rolls back, counters and guard included,
// and the next single write is counted by the triggers again.
func TestBulkCounts_FailedBatchChangesNothing(t *testing.T) {
	f := newFixture(t)
	bulk := sqlite.NewBulkService(f.db)
	if err := f.db.GenerateUsers(context.Background(), f.org.ID, 300); err != nil {
		t.Fatal(err)
	}
	if err := f.db.GenerateWorkspaces(context.Background(), f.org.ID, 3); err != nil {
		t.Fatal(err)
	}
	var lastEmail string
	raw := mustRawDB(t, f.db)
	// The last user each of the changes below changes (an active USER: a tenth of the
	// generated users are deactivated, some are admins, and a user already as asked
	// records no event): the batch fails at its last event, after every other write.
	if err := raw.QueryRow(`SELECT email FROM users WHERE activated = 1 AND role = 'USER' ORDER BY num DESC LIMIT 1`).Scan(&lastEmail); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TRIGGER test_refuse BEFORE INSERT ON audit_events WHEN new.user_email = '` + lastEmail + `'
		BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	for _, change := range []server.BulkChange{{Activated: ptr(false)}, {Role: ptr(server.RoleAdmin)}, {Delete: true}} {
		err := f.assertUnchanged(t, func() error {
			_, err := bulk.ApplyBulk(f.adminCtx, server.UserFilter{}, change, server.BulkBatch{Limit: 1000})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "refused by the test") {
			t.Fatalf("%+v: error %v, want the test's refusal", change, err)
		}
	}
	checkExactCounts(t, f.db)
	if _, err := raw.Exec(`DROP TRIGGER test_refuse`); err != nil {
		t.Fatal(err)
	}
	var uma *server.User
	for _, u := range mustUsers(t, f) {
		if u.ID != f.admin.ID {
			uma = u
			break
		}
	}
	if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: uma.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin), Activated: ptr(!uma.Activated)}); err != nil {
		t.Fatal(err)
	}
	if err := f.users.DeleteUser(f.adminCtx, server.UserRef{ID: uma.ID}); err != nil {
		t.Fatal(err)
	}
	checkExactCounts(t, f.db)
}

// allMatching reads every user of the admin's organization matching filter, a page at a
// time.
func allMatching(tb testing.TB, f *fixture, filter server.UserFilter) []*server.User {
	tb.Helper()
	var all []*server.User
	for offset := 0; ; offset += 100 {
		page, err := f.users.FindUsers(f.adminCtx, filter, server.Page{Limit: 100, Offset: offset}, nil)
		if err != nil {
			tb.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
	}
}

func mustUsers(tb testing.TB, f *fixture) []*server.User {
	tb.Helper()
	users, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 10}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return users
}
