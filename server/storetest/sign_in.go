package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

func testUserService_LastSignedInAt(t *testing.T, open Open) {
	t.Run("PasswordAndDailyKey", func(t *testing.T) {
		p := newPeople(t, open)
		if p.carol.LastSignedInAt != nil {
			t.Fatalf("carol signed in at %v", p.carol.LastSignedInAt)
		}
		p.clock.Add(time.Hour)
		s, err := p.auth.SignIn(context.Background(), "carol@acme.example", password)
		if err != nil {
			t.Fatal(err)
		}
		signedIn := p.clock.Now().UTC()
		carol := findOne(t, p, p.carol.ID)
		if carol.LastSignedInAt == nil || !carol.LastSignedInAt.Equal(signedIn) || !carol.UpdatedAt.Equal(p.carol.UpdatedAt) {
			t.Fatalf("after sign-in: %v, updatedAt %v", carol.LastSignedInAt, carol.UpdatedAt)
		}
		// The session used later that day: no write.
		p.clock.Add(time.Hour)
		before := p.store.Dump(t)
		if _, err := p.auth.Authenticate(context.Background(), s.APIKey); err != nil {
			t.Fatal(err)
		}
		if p.store.Dump(t) != before {
			t.Fatal("a second use the same day wrote")
		}
		// The next day, the first use of an API key counts.
		p.clock.Add(24 * time.Hour)
		if _, err := p.auth.Authenticate(context.Background(), p.bobKey.Key); err != nil {
			t.Fatal(err)
		}
		if b := findOne(t, p, p.bob.ID); !b.LastSignedInAt.Equal(p.clock.Now().UTC()) || !b.UpdatedAt.Equal(p.bob.UpdatedAt) {
			t.Fatalf("next day: %v, updatedAt %v", b.LastSignedInAt, b.UpdatedAt)
		}
		// A wrong password is no sign-in.
		p.clock.Add(time.Hour)
		_ = p.assertUnchanged(t, func() error {
			_, err := p.auth.SignIn(context.Background(), "bob@acme.example", "not the password")
			return nil_(err)
		})
	})

	t.Run("FiltersAndCounts", func(t *testing.T) {
		p := newPeople(t, open)
		// Ann and Bob signed in with keys on 1 March; Dan on 5 March; Carol and Eve never.
		dan := p.mustCreateUser(t, p.adminCtx, "dan@acme.example", "Dan", "", server.RoleAdmin)
		eve := p.mustCreateUser(t, p.adminCtx, "eve@acme.example", "Eve", "", server.RoleUser)
		p.clock.Add(4 * 24 * time.Hour)
		if _, err := p.auth.SignIn(context.Background(), "dan@acme.example", password); err != nil {
			t.Fatal(err)
		}
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: eve.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		march3 := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
		march1Later := time.Date(2025, 3, 1, 9, 1, 0, 0, time.UTC) // between Ann's and Bob's first uses
		for _, tc := range []struct {
			name   string
			filter server.UserFilter
			want   []string
		}{
			{"Never", server.UserFilter{NeverSignedIn: ptr(true)}, []string{p.carol.ID, eve.ID}},
			{"NeverActivated", server.UserFilter{NeverSignedIn: ptr(true), Activated: ptr(true)}, []string{p.carol.ID}},
			{"Ever", server.UserFilter{NeverSignedIn: ptr(false)}, []string{p.admin.ID, p.bob.ID, dan.ID}},
			{"Before", server.UserFilter{SignedInBefore: &march3}, []string{p.admin.ID, p.bob.ID}},
			{"BeforeWithinADay", server.UserFilter{SignedInBefore: &march1Later}, []string{p.admin.ID}},
			{"BeforeAdmins", server.UserFilter{SignedInBefore: &march3, Role: ptr(server.RoleAdmin)}, []string{p.admin.ID}},
			{"BeforeAndNever", server.UserFilter{SignedInBefore: &march3, NeverSignedIn: ptr(true)}, nil},
			{"BeforeAndEver", server.UserFilter{SignedInBefore: &march3, NeverSignedIn: ptr(false)}, []string{p.admin.ID, p.bob.ID}},
			{"BeforeSearch", server.UserFilter{SignedInBefore: &march3, Search: ptr("bob")}, []string{p.bob.ID}},
			{"BeforeEverything", server.UserFilter{SignedInBefore: ptr(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}, []string{p.admin.ID, p.bob.ID, dan.ID}},
			{"Before1970", server.UserFilter{SignedInBefore: ptr(time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC))}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := p.users.FindUsers(p.adminCtx, tc.filter, server.Page{Limit: 100}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(ids(got), ",") != strings.Join(tc.want, ",") {
					t.Fatalf("found %v, want %v", ids(got), tc.want)
				}
				n, err := p.users.CountUsers(p.adminCtx, tc.filter)
				if err != nil || n != len(tc.want) {
					t.Fatalf("count %d %v, want %d", n, err, len(tc.want))
				}
			})
		}
		// A USER counts only themselves.
		if n, err := p.users.CountUsers(p.bobCtx, server.UserFilter{NeverSignedIn: ptr(false)}); err != nil || n != 1 {
			t.Fatalf("bob counts %d %v", n, err)
		}
		// Deleting and demoting keep the counts right.
		if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: p.bob.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := p.users.CountUsers(p.adminCtx, server.UserFilter{SignedInBefore: &march3}); n != 1 {
			t.Fatalf("after deleting bob: %d", n)
		}
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: dan.ID}, server.UserUpdate{Role: ptr(server.RoleUser)}); err != nil {
			t.Fatal(err)
		}
		if n, _ := p.users.CountUsers(p.adminCtx, server.UserFilter{NeverSignedIn: ptr(false), Role: ptr(server.RoleUser)}); n != 1 {
			t.Fatalf("users who signed in after demoting dan: %d", n)
		}
	})

	t.Run("SortedByLastSignIn", func(t *testing.T) {
		p := newPeople(t, open)
		p.clock.Add(time.Hour)
		if _, err := p.auth.SignIn(context.Background(), "carol@acme.example", password); err != nil {
			t.Fatal(err)
		}
		got, err := p.users.FindUsers(p.adminCtx, server.UserFilter{}, server.Page{Limit: 10}, []server.UserOrder{{Field: server.SortLastSignedInAt, Desc: true}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{p.carol.ID, p.bob.ID, p.admin.ID}; strings.Join(ids(got), ",") != strings.Join(want, ",") {
			t.Fatalf("order %v, want %v", ids(got), want)
		}
	})
}

// nil_ turns an expected error into nil, for assertUnchanged.
func nil_(error) error { return nil }

func findOne(tb testing.TB, p *people, id string) *server.User {
	tb.Helper()
	got, err := p.users.FindUsers(p.adminCtx, server.UserFilter{ID: &id}, server.Page{Limit: 1}, nil)
	if err != nil || len(got) != 1 {
		tb.Fatalf("find %s: %v %v", id, got, err)
	}
	return got[0]
}
