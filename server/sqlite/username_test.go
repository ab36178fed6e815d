package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"useradmin/server"
)

func TestUserService_Username(t *testing.T) {
	t.Run("MadeFromEmailAndUnique", func(t *testing.T) {
		p := newPeople(t)
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
	})

	t.Run("Given", func(t *testing.T) {
		p := newPeople(t)
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
	})

	t.Run("BadInputChangesNothing", func(t *testing.T) {
		p := newPeople(t)
		for _, tc := range []struct{ name, username, code string }{
			{"TakenOtherCase", "BOB", server.ECONFLICT},
			{"TakenInOtherOrganization", "gus", server.ECONFLICT},
			{"Space", "bob baker", server.EINVALID},
			{"At", "bob@x", server.EINVALID},
			{"NonASCII", "bоb", server.EINVALID}, // a Cyrillic о
			{"Control", "bob\x00", server.EINVALID},
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
		p := newPeople(t)
		u, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Username: ptr("robert")})
		if err != nil || u.Username != "robert" {
			t.Fatalf("%v %v", u, err)
		}
		// Only a change of case of one's own username is no conflict.
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Username: ptr("Robert")}); err != nil {
			t.Fatal(err)
		}
		err = p.assertUnchanged(t, func() error {
			_, err := p.users.UpdateUser(p.bobCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Username: ptr("bobby")})
			return err
		})
		assertCode(t, err, server.EFORBIDDEN)
		err = p.assertUnchanged(t, func() error {
			_, err := p.users.UpdateUser(p.gusCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Username: ptr("bobby")})
			return err
		})
		assertCode(t, err, server.ENOTFOUND)
	})

	t.Run("SignInWithUsername", func(t *testing.T) {
		p := newPeople(t)
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
	})

	t.Run("SortedByUsername", func(t *testing.T) {
		p := newPeople(t)
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
	})

	t.Run("AcceptedInvitation", func(t *testing.T) {
		p := newPeople(t)
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
