//go:build !wasm

package app

import (
	"context"
	"strings"
	"testing"
)

// TestBulk_AgainstTheDirectory runs each bulk action against the directory, with its bulk
// mutations (batches) and against Kili's core (one mutation per user): the same counts,
// the same failures, progress after every request, and the list as the result says.
func TestBulk_AgainstTheDirectory(t *testing.T) {
	for _, contract := range []string{"full", "core"} {
		t.Run(contract, func(t *testing.T) {
			d := startDirectoryWith(t, contract)
			a := d.api(d.AdminKey)
			ctx := context.Background()
			st, f := a.openSession(ctx)
			if f != nil {
				t.Fatal(f)
			}
			if st.Caps.Bulk != (contract == "full") {
				t.Fatalf("bulk capability %v", st.Caps.Bulk)
			}
			on := true
			active := UserWhere{Activated: &on}
			total := countWhere(t, a, active)

			// All matching, 7 at a time: the viewer stays, everyone else is deactivated.
			calls := 0
			s := a.runBulk(ctx, bulkRequest{Action: bulkDeactivate, Where: active, Total: total, ViewerID: st.Viewer.ID, Batch: 7, Emails: map[string]string{}},
				st.Caps.Bulk, func(p bulkState) {
					calls++
					if p.Done > p.Total {
						t.Errorf("progress %d of %d", p.Done, p.Total)
					}
				})
			if s.Err != nil || s.Cancelled {
				t.Fatalf("%+v", s)
			}
			if s.Done != total || s.Changed != total-1 || len(s.Failures) != 1 || s.Failures[0].Reason != "SELF" || s.Failures[0].Email != st.Viewer.Email {
				t.Fatalf("done %d changed %d failures %+v; %d were active", s.Done, s.Changed, s.Failures, total)
			}
			if min := total / 7; calls < min {
				t.Errorf("progress was reported %d times for %d users", calls, total)
			}
			if n := countWhere(t, a, active); n != 1 {
				t.Errorf("%d active users left, want the viewer", n)
			}

			// A selection, with an id no one has: it is reported, the others change.
			page := a.users(ctx, listQuery{Page: 1, Size: 5}, st.Caps)
			var ids []string
			for _, u := range page.Users {
				if u.ID != st.Viewer.ID {
					ids = append(ids, u.ID)
				}
			}
			ids = append(ids, "nosuchuser")
			s = a.runBulk(ctx, bulkRequest{Action: bulkActivate, IDs: ids, ViewerID: st.Viewer.ID, Emails: map[string]string{}}, st.Caps.Bulk, func(bulkState) {})
			if s.Err != nil || s.Done != len(ids) || s.Changed != len(ids)-1 || len(s.Failures) != 1 || s.Failures[0].ID != "nosuchuser" || s.Failures[0].Reason != "NOT_FOUND" {
				t.Fatalf("selection: %+v", s)
			}
			if !strings.HasSuffix(s.Failures[0].Message, ".") {
				t.Errorf("message %q", s.Failures[0].Message)
			}

			// Cancelled before it starts: nothing is changed, and it says so.
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			before := countWhere(t, a, active)
			s = a.runBulk(cancelled, bulkRequest{Action: bulkDeactivate, Where: UserWhere{}, Total: 10, ViewerID: st.Viewer.ID, Emails: map[string]string{}}, st.Caps.Bulk, func(bulkState) {})
			if !s.Cancelled || s.Changed != 0 || s.Err != nil {
				t.Errorf("cancelled: %+v", s)
			}
			if n := countWhere(t, a, active); n != before {
				t.Errorf("a cancelled run changed %d users", before-n)
			}

			// A role for the selection: the directory's rules hold either way.
			s = a.runBulk(ctx, bulkRequest{Action: bulkMakeAdmin, IDs: ids[:2], Emails: map[string]string{}}, st.Caps.Bulk, func(bulkState) {})
			if s.Changed != 2 {
				t.Errorf("make admin: %+v", s)
			}
			if contract == "full" {
				s = a.runBulk(ctx, bulkRequest{Action: bulkDelete, IDs: ids[:2], Emails: map[string]string{}}, st.Caps.Bulk, func(bulkState) {})
				if s.Changed != 2 {
					t.Errorf("delete: %+v", s)
				}
			}
		})
	}
}

func countWhere(t *testing.T, a api, where UserWhere) int {
	t.Helper()
	var q struct {
		N int `graphql:"countUsers(where: $where)" json:"countUsers"`
	}
	if f := a.query(context.Background(), &q, map[string]any{"where": where}); f != nil {
		t.Fatal(f)
	}
	return q.N
}

// TestBulk_WorkspaceMembershipAgainstTheDirectory adds the selected users, then all
// matching users, to a workspace and removes them again through updateUsers, as the
// list's bulk bar does; Kili's core offers no such action.
func TestBulk_WorkspaceMembershipAgainstTheDirectory(t *testing.T) {
	core := startDirectoryWith(t, "core")
	if st, f := core.api(core.AdminKey).openSession(context.Background()); f != nil || st.Caps.BulkMembership {
		t.Fatalf("Kili's core: bulk membership %v (%v)", st.Caps.BulkMembership, f)
	}
	d := startDirectoryWith(t, "full")
	a := d.api(d.AdminKey)
	ctx := context.Background()
	st, f := a.openSession(ctx)
	if f != nil {
		t.Fatal(f)
	}
	if !st.Caps.BulkMembership {
		t.Fatal("the directory's bulk membership is not found by introspection")
	}
	if _, f := a.writeWorkspace(ctx, workspaceWrite{Kind: "create", Name: "Annotators"}); f != nil {
		t.Fatal(f)
	}
	ws := a.workspaces(ctx, workspacesQuery{Page: 1, Search: "Annotators"})
	if len(ws.Items) != 1 {
		t.Fatalf("workspaces %+v", ws)
	}
	id := ws.Items[0].ID
	members := UserWhere{WorkspaceID: id}
	all := countWhere(t, a, UserWhere{})

	page := a.users(ctx, listQuery{Page: 1, Size: 5}, st.Caps)
	var ids []string
	for _, u := range page.Users {
		ids = append(ids, u.ID)
	}
	s := a.runBulk(ctx, bulkRequest{Action: bulkAddToWorkspace, Workspace: id, IDs: ids, Batch: 2, Emails: map[string]string{}}, true, func(bulkState) {})
	if s.Err != nil || s.Changed != len(ids) || s.Done != len(ids) || len(s.Failures) != 0 {
		t.Fatalf("adding the selection: %+v", s)
	}
	s = a.runBulk(ctx, bulkRequest{Action: bulkAddToWorkspace, Workspace: id, Where: UserWhere{}, Total: all, Batch: 7, Emails: map[string]string{}}, true, func(bulkState) {})
	if s.Err != nil || s.Changed != all-len(ids) || s.Unchanged != len(ids) || s.Done != all {
		t.Fatalf("adding all: %+v; %d users", s, all)
	}
	if n := countWhere(t, a, members); n != all {
		t.Errorf("%d members, want all %d", n, all)
	}
	s = a.runBulk(ctx, bulkRequest{Action: bulkRemoveFromWorkspace, Workspace: id, IDs: ids, Batch: 500, Emails: map[string]string{}}, true, func(bulkState) {})
	if s.Err != nil || s.Changed != len(ids) {
		t.Fatalf("removing the selection: %+v", s)
	}
	if n := countWhere(t, a, members); n != all-len(ids) {
		t.Errorf("%d members after the removal, want %d", n, all-len(ids))
	}
	// Without the bulk mutations there is no fallback: a sentence, nothing changed.
	s = a.runBulk(ctx, bulkRequest{Action: bulkRemoveFromWorkspace, Workspace: id, Where: UserWhere{}, Emails: map[string]string{}}, false, func(bulkState) {})
	if s.Err == nil || s.Changed != 0 {
		t.Errorf("one by one: %+v, want a refusal", s)
	}
	if n := countWhere(t, a, members); n != all-len(ids) {
		t.Errorf("%d members after the refusal, want %d", n, all-len(ids))
	}
}
