package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"useradmin/server"
)

func testUserService_Username(t *testing.T, open Open) {
	t.Run("MadeFromEmailAndUnique", func(t *testing.T) {
		p := newPeople(t, open)
		if p.bob.Username != "bob" || p.admin.Username != "ann" {
			t.Fatalf("usernames %q, %q", p.bob.Username, p.admin.Username)
		}
		// Another Bob, of another organization: usernames are unique in the directory.
		other := p.mustCreateUser(t, p.gusCtx, "BOB@globex.example", "", "", server.RoleUser)
		third := p.mustCreateUser(t, p.adminCtx, "bob+3@acme.example", "", "", server.RoleUser)
		odd := p.mustCreateUser(t, p.adminCtx, "zoë+x@acme.example", "", "", server.RoleUser)
		if other.Username != "bob-2" || third.Username != "bob3" || odd.Username != "zox" {
			t.Fatalf("usernames %q, %q, %q", other.Username, third.Username, odd.Username)
		}
		fourth := p.mustCreateUser(t, p.adminCtx, "Bob@example.org", "", "", server.RoleUser)
		if fourth.Username != "bob-3" {
			t.Fatalf("username %q, want bob-3", fourth.Username)
		}
		// Nothing usable in the local part: "user".
		none := p.mustCreateUser(t, p.adminCtx, "ü+ö@acme.example", "", "", server.RoleUser)
		if none.Username != "user" {
			t.Fatalf("username %q, want user", none.Username)
		}
	})

	t.Run("Given", func(t *testing.T) {
		p := newPeople(t, open)
		u, err := p.users.CreateUser(p.adminCtx, server.UserCreate{Email: "dan@acme.example", Password: password, Role: server.RoleUser, Username: " Dan_the-Man.1 "})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "Dan_the-Man.1" {
			t.Fatalf("username %q", u.Username)
		}
		got, err := p.users.FindUsers(p.adminCtx, server.UserFilter{Username: ptr("dan_THE-man.1")}, server.Page{Limit: 10}, nil)
		if err != nil || len(got) != 1 || got[0].ID != u.ID {
			t.Fatalf("by username: %v %v", ids(got), err)
		}
		if n, err := p.users.CountUsers(p.adminCtx, server.UserFilter{Username: ptr(" DAN_the-man.1")}); err != nil || n != 1 {
			t.Fatalf("count by username: %d %v", n, err)
		}
		// Another organization's username is not found by its filter.
		if got, err := p.users.FindUsers(p.adminCtx, server.UserFilter{Username: ptr("gus")}, server.Page{Limit: 10}, nil); err != nil || len(got) != 0 {
			t.Fatalf("Ann finds Globex's gus: %v %v", ids(got), err)
		}
		if n, err := p.users.CountUsers(p.gusCtx, server.UserFilter{Username: ptr("dan_the-man.1")}); err != nil || n != 0 {
			t.Fatalf("Gus counts Acme's dan: %d %v", n, err)
		}
		// A USER finds only themselves.
		if got, err := p.users.FindUsers(p.bobCtx, server.UserFilter{Username: ptr("dan_the-man.1")}, server.Page{Limit: 10}, nil); err != nil || len(got) != 0 {
			t.Fatalf("Bob finds dan: %v %v", ids(got), err)
		}
		// A filter of 10 kB is refused with a sentence.
		_, err = p.users.FindUsers(p.adminCtx, server.UserFilter{Username: ptr(strings.Repeat("a", 10_000))}, server.Page{Limit: 10}, nil)
		assertCode(t, err, server.EINVALID)
	})

	t.Run("BadInputChangesNothing", func(t *testing.T) {
		p := newPeople(t, open)
		for _, tc := range []struct{ name, username, code string }{
			{"TakenOtherCase", "BOB", server.ECONFLICT},
			{"TakenInOtherOrganization", "gus", server.ECONFLICT},
			{"TakenInOtherOrganizationOtherCase", " GuS ", server.ECONFLICT},
			{"Space", "bob baker", server.EINVALID},
			{"At", "bob@x", server.EINVALID},
			{"NonASCII", "bоb", server.EINVALID}, // a Cyrillic о
			{"Control", "bob\x00", server.EINVALID},
			{"Empty", "  ", server.EINVALID},
			{"TenKB", strings.Repeat("a", 10_000), server.EINVALID},
			{"JustOver", strings.Repeat("a", server.MaxUsernameLength+1), server.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := p.assertUnchanged(t, func() error {
					_, err := p.users.CreateUser(p.adminCtx, server.UserCreate{Email: "new@acme.example", Password: password, Role: server.RoleUser, Username: tc.username})
					return err
				})
				assertCode(t, err, tc.code)
				err = p.assertUnchanged(t, func() error {
					_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Username: &tc.username})
					return err
				})
				assertCode(t, err, tc.code)
				if server.ErrorMessage(err) == "" || len(server.ErrorMessage(err)) > 300 {
					t.Fatalf("message %q", server.ErrorMessage(err))
				}
			})
		}
		// The longest that fits is taken.
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Username: ptr(strings.Repeat("c", server.MaxUsernameLength))}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("EditedByAdminOnly", func(t *testing.T) {
		p := newPeople(t, open)
		u, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Username: ptr("robert")})
		if err != nil || u.Username != "robert" {
			t.Fatalf("%v %v", u, err)
		}
		// Only a change of case of one's own username is no conflict.
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Username: ptr("Robert")}); err != nil {
			t.Fatal(err)
		}
		// A USER changes neither their own nor another's; another organization's admin
		// does not find the user.
		for _, tc := range []struct {
			ctx  context.Context
			id   string
			code string
		}{
			{p.bobCtx, p.bob.ID, server.EFORBIDDEN},
			{p.bobCtx, p.carol.ID, server.EFORBIDDEN},
			{p.bobCtx, p.gus.ID, server.EFORBIDDEN},
			{p.gusCtx, p.bob.ID, server.ENOTFOUND},
		} {
			err = p.assertUnchanged(t, func() error {
				_, err := p.users.UpdateUser(tc.ctx, server.UserRef{ID: tc.id}, server.UserUpdate{Username: ptr("bobby")})
				return err
			})
			assertCode(t, err, tc.code)
		}
	})

	t.Run("TakenAtOnce", func(t *testing.T) {
		// Twenty writers give one name in different cases, at once, to new users and to
		// existing ones of two organizations: one of them has it.
		p := newPeople(t, open)
		errs := AtOnce(20, func(i int) error {
			name := []string{"Same", "same", "SAME", "sAmE"}[i%4]
			switch i % 4 {
			case 0:
				_, err := p.users.CreateUser(p.adminCtx, server.UserCreate{Email: fmt.Sprintf("s%d@acme.example", i), Password: password, Role: server.RoleUser, Username: name})
				return err
			case 1:
				_, err := p.users.CreateUser(p.gusCtx, server.UserCreate{Email: fmt.Sprintf("s%d@globex.example", i), Password: password, Role: server.RoleUser, Username: name})
				return err
			case 2:
				_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Username: &name})
				return err
			default:
				_, err := p.users.UpdateUser(p.gusCtx, server.UserRef{ID: p.gus.ID}, server.UserUpdate{Username: &name})
				return err
			}
		})
		// Carol's and Gus's own renames in another case of the name they have are no
		// conflict: count the users who have it.
		var n int
		if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM users WHERE lower(username) = 'same'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d users named same, answers %v", n, Codes(errs))
		}
		for _, err := range errs {
			if code := server.ErrorCode(err); code != "" && code != server.ECONFLICT {
				t.Fatalf("error %v, want CONFLICT", err)
			}
		}
	})

	t.Run("SignInWithUsername", func(t *testing.T) {
		p := newPeople(t, open)
		for _, login := range []string{"ann", "ANN", " Ann ", "ann@acme.example"} {
			s, err := p.auth.SignIn(context.Background(), login, password)
			if err != nil || s.User.ID != p.admin.ID {
				t.Fatalf("sign in as %q: %v", login, err)
			}
		}
		_, err := p.auth.SignIn(context.Background(), "ann", "wrong password")
		assertCode(t, err, server.EUNAUTHENTICATED)
		_, err = p.auth.SignIn(context.Background(), "nobody", password)
		assertCode(t, err, server.EUNAUTHENTICATED)
		_, err = p.auth.SignIn(context.Background(), "an%", password)
		assertCode(t, err, server.EUNAUTHENTICATED)
	})

	t.Run("SortedByUsername", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Username: ptr("Aaron")}); err != nil {
			t.Fatal(err)
		}
		got, err := p.users.FindUsers(p.adminCtx, server.UserFilter{}, server.Page{Limit: 10}, []server.UserOrder{{Field: server.SortUsername}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{p.carol.ID, p.admin.ID, p.bob.ID}; strings.Join(ids(got), ",") != strings.Join(want, ",") {
			t.Fatalf("order %v, want %v", ids(got), want)
		}
		got, err = p.users.FindUsers(p.adminCtx, server.UserFilter{}, server.Page{Limit: 2, Offset: 1}, []server.UserOrder{{Field: server.SortUsername, Desc: true}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{p.admin.ID, p.carol.ID}; strings.Join(ids(got), ",") != strings.Join(want, ",") {
			t.Fatalf("order %v, want %v", ids(got), want)
		}
	})

	t.Run("AcceptedInvitation", func(t *testing.T) {
		p := newPeople(t, open)
		p.mustCreateUser(t, p.gusCtx, "ivy@globex.example", "", "", server.RoleUser)
		s, err := p.invites.AcceptInvitation(context.Background(), p.ivy.Token, server.InvitationAccept{Firstname: "Ivy", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		if s.User.Username != "ivy-2" || s.User.LastSignedInAt == nil {
			t.Fatalf("accepted user %+v", s.User)
		}
	})
}

// testUserService_SearchUsername checks that the search matches usernames, with a
// username that shares no character with the user's email and names, in searches of
// every length, pages and counts alike, and after a rename.
func testUserService_SearchUsername(t *testing.T, open Open) {
	p := newPeople(t, open)
	u, err := p.users.CreateUser(p.adminCtx, server.UserCreate{Email: "ada@acme.example", Firstname: "Ada", Lastname: "Lee",
		Password: password, Role: server.RoleUser, Username: "Qwz_97"})
	if err != nil {
		t.Fatal(err)
	}
	found := func(t *testing.T, ctx context.Context, search string, want ...string) {
		t.Helper()
		for _, activated := range []*bool{nil, ptr(true), ptr(false)} {
			filter := server.UserFilter{Search: &search, Activated: activated}
			expect := want
			if activated != nil && !*activated {
				expect = nil
			}
			got, err := p.users.FindUsers(ctx, filter, server.Page{Limit: 10}, nil)
			if err != nil || strings.Join(ids(got), ",") != strings.Join(expect, ",") {
				t.Fatalf("search %q (activated %v): %v %v, want %v", search, activated, ids(got), err, expect)
			}
			if n, err := p.users.CountUsers(ctx, filter); err != nil || n != len(expect) {
				t.Fatalf("count %q (activated %v): %d %v, want %d", search, activated, n, err, len(expect))
			}
		}
	}
	searches := []string{"qwz_97", "QWZ", "z_9", "wz", "Q", "_9", "97"}
	t.Run("Found", func(t *testing.T) {
		for _, s := range searches {
			found(t, p.adminCtx, s, u.ID)
		}
	})
	t.Run("AnotherOrganizationDoesNotSeeIt", func(t *testing.T) {
		for _, s := range searches {
			found(t, p.gusCtx, s)
		}
	})
	t.Run("Renamed", func(t *testing.T) {
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: u.ID}, server.UserUpdate{Username: ptr("Xy-8")}); err != nil {
			t.Fatal(err)
		}
		for _, s := range searches {
			found(t, p.adminCtx, s)
		}
		for _, s := range []string{"xy-8", "XY", "y-", "8"} {
			found(t, p.adminCtx, s, u.ID)
		}
	})
}
