package sqlite_test

import (
	"context"

	"strings"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/sqlite"
)

func TestDB_Seed(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		db := MustOpenDB(t)
		now := time.Now().UTC()
		res, err := db.Seed(context.Background(), sqlite.SeedOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Seeded || res.Users != 55 || !strings.HasPrefix(res.AdminEmail, "admin@") || len(res.AdminPassword) < 12 || !strings.HasPrefix(res.AdminKey, "ua_") {
			t.Fatalf("result = %+v", res)
		}
		auth := sqlite.NewAuthService(db)
		session, err := auth.SignIn(context.Background(), res.AdminEmail, res.AdminPassword)
		if err != nil {
			t.Fatalf("sign in as the admin: %v", err)
		}
		a, err := auth.Authenticate(context.Background(), res.AdminKey)
		if err != nil {
			t.Fatalf("admin key: %v", err)
		} else if a.User.ID != session.User.ID || a.User.Role != server.RoleAdmin || a.User.OrganizationID != res.OrganizationID {
			t.Fatalf("admin = %+v", a.User)
		}

		ctx := server.NewContextWithAuth(context.Background(), a)
		users, err := sqlite.NewUserService(db).FindUsers(ctx, server.UserFilter{}, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 50 {
			t.Fatalf("the admin sees %d users, want 50", len(users))
		}
		admins, deactivated, emails := 0, 0, map[string]bool{}
		for _, u := range users {
			if u.Role == server.RoleAdmin {
				admins++
			}
			if !u.Activated {
				deactivated++
			}
			if u.Firstname == "" || u.Lastname == "" || emails[u.Email] || server.ValidateEmail("email", u.Email) != nil {
				t.Fatalf("user %+v", u)
			}
			emails[u.Email] = true
			if u.CreatedAt.Before(now.AddDate(-2, 0, -1)) || u.CreatedAt.After(now.Add(time.Minute)) || u.UpdatedAt.Before(u.CreatedAt) {
				t.Fatalf("user %s created %v, updated %v", u.Email, u.CreatedAt, u.UpdatedAt)
			}
		}
		if admins < 2 || admins > 10 || deactivated < 3 || deactivated > 8 {
			t.Fatalf("%d admins and %d deactivated of 50", admins, deactivated)
		}
		var orgs int
		if err := mustRawDB(t, db).QueryRow(`SELECT COUNT(*) FROM organizations`).Scan(&orgs); err != nil || orgs != 2 {
			t.Fatalf("organizations = %d, %v; want 2", orgs, err)
		}
		if d := dump(t, db); strings.Contains(d, res.AdminPassword) || strings.Contains(d, res.AdminKey) {
			t.Fatal("a secret is stored in clear")
		}
	})

	t.Run("Once", func(t *testing.T) {
		db := MustOpenDB(t)
		if _, err := db.Seed(context.Background(), sqlite.SeedOptions{AdminKey: "ua_fixed-key"}); err != nil {
			t.Fatal(err)
		}
		before := dump(t, db)
		MustCloseDB(t, db)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		res, err := db.Seed(context.Background(), sqlite.SeedOptions{})
		if err != nil {
			t.Fatal(err)
		} else if res.Seeded || res.AdminPassword != "" || res.AdminKey != "" {
			t.Fatalf("second seed = %+v", res)
		}
		if after := dump(t, db); after != before {
			t.Fatal("seeding again changed the store")
		}
		if _, err := sqlite.NewAuthService(db).Authenticate(context.Background(), "ua_fixed-key"); err != nil {
			t.Fatalf("the key given to Seed: %v", err)
		}
	})

	t.Run("NotOnAnExistingDirectory", func(t *testing.T) {
		f := newFixture(t)
		res, err := f.db.Seed(context.Background(), sqlite.SeedOptions{})
		if err != nil || res.Seeded {
			t.Fatalf("seed = %+v, %v; want nothing seeded", res, err)
		}
	})
}

func TestDB_GenerateUsers(t *testing.T) {
	f := newFixture(t)
	for range 2 {
		if err := f.db.GenerateUsers(context.Background(), f.org.ID, 500); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.users.CountUsers(f.adminCtx, server.UserFilter{})
	if err != nil || n != 1001 {
		t.Fatalf("count = %d, %v; want 1001", n, err)
	}
	// The counters agree with the rows (a search makes the count read the rows).
	for _, role := range []server.Role{server.RoleAdmin, server.RoleUser} {
		counted, _ := f.users.CountUsers(f.adminCtx, server.UserFilter{Role: &role})
		scanned, _ := f.users.CountUsers(f.adminCtx, server.UserFilter{Role: &role, Search: ptr("@")})
		if counted != scanned || counted == 0 {
			t.Fatalf("%s: counted %d, scanned %d", role, counted, scanned)
		}
	}
	// The search index has them, and the triggers and indexes are back for new users.
	found, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 1, Offset: 700}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := f.users.CountUsers(f.adminCtx, server.UserFilter{Search: &found[0].Email}); n != 1 {
		t.Fatalf("search for %s found %d", found[0].Email, n)
	}
	u := f.mustCreateUser(t, f.adminCtx, "zz.new@acme.example", "Zed", "New", server.RoleUser)
	if users, _ := f.users.FindUsers(f.adminCtx, server.UserFilter{Search: ptr("zz.new")}, server.Page{Limit: 10}, nil); len(users) != 1 || users[0].ID != u.ID {
		t.Fatalf("new user not found by search: %v", ids(users))
	}
	var indexes int
	mustRawDB(t, f.db).QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL`).Scan(&indexes)
	// The 7 of migration 000, last sign-in's (006), usernames' two (fillUsernames), and bulk actions' (009).
	if indexes != 11 {
		t.Fatalf("users has %d indexes, want 11", indexes)
	}

	err = f.db.GenerateUsers(context.Background(), "nowhere", 1)
	assertError(t, err, server.ENOTFOUND, "", "Organization not found.")

}
