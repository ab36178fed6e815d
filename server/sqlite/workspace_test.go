package sqlite_test

import (
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
)

func TestWorkspaceService(t *testing.T) {
	setup := func(t *testing.T) (*people, *sqlite.WorkspaceService, *server.Workspace) {
		p := newPeople(t)
		ws := sqlite.NewWorkspaceService(p.db)
		w, err := ws.CreateWorkspace(p.adminCtx, "  Annotators ")
		if err != nil {
			t.Fatal(err)
		}
		return p, ws, w
	}

	t.Run("CreateRenameDelete", func(t *testing.T) {
		p, ws, w := setup(t)
		if w.Name != "Annotators" || *w.MemberCount != 0 || w.OrganizationID != p.org.ID {
			t.Fatalf("created %+v", w)
		}
		w, err := ws.RenameWorkspace(p.adminCtx, w.ID, "annotators") // a change of case
		if err != nil || w.Name != "annotators" {
			t.Fatalf("renamed %+v %v", w, err)
		}
		if _, err := ws.CreateWorkspace(p.adminCtx, "Reviewers"); err != nil {
			t.Fatal(err)
		}
		list, err := ws.FindWorkspaces(p.adminCtx, server.WorkspaceFilter{}, server.Page{Limit: 10})
		if err != nil || len(list) != 2 || list[0].Name != "annotators" || list[1].Name != "Reviewers" {
			t.Fatalf("list %v %v", list, err)
		}
		if n, _ := ws.CountWorkspaces(p.adminCtx, server.WorkspaceFilter{Search: ptr("VIEW")}); n != 1 {
			t.Fatalf("search counts %d", n)
		}
		if err := ws.DeleteWorkspace(p.adminCtx, w.ID, false); err != nil {
			t.Fatal(err)
		}
		if n, _ := ws.CountWorkspaces(p.adminCtx, server.WorkspaceFilter{}); n != 1 {
			t.Fatalf("after delete: %d", n)
		}
		// Globex can have its own Reviewers.
		if _, err := ws.CreateWorkspace(p.gusCtx, "REVIEWERS"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("BadInputChangesNothing", func(t *testing.T) {
		p, ws, w := setup(t)
		other, err := ws.CreateWorkspace(p.adminCtx, "Reviewers")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, text, code string }{
			{"Duplicate", " ANNOTATORS", server.ECONFLICT},
			{"Empty", "  ", server.EINVALID},
			{"TenKB", strings.Repeat("w", 10_000), server.EINVALID},
			{"Control", "a\tb", server.EINVALID},
			{"Bidi", "abc\u202edef", server.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := p.assertUnchanged(t, func() error { _, err := ws.CreateWorkspace(p.adminCtx, tc.text); return err })
				assertCode(t, err, tc.code)
				err = p.assertUnchanged(t, func() error { _, err := ws.RenameWorkspace(p.adminCtx, other.ID, tc.text); return err })
				assertCode(t, err, tc.code)
			})
		}
		err = p.assertUnchanged(t, func() error { _, err := ws.RenameWorkspace(p.adminCtx, "nope", "X"); return err })
		assertCode(t, err, server.ENOTFOUND)
		err = p.assertUnchanged(t, func() error { return ws.DeleteWorkspace(p.adminCtx, strings.Repeat("x", 10_000), true) })
		assertCode(t, err, server.EINVALID)
		// An unknown user among many changes nothing.
		err = p.assertUnchanged(t, func() error {
			_, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID, "nobody", p.carol.ID})
			return err
		})
		assertCode(t, err, server.ENOTFOUND)
		// So does a user of another organization.
		err = p.assertUnchanged(t, func() error {
			_, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID, p.gus.ID})
			return err
		})
		assertCode(t, err, server.ENOTFOUND)
		err = p.assertUnchanged(t, func() error { _, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, nil); return err })
		assertCode(t, err, server.EINVALID)
		many := make([]string, server.MaxMembersAtOnce+1)
		for i := range many {
			many[i] = p.bob.ID
		}
		err = p.assertUnchanged(t, func() error { _, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, many); return err })
		assertCode(t, err, server.EINVALID)
	})

	t.Run("Members", func(t *testing.T) {
		p, ws, w := setup(t)
		w, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID, p.carol.ID, p.bob.ID, p.admin.ID})
		if err != nil || *w.MemberCount != 3 {
			t.Fatalf("added: %+v %v", w, err)
		}
		// Adding again is no change.
		if w, err = ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID}); err != nil || *w.MemberCount != 3 {
			t.Fatalf("added again: %+v %v", w, err)
		}
		check := func(filter server.UserFilter, want ...string) {
			t.Helper()
			filter.WorkspaceID = &w.ID
			got, err := p.users.FindUsers(p.adminCtx, filter, server.Page{Limit: 10}, nil)
			if err != nil || strings.Join(ids(got), ",") != strings.Join(want, ",") {
				t.Fatalf("members %v %v, want %v", ids(got), err, want)
			}
			if n, err := p.users.CountUsers(p.adminCtx, filter); err != nil || n != len(want) {
				t.Fatalf("count %d %v, want %d", n, err, len(want))
			}
		}
		check(server.UserFilter{}, p.admin.ID, p.bob.ID, p.carol.ID)
		check(server.UserFilter{Role: ptr(server.RoleUser)}, p.bob.ID, p.carol.ID)
		check(server.UserFilter{Search: ptr("carol")}, p.carol.ID)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		check(server.UserFilter{Role: ptr(server.RoleUser), Activated: ptr(true)}, p.bob.ID)
		check(server.UserFilter{Activated: ptr(false)}, p.carol.ID)
		if w, err = ws.RemoveWorkspaceMembers(p.adminCtx, w.ID, []string{p.admin.ID, p.admin.ID}); err != nil || *w.MemberCount != 2 {
			t.Fatalf("removed: %+v %v", w, err)
		}
		check(server.UserFilter{}, p.bob.ID, p.carol.ID)
		if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: p.carol.ID}); err != nil {
			t.Fatal(err)
		}
		check(server.UserFilter{}, p.bob.ID)
		mine, err := ws.UserWorkspaces(p.adminCtx, p.bob.ID, server.Page{Limit: 10})
		if err != nil || len(mine) != 1 || mine[0].ID != w.ID {
			t.Fatalf("bob's workspaces %v %v", mine, err)
		}

		// Not empty: deleting needs the flag, and the users stay.
		err = p.assertUnchanged(t, func() error { return ws.DeleteWorkspace(p.adminCtx, w.ID, false) })
		assertCode(t, err, server.ECONFLICT)
		if !strings.Contains(server.ErrorMessage(err), "1 member") {
			t.Fatalf("message %q", server.ErrorMessage(err))
		}
		if err := ws.DeleteWorkspace(p.adminCtx, w.ID, true); err != nil {
			t.Fatal(err)
		}
		if n, _ := p.users.CountUsers(p.adminCtx, server.UserFilter{}); n != 2 {
			t.Fatalf("users after deleting the workspace: %d", n)
		}
		var left int
		mustRawDB(t, p.db).QueryRow(`SELECT COUNT(*) FROM workspace_members`).Scan(&left)
		var counts int
		mustRawDB(t, p.db).QueryRow(`SELECT COUNT(*) FROM workspace_counts`).Scan(&counts)
		if left != 0 || counts != 0 {
			t.Fatalf("%d memberships and %d counts left", left, counts)
		}
		_, err = p.users.FindUsers(p.adminCtx, server.UserFilter{WorkspaceID: &w.ID}, server.Page{Limit: 10}, nil)
		assertCode(t, err, server.ENOTFOUND)
	})

	t.Run("Authorization", func(t *testing.T) {
		p, ws, w := setup(t)
		if _, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID}); err != nil {
			t.Fatal(err)
		}
		hidden, err := ws.CreateWorkspace(p.adminCtx, "Hidden")
		if err != nil {
			t.Fatal(err)
		}
		// A USER sees the workspaces they are in, without counts, and changes none.
		list, err := ws.FindWorkspaces(p.bobCtx, server.WorkspaceFilter{}, server.Page{Limit: 10})
		if err != nil || len(list) != 1 || list[0].ID != w.ID || list[0].MemberCount != nil {
			t.Fatalf("bob sees %+v %v", list, err)
		}
		if n, _ := ws.CountWorkspaces(p.bobCtx, server.WorkspaceFilter{}); n != 1 {
			t.Fatalf("bob counts %d", n)
		}
		if mine, err := ws.UserWorkspaces(p.bobCtx, p.bob.ID, server.Page{Limit: 10}); err != nil || len(mine) != 1 {
			t.Fatalf("bob's own: %v %v", mine, err)
		}
		_, err = ws.UserWorkspaces(p.bobCtx, p.admin.ID, server.Page{Limit: 10})
		assertCode(t, err, server.ENOTFOUND)
		_, err = p.users.FindUsers(p.bobCtx, server.UserFilter{WorkspaceID: &hidden.ID}, server.Page{Limit: 10}, nil)
		assertCode(t, err, server.ENOTFOUND)
		for name, fn := range map[string]func() error{
			"create": func() error { _, err := ws.CreateWorkspace(p.bobCtx, "Mine"); return err },
			"rename": func() error { _, err := ws.RenameWorkspace(p.bobCtx, w.ID, "Mine"); return err },
			"delete": func() error { return ws.DeleteWorkspace(p.bobCtx, w.ID, true) },
			"add":    func() error { _, err := ws.AddWorkspaceMembers(p.bobCtx, hidden.ID, []string{p.bob.ID}); return err },
			"remove": func() error { _, err := ws.RemoveWorkspaceMembers(p.bobCtx, w.ID, []string{p.bob.ID}); return err },
		} {
			assertCode(t, p.assertUnchanged(t, fn), server.EFORBIDDEN)
			_ = name
		}
		// Another organization's admin finds none of it.
		for _, fn := range []func() error{
			func() error { _, err := ws.RenameWorkspace(p.gusCtx, w.ID, "Mine"); return err },
			func() error { return ws.DeleteWorkspace(p.gusCtx, w.ID, true) },
			func() error { _, err := ws.AddWorkspaceMembers(p.gusCtx, w.ID, []string{p.gus.ID}); return err },
			func() error { _, err := ws.RemoveWorkspaceMembers(p.gusCtx, w.ID, []string{p.bob.ID}); return err },
			func() error { _, err := ws.UserWorkspaces(p.gusCtx, p.bob.ID, server.Page{Limit: 10}); return err },
			func() error {
				_, err := p.users.FindUsers(p.gusCtx, server.UserFilter{WorkspaceID: &w.ID}, server.Page{Limit: 10}, nil)
				return err
			},
			func() error {
				_, err := p.users.CountUsers(p.gusCtx, server.UserFilter{WorkspaceID: &w.ID})
				return err
			},
		} {
			assertCode(t, p.assertUnchanged(t, fn), server.ENOTFOUND)
		}
		if list, _ := ws.FindWorkspaces(p.gusCtx, server.WorkspaceFilter{ID: &w.ID}, server.Page{Limit: 10}); len(list) != 0 {
			t.Fatalf("gus sees %v", list)
		}
	})

	t.Run("DatabaseHoldsTenants", func(t *testing.T) {
		// Whatever program writes: no member of another organization, no move.
		p, _, _ := setup(t)
		raw := mustRawDB(t, p.db)
		if _, err := raw.Exec(`INSERT INTO workspace_members (workspace_num, user_num)
			SELECT w.num, u.num FROM workspaces w, users u WHERE u.id = ?`, p.gus.ID); err == nil {
			t.Fatal("a user of Globex joined a workspace of Acme")
		}
		if _, err := raw.Exec(`UPDATE workspaces SET organization_id = ?`, p.globex.ID); err == nil {
			t.Fatal("a workspace moved to Globex")
		}
	})
}
