package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"useradmin/server"
	argon "useradmin/server/password"
	"useradmin/server/postgres"
	"useradmin/server/storetest"
)

// instances opens two stores on one database, as two instances of the server would,
// with an organization whose admin's context works on both.
func instances(t *testing.T) (a, b *postgres.DB, adminCtx context.Context) {
	t.Helper()
	a = mustOpenDB(t)
	b = postgres.NewDB(a.URL)
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	// Hashes queue rather than being refused on a loaded machine: the test is about
	// the rules, not the hasher's bound.
	a.Hasher, b.Hasher = argon.NewHasher(2, time.Minute), argon.NewHasher(2, time.Minute)
	_, _, key, err := a.CreateOrganization(context.Background(), "Acme", server.UserCreate{Email: "ann@acme.example", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := postgres.NewAuthService(b).Authenticate(context.Background(), key.Key)
	if err != nil {
		t.Fatal(err)
	}
	return a, b, server.NewContextWithAuth(context.Background(), auth)
}

// Writers through two instances at once: the database, not a process, keeps the rules.
func TestConcurrentWritersOnTwoInstances(t *testing.T) {
	t.Run("UniqueEmail", func(t *testing.T) {
		a, b, ctx := instances(t)
		stores := []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)}
		errs := storetest.AtOnce(10, func(i int) error {
			_, err := stores[i%2].CreateUser(ctx, server.UserCreate{Email: "same@acme.example", Password: "correct horse", Role: server.RoleUser})
			return err
		})
		if n := storetest.Codes(errs); n[""] != 1 || n[server.ECONFLICT] != 9 {
			t.Fatalf("answers %v, want one user made and 9 CONFLICT", n)
		}
		// In two organizations at once too: an address is one person.
		_, _, key, err := b.CreateOrganization(context.Background(), "Globex", server.UserCreate{Email: "gus@globex.example", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		auth, _ := postgres.NewAuthService(a).Authenticate(context.Background(), key.Key)
		ctxs := []context.Context{ctx, server.NewContextWithAuth(context.Background(), auth)}
		errs = storetest.AtOnce(10, func(i int) error {
			_, err := stores[i%2].CreateUser(ctxs[(i/2)%2], server.UserCreate{Email: "both@example.org", Password: "correct horse", Role: server.RoleUser})
			return err
		})
		if n := storetest.Codes(errs); n[""] != 1 || n[server.ECONFLICT] != 9 {
			t.Fatalf("across organizations: answers %v, want one user made and 9 CONFLICT", n)
		}
	})

	t.Run("LastAdmin", func(t *testing.T) {
		// Two admins each demote the other, ten times over, through both instances: at
		// least one admin stays.
		a, b, annCtx := instances(t)
		users := []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)}
		bob, err := users[0].CreateUser(annCtx, server.UserCreate{Email: "bob@acme.example", Password: "correct horse", Role: server.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		key, err := postgres.NewAuthService(a).CreateAPIKey(annCtx, server.APIKeyCreate{Name: "bob"}, &server.UserRef{ID: bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		bobAuth, _ := postgres.NewAuthService(b).Authenticate(context.Background(), key.Key)
		bobCtx := server.NewContextWithAuth(context.Background(), bobAuth)
		ann := server.UserFromContext(annCtx)
		role := server.RoleUser
		errs := storetest.AtOnce(20, func(i int) error {
			if i%2 == 0 {
				_, err := users[0].UpdateUser(annCtx, server.UserRef{ID: bob.ID}, server.UserUpdate{Role: &role})
				return err
			}
			_, err := users[1].UpdateUser(bobCtx, server.UserRef{ID: ann.ID}, server.UserUpdate{Role: &role})
			return err
		})
		for _, err := range errs {
			if c := server.ErrorCode(err); c != "" && c != server.ECONFLICT && c != server.EFORBIDDEN && c != server.EUNAUTHENTICATED {
				t.Fatalf("unexpected answer: %v", err)
			}
		}
		var admins int
		if err := mustRaw(t, a).QueryRow(`SELECT COUNT(*) FROM users WHERE role = 'ADMIN' AND activated`).Scan(&admins); err != nil {
			t.Fatal(err)
		}
		if admins != 1 {
			t.Fatalf("%d active admins left, want 1 (answers %v)", admins, storetest.Codes(errs))
		}
	})

	t.Run("UpdatedAtPrecondition", func(t *testing.T) {
		// Ten writers that read the same updatedAt: one write wins, the others are told
		// of the conflict, whichever instance they write through.
		a, b, ctx := instances(t)
		users := []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)}
		carol, err := users[0].CreateUser(ctx, server.UserCreate{Email: "carol@acme.example", Password: "correct horse", Role: server.RoleUser})
		if err != nil {
			t.Fatal(err)
		}
		seen := carol.UpdatedAt
		errs := storetest.AtOnce(10, func(i int) error {
			name := fmt.Sprint("Carol ", i)
			_, err := users[i%2].UpdateUser(ctx, server.UserRef{ID: carol.ID, UpdatedAt: &seen}, server.UserUpdate{Firstname: &name})
			return err
		})
		if n := storetest.Codes(errs); n[""] != 1 || n[server.ECONFLICT] != 9 {
			t.Fatalf("answers %v, want one write and 9 CONFLICT", n)
		}
	})

	t.Run("CountsStayExact", func(t *testing.T) {
		// The kept counts match the rows after writers on both instances made, changed
		// and deleted users at once.
		a, b, ctx := instances(t)
		users := []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)}
		errs := storetest.AtOnce(20, func(i int) error {
			u, err := users[i%2].CreateUser(ctx, server.UserCreate{Email: fmt.Sprintf("u%d@acme.example", i), Password: "correct horse", Role: server.RoleUser})
			if err != nil {
				return err
			}
			off := false
			if i%3 == 0 {
				_, err = users[(i+1)%2].UpdateUser(ctx, server.UserRef{ID: u.ID}, server.UserUpdate{Activated: &off})
			} else if i%3 == 1 {
				err = users[(i+1)%2].DeleteUser(ctx, server.UserRef{ID: u.ID})
			}
			return err
		})
		if n := storetest.Codes(errs); n[""] != 20 {
			t.Fatalf("answers %v", n)
		}
		for _, f := range []server.UserFilter{{}, {Activated: ptrTo(false)}, {Activated: ptrTo(true)}, {Role: ptrTo(server.RoleUser)}} {
			counted, err := users[0].CountUsers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			all, err := users[1].FindUsers(ctx, f, server.Page{Limit: 100}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if counted != len(all) {
				t.Errorf("filter %+v: counted %d, listed %d", f, counted, len(all))
			}
		}
	})
}

// Sign-ins through two instances at once, with changes and deletions of the same users:
// the kept counts of sign-in days match the users, and the dormant counts read them.
func TestConcurrentSignInsOnTwoInstances(t *testing.T) {
	a, b, ctx := instances(t)
	users := []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)}
	auths := []*postgres.AuthService{postgres.NewAuthService(a), postgres.NewAuthService(b)}
	var made []*server.User
	for i := range 6 {
		u, err := users[0].CreateUser(ctx, server.UserCreate{Email: fmt.Sprintf("s%d@acme.example", i), Password: "correct horse", Role: server.RoleUser})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, u)
	}
	errs := storetest.AtOnce(24, func(i int) error {
		u, k := made[i%len(made)], i%2
		switch i / len(made) {
		case 0, 1:
			_, err := auths[k].SignIn(server.NewContextWithClient(context.Background(), fmt.Sprintf("10.0.0.%d", i)), u.Username, "correct horse")
			return err
		case 2:
			_, err := users[k].UpdateUser(ctx, server.UserRef{ID: u.ID}, server.UserUpdate{Activated: ptrTo(i%3 == 0), Role: ptrTo(server.RoleAdmin)})
			return err
		default:
			if i%2 == 0 {
				return users[k].DeleteUser(ctx, server.UserRef{ID: u.ID})
			}
			_, err := auths[k].SignIn(server.NewContextWithClient(context.Background(), fmt.Sprintf("10.0.0.%d", i)), u.Email, "correct horse")
			return err
		}
	})
	for _, err := range errs {
		if c := server.ErrorCode(err); c != "" && c != server.ENOTFOUND && c != server.EUNAUTHENTICATED && c != server.EFORBIDDEN {
			t.Fatalf("unexpected answer: %v", err)
		}
	}
	var drift int
	if err := mustRaw(t, a).QueryRow(`
		SELECT COUNT(*) FROM (
			SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1) AS day, role, activated, COUNT(*) AS n
			FROM users GROUP BY 1, 2, 3, 4) real
		FULL JOIN (SELECT * FROM user_sign_in_days WHERE n != 0) kept USING (organization_id, day, role, activated)
		WHERE real.n IS DISTINCT FROM kept.n`).Scan(&drift); err != nil {
		t.Fatal(err)
	}
	if drift != 0 {
		t.Fatalf("%d kept counts of sign-in days differ from the users", drift)
	}
	future := time.Now().Add(48 * time.Hour)
	for _, f := range []server.UserFilter{{NeverSignedIn: ptrTo(true)}, {NeverSignedIn: ptrTo(false)}, {SignedInBefore: &future},
		{SignedInBefore: &future, Role: ptrTo(server.RoleAdmin), Activated: ptrTo(true)}} {
		counted, err := users[0].CountUsers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := users[1].FindUsers(ctx, f, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if counted != len(listed) {
			t.Errorf("filter %+v: counted %d, listed %d", f, counted, len(listed))
		}
	}
}

// Usernames are unique in the directory, in any case, whichever instance and
// organization writes them at once: the database, not the organization's lock (which
// two organizations do not share), keeps them apart.
func TestConcurrentUsernamesOnTwoInstances(t *testing.T) {
	setup := func(t *testing.T) (users []*postgres.UserService, ctxs []context.Context, db *sql.DB, dump func() string) {
		a, b, ctxA := instances(t)
		_, _, key, err := b.CreateOrganization(context.Background(), "Globex", server.UserCreate{Email: "gus@globex.example", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		auth, err := postgres.NewAuthService(a).Authenticate(context.Background(), key.Key)
		if err != nil {
			t.Fatal(err)
		}
		db = mustRaw(t, a)
		dump = func() string {
			var s string
			if err := db.QueryRow(`SELECT string_agg(id || ' ' || username || ' ' || updated_at, ',' ORDER BY id) FROM users`).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		return []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)},
			[]context.Context{ctxA, server.NewContextWithAuth(context.Background(), auth)}, db, dump
	}

	t.Run("GivenInDifferentCases", func(t *testing.T) {
		users, ctxs, _, dump := setup(t)
		names := []string{"Same", "same", "SAME", "sAmE", " same "}
		errs := storetest.AtOnce(20, func(i int) error {
			_, err := users[i%2].CreateUser(ctxs[(i/2)%2], server.UserCreate{Email: fmt.Sprintf("s%d@example.org", i),
				Password: "correct horse", Role: server.RoleUser, Username: names[i%len(names)]})
			return err
		})
		if n := storetest.Codes(errs); n[""] != 1 || n[server.ECONFLICT] != 19 {
			t.Fatalf("answers %v, want one user made and 19 CONFLICT", n)
		}
		// Renames of the admins of both organizations to it, in other cases, at once:
		// all refused, nothing changed.
		before := dump()
		errs = storetest.AtOnce(10, func(i int) error {
			me := server.UserFromContext(ctxs[i%2])
			name := names[(i+1)%len(names)]
			_, err := users[(i/2)%2].UpdateUser(ctxs[i%2], server.UserRef{ID: me.ID}, server.UserUpdate{Username: &name})
			return err
		})
		if n := storetest.Codes(errs); n[server.ECONFLICT] != 10 {
			t.Fatalf("renames: answers %v, want 10 CONFLICT", n)
		}
		if after := dump(); after != before {
			t.Fatalf("refused renames changed the users:\n%s\n%s", before, after)
		}
	})

	t.Run("SwappedAtOnce", func(t *testing.T) {
		// The admins of two organizations each take a new name, and then the other's old
		// one, at once: at no time do two users have one name.
		users, ctxs, db, dump := setup(t)
		errs := storetest.AtOnce(20, func(i int) error {
			me := server.UserFromContext(ctxs[i%2])
			name := []string{"Gus", "ANN", "x-ann", "x-gus"}[i%4]
			_, err := users[(i/2)%2].UpdateUser(ctxs[i%2], server.UserRef{ID: me.ID}, server.UserUpdate{Username: &name})
			return err
		})
		for _, err := range errs {
			if c := server.ErrorCode(err); c != "" && c != server.ECONFLICT {
				t.Fatalf("unexpected answer: %v", err)
			}
		}
		var dup int
		raw := dump()
		if err := db.QueryRow(`SELECT COUNT(*) - COUNT(DISTINCT lower(username)) FROM users`).Scan(&dup); err != nil || dup != 0 {
			t.Fatalf("%d names held twice (%v): %s", dup, err, raw)
		}
	})

	t.Run("MadeFromTheSameEmailLocalPart", func(t *testing.T) {
		// Users made at once from emails of one local part, in two organizations through
		// two instances: each gets a name of its own, none is refused.
		users, ctxs, db, _ := setup(t)
		errs := storetest.AtOnce(12, func(i int) error {
			_, err := users[i%2].CreateUser(ctxs[(i/2)%2], server.UserCreate{Email: fmt.Sprintf("Dup@d%d.example", i), Password: "correct horse", Role: server.RoleUser})
			return err
		})
		if n := storetest.Codes(errs); n[""] != 12 {
			t.Fatalf("answers %v, want 12 users made: %v", n, errs)
		}
		var n, distinct int
		if err := db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT lower(username)) FROM users WHERE username LIKE 'dup%'`).Scan(&n, &distinct); err != nil || n != 12 || distinct != 12 {
			t.Fatalf("%d users named dup…, %d names, %v", n, distinct, err)
		}
	})
}

// Two organizations invite the same addresses at once, in opposite orders, through two
// instances: every address is invited by both, and no request fails on a deadlock.
func TestConcurrentInvitationsOnTwoInstances(t *testing.T) {
	a, b, ctxA := instances(t)
	_, _, key, err := b.CreateOrganization(context.Background(), "Globex", server.UserCreate{Email: "gus@globex.example", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := postgres.NewAuthService(a).Authenticate(context.Background(), key.Key)
	if err != nil {
		t.Fatal(err)
	}
	ctxB := server.NewContextWithAuth(context.Background(), auth)
	services := []*postgres.InvitationService{postgres.NewInvitationService(a), postgres.NewInvitationService(b)}
	for round := range 5 {
		var emails, reversed []string
		for i := range 8 {
			emails = append(emails, fmt.Sprintf("p%d.%d@example.org", round, i))
		}
		for i := len(emails) - 1; i >= 0; i-- {
			reversed = append(reversed, emails[i])
		}
		lists, ctxs := [][]string{emails, reversed}, []context.Context{ctxA, ctxB}
		errs := storetest.AtOnce(2, func(i int) error {
			results, err := services[i].InviteUsers(ctxs[i], lists[i], server.RoleUser)
			for _, r := range results {
				if err == nil && r.Outcome != server.InviteInvited {
					err = fmt.Errorf("%s: %s %s", r.Email, r.Outcome, r.Message)
				}
			}
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
