package postgres_test

import (
	"fmt"
	"slices"
	"testing"

	"useradmin/server"
	"useradmin/server/postgres"
)

// Each membership's copy of its user's creation time, which orders a workspace's pages,
// is the user's: written by the store, filled in for a writer that gives none, and a
// wrong one or a change of a member's time refused by the database, nothing stored.
func TestWorkspaceMembers_CreatedAtHeldByDatabase(t *testing.T) {
	a, _, ctx := instances(t)
	users, ws := postgres.NewUserService(a), postgres.NewWorkspaceService(a)
	w, err := ws.CreateWorkspace(ctx, "Annotators")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.CreateUser(ctx, server.UserCreate{Email: "bob@acme.example", Role: server.RoleUser, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	cid, err := users.CreateUser(ctx, server.UserCreate{Email: "cid@acme.example", Role: server.RoleUser, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddWorkspaceMembers(ctx, w.ID, []string{bob.ID}); err != nil {
		t.Fatal(err)
	}
	raw := mustRaw(t, a)
	if _, err := raw.Exec(`INSERT INTO workspace_members (workspace_id, user_id) VALUES ($1, $2)`, w.ID, cid.ID); err != nil {
		t.Fatal(err)
	}
	drift := `SELECT COUNT(*) FROM workspace_members m JOIN users u ON u.id = m.user_id WHERE m.user_created_at IS DISTINCT FROM u.created_at`
	members := `SELECT string_agg(user_id || ' ' || user_created_at, ',' ORDER BY user_id) FROM workspace_members`
	var n int
	var before string
	if err := raw.QueryRow(drift).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d memberships with another time than their user's (%v)", n, err)
	}
	if err := raw.QueryRow(members).Scan(&before); err != nil {
		t.Fatal(err)
	}
	ann := server.UserFromContext(ctx)
	for _, stmt := range []string{
		fmt.Sprintf(`INSERT INTO workspace_members (workspace_id, user_id, user_created_at) SELECT '%s', id, created_at + 1 FROM users WHERE id = '%s'`, w.ID, ann.ID),
		fmt.Sprintf(`UPDATE users SET created_at = created_at + 1 WHERE id = '%s'`, bob.ID),
		fmt.Sprintf(`UPDATE workspace_members SET user_created_at = user_created_at - 1 WHERE user_id = '%s'`, cid.ID),
	} {
		if _, err := raw.Exec(stmt); err == nil {
			t.Errorf("%s: stored", stmt)
		}
	}
	var after string
	if err := raw.QueryRow(members).Scan(&after); err != nil || after != before {
		t.Fatalf("memberships %q, were %q (%v)", after, before, err)
	}
	if err := raw.QueryRow(drift).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d memberships with another time than their user's (%v)", n, err)
	}
}

// A workspace's pages in the default order, read from the memberships in that order,
// are its members in the list's order (created_at, then id, ties included), forward and
// backward, each member once across the pages: the same as the walk of the users in
// that order, which an added filter takes.
func TestWorkspaceMembers_PagesInListOrder(t *testing.T) {
	a, _, ctx := instances(t)
	users, ws := postgres.NewUserService(a), postgres.NewWorkspaceService(a)
	w, err := ws.CreateWorkspace(ctx, "Annotators")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 12 {
		u, err := users.CreateUser(ctx, server.UserCreate{Email: fmt.Sprintf("u%02d@acme.example", i), Role: server.RoleUser, Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	// Ties of created_at, broken by id, before they are members (a member's time is fixed).
	raw := mustRaw(t, a)
	if _, err := raw.Exec(`UPDATE users SET created_at = (SELECT MIN(created_at) FROM users WHERE id = ANY($1)) WHERE id = ANY($2)`, ids, ids[3:8]); err != nil {
		t.Fatal(err)
	}
	var members []string
	for i, id := range ids {
		if i%4 != 1 {
			members = append(members, id)
		}
	}
	if _, err := ws.AddWorkspaceMembers(ctx, w.ID, members); err != nil {
		t.Fatal(err)
	}
	all, err := users.FindUsers(ctx, server.UserFilter{}, server.Page{Limit: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range all {
		if slices.Contains(members, u.ID) {
			want = append(want, u.ID)
		}
	}
	on := true
	for _, desc := range []bool{false, true} {
		if desc {
			want = slices.Clone(want)
			slices.Reverse(want)
		}
		order := []server.UserOrder{{Field: server.SortCreatedAt, Desc: desc}}
		for _, filter := range []server.UserFilter{{WorkspaceID: &w.ID}, {WorkspaceID: &w.ID, Activated: &on}} {
			var got []string
			for offset := 0; offset < len(want)+4; offset += 4 {
				page, err := users.FindUsers(ctx, filter, server.Page{Limit: 4, Offset: offset}, order)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range page {
					got = append(got, u.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("desc %v, activated %v: pages %v, want %v", desc, filter.Activated != nil, got, want)
			}
		}
		if desc {
			continue
		}
		page, err := users.FindUsers(ctx, server.UserFilter{WorkspaceID: &w.ID}, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range page {
			got = append(got, u.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("default order: %v, want %v", got, want)
		}
	}
}
