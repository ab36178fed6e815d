package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/storetest"
)

// Whatever program writes to the database: no member of another organization, no move
// of a workspace, no change of a membership; and the kept counts follow writes made
// outside the program.
func TestWorkspaces_DatabaseHoldsTenants(t *testing.T) {
	a, b, ctx := instances(t)
	ws := postgres.NewWorkspaceService(a)
	w, err := ws.CreateWorkspace(ctx, "Annotators")
	if err != nil {
		t.Fatal(err)
	}
	ann := server.UserFromContext(ctx)
	globex, gus, _, err := b.CreateOrganization(context.Background(), "Globex", server.UserCreate{Email: "gus@globex.example", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	raw := mustRaw(t, a)
	for _, stmt := range []string{
		`INSERT INTO workspace_members (workspace_id, user_id) VALUES ('` + w.ID + `', '` + gus.ID + `')`,
		`INSERT INTO workspace_members (workspace_id, user_id) SELECT '` + w.ID + `', id FROM users`,
		`UPDATE workspaces SET organization_id = '` + globex.ID + `'`,
	} {
		if _, err := raw.Exec(stmt); err == nil {
			t.Errorf("%s: stored", stmt)
		}
	}
	if _, err := raw.Exec(`INSERT INTO workspace_members (workspace_id, user_id) VALUES ('` + w.ID + `', '` + ann.ID + `')`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE workspace_members SET user_id = '` + gus.ID + `'`); err == nil {
		t.Error("a membership changed user")
	}
	if _, err := raw.Exec(`UPDATE users SET role = 'USER' WHERE id = '` + ann.ID + `'`); err != nil {
		t.Fatal(err)
	}
	var counts string
	if err := raw.QueryRow(`SELECT string_agg(role || ' ' || activated || ' ' || n, ',' ORDER BY role, activated) FROM workspace_counts`).Scan(&counts); err != nil {
		t.Fatal(err)
	}
	if counts != "ADMIN true 0,USER true 1" {
		t.Fatalf("counts %q", counts)
	}
}

// Members added and removed, and their roles changed, through two instances at once,
// in two organizations: the kept counts match the members.
func TestConcurrentWorkspacesOnTwoInstances(t *testing.T) {
	a, b, ctx := instances(t)
	services := []*postgres.WorkspaceService{postgres.NewWorkspaceService(a), postgres.NewWorkspaceService(b)}
	users := []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)}
	w, err := services[0].CreateWorkspace(ctx, "Annotators")
	if err != nil {
		t.Fatal(err)
	}
	var made []string
	for i := range 8 {
		u, err := users[i%2].CreateUser(ctx, server.UserCreate{Email: fmt.Sprintf("m%d@acme.example", i), Password: "correct horse", Role: server.RoleUser})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, u.ID)
	}
	// One name in several cases, from both instances at once: one workspace has it.
	errs := storetest.AtOnce(10, func(i int) error {
		_, err := services[i%2].CreateWorkspace(ctx, []string{"Reviewers", "REVIEWERS", " reviewers"}[i%3])
		return err
	})
	if n := storetest.Codes(errs); n[""] != 1 || n[server.ECONFLICT] != 9 {
		t.Fatalf("creates: %v, want one and 9 CONFLICT", n)
	}
	errs = storetest.AtOnce(32, func(i int) error {
		id := made[i%len(made)]
		k := i % 2
		switch i / len(made) {
		case 0:
			_, err := services[k].AddWorkspaceMembers(ctx, w.ID, made)
			return err
		case 1:
			_, err := users[k].UpdateUser(ctx, server.UserRef{ID: id}, server.UserUpdate{Role: ptrTo(server.RoleAdmin), Activated: ptrTo(i%3 != 0)})
			return err
		case 2:
			_, err := services[k].RemoveWorkspaceMembers(ctx, w.ID, made[:i%len(made)+1])
			return err
		default:
			if i%3 == 0 {
				return users[k].DeleteUser(ctx, server.UserRef{ID: id})
			}
			_, err := services[k].AddWorkspaceMembers(ctx, w.ID, []string{id})
			return err
		}
	})
	for _, err := range errs {
		if c := server.ErrorCode(err); c != "" && c != server.ENOTFOUND {
			t.Fatalf("unexpected answer: %v", err)
		}
	}
	raw := mustRaw(t, a)
	var drift int
	if err := raw.QueryRow(`
		SELECT COUNT(*) FROM (
			SELECT m.workspace_id, u.role, u.activated, COUNT(*) AS n FROM workspace_members m JOIN users u ON u.id = m.user_id GROUP BY 1, 2, 3) real
		FULL JOIN (SELECT * FROM workspace_counts WHERE n != 0) kept USING (workspace_id, role, activated)
		WHERE real.n IS DISTINCT FROM kept.n`).Scan(&drift); err != nil {
		t.Fatal(err)
	}
	if drift != 0 {
		t.Fatalf("%d kept counts differ from the members", drift)
	}
}
