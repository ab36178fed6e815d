package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"useradmin/server"
)

// newWorkspaces is the people's fixture with Acme's workspace Annotators, made by Ann.
func newWorkspaces(t *testing.T, open Open) (*people, server.WorkspaceService, *server.Workspace) {
	t.Helper()
	p := newPeople(t, open)
	ws := p.store.Workspaces
	w, err := ws.CreateWorkspace(p.adminCtx, "  Annotators ")
	if err != nil {
		t.Fatal(err)
	}
	return p, ws, w
}

func testWorkspaceService_CreateRenameDelete(t *testing.T, open Open) {
	p, ws, w := newWorkspaces(t, open)
	if w.Name != "Annotators" || *w.MemberCount != 0 || w.OrganizationID != p.org.ID || !w.CreatedAt.Equal(p.clock.Now()) {
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
	if list, err := ws.FindWorkspaces(p.adminCtx, server.WorkspaceFilter{}, server.Page{Limit: 1, Offset: 1}); err != nil || len(list) != 1 || list[0].Name != "Reviewers" {
		t.Fatalf("second page %v %v", list, err)
	}
	if n, _ := ws.CountWorkspaces(p.adminCtx, server.WorkspaceFilter{Search: ptr(" VIEW ")}); n != 1 {
		t.Fatalf("search counts %d", n)
	}
	if list, _ := ws.FindWorkspaces(p.adminCtx, server.WorkspaceFilter{Search: ptr("%")}, server.Page{Limit: 10}); len(list) != 0 {
		t.Fatalf("search %% finds %v", list)
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
	// Each write is in the audit trail, with what changed.
	events, err := p.store.Audit.FindAuditEvents(p.adminCtx, server.AuditFilter{}, server.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		if strings.HasPrefix(string(e.Action), "WORKSPACE_") {
			got = append(got, fmt.Sprintf("%s %s", e.Action, changesText(e.Changes)))
		}
	}
	want := []string{
		"WORKSPACE_DELETED workspace:annotators>",
		"WORKSPACE_CREATED workspace:>Reviewers",
		"WORKSPACE_RENAMED workspace:Annotators>annotators",
		"WORKSPACE_CREATED workspace:>Annotators",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range events {
		if e.OrganizationID != p.org.ID || (strings.HasPrefix(string(e.Action), "WORKSPACE_") && e.ActorID != p.admin.ID) {
			t.Fatalf("event %+v", e)
		}
	}
}

// changesText writes changes as field:old>new, for comparing.
func changesText(changes []server.AuditChange) string {
	var parts []string
	for _, c := range changes {
		old, new := "", ""
		if c.Old != nil {
			old = *c.Old
		}
		if c.New != nil {
			new = *c.New
		}
		parts = append(parts, c.Field+":"+old+">"+new)
	}
	return strings.Join(parts, " ")
}

func testWorkspaceService_BadInputChangesNothing(t *testing.T, open Open) {
	p, ws, w := newWorkspaces(t, open)
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
		{"BadEncoding", "abc\xff", server.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.assertUnchanged(t, func() error { _, err := ws.CreateWorkspace(p.adminCtx, tc.text); return err })
			assertCode(t, err, tc.code)
			err = p.assertUnchanged(t, func() error { _, err := ws.RenameWorkspace(p.adminCtx, other.ID, tc.text); return err })
			assertCode(t, err, tc.code)
		})
	}
	long := strings.Repeat("x", 10_000)
	for name, fn := range map[string]func() error{
		"rename unknown": func() error { _, err := ws.RenameWorkspace(p.adminCtx, "nope", "X"); return err },
		"delete unknown": func() error { return ws.DeleteWorkspace(p.adminCtx, "nope", true) },
		"add to unknown": func() error { _, err := ws.AddWorkspaceMembers(p.adminCtx, "nope", []string{p.bob.ID}); return err },
		// An unknown user among many changes nothing; so does a user of another organization.
		"add unknown user": func() error {
			_, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID, "nobody", p.carol.ID})
			return err
		},
		"add Globex's user": func() error {
			_, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID, p.gus.ID})
			return err
		},
		"remove Globex's user": func() error {
			_, err := ws.RemoveWorkspaceMembers(p.adminCtx, w.ID, []string{p.gus.ID})
			return err
		},
		"users of unknown": func() error {
			_, err := p.users.FindUsers(p.adminCtx, server.UserFilter{WorkspaceID: ptr("nope")}, server.Page{Limit: 10}, nil)
			return err
		},
		"user workspaces of unknown": func() error { _, err := ws.UserWorkspaces(p.adminCtx, "nobody", server.Page{Limit: 10}); return err },
	} {
		assertCodeNamed(t, name, p.assertUnchanged(t, fn), server.ENOTFOUND)
	}
	many := make([]string, server.MaxMembersAtOnce+1)
	for i := range many {
		many[i] = p.bob.ID
	}
	for name, fn := range map[string]func() error{
		"delete 10 kB id":   func() error { return ws.DeleteWorkspace(p.adminCtx, long, true) },
		"rename 10 kB id":   func() error { _, err := ws.RenameWorkspace(p.adminCtx, long, "X"); return err },
		"rename empty id":   func() error { _, err := ws.RenameWorkspace(p.adminCtx, "", "X"); return err },
		"add 10 kB id":      func() error { _, err := ws.AddWorkspaceMembers(p.adminCtx, long, []string{p.bob.ID}); return err },
		"add 10 kB user id": func() error { _, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{long}); return err },
		"add no one":        func() error { _, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, nil); return err },
		"add too many":      func() error { _, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, many); return err },
		"remove too many":   func() error { _, err := ws.RemoveWorkspaceMembers(p.adminCtx, w.ID, many); return err },
		"find 10 kB search": func() error {
			_, err := ws.FindWorkspaces(p.adminCtx, server.WorkspaceFilter{Search: &long}, server.Page{Limit: 10})
			return err
		},
		"count 10 kB id": func() error { _, err := ws.CountWorkspaces(p.adminCtx, server.WorkspaceFilter{ID: &long}); return err },
		"users of 10 kB id": func() error {
			_, err := p.users.CountUsers(p.adminCtx, server.UserFilter{WorkspaceID: &long})
			return err
		},
		"user workspaces of too many": func() error {
			_, err := ws.UsersWorkspaces(p.adminCtx, many, 3)
			return err
		},
	} {
		assertCodeNamed(t, name, p.assertUnchanged(t, fn), server.EINVALID)
	}
}

// assertCodeNamed checks the code of err, saying which case failed.
func assertCodeNamed(tb testing.TB, name string, err error, code string) {
	tb.Helper()
	if got := server.ErrorCode(err); got != code {
		tb.Fatalf("%s: error = %v, want code %q", name, err, code)
	}
}

func testWorkspaceService_Members(t *testing.T, open Open) {
	p, ws, w := newWorkspaces(t, open)
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
	check(server.UserFilter{Username: ptr("BOB")}, p.bob.ID)
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	check(server.UserFilter{Role: ptr(server.RoleUser), Activated: ptr(true)}, p.bob.ID)
	check(server.UserFilter{Activated: ptr(false)}, p.carol.ID)
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	check(server.UserFilter{Role: ptr(server.RoleAdmin)}, p.admin.ID, p.bob.ID)
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Role: ptr(server.RoleUser)}); err != nil {
		t.Fatal(err)
	}
	// A page of the user list with its workspaces, in one read.
	reviewers, err := ws.CreateWorkspace(p.adminCtx, "Reviewers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddWorkspaceMembers(p.adminCtx, reviewers.ID, []string{p.bob.ID}); err != nil {
		t.Fatal(err)
	}
	byUser, err := ws.UsersWorkspaces(p.adminCtx, []string{p.bob.ID, p.carol.ID, p.admin.ID, p.gus.ID, "nobody"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	names := func(list []*server.Workspace) string {
		var s []string
		for _, w := range list {
			s = append(s, fmt.Sprintf("%s:%d", w.Name, *w.MemberCount))
		}
		return strings.Join(s, ",")
	}
	if len(byUser) != 3 || names(byUser[p.bob.ID]) != "Annotators:3" || names(byUser[p.carol.ID]) != "Annotators:3" {
		t.Fatalf("users' workspaces %v", byUser)
	}
	if byUser, err = ws.UsersWorkspaces(p.adminCtx, []string{p.bob.ID}, 10); err != nil || names(byUser[p.bob.ID]) != "Annotators:3,Reviewers:1" {
		t.Fatalf("bob's workspaces %v %v", byUser, err)
	}
	if err := ws.DeleteWorkspace(p.adminCtx, reviewers.ID, true); err != nil {
		t.Fatal(err)
	}

	if w, err = ws.RemoveWorkspaceMembers(p.adminCtx, w.ID, []string{p.admin.ID, p.admin.ID}); err != nil || *w.MemberCount != 2 {
		t.Fatalf("removed: %+v %v", w, err)
	}
	check(server.UserFilter{}, p.bob.ID, p.carol.ID)
	if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: p.carol.ID}); err != nil {
		t.Fatal(err)
	}
	check(server.UserFilter{}, p.bob.ID)
	mine, err := ws.UserWorkspaces(p.adminCtx, p.bob.ID, server.Page{Limit: 10})
	if err != nil || len(mine) != 1 || mine[0].ID != w.ID || *mine[0].MemberCount != 1 {
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
	var left, counts int
	p.store.Raw.QueryRow(`SELECT COUNT(*) FROM workspace_members`).Scan(&left)
	p.store.Raw.QueryRow(`SELECT COUNT(*) FROM workspace_counts WHERE n != 0`).Scan(&counts)
	if left != 0 || counts != 0 {
		t.Fatalf("%d memberships and %d counts left", left, counts)
	}
	_, err = p.users.FindUsers(p.adminCtx, server.UserFilter{WorkspaceID: &w.ID}, server.Page{Limit: 10}, nil)
	assertCode(t, err, server.ENOTFOUND)

	events, err := p.store.Audit.FindAuditEvents(p.adminCtx, server.AuditFilter{Action: ptr(server.AuditWorkspaceMembersAdded)}, server.Page{Limit: 10})
	if err != nil || len(events) != 3 || changesText(events[2].Changes) != "workspace:>Annotators users:>4" {
		t.Fatalf("events of added members %+v %v", events, err)
	}
}

func testWorkspaceService_Authorization(t *testing.T, open Open) {
	p, ws, w := newWorkspaces(t, open)
	if _, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{p.bob.ID}); err != nil {
		t.Fatal(err)
	}
	hidden, err := ws.CreateWorkspace(p.adminCtx, "Hidden")
	if err != nil {
		t.Fatal(err)
	}
	globex, err := ws.CreateWorkspace(p.gusCtx, "Globex team")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddWorkspaceMembers(p.gusCtx, globex.ID, []string{p.gus.ID}); err != nil {
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
	if n, _ := ws.CountWorkspaces(p.bobCtx, server.WorkspaceFilter{ID: &hidden.ID}); n != 0 {
		t.Fatalf("bob counts the hidden workspace: %d", n)
	}
	if mine, err := ws.UserWorkspaces(p.bobCtx, p.bob.ID, server.Page{Limit: 10}); err != nil || len(mine) != 1 || mine[0].MemberCount != nil {
		t.Fatalf("bob's own: %v %v", mine, err)
	}
	if byUser, err := ws.UsersWorkspaces(p.bobCtx, []string{p.bob.ID, p.admin.ID, p.gus.ID}, 10); err != nil || len(byUser) != 1 || len(byUser[p.bob.ID]) != 1 {
		t.Fatalf("bob reads the workspaces of %v %v", byUser, err)
	}
	_, err = ws.UserWorkspaces(p.bobCtx, p.admin.ID, server.Page{Limit: 10})
	assertCode(t, err, server.ENOTFOUND)
	_, err = p.users.FindUsers(p.bobCtx, server.UserFilter{WorkspaceID: &hidden.ID}, server.Page{Limit: 10}, nil)
	assertCode(t, err, server.ENOTFOUND)
	// In his own workspace, a USER counts only himself.
	if n, err := p.users.CountUsers(p.bobCtx, server.UserFilter{WorkspaceID: &w.ID}); err != nil || n != 1 {
		t.Fatalf("bob counts %d members, %v", n, err)
	}
	for name, fn := range map[string]func() error{
		"create": func() error { _, err := ws.CreateWorkspace(p.bobCtx, "Mine"); return err },
		"rename": func() error { _, err := ws.RenameWorkspace(p.bobCtx, w.ID, "Mine"); return err },
		"delete": func() error { return ws.DeleteWorkspace(p.bobCtx, w.ID, true) },
		"add":    func() error { _, err := ws.AddWorkspaceMembers(p.bobCtx, hidden.ID, []string{p.bob.ID}); return err },
		"remove": func() error { _, err := ws.RemoveWorkspaceMembers(p.bobCtx, w.ID, []string{p.bob.ID}); return err },
		"rename Globex's": func() error {
			_, err := ws.RenameWorkspace(p.bobCtx, globex.ID, "Mine")
			return err
		},
	} {
		assertCodeNamed(t, name, p.assertUnchanged(t, fn), server.EFORBIDDEN)
	}
	// Another organization's admin finds none of it, by any way in; nor does Ann find
	// Globex's.
	for name, fn := range map[string]func() error{
		"rename":          func() error { _, err := ws.RenameWorkspace(p.gusCtx, w.ID, "Mine"); return err },
		"delete":          func() error { return ws.DeleteWorkspace(p.gusCtx, w.ID, true) },
		"add self":        func() error { _, err := ws.AddWorkspaceMembers(p.gusCtx, w.ID, []string{p.gus.ID}); return err },
		"add Acme's user": func() error { _, err := ws.AddWorkspaceMembers(p.gusCtx, globex.ID, []string{p.bob.ID}); return err },
		"remove":          func() error { _, err := ws.RemoveWorkspaceMembers(p.gusCtx, w.ID, []string{p.bob.ID}); return err },
		"user workspaces": func() error { _, err := ws.UserWorkspaces(p.gusCtx, p.bob.ID, server.Page{Limit: 10}); return err },
		"Ann renames":     func() error { _, err := ws.RenameWorkspace(p.adminCtx, globex.ID, "Mine"); return err },
		"Ann deletes":     func() error { return ws.DeleteWorkspace(p.adminCtx, globex.ID, true) },
		"Ann adds herself": func() error {
			_, err := ws.AddWorkspaceMembers(p.adminCtx, globex.ID, []string{p.admin.ID})
			return err
		},
		"Ann removes Gus": func() error {
			_, err := ws.RemoveWorkspaceMembers(p.adminCtx, globex.ID, []string{p.gus.ID})
			return err
		},
		"Ann reads Gus's": func() error { _, err := ws.UserWorkspaces(p.adminCtx, p.gus.ID, server.Page{Limit: 10}); return err },
		"users": func() error {
			_, err := p.users.FindUsers(p.gusCtx, server.UserFilter{WorkspaceID: &w.ID}, server.Page{Limit: 10}, nil)
			return err
		},
		"count": func() error {
			_, err := p.users.CountUsers(p.gusCtx, server.UserFilter{WorkspaceID: &w.ID})
			return err
		},
		"Ann counts Globex's": func() error {
			_, err := p.users.CountUsers(p.adminCtx, server.UserFilter{WorkspaceID: &globex.ID, Role: ptr(server.RoleAdmin)})
			return err
		},
	} {
		assertCodeNamed(t, name, p.assertUnchanged(t, fn), server.ENOTFOUND)
	}
	if list, _ := ws.FindWorkspaces(p.gusCtx, server.WorkspaceFilter{ID: &w.ID}, server.Page{Limit: 10}); len(list) != 0 {
		t.Fatalf("gus sees %v", list)
	}
	if n, _ := ws.CountWorkspaces(p.adminCtx, server.WorkspaceFilter{Search: ptr("globex")}); n != 0 {
		t.Fatalf("ann counts %d of Globex's", n)
	}
	if byUser, err := ws.UsersWorkspaces(p.adminCtx, []string{p.gus.ID}, 10); err != nil || len(byUser) != 0 {
		t.Fatalf("ann reads Gus's workspaces %v %v", byUser, err)
	}
	// Signed out: nothing.
	_, err = ws.FindWorkspaces(context.Background(), server.WorkspaceFilter{}, server.Page{Limit: 10})
	assertCode(t, err, server.EUNAUTHENTICATED)
	assertCode(t, p.assertUnchanged(t, func() error { _, err := ws.CreateWorkspace(context.Background(), "Mine"); return err }), server.EUNAUTHENTICATED)
}

func testWorkspaceService_AtOnce(t *testing.T, open Open) {
	p, ws, w := newWorkspaces(t, open)
	// One name in several cases, ten times at once, and aliases of one rename: one
	// workspace has it.
	errs := AtOnce(10, func(i int) error {
		_, err := ws.CreateWorkspace(p.adminCtx, []string{"Reviewers", "REVIEWERS", " reviewers"}[i%3])
		return err
	})
	if n := Codes(errs); n[""] != 1 || n[server.ECONFLICT] != 9 {
		t.Fatalf("creates: %v, want one and 9 CONFLICT", n)
	}
	errs = AtOnce(10, func(i int) error {
		_, err := ws.RenameWorkspace(p.adminCtx, w.ID, "reviewers")
		return err
	})
	if n := Codes(errs); n[server.ECONFLICT] != 10 {
		t.Fatalf("renames: %v, want 10 CONFLICT", n)
	}
	// Members added and removed, and their roles changed, at once: the kept counts match
	// the members.
	var made []string
	for i := range 6 {
		made = append(made, p.mustCreateUser(t, p.adminCtx, fmt.Sprintf("m%d@acme.example", i), "", "", server.RoleUser).ID)
	}
	errs = AtOnce(18, func(i int) error {
		id := made[i%len(made)]
		switch i / len(made) {
		case 0:
			_, err := ws.AddWorkspaceMembers(p.adminCtx, w.ID, []string{id, p.bob.ID})
			return err
		case 1:
			_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: id}, server.UserUpdate{Role: ptr(server.RoleAdmin), Activated: ptr(i%2 == 0)})
			return err
		default:
			if i%2 == 0 {
				_, err := ws.RemoveWorkspaceMembers(p.adminCtx, w.ID, []string{id})
				return err
			}
			return p.users.DeleteUser(p.adminCtx, server.UserRef{ID: id})
		}
	})
	for _, err := range errs {
		if c := server.ErrorCode(err); c != "" && c != server.ENOTFOUND {
			t.Fatalf("unexpected answer: %v", err)
		}
	}
	members, err := p.users.FindUsers(p.adminCtx, server.UserFilter{WorkspaceID: &w.ID}, server.Page{Limit: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []server.UserFilter{{}, {Role: ptr(server.RoleAdmin)}, {Role: ptr(server.RoleUser)}, {Activated: ptr(false)}, {Role: ptr(server.RoleAdmin), Activated: ptr(true)}} {
		f.WorkspaceID = &w.ID
		counted, err := p.users.CountUsers(p.adminCtx, f)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := p.users.FindUsers(p.adminCtx, f, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if counted != len(listed) {
			t.Errorf("filter %+v: counted %d, listed %d", f, counted, len(listed))
		}
	}
	got, err := ws.FindWorkspaces(p.adminCtx, server.WorkspaceFilter{ID: &w.ID}, server.Page{Limit: 1})
	if err != nil || *got[0].MemberCount != len(members) {
		t.Fatalf("member count %v, %d members, %v", got, len(members), err)
	}
}

func testWorkspaceService_ReadOnlyToken(t *testing.T, open Open) {
	// An ADMIN's read-only embed token, which the role alone would let write workspaces:
	// every write is refused FORBIDDEN, alone and ten at once, and nothing changes;
	// reads work.
	p, ws, w := newWorkspaces(t, open)
	ctx := p.mustTokenContext(t, p.mustMint(t, p.adminCtx, p.admin, server.ScopeReadOnly, 0).Token)
	writes := map[string]func() error{
		"create": func() error { _, err := ws.CreateWorkspace(ctx, "Mine"); return err },
		"rename": func() error { _, err := ws.RenameWorkspace(ctx, w.ID, "Mine"); return err },
		"delete": func() error { return ws.DeleteWorkspace(ctx, w.ID, true) },
		"add":    func() error { _, err := ws.AddWorkspaceMembers(ctx, w.ID, []string{p.bob.ID}); return err },
		"remove": func() error { _, err := ws.RemoveWorkspaceMembers(ctx, w.ID, []string{p.bob.ID}); return err },
		"username": func() error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Username: ptr("bobby")})
			return err
		},
	}
	for name, write := range writes {
		assertCodeNamed(t, name, p.assertUnchanged(t, write), server.EFORBIDDEN)
	}
	var all []func() error
	for _, write := range writes {
		all = append(all, write)
	}
	var errs []error
	p.assertUnchanged(t, func() error {
		errs = AtOnce(10*len(all), func(i int) error { return all[i%len(all)]() })
		return nil
	})
	if n := Codes(errs); n[server.EFORBIDDEN] != len(errs) {
		t.Fatalf("parallel writes: %v, want all FORBIDDEN", n)
	}
	if list, err := ws.FindWorkspaces(ctx, server.WorkspaceFilter{}, server.Page{Limit: 10}); err != nil || len(list) != 1 {
		t.Fatalf("workspaces %v %v", list, err)
	}
}

func testWorkspaceService_NoDeleteToken(t *testing.T, open Open) {
	// An ADMIN's NO_DELETE embed token, which promises a portal that nothing is deleted:
	// deleting a workspace, empty or with members, is refused FORBIDDEN, alone and ten at
	// once, and nothing changes; the other workspace writes work.
	p, ws, w := newWorkspaces(t, open)
	full, err := ws.CreateWorkspace(p.adminCtx, "Reviewers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddWorkspaceMembers(p.adminCtx, full.ID, []string{p.bob.ID, p.carol.ID}); err != nil {
		t.Fatal(err)
	}
	ctx := p.mustTokenContext(t, p.mustMint(t, p.adminCtx, p.admin, server.ScopeNoDelete, 0).Token)
	deletes := map[string]func() error{
		"empty":             func() error { return ws.DeleteWorkspace(ctx, w.ID, false) },
		"empty, forced":     func() error { return ws.DeleteWorkspace(ctx, w.ID, true) },
		"with members":      func() error { return ws.DeleteWorkspace(ctx, full.ID, true) },
		"with members, ask": func() error { return ws.DeleteWorkspace(ctx, full.ID, false) },
	}
	for name, del := range deletes {
		assertCodeNamed(t, name, p.assertUnchanged(t, del), server.EFORBIDDEN)
	}
	var errs []error
	p.assertUnchanged(t, func() error {
		errs = AtOnce(10, func(i int) error { return ws.DeleteWorkspace(ctx, []string{w.ID, full.ID}[i%2], true) })
		return nil
	})
	if n := Codes(errs); n[server.EFORBIDDEN] != len(errs) {
		t.Fatalf("parallel deletes: %v, want all FORBIDDEN", n)
	}
	if _, err := ws.RenameWorkspace(ctx, w.ID, "Labelers"); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if _, err := ws.AddWorkspaceMembers(ctx, w.ID, []string{p.bob.ID}); err != nil {
		t.Fatalf("add: %v", err)
	}
	if _, err := ws.RemoveWorkspaceMembers(ctx, w.ID, []string{p.bob.ID}); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, err := ws.CreateWorkspace(ctx, "Mine"); err != nil {
		t.Fatalf("create: %v", err)
	}
}
