package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

func testUserService_FindUsers(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		users, err := p.users.FindUsers(p.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Acme's people in the order they joined; Globex's stay invisible.
		if got, want := ids(users), []string{p.admin.ID, p.bob.ID, p.carol.ID}; !reflect.DeepEqual(got, want) {
			t.Fatalf("ids = %v, want %v", got, want)
		}
		if !sameUser(users[1], p.bob) {
			t.Fatalf("bob = %+v, want %+v", users[1], p.bob)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			filter server.UserFilter
			want   []string
			page   server.Page // zero: a page of 100
		}{
			{"None", server.UserFilter{}, []string{p.admin.ID, p.bob.ID, p.carol.ID}, server.Page{}},
			{"ID", server.UserFilter{ID: &p.bob.ID}, []string{p.bob.ID}, server.Page{}},
			{"IDIn", server.UserFilter{IDIn: []string{p.carol.ID, p.admin.ID, p.gus.ID}}, []string{p.admin.ID, p.carol.ID}, server.Page{}},
			{"IDInEmpty", server.UserFilter{IDIn: []string{}}, nil, server.Page{}},
			{"EmailAnyCase", server.UserFilter{Email: ptr(" BOB@Acme.Example ")}, []string{p.bob.ID}, server.Page{}},
			{"EmailOtherOrganization", server.UserFilter{Email: ptr("gus@globex.example")}, nil, server.Page{}},
			{"APIKey", server.UserFilter{APIKey: &p.bobKey.Key}, []string{p.bob.ID}, server.Page{}},
			{"APIKeyUnknown", server.UserFilter{APIKey: ptr("ua_nope")}, nil, server.Page{}},
			{"Deactivated", server.UserFilter{Activated: ptr(false)}, []string{p.carol.ID}, server.Page{}},
			{"Activated", server.UserFilter{Activated: ptr(true)}, []string{p.admin.ID, p.bob.ID}, server.Page{}},
			{"Role", server.UserFilter{Role: ptr(server.RoleAdmin)}, []string{p.admin.ID}, server.Page{}},
			{"OwnOrganization", server.UserFilter{OrganizationID: &p.org.ID}, []string{p.admin.ID, p.bob.ID, p.carol.ID}, server.Page{}},
			{"OtherOrganization", server.UserFilter{OrganizationID: &p.globex.ID}, nil, server.Page{}},
			{"Several", server.UserFilter{Role: ptr(server.RoleUser), Activated: ptr(true)}, []string{p.bob.ID}, server.Page{}},
			{"Paging", server.UserFilter{}, []string{p.bob.ID}, server.Page{Offset: 1, Limit: 1}},
			{"PagingPastEnd", server.UserFilter{}, nil, server.Page{Offset: 3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.page.Limit == 0 {
					tc.page.Limit = 100
				}
				users, err := p.users.FindUsers(p.adminCtx, tc.filter, tc.page, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(users); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("ids = %v, want %v", got, tc.want)
				}
				n, err := p.users.CountUsers(p.adminCtx, tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				if tc.page.Offset == 0 && n != len(tc.want) {
					t.Fatalf("count = %d, want %d", n, len(tc.want))
				}
			})
		}
	})

	t.Run("Order", func(t *testing.T) {
		f := newFixture(t, open)
		// Six users made at the same instant, in pairs of equal last names: ties are
		// broken by createdAt, then id, the same way every time.
		f.clock.Add(time.Hour)
		for _, name := range []string{"Zed", "adams", "Young", "Adams", "Young", "zed"} {
			f.mustCreateUser(t, f.adminCtx, strings.ToLower(name)+newSuffix()+"@acme.example", "X", name, server.RoleUser)
		}
		all, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		}
		byID := slices.Clone(all[1:])
		slices.SortFunc(byID, func(a, b *server.User) int { return strings.Compare(a.ID, b.ID) })
		if got, want := ids(all[1:]), ids(byID); !reflect.DeepEqual(got, want) {
			t.Fatalf("equal createdAt: ids = %v, want them by id %v", got, want)
		}

		asc, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, []server.UserOrder{{Field: server.SortLastname}})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range asc {
			names = append(names, strings.ToLower(u.Lastname))
		}
		if want := []string{"adams", "adams", "admin", "young", "young", "zed", "zed"}; !reflect.DeepEqual(names, want) {
			t.Fatalf("last names = %v, want %v (case ignored)", names, want)
		}
		desc, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, []server.UserOrder{{Field: server.SortLastname, Desc: true}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(desc), ids(reversed(asc)); !reflect.DeepEqual(got, want) {
			t.Fatalf("descending = %v, want the reverse of ascending %v", got, want)
		}

		// Pages of 2 put together are the whole list, in the same order.
		var paged []*server.User
		for offset := 0; offset < len(asc); offset += 2 {
			page, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Offset: offset, Limit: 2}, []server.UserOrder{{Field: server.SortLastname}})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, page...)
		}
		if got, want := ids(paged), ids(asc); !reflect.DeepEqual(got, want) {
			t.Fatalf("pages = %v, want %v", got, want)
		}

		for _, field := range []server.SortField{server.SortEmail, server.SortFirstname, server.SortCreatedAt, server.SortUpdatedAt, server.SortRole, server.SortActivated} {
			users, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, []server.UserOrder{{Field: field, Desc: true}})
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			} else if len(users) != 7 {
				t.Fatalf("%s: %d users, want 7", field, len(users))
			}
		}
		byRole, _ := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, []server.UserOrder{{Field: server.SortRole}})
		if byRole[0].Role != server.RoleAdmin {
			t.Fatalf("by role, first is %s, want ADMIN", byRole[0].Role)
		}
	})

	t.Run("User", func(t *testing.T) {
		p := newPeople(t, open)
		users, err := p.users.FindUsers(p.bobCtx, server.UserFilter{}, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		} else if got, want := ids(users), []string{p.bob.ID}; !reflect.DeepEqual(got, want) {
			t.Fatalf("ids = %v, want only Bob %v", got, want)
		}
		if users, _ := p.users.FindUsers(p.bobCtx, server.UserFilter{ID: &p.carol.ID}, server.Page{Limit: 100}, nil); len(users) != 0 {
			t.Fatalf("Bob sees Carol: %v", ids(users))
		}
		if n, _ := p.users.CountUsers(p.bobCtx, server.UserFilter{}); n != 1 {
			t.Fatalf("Bob counts %d users, want 1", n)
		}
	})

	t.Run("ErrPaging", func(t *testing.T) {
		f := newFixture(t, open)
		_, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 0}, nil)
		assertError(t, err, server.EINVALID, "limit", "A page holds from 1 to 100 items (0 were asked for).")
		_, err = f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 101}, nil)
		assertError(t, err, server.EINVALID, "limit", "A page holds from 1 to 100 items (101 were asked for).")
		_, err = f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 10, Offset: -1}, nil)
		assertError(t, err, server.EINVALID, "offset", "The number of items to skip cannot be negative (it is -1).")
		_, err = f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 10}, []server.UserOrder{{Field: "PASSWORD"}})
		assertError(t, err, server.EINVALID, "order", `Cannot sort by "PASSWORD".`)
	})

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		f := newFixture(t, open)
		_, err := f.users.FindUsers(context.Background(), server.UserFilter{}, server.Page{Limit: 10}, nil)
		assertError(t, err, server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header.")
		_, err = f.users.CountUsers(context.Background(), server.UserFilter{})
		assertError(t, err, server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header.")
	})

	t.Run("ErrDeactivatedSinceSignIn", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		_, err := p.users.FindUsers(p.bobCtx, server.UserFilter{}, server.Page{Limit: 10}, nil)
		assertError(t, err, server.EUNAUTHENTICATED, "", "Your account is deactivated: ask an admin of your organization to activate it.")
	})

	t.Run("ErrKeyRevokedSinceSignIn", func(t *testing.T) {
		p := newPeople(t, open)
		if err := p.auth.RevokeAPIKey(p.adminCtx, p.bobKey.ID); err != nil {
			t.Fatal(err)
		}
		_, err := p.users.FindUsers(p.bobCtx, server.UserFilter{}, server.Page{Limit: 10}, nil)
		assertError(t, err, server.EUNAUTHENTICATED, "", "Your API key is not valid: ask an admin for a new one or sign in again.")
	})

	t.Run("RoleChangeCountsAtOnce", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)}); err != nil {
			t.Fatal(err)
		}
		// bobCtx was made when Bob was a USER; he is an ADMIN now and sees Acme.
		if n, err := p.users.CountUsers(p.bobCtx, server.UserFilter{}); err != nil || n != 3 {
			t.Fatalf("count = %d, %v; want 3", n, err)
		}
	})
}

func testUserService_Search(t *testing.T, open Open) {
	f := newFixture(t, open)
	f.clock.Add(time.Minute)
	zoe := f.mustCreateUser(t, f.adminCtx, "zoe.muller@acme.example", "Zoë", "Müller", server.RoleUser)
	f.clock.Add(time.Minute)
	anna := f.mustCreateUser(t, f.adminCtx, "anna-lena@acme.example", "Anna-Lena", "Ström", server.RoleUser)
	f.clock.Add(time.Minute)
	percy := f.mustCreateUser(t, f.adminCtx, "percy@acme.example", "Percy 100%", "Under_score", server.RoleUser)
	f.clock.Add(time.Minute)
	quote := f.mustCreateUser(t, f.adminCtx, "quinn@acme.example", `Quinn "Q"`, "O'Hara", server.RoleUser)
	f.clock.Add(time.Minute)
	yuki := f.mustCreateUser(t, f.adminCtx, "yuki@acme.example", "雪", "田中", server.RoleUser)
	all := []string{f.admin.ID, zoe.ID, anna.ID, percy.ID, quote.ID, yuki.ID}

	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"", all},
		{"   ", all},
		{"acme", all},
		{"ACME.EX", all},
		{"müll", []string{zoe.ID}},
		{"MÜLLER", []string{zoe.ID}},
		{"ZOË", []string{zoe.ID}},
		{"zoe", []string{zoe.ID}}, // in the email
		{"Ö", []string{anna.ID}},
		{"ü", []string{zoe.ID}},
		{"ström", []string{anna.ID}},
		{"anna-l", []string{anna.ID}},
		{"  ANNA-LENA  ", []string{anna.ID}},
		{"%", []string{percy.ID}},
		{"0%", []string{percy.ID}},
		{"100%", []string{percy.ID}},
		{"_", []string{percy.ID}},
		{"r_s", []string{percy.ID}},
		{`"`, []string{quote.ID}},
		{`"q"`, []string{quote.ID}},
		{`n "Q`, []string{quote.ID}},
		{"'", []string{quote.ID}},
		{"o'hara", []string{quote.ID}},
		{"田中", []string{yuki.ID}},
		{"雪", []string{yuki.ID}},
		{"an", []string{f.admin.ID, anna.ID}},
		{"ann", []string{f.admin.ID, anna.ID}},
		{"A", all},
		{"Q", []string{quote.ID}},
		{"ann OR zoe", nil},
		{"zoe*", nil},
		{"NEAR(ann zoe)", nil},
		{`\`, nil},
		{"zz", nil},
		{"nobody", nil},
	} {
		t.Run(tc.search, func(t *testing.T) {
			filter := server.UserFilter{Search: &tc.search}
			users, err := f.users.FindUsers(f.adminCtx, filter, server.Page{Limit: 100}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(users); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ids = %v, want %v", got, tc.want)
			}
			if n, err := f.users.CountUsers(f.adminCtx, filter); err != nil || n != len(tc.want) {
				t.Fatalf("count = %d, %v; want %d", n, err, len(tc.want))
			}
		})
	}

	t.Run("FollowsUpdates", func(t *testing.T) {
		if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: zoe.ID}, server.UserUpdate{Lastname: ptr("Nakamura")}); err != nil {
			t.Fatal(err)
		}
		for search, want := range map[string]int{"müller": 0, "nakamura": 1} {
			if n, _ := f.users.CountUsers(f.adminCtx, server.UserFilter{Search: &search}); n != want {
				t.Fatalf("%q: count = %d, want %d", search, n, want)
			}
		}
		if err := f.users.DeleteUser(f.adminCtx, server.UserRef{ID: zoe.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.users.CountUsers(f.adminCtx, server.UserFilter{Search: ptr("nakamura")}); n != 0 {
			t.Fatalf("deleted user still found: %d", n)
		}
	})

	t.Run("ErrTooLong", func(t *testing.T) {
		_, err := f.users.FindUsers(f.adminCtx, server.UserFilter{Search: ptr(strings.Repeat("a", 255))}, server.Page{Limit: 10}, nil)
		assertError(t, err, server.EINVALID, "search", "Search text must be at most 254 characters.")
	})
}

func testUserService_CountUsers(t *testing.T, open Open) {
	// Counts read from the counters kept by triggers agree with the rows through every
	// kind of change.
	p := newPeople(t, open)
	dave := p.mustCreateUser(t, p.adminCtx, "dave@acme.example", "Dave", "Dunn", server.RoleAdmin)
	steps := []func() error{
		func() error { return nil },
		func() error {
			_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Activated: ptr(false)})
			return err
		},
		func() error {
			_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)})
			return err
		},
		func() error {
			_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: dave.ID}, server.UserUpdate{Role: ptr(server.RoleUser), Activated: ptr(false)})
			return err
		},
		func() error {
			err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: p.carol.ID})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		for _, ctx := range []context.Context{p.adminCtx, p.gusCtx} {
			for _, role := range []*server.Role{nil, ptr(server.RoleAdmin), ptr(server.RoleUser)} {
				for _, activated := range []*bool{nil, ptr(true), ptr(false)} {
					filter := server.UserFilter{Role: role, Activated: activated}
					users, err := p.users.FindUsers(ctx, filter, server.Page{Limit: 100}, nil)
					if err != nil {
						t.Fatal(err)
					}
					n, err := p.users.CountUsers(ctx, filter)
					if err != nil {
						t.Fatal(err)
					}
					if n != len(users) {
						t.Fatalf("step %d, role %v, activated %v: count = %d, want %d", i, role, activated, n, len(users))
					}
				}
			}
		}
	}
	if n, _ := p.users.CountUsers(p.adminCtx, server.UserFilter{OrganizationID: &p.globex.ID}); n != 0 {
		t.Fatalf("Ann counts %d users of Globex, want 0", n)
	}
}

func testUserService_CreateUser(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t, open)
		f.clock.Add(time.Hour)
		u, err := f.users.CreateUser(f.adminCtx, server.UserCreate{Email: " New.Person@ACME.example", Password: password, Role: server.RoleUser, Firstname: "Néw", Lastname: "Person"})
		if err != nil {
			t.Fatal(err)
		}
		want := &server.User{ID: u.ID, Email: "new.person@acme.example", Firstname: "Néw", Lastname: "Person", Activated: true,
			OrganizationID: f.org.ID, Role: server.RoleUser, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now(), Username: "new.person"}
		if !sameUser(u, want) {
			t.Fatalf("user = %+v, want %+v", u, want)
		}
		if len(u.ID) != 20 || strings.Trim(u.ID, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("id %q is not 20 lower-case letters and digits", u.ID)
		}
		found, err := f.users.FindUsers(f.adminCtx, server.UserFilter{ID: &u.ID}, server.Page{Limit: 1}, nil)
		if err != nil || len(found) != 1 || !sameUser(found[0], want) {
			t.Fatalf("found %v, %v; want %+v", found, err, want)
		}
		if _, err := f.auth.SignIn(context.Background(), "new.person@acme.example", password); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		if strings.Contains(f.store.Dump(t), password) {
			t.Fatal("the password is stored in clear")
		}
	})

	t.Run("NoNames", func(t *testing.T) {
		f := newFixture(t, open)
		u, err := f.users.CreateUser(f.adminCtx, server.UserCreate{Email: "anon@acme.example", Password: password, Role: server.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		} else if u.Firstname != "" || u.Lastname != "" || u.Role != server.RoleAdmin {
			t.Fatalf("user = %+v", u)
		}
	})

	for _, tc := range []struct {
		name                 string
		create               server.UserCreate
		code, field, message string
	}{
		{"ErrEmailTaken", server.UserCreate{Email: "ANN@acme.example", Password: password, Role: server.RoleUser},
			server.ECONFLICT, "email", "Email is already taken."},
		{"ErrEmailTakenInOtherOrganization", server.UserCreate{Email: "gus@globex.example", Password: password, Role: server.RoleUser},
			server.ECONFLICT, "email", "Email is already taken."},
		{"ErrEmail", server.UserCreate{Email: "nope", Password: password, Role: server.RoleUser},
			server.EINVALID, "email", `Email "nope" is not a valid address: use the form name@example.com.`},
		{"ErrPassword", server.UserCreate{Email: "x@acme.example", Password: "short", Role: server.RoleUser},
			server.EINVALID, "password", "Password must be at least 8 characters."},
		{"ErrRole", server.UserCreate{Email: "x@acme.example", Password: password, Role: "OWNER"},
			server.EINVALID, "role", `Role "OWNER" is unknown: use ADMIN or USER.`},
		{"ErrName", server.UserCreate{Email: "x@acme.example", Password: password, Role: server.RoleUser, Firstname: "a\tb"},
			server.EINVALID, "firstname", "First name cannot contain control characters such as tabs or line breaks."},
		{"ErrOtherOrganization", server.UserCreate{Email: "x@acme.example", Password: password, Role: server.RoleUser, OrganizationID: "elsewhere"},
			server.EFORBIDDEN, "", "You can add users only to your own organization."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			err := p.assertUnchanged(t, func() error {
				_, err := p.users.CreateUser(p.adminCtx, tc.create)
				return err
			})
			assertError(t, err, tc.code, tc.field, tc.message)
		})
	}

	t.Run("ErrUser", func(t *testing.T) {
		p := newPeople(t, open)
		err := p.assertUnchanged(t, func() error {
			_, err := p.users.CreateUser(p.bobCtx, server.UserCreate{Email: "x@acme.example", Password: password, Role: server.RoleUser})
			return err
		})
		assertError(t, err, server.EFORBIDDEN, "", "Only an admin can add users: ask an admin of your organization.")
	})
}

func testUserService_UpdateUser(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		p.clock.Add(time.Hour)
		u, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{
			Firstname: ptr("Robert"), Lastname: ptr("Bäcker"), Email: ptr("Robert@Acme.example"), Role: ptr(server.RoleAdmin), Activated: ptr(false),
		})
		if err != nil {
			t.Fatal(err)
		}
		want := *p.bob
		want.Firstname, want.Lastname, want.Email, want.Role, want.Activated = "Robert", "Bäcker", "robert@acme.example", server.RoleAdmin, false
		want.UpdatedAt = p.clock.Now()
		if !sameUser(u, &want) {
			t.Fatalf("user = %+v, want %+v", u, &want)
		}
		found, _ := p.users.FindUsers(p.adminCtx, server.UserFilter{ID: &p.bob.ID}, server.Page{Limit: 1}, nil)
		if len(found) != 1 || !sameUser(found[0], &want) {
			t.Fatalf("stored %+v, want %+v", found, &want)
		}
	})

	t.Run("OwnNames", func(t *testing.T) {
		p := newPeople(t, open)
		u, err := p.users.UpdateUser(p.bobCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Firstname: ptr("Bobby")})
		if err != nil {
			t.Fatal(err)
		} else if u.Firstname != "Bobby" || u.Lastname != "Baker" {
			t.Fatalf("names = %q %q", u.Firstname, u.Lastname)
		}
	})

	t.Run("NothingToChange", func(t *testing.T) {
		p := newPeople(t, open)
		var u *server.User
		p.assertUnchanged(t, func() (err error) {
			u, err = p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{})
			return err
		})
		if !sameUser(u, p.bob) {
			t.Fatalf("user = %+v, want %+v", u, p.bob)
		}
	})

	t.Run("OwnOrganizationIsNoChange", func(t *testing.T) {
		// Kili's SDK may send the organization with every update: the caller's own is no
		// change, for an ADMIN and for a USER changing their names.
		p := newPeople(t, open)
		for _, c := range []struct {
			ctx context.Context
			id  string
		}{{p.adminCtx, p.bob.ID}, {p.bobCtx, p.bob.ID}} {
			u, err := p.users.UpdateUser(c.ctx, server.UserRef{ID: c.id}, server.UserUpdate{OrganizationID: &p.org.ID, Firstname: ptr("Robert")})
			if err != nil {
				t.Fatal(err)
			} else if u.OrganizationID != p.org.ID || u.Firstname != "Robert" {
				t.Fatalf("user = %+v", u)
			}
		}
	})

	t.Run("UpdatedAtPrecondition", func(t *testing.T) {
		p := newPeople(t, open)
		opened := p.bob.UpdatedAt
		p.clock.Add(time.Second)
		first, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID, UpdatedAt: &opened}, server.UserUpdate{Firstname: ptr("First")})
		if err != nil {
			t.Fatalf("fresh precondition: %v", err)
		}
		// A second editor who opened Bob before the first write is refused and shown Bob as he is now.
		err = p.assertUnchanged(t, func() error {
			_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID, UpdatedAt: &opened}, server.UserUpdate{Firstname: ptr("Second")})
			return err
		})
		assertError(t, err, server.ECONFLICT, "", "Someone else changed this user since you opened it: review their changes and try again.")
		var e *server.Error
		errors.As(err, &e)
		if !reflect.DeepEqual(e.Current, first) {
			t.Fatalf("current = %+v, want %+v", e.Current, first)
		}
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID, UpdatedAt: &first.UpdatedAt}, server.UserUpdate{Firstname: ptr("Second")}); err != nil {
			t.Fatalf("precondition from the conflict: %v", err)
		}
	})

	t.Run("UpdatedAtAlwaysMovesOn", func(t *testing.T) {
		p := newPeople(t, open)
		last := p.bob.UpdatedAt
		for i, step := range []time.Duration{0, 0, -time.Hour, time.Nanosecond, time.Hour} {
			p.clock.Add(step)
			u, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Firstname: ptr(fmt.Sprint("B", i))})
			if err != nil {
				t.Fatal(err)
			}
			if !u.UpdatedAt.After(last) || u.UpdatedAt.Nanosecond()%1000 != 0 || u.UpdatedAt.Location() != time.UTC {
				t.Fatalf("write %d: updatedAt %v after %v", i, u.UpdatedAt, last)
			}
			last = u.UpdatedAt
		}
	})

	t.Run("SecondAdminMayStepDown", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.admin.ID}, server.UserUpdate{Role: ptr(server.RoleUser)}); err != nil {
			t.Fatal(err)
		}
	})

	lastAdmin := "You cannot demote or deactivate the last active admin of an organization: make another user an admin first."
	move := "A user cannot be moved to another organization: an admin of the other organization can create an account there instead."
	for _, tc := range []struct {
		name                 string
		ctx                  func(p *people) context.Context
		filter               func(p *people) server.UserRef
		upd                  func(p *people) server.UserUpdate
		code, field, message string
	}{
		{"ErrNotFound", nil, func(p *people) server.UserRef { return server.UserRef{ID: "nobody"} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Firstname: ptr("X")} },
			server.ENOTFOUND, "", "User not found."},
		{"ErrOtherOrganization", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.gus.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Firstname: ptr("X")} },
			server.ENOTFOUND, "", "User not found."},
		{"ErrEmailTaken", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Email: ptr("Carol@acme.example")} },
			server.ECONFLICT, "email", "Email is already taken."},
		{"ErrName", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Firstname: ptr(" ")} },
			server.EINVALID, "firstname", "First name cannot be empty."},
		{"ErrUnknownOrganization", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{OrganizationID: ptr("nowhere")} },
			server.EFORBIDDEN, "organizationId", move},
		{"ErrMoveToOtherOrganization", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{OrganizationID: &p.globex.ID} },
			server.EFORBIDDEN, "organizationId", move},
		{"ErrLastAdminDemoted", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.admin.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Role: ptr(server.RoleUser)} },
			server.ECONFLICT, "", lastAdmin},
		{"ErrLastAdminDeactivated", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.admin.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Activated: ptr(false)} },
			server.ECONFLICT, "", lastAdmin},
		{"ErrMoveSelf", nil, func(p *people) server.UserRef { return server.UserRef{ID: p.admin.ID} },
			func(p *people) server.UserUpdate {
				return server.UserUpdate{OrganizationID: &p.globex.ID, Role: ptr(server.RoleAdmin)}
			},
			server.EFORBIDDEN, "organizationId", move},
		{"ErrUserChangesOwnRole", func(p *people) context.Context { return p.bobCtx },
			func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Role: ptr(server.RoleAdmin)} },
			server.EFORBIDDEN, "", "You can change only your own first and last name: ask an admin of your organization to change the rest."},
		{"ErrUserChangesOwnEmail", func(p *people) context.Context { return p.bobCtx },
			func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Email: ptr("bobby@acme.example")} },
			server.EFORBIDDEN, "", "You can change only your own first and last name: ask an admin of your organization to change the rest."},
		{"ErrUserChangesOther", func(p *people) context.Context { return p.bobCtx },
			func(p *people) server.UserRef { return server.UserRef{ID: p.carol.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Firstname: ptr("X")} },
			server.EFORBIDDEN, "", "You can change only your own profile: ask an admin of your organization to change other users."},
		{"ErrUnauthenticated", func(p *people) context.Context { return context.Background() },
			func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			func(p *people) server.UserUpdate { return server.UserUpdate{Firstname: ptr("X")} },
			server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			ctx := p.adminCtx
			if tc.ctx != nil {
				ctx = tc.ctx(p)
			}
			err := p.assertUnchanged(t, func() error {
				_, err := p.users.UpdateUser(ctx, tc.filter(p), tc.upd(p))
				return err
			})
			assertError(t, err, tc.code, tc.field, tc.message)
		})
	}
}

func testUserService_UpdatePassword(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		p.clock.Add(time.Hour)
		u, err := p.users.UpdatePassword(p.bobCtx, server.UserRef{ID: p.bob.ID}, server.PasswordChange{Old: password, New1: "battery staple", New2: "battery staple"})
		if err != nil {
			t.Fatal(err)
		} else if u.ID != p.bob.ID || !u.UpdatedAt.Equal(p.clock.Now()) {
			t.Fatalf("user = %+v", u)
		}
		if _, err := p.auth.SignIn(context.Background(), "bob@acme.example", "battery staple"); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		if _, err := p.auth.SignIn(context.Background(), "bob@acme.example", password); server.ErrorCode(err) != server.EUNAUTHENTICATED {
			t.Fatalf("sign in with the old password: %v", err)
		}
	})

	t.Run("ByEmail", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdatePassword(p.adminCtx, server.UserRef{ID: p.admin.ID}, server.PasswordChange{Old: password, New1: "battery staple", New2: "battery staple"}); err != nil {
			t.Fatal(err)
		}
	})

	for _, tc := range []struct {
		name                 string
		caller               func(p *people) context.Context
		filter               func(p *people) server.UserRef
		change               server.PasswordChange
		code, field, message string
	}{
		{"ErrOldPassword", func(p *people) context.Context { return p.bobCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.PasswordChange{Old: "wrong password", New1: "battery staple", New2: "battery staple"},
			server.EINVALID, "currentPassword", "Your current password is not correct."},
		{"ErrNewPasswordsDiffer", func(p *people) context.Context { return p.bobCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.PasswordChange{Old: password, New1: "battery staple", New2: "battery stapler"},
			server.EINVALID, "newPasswordAgain", "The two new passwords differ: type the same password twice."},
		{"ErrNewPasswordShort", func(p *people) context.Context { return p.bobCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.PasswordChange{Old: password, New1: "short", New2: "short"},
			server.EINVALID, "newPassword", "Password must be at least 8 characters."},
		{"ErrOtherUser", func(p *people) context.Context { return p.adminCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.PasswordChange{Old: password, New1: "battery staple", New2: "battery staple"},
			server.EFORBIDDEN, "", "You can change only your own password: an admin can give other users a password reset link."},
		{"ErrUserForOther", func(p *people) context.Context { return p.bobCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.carol.ID} },
			server.PasswordChange{Old: password, New1: "battery staple", New2: "battery staple"},
			server.EFORBIDDEN, "", "You can change only your own password: an admin can give other users a password reset link."},
		{"ErrUnauthenticated", func(p *people) context.Context { return context.Background() }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.PasswordChange{Old: password, New1: "battery staple", New2: "battery staple"},
			server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			err := p.assertUnchanged(t, func() error {
				_, err := p.users.UpdatePassword(tc.caller(p), tc.filter(p), tc.change)
				return err
			})
			assertError(t, err, tc.code, tc.field, tc.message)
		})
	}
}

func testUserService_DeleteUser(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		reset, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: p.bob.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := p.users.CountUsers(p.adminCtx, server.UserFilter{}); n != 2 {
			t.Fatalf("count = %d, want 2", n)
		}
		if _, err := p.auth.Authenticate(context.Background(), p.bobKey.Key); server.ErrorCode(err) != server.EUNAUTHENTICATED {
			t.Fatalf("Bob's key still works: %v", err)
		}
		// Nothing of Bob is left but his history in the audit trail, which outlives him.
		for _, line := range strings.Split(p.store.Dump(t), "\n") {
			if strings.Contains(line, p.bob.ID) && !strings.HasPrefix(line, "audit_events ") {
				t.Fatalf("something of Bob is left: %s", line)
			}
		}
		err = p.auth.CompletePasswordReset(context.Background(), reset.Token, "battery staple")
		assertError(t, err, server.EINVALID, "token", "This password reset link is not valid any more (used, expired or mistyped): ask an admin for a new one.")
	})

	t.Run("SelfWhenAnotherAdminRemains", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)}); err != nil {
			t.Fatal(err)
		}
		if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: p.admin.ID}); err != nil {
			t.Fatal(err)
		}
	})

	for _, tc := range []struct {
		name                 string
		caller               func(p *people) context.Context
		filter               func(p *people) server.UserRef
		code, field, message string
	}{
		{"ErrLastAdmin", func(p *people) context.Context { return p.adminCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.admin.ID} },
			server.ECONFLICT, "", "You cannot delete the last active admin of an organization: make another user an admin first."},
		{"ErrNotFound", func(p *people) context.Context { return p.adminCtx }, func(p *people) server.UserRef { return server.UserRef{ID: "nobody"} },
			server.ENOTFOUND, "", "User not found."},
		{"ErrOtherOrganization", func(p *people) context.Context { return p.gusCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.ENOTFOUND, "", "User not found."},
		{"ErrUser", func(p *people) context.Context { return p.bobCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.EFORBIDDEN, "", "Only an admin can delete users: ask an admin of your organization."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			err := p.assertUnchanged(t, func() error {
				err := p.users.DeleteUser(tc.caller(p), tc.filter(p))
				return err
			})
			assertError(t, err, tc.code, tc.field, tc.message)
		})
	}
}

func reversed[T any](s []T) []T {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

var suffix int

// newSuffix returns a different short string at each call, for unique emails.
func newSuffix() string {
	suffix++
	return strings.Repeat("x", suffix)
}
