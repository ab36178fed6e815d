package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"useradmin/server"
)

// testUserService_ShortSearchCounts checks the count of searches of one and two
// characters, which the stores read from counts they keep (no index finds a text that
// short): after every kind of write, it equals the number of the organization's users
// whose email, first name, last name or username holds the text, folded as searches
// fold it. A pair of characters that only occurs across two fields (the end of the first
// name and the start of the last) matches no one; a text in two fields of one user counts
// them once; no count of one organization includes a user of another.
func testUserService_ShortSearchCounts(t *testing.T, open Open) {
	p := newPeople(t, open)
	acme := []context.Context{p.adminCtx}
	globex := []context.Context{p.gusCtx}
	// Names whose letters fold in ways a database's own lower() may not: Ö and Ø outside
	// ASCII, İ (Go folds it to i), Σ, a title-case digraph, and Japanese.
	zoe := p.mustCreateUser(t, p.adminCtx, "zoe@acme.example", "Zoë", "ÖSTRÖM", server.RoleUser)
	maxQ := p.mustCreateUser(t, p.adminCtx, "mq@acme.example", "Max", "Quill", server.RoleAdmin)
	anna := p.mustCreateUser(t, p.adminCtx, "anna@acme.example", "Anna", "Annersen", server.RoleUser)
	p.mustCreateUser(t, p.adminCtx, "ilkay@acme.example", "İlkay", "ΣΑΣ", server.RoleUser)
	p.mustCreateUser(t, p.adminCtx, "yuki@acme.example", "雪", "田中", server.RoleUser)
	// Globex has users with the same letters, which Acme's counts must never include.
	p.mustCreateUser(t, p.gusCtx, "zoe@globex.example", "Zoë", "Ǆemal", server.RoleUser)
	p.mustCreateUser(t, p.gusCtx, "mq@globex.example", "Max", "Quill", server.RoleUser)
	p.checkShortSearches(t, "created", acme, globex)
	if n, err := p.users.CountUsers(p.adminCtx, server.UserFilter{OrganizationID: &p.globex.ID, Search: ptr("g")}); err != nil || n != 0 {
		t.Fatalf("Ann counts %d users of Globex searching g (%v), want 0", n, err)
	}

	edits := []struct {
		name   string
		user   *server.User
		update server.UserUpdate
	}{
		{"firstname", zoe, server.UserUpdate{Firstname: ptr("Øyvind")}},
		{"lastname", maxQ, server.UserUpdate{Lastname: ptr("Xu")}},
		{"email", anna, server.UserUpdate{Email: ptr("n.a@acme.example")}},
		{"username", anna, server.UserUpdate{Username: ptr("Zyx_9")}},
		{"role", zoe, server.UserUpdate{Role: ptr(server.RoleAdmin)}},
		{"activation", maxQ, server.UserUpdate{Activated: ptr(false)}},
		{"everything", p.carol, server.UserUpdate{Firstname: ptr("Ǆ"), Lastname: ptr("ß"), Email: ptr("c2@acme.example"),
			Username: ptr("cc"), Role: ptr(server.RoleAdmin), Activated: ptr(false)}},
		{"nothing", p.bob, server.UserUpdate{Firstname: ptr("Bob")}},
	}
	for _, e := range edits {
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: e.user.ID}, e.update); err != nil {
			t.Fatalf("edit %s: %v", e.name, err)
		}
		p.checkShortSearches(t, "edit of "+e.name, acme, globex)
	}

	off, admin := false, server.RoleAdmin
	RunBulk(t, p.store.Bulk, p.adminCtx, server.UserFilter{Search: ptr("a")}, server.BulkChange{Role: &admin}, 2)
	p.checkShortSearches(t, "bulk role", acme, globex)
	RunBulk(t, p.store.Bulk, p.adminCtx, server.UserFilter{Role: ptr(server.RoleUser)}, server.BulkChange{Activated: &off}, 2)
	p.checkShortSearches(t, "bulk deactivation", acme, globex)
	RunBulk(t, p.store.Bulk, p.gusCtx, server.UserFilter{Search: ptr("q")}, server.BulkChange{Delete: true}, 1)
	p.checkShortSearches(t, "bulk delete", acme, globex)

	if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: zoe.ID}); err != nil {
		t.Fatal(err)
	}
	p.checkShortSearches(t, "delete", acme, globex)

	rows := []server.ImportRow{
		{Line: 2, Email: "new.one@acme.example", Firstname: "Ævar", Lastname: "Øst", Username: "ae_1", Role: "user"},
		{Line: 3, Email: "anna2@acme.example", Firstname: "Ünal", Lastname: "Qi", Role: "admin", Activated: "false"},
		{Line: 4, Email: "n.a@acme.example", Firstname: "Nadia", Lastname: "Wu", Role: "user"},
	}
	RunImport(t, p.store.Imports, p.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
	p.checkShortSearches(t, "import", acme, globex)
}

// checkShortSearches checks, for the callers of acme and of globex, the counts and pages
// of the searches of one and two characters that the organization's users contain, and
// of a few that none does.
func (p *people) checkShortSearches(tb testing.TB, step string, orgs ...[]context.Context) {
	tb.Helper()
	if p.store.CheckCounts != nil {
		p.store.CheckCounts(tb)
	}
	for _, ctxs := range orgs {
		for _, ctx := range ctxs {
			all, err := p.users.FindUsers(ctx, server.UserFilter{}, server.Page{Limit: 100}, nil)
			if err != nil {
				tb.Fatal(err)
			}
			searches := map[string]bool{"xq": true, "ëö": true, "zz": true, "%": true, "_": true, "Ö": true, "İ": true, "İL": true}
			for _, u := range all {
				for _, g := range userGrams(u) {
					searches[g] = true
				}
			}
			for search := range searches {
				p.checkShortSearch(tb, ctx, step, all, search, nil, nil)
			}
			for _, search := range []string{"a", "an", "ö", "Ö", "q", "xq", "zy", "i", "雪"} {
				for _, role := range []*server.Role{nil, ptr(server.RoleAdmin), ptr(server.RoleUser)} {
					for _, activated := range []*bool{nil, ptr(true), ptr(false)} {
						p.checkShortSearch(tb, ctx, step, all, search, role, activated)
					}
				}
			}
		}
	}
}

// checkShortSearch checks the count of one search and role and activation against the
// users all, and its page when neither role nor activation is set.
func (p *people) checkShortSearch(tb testing.TB, ctx context.Context, step string, all []*server.User, search string, role *server.Role, activated *bool) {
	tb.Helper()
	var want []string
	for _, u := range all {
		if (role == nil || u.Role == *role) && (activated == nil || u.Activated == *activated) && userContains(u, search) {
			want = append(want, u.ID)
		}
	}
	filter := server.UserFilter{Search: &search, Role: role, Activated: activated}
	n, err := p.users.CountUsers(ctx, filter)
	if err != nil {
		tb.Fatal(err)
	}
	if n != len(want) {
		tb.Fatalf("after %s, search %q, role %s, activated %s: count = %d, want %d", step, search, describe(role), describe(activated), n, len(want))
	}
	if role != nil || activated != nil {
		return
	}
	users, err := p.users.FindUsers(ctx, filter, server.Page{Limit: 100}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if got := ids(users); !reflect.DeepEqual(got, want) {
		tb.Fatalf("after %s, search %q: ids = %v, want %v", step, search, got, want)
	}
}

// userGrams returns the texts of one and two characters of u's fields, each field on its
// own.
func userGrams(u *server.User) []string {
	var grams []string
	for _, field := range []string{u.Email, u.Firstname, u.Lastname, u.Username} {
		runes := []rune(strings.ToLower(field))
		for i := range runes {
			grams = append(grams, string(runes[i]))
			if i+1 < len(runes) {
				grams = append(grams, string(runes[i:i+2]))
			}
		}
	}
	return grams
}

// userContains reports whether one of u's fields holds search, folded.
func userContains(u *server.User, search string) bool {
	s := strings.ToLower(search)
	if utf8.RuneCountInString(s) == 0 {
		return true
	}
	for _, field := range []string{u.Email, u.Firstname, u.Lastname, u.Username} {
		if strings.Contains(strings.ToLower(field), s) {
			return true
		}
	}
	return false
}

// describe writes an optional filter value for a message: "any" for nil.
func describe[T any](v *T) string {
	if v == nil {
		return "any"
	}
	return fmt.Sprint(*v)
}
