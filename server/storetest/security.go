package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	argon "useradmin/server/password"
)

// The store's side of the security review: each test is an attack, tried in several
// variants, that must fail and leave the store as it was.

// fromClient returns ctx as sent by the client at addr.
func fromClient(ctx context.Context, addr string) context.Context {
	return server.NewContextWithClient(ctx, addr)
}

// organizations returns each user's organization, as stored.
func organizations(tb testing.TB, p *people) map[string]string {
	tb.Helper()
	rows, err := p.store.Raw.Query(`SELECT id, organization_id FROM users`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	orgs := map[string]string{}
	for rows.Next() {
		var id, org string
		if err := rows.Scan(&id, &org); err != nil {
			tb.Fatal(err)
		}
		orgs[id] = org
	}
	return orgs
}

func testSecurity_NoUserCrossesOrganizations(t *testing.T, open Open) {
	// An ADMIN of Acme, a USER of Acme and the ADMIN of Globex try to move users of both
	// organizations into the other, an unknown one, or their own, alone or with a change of
	// role or names: a move is never made, and what is refused changes nothing.
	p := newPeople(t, open)
	want := organizations(t, p)
	callers := map[string]context.Context{"Ann": p.adminCtx, "Bob": p.bobCtx, "Gus": p.gusCtx}
	targets := map[string]*server.User{"Ann": p.admin, "Bob": p.bob, "Carol": p.carol, "Gus": p.gus}
	orgs := map[string]string{"Acme": p.org.ID, "Globex": p.globex.ID, "unknown": "nowhere", "spaces": " " + p.globex.ID + " "}
	extras := map[string]server.UserUpdate{
		"alone":    {},
		"admin":    {Role: ptr(server.RoleAdmin)},
		"names":    {Firstname: ptr("Mallory")},
		"activate": {Activated: ptr(true)},
	}
	n := 0
	for cn, ctx := range callers {
		me := server.UserFromContext(ctx)
		for tn, target := range targets {
			for on, org := range orgs {
				for en, extra := range extras {
					upd := extra
					upd.OrganizationID = ptr(org)
					var got *server.User
					err := func() error {
						if org == me.OrganizationID {
							// The caller's own organization is no change: it may succeed.
							var err error
							got, err = p.users.UpdateUser(ctx, server.UserRef{ID: target.ID}, upd)
							return err
						}
						return p.assertUnchanged(t, func() error {
							var err error
							got, err = p.users.UpdateUser(ctx, server.UserRef{ID: target.ID}, upd)
							return err
						})
					}()
					if err == nil && got.OrganizationID != want[target.ID] {
						t.Fatalf("%s moved %s to %s (%s): now in %s", cn, tn, on, en, got.OrganizationID)
					}
					if err == nil && org != me.OrganizationID {
						t.Fatalf("%s sent %s's organization as %s (%s): accepted", cn, tn, on, en)
					}
					if err != nil && org != me.OrganizationID && org != "nowhere" && server.ErrorCode(err) == server.EFORBIDDEN {
						if e := err.(*server.Error); e.Field != "organizationId" || !strings.Contains(e.Message, "cannot be moved to another organization") {
							t.Fatalf("%s moving %s to %s (%s): %v", cn, tn, on, en, err)
						}
					}
					n++
				}
			}
		}
	}
	if got := organizations(t, p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("organizations after %d attempts:\n%v\nwant\n%v", n, got, want)
	}
	t.Logf("%d attempts, no user moved", n)
}

func testSecurity_NoUserCrossesOrganizationsConcurrently(t *testing.T, open Open) {
	// Moves sent at once with ordinary changes of the same users: the ordinary changes go
	// through, the moves never.
	p := newPeople(t, open)
	want := organizations(t, p)
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for i := range 40 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID},
				server.UserUpdate{OrganizationID: &p.globex.ID, Firstname: ptr(fmt.Sprint("Moved ", i))})
			if server.ErrorCode(err) != server.EFORBIDDEN {
				errs <- fmt.Errorf("move %d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Lastname: ptr(fmt.Sprint("Baker ", i))}); err != nil {
				errs <- fmt.Errorf("update %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := organizations(t, p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("organizations = %v, want %v", got, want)
	}
	if u, _ := p.users.FindUsers(p.adminCtx, server.UserFilter{ID: &p.bob.ID}, server.Page{Limit: 1}, nil); len(u) != 1 || strings.HasPrefix(u[0].Firstname, "Moved") {
		t.Fatalf("Bob = %+v", u)
	}
}

func testSecurity_NoWayIntoAnotherOrganization(t *testing.T, open Open) {
	// Every filter that can name Gus, the ADMIN of Globex, tried by Ann, the ADMIN of Acme,
	// on every operation that acts on a user: none reaches him, and nothing changes.
	p := newPeople(t, open)
	gusKey, err := p.auth.CreateAPIKey(p.gusCtx, server.APIKeyCreate{Name: "gus"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Reads take a filter: no filter finds Gus. Writes take his id (the GraphQL layer
	// finds the one user a write is about with a read first, so a filter that cannot find
	// him cannot name him to a write either): no write reaches him.
	filters := map[string]server.UserFilter{
		"ID":                {ID: &p.gus.ID},
		"Email":             {Email: ptr("gus@globex.example")},
		"EmailUpperCase":    {Email: ptr(" GUS@Globex.Example ")},
		"APIKey":            {APIKey: &gusKey.Key},
		"IDIn":              {IDIn: []string{p.gus.ID}},
		"Organization":      {OrganizationID: &p.globex.ID},
		"IDAndOrganization": {ID: &p.gus.ID, OrganizationID: &p.globex.ID},
		"Search":            {Search: ptr("gus")},
		"Role":              {Role: ptr(server.RoleAdmin), OrganizationID: &p.globex.ID},
	}
	reads := map[string]func(f server.UserFilter) error{
		"FindUsers": func(f server.UserFilter) error {
			users, err := p.users.FindUsers(p.adminCtx, f, server.Page{Limit: 10}, nil)
			for _, u := range users {
				if u.OrganizationID != p.org.ID {
					return fmt.Errorf("found %s of another organization", u.Email)
				}
			}
			return err
		},
		"CountUsers": func(f server.UserFilter) error {
			n, err := p.users.CountUsers(p.adminCtx, f)
			if f.Search == nil && f.Role == nil && n != 0 {
				return fmt.Errorf("counted %d", n)
			}
			return err
		},
	}
	for fn, filter := range filters {
		for on, read := range reads {
			t.Run(on+"/"+fn, func(t *testing.T) {
				if err := p.assertUnchanged(t, func() error { return read(filter) }); err != nil {
					t.Fatalf("error = %v", err)
				}
			})
		}
	}
	refs := map[string]server.UserRef{
		"ID":          {ID: p.gus.ID},
		"IDUpdatedAt": {ID: p.gus.ID, UpdatedAt: &p.gus.UpdatedAt},
	}
	writes := map[string]func(ref server.UserRef) error{
		"UpdateUserNames": func(ref server.UserRef) error {
			_, err := p.users.UpdateUser(p.adminCtx, ref, server.UserUpdate{Firstname: ptr("Mallory")})
			return err
		},
		"UpdateUserRole": func(ref server.UserRef) error {
			_, err := p.users.UpdateUser(p.adminCtx, ref, server.UserUpdate{Role: ptr(server.RoleUser)})
			return err
		},
		"UpdateUserDeactivate": func(ref server.UserRef) error {
			_, err := p.users.UpdateUser(p.adminCtx, ref, server.UserUpdate{Activated: ptr(false)})
			return err
		},
		"UpdateUserMoveHere": func(ref server.UserRef) error {
			_, err := p.users.UpdateUser(p.adminCtx, ref, server.UserUpdate{OrganizationID: &p.org.ID})
			return err
		},
		"DeleteUser": func(ref server.UserRef) error {
			return p.users.DeleteUser(p.adminCtx, ref)
		},
		"UpdatePassword": func(ref server.UserRef) error {
			_, err := p.users.UpdatePassword(p.adminCtx, ref, server.PasswordChange{Old: password, New1: "a new password", New2: "a new password"})
			return err
		},
		"CreateAPIKey": func(ref server.UserRef) error {
			_, err := p.auth.CreateAPIKey(p.adminCtx, server.APIKeyCreate{Name: "stolen"}, &ref)
			return err
		},
		"IssuePasswordReset": func(ref server.UserRef) error {
			_, _, err := p.auth.IssuePasswordReset(p.adminCtx, ref)
			return err
		},
	}
	for rn, ref := range refs {
		for on, write := range writes {
			t.Run(on+"/"+rn, func(t *testing.T) {
				err := p.assertUnchanged(t, func() error { return write(ref) })
				switch server.ErrorCode(err) {
				case server.ENOTFOUND, server.EFORBIDDEN:
				default:
					t.Fatalf("error = %v", err)
				}
			})
		}
	}
	t.Run("Keys", func(t *testing.T) {
		err := p.assertUnchanged(t, func() error { return p.auth.RevokeAPIKey(p.adminCtx, gusKey.ID) })
		assertError(t, err, server.ENOTFOUND, "", "API key not found.")
		// Another organization's keys are not listed, as its users are not.
		var keys []*server.APIKey
		err = p.assertUnchanged(t, func() (err error) {
			keys, err = p.auth.FindAPIKeys(p.adminCtx, server.APIKeyFilter{UserID: &p.gus.ID}, server.Page{Limit: 100})
			return err
		})
		if err != nil || len(keys) != 0 {
			t.Fatalf("keys of Globex: %v, %v; want none", keys, err)
		}
	})
	t.Run("Organization", func(t *testing.T) {
		_, err := p.orgs.FindOrganizationByID(p.adminCtx, p.globex.ID)
		assertError(t, err, server.ENOTFOUND, "", "Organization not found.")
	})
	t.Run("CreateUserThere", func(t *testing.T) {
		for _, org := range []string{p.globex.ID, "nowhere"} {
			err := p.assertUnchanged(t, func() error {
				_, err := p.users.CreateUser(p.adminCtx, server.UserCreate{Email: "mole@acme.example", Password: password, Role: server.RoleAdmin, OrganizationID: org})
				return err
			})
			assertError(t, err, server.EFORBIDDEN, "", "You can add users only to your own organization.")
		}
	})
}

func testSecurity_DatabaseRefusesMoves(t *testing.T, open Open) {
	// Whatever program writes to the database, a user keeps their organization and a key
	// or a reset token its user.
	p := newPeople(t, open)
	if _, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID}); err != nil {
		t.Fatal(err)
	}
	raw := p.store.Raw
	for _, stmt := range []struct {
		setup string // run first, in the same transaction
		sql   string
	}{
		{"", `UPDATE users SET organization_id = ` + quote(p.globex.ID) + ` WHERE id = ` + quote(p.bob.ID)},
		{"", `UPDATE users SET organization_id = ` + quote(p.globex.ID) + `, role = 'ADMIN'`},
		{"", `UPDATE users SET organization_id = (SELECT id FROM organizations WHERE id != organization_id LIMIT 1)`},
		{"", `UPDATE api_keys SET user_id = ` + quote(p.gus.ID) + ` WHERE id = ` + quote(p.bobKey.ID)},
		{"", `UPDATE password_resets SET user_id = ` + quote(p.gus.ID)},
		{`INSERT INTO users (id, email, username, organization_id, role, created_at, updated_at) VALUES ('x', 'x@x', 'x', '` + p.org.ID + `', 'ADMIN', 0, 0)`,
			`UPDATE users SET organization_id = ` + quote(p.globex.ID) + ` WHERE id = 'x'`},
	} {
		before := p.store.Dump(t)
		tx, err := raw.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if stmt.setup != "" {
			if _, err := tx.Exec(stmt.setup); err != nil {
				t.Fatal(err)
			}
		}
		_, err = tx.Exec(stmt.sql)
		tx.Rollback()
		if err == nil || !strings.Contains(err.Error(), "cannot") {
			t.Errorf("%s: error = %v, want the trigger's refusal", stmt.sql, err)
		}
		if p.store.Dump(t) != before {
			t.Errorf("%s changed the store", stmt.sql)
		}
	}
	// Other columns still change.
	if _, err := raw.Exec(`UPDATE users SET organization_id = organization_id, firstname = 'Robert' WHERE id = ` + quote(p.bob.ID)); err != nil {
		t.Errorf("a write that keeps the organization: %v", err)
	}
}

// AtOnce runs fn(0) to fn(n-1) at the same moment and returns their errors, in order.
func AtOnce(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// Codes counts errors by code ("" for none).
func Codes(errs []error) map[string]int {
	n := map[string]int{}
	for _, err := range errs {
		n[server.ErrorCode(err)]++
	}
	return n
}

// signInsAtOnce runs n sign-ins at once, each from client(i) for email(i) with password
// pw(i), and returns how many were checked and wrong, checked and right, and refused
// RATE_LIMITED with a wait.
func signInsAtOnce(t *testing.T, f *fixture, n int, client, email, pw func(i int) string) (wrong, right, limited int) {
	t.Helper()
	errs := AtOnce(n, func(i int) error {
		_, err := f.auth.SignIn(fromClient(context.Background(), client(i)), email(i), pw(i))
		return err
	})
	for i, err := range errs {
		switch server.ErrorCode(err) {
		case "":
			right++
		case server.EUNAUTHENTICATED:
			wrong++
		case server.ERATELIMITED:
			if server.RetryAfterSeconds(err) < 1 {
				t.Errorf("RATE_LIMITED without a wait: %v", err)
			}
			limited++
		default:
			t.Errorf("sign-in %d: %v", i, err)
		}
	}
	return wrong, right, limited
}

// sessions counts the session keys stored for the user with id.
func sessions(tb testing.TB, f *fixture, id string) int {
	tb.Helper()
	var n int
	if err := f.store.Raw.QueryRow(`SELECT COUNT(*) FROM api_keys WHERE user_id = ` + quote(id) + ` AND kind = 'session'`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func testSecurity_SignInLimit(t *testing.T, open Open) {
	const limit = server.DefaultCredentialFailures
	same := func(s string) func(int) string { return func(int) string { return s } }
	each := func(format string) func(int) string { return func(i int) string { return fmt.Sprintf(format, i) } }

	t.Run("ParallelWrongPasswords", func(t *testing.T) {
		// 40 guesses at once from one client: at most the limit are checked; then even
		// the right password is refused, unchecked, and no session is made.
		p := newPeople(t, open)
		wrong, right, limited := signInsAtOnce(t, p.fixture, 40, same("198.51.100.7"), same("bob@acme.example"), each("guess %d"))
		t.Logf("40 wrong passwords at once: %d checked, %d refused", wrong, limited)
		if wrong > limit || wrong < 1 || right != 0 || wrong+limited != 40 {
			t.Fatalf("%d checked, %d right, %d refused; want at most %d checked", wrong, right, limited, limit)
		}
		_, err := p.auth.SignIn(fromClient(context.Background(), "198.51.100.7"), "bob@acme.example", password)
		if server.ErrorCode(err) != server.ERATELIMITED || server.RetryAfterSeconds(err) != 60 {
			t.Fatalf("the right password after the guesses: %v, want RATE_LIMITED, retry in 60 s", err)
		}
		if n := sessions(t, p.fixture, p.bob.ID); n != 0 {
			t.Fatalf("%d sessions for Bob", n)
		}
	})

	t.Run("RightPasswordAmongThem", func(t *testing.T) {
		// The right password sent with 40 wrong ones: at most the limit of wrong ones are
		// checked (the right one, if it comes before, gives its attempt back), and a
		// session exists only if it was answered with one.
		p := newPeople(t, open)
		pw := func(i int) string {
			if i == 20 {
				return password
			}
			return fmt.Sprint("guess ", i)
		}
		wrong, right, _ := signInsAtOnce(t, p.fixture, 41, same("198.51.100.7"), same("bob@acme.example"), pw)
		if wrong > limit || right > 1 {
			t.Fatalf("%d wrong and %d right checked, want at most %d wrong", wrong, right, limit)
		}
		if n := sessions(t, p.fixture, p.bob.ID); n != right {
			t.Fatalf("%d sessions stored, %d answered", n, right)
		}
	})

	t.Run("OneAccountFromManyClients", func(t *testing.T) {
		p := newPeople(t, open)
		wrong, _, _ := signInsAtOnce(t, p.fixture, 40, each("198.51.100.%d"), same("bob@acme.example"), each("guess %d"))
		if wrong > limit {
			t.Fatalf("%d checked, want at most %d", wrong, limit)
		}
	})

	t.Run("ManyAccountsFromOneClient", func(t *testing.T) {
		// Unknown emails count as much as known ones: the answer must not tell them apart.
		p := newPeople(t, open)
		wrong, _, _ := signInsAtOnce(t, p.fixture, 40, same("198.51.100.7"), each("nobody%d@acme.example"), same(password))
		if wrong > limit {
			t.Fatalf("%d checked, want at most %d", wrong, limit)
		}
	})

	t.Run("OneUnknownEmailWrittenManyWays", func(t *testing.T) {
		p := newPeople(t, open)
		ways := []string{"nobody@acme.example", "NOBODY@acme.example", " nobody@Acme.Example ", "\tNobody@ACME.example\n"}
		wrong, _, _ := signInsAtOnce(t, p.fixture, 40, each("198.51.100.%d"), func(i int) string { return ways[i%len(ways)] }, each("guess %d"))
		if wrong > limit {
			t.Fatalf("%d checked, want at most %d", wrong, limit)
		}
	})

	t.Run("SequentialGuessesAndWait", func(t *testing.T) {
		p := newPeople(t, open)
		p.store.SetCredentialLimit(server.CredentialLimit{Failures: 3, Window: time.Minute})
		ctx := fromClient(context.Background(), "198.51.100.7")
		var codes []string
		for _, pw := range []string{"a", password, password, "b", "c", "d", password} {
			_, err := p.auth.SignIn(ctx, "bob@acme.example", pw)
			codes = append(codes, server.ErrorCode(err))
		}
		// The right password gives its attempt back: only the wrong ones count.
		if got := strings.Join(codes, " "); got != "UNAUTHENTICATED   UNAUTHENTICATED UNAUTHENTICATED RATE_LIMITED RATE_LIMITED" {
			t.Fatalf("codes = %q", got)
		}
		p.clock.Add(45 * time.Second)
		_, err := p.auth.SignIn(ctx, "bob@acme.example", password)
		assertError(t, err, server.ERATELIMITED, "", "Too many wrong passwords were tried for this account: wait 15 seconds and try again.")
		p.clock.Add(15 * time.Second)
		if _, err := p.auth.SignIn(ctx, "bob@acme.example", password); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})

	t.Run("NoClientFailsClosed", func(t *testing.T) {
		// A caller that names no client is counted as one client with all the others.
		p := newPeople(t, open)
		p.store.SetCredentialLimit(server.CredentialLimit{Failures: 2})
		var codes []string
		for i := range 3 {
			_, err := p.auth.SignIn(context.Background(), fmt.Sprintf("nobody%d@acme.example", i), "guess")
			codes = append(codes, server.ErrorCode(err))
		}
		if got := strings.Join(codes, " "); got != "UNAUTHENTICATED UNAUTHENTICATED RATE_LIMITED" {
			t.Fatalf("codes = %q", got)
		}
	})

	t.Run("EndedWindowsAreDeleted", func(t *testing.T) {
		p := newPeople(t, open)
		for i := range 30 {
			p.auth.SignIn(fromClient(context.Background(), fmt.Sprint("198.51.100.", i)), fmt.Sprintf("nobody%d@acme.example", i), "guess")
		}
		count := func() (n int) {
			p.store.Raw.QueryRow(`SELECT COUNT(*) FROM credential_attempts`).Scan(&n)
			return n
		}
		if n := count(); n != 60 {
			t.Fatalf("%d counters for 30 clients and 30 accounts", n)
		}
		p.clock.Add(2 * time.Minute)
		for i := range 4 {
			p.auth.SignIn(fromClient(context.Background(), "203.0.113.1"), fmt.Sprintf("late%d@acme.example", i), "guess")
		}
		if n := count(); n != 5 {
			t.Fatalf("%d counters left after the windows ended, want the 5 of the late attempts", n)
		}
	})
}

func testSecurity_UpdatePasswordLimit(t *testing.T, open Open) {
	change := func(p *people, ctx context.Context, old string) error {
		_, err := p.users.UpdatePassword(ctx, server.UserRef{ID: p.bob.ID}, server.PasswordChange{Old: old, New1: "a new password", New2: "a new password"})
		return err
	}

	t.Run("InARow", func(t *testing.T) {
		p := newPeople(t, open)
		ctx := fromClient(p.bobCtx, "198.51.100.7")
		before := p.store.Dump(t)
		var codes []string
		for i := range 15 {
			codes = append(codes, server.ErrorCode(change(p, ctx, fmt.Sprint("guess ", i))))
		}
		want := strings.TrimSpace(strings.Repeat("BAD_USER_INPUT ", 10) + strings.Repeat("RATE_LIMITED ", 5))
		if got := strings.Join(codes, " "); got != want {
			t.Fatalf("codes = %q, want %q", got, want)
		}
		assertError(t, change(p, ctx, password), server.ERATELIMITED, "", "Too many wrong passwords were tried for this account: wait a minute and try again.")
		if p.store.Dump(t) != before {
			t.Fatal("guesses of the current password changed the store")
		}
		// The account's count is signIn's: a guess through one is a guess through both.
		_, err := p.auth.SignIn(fromClient(context.Background(), "203.0.113.1"), "bob@acme.example", password)
		assertCode(t, err, server.ERATELIMITED)
	})

	t.Run("AtOnce", func(t *testing.T) {
		// 60 guesses at once, as 60 aliases of one request or 60 requests would send them.
		p := newPeople(t, open)
		before := p.store.Dump(t)
		n := Codes(AtOnce(60, func(i int) error {
			return change(p, fromClient(p.bobCtx, fmt.Sprint("198.51.100.", i%3)), fmt.Sprint("guess ", i))
		}))
		if n[server.EINVALID] > server.DefaultCredentialFailures || n[server.EINVALID]+n[server.ERATELIMITED] != 60 {
			t.Fatalf("answers %v: want at most %d checked", n, server.DefaultCredentialFailures)
		}
		if p.store.Dump(t) != before {
			t.Fatal("guesses of the current password changed the store")
		}
	})

	t.Run("BadInputIsNotAGuess", func(t *testing.T) {
		p := newPeople(t, open)
		p.store.SetCredentialLimit(server.CredentialLimit{Failures: 1})
		ctx := fromClient(p.bobCtx, "198.51.100.7")
		for _, c := range []server.PasswordChange{{Old: "x", New1: "a new password", New2: "another one"}, {Old: "x", New1: "short", New2: "short"}} {
			err := p.assertUnchanged(t, func() error {
				_, err := p.users.UpdatePassword(ctx, server.UserRef{ID: p.bob.ID}, c)
				return err
			})
			assertCode(t, err, server.EINVALID)
		}
		if err := change(p, ctx, password); err != nil {
			t.Fatalf("the right password after bad input: %v", err)
		}
	})
}

func testSecurity_SecretLimits(t *testing.T, open Open) {
	t.Run("KeysAtOnce", func(t *testing.T) {
		// 40 made-up keys at once: at most the limit are told the key is wrong; the client
		// is then refused before any check, even with a valid key; others are not.
		p := newPeople(t, open)
		n := Codes(AtOnce(40, func(i int) error {
			_, err := p.auth.Authenticate(fromClient(context.Background(), "198.51.100.7"), fmt.Sprint("ua_guess", i))
			return err
		}))
		if n[server.EUNAUTHENTICATED] > server.DefaultCredentialFailures || n[server.EUNAUTHENTICATED]+n[server.ERATELIMITED] != 40 {
			t.Fatalf("answers %v, want at most %d UNAUTHENTICATED", n, server.DefaultCredentialFailures)
		}
		_, err := p.auth.Authenticate(fromClient(context.Background(), "198.51.100.7"), p.bobKey.Key)
		assertError(t, err, server.ERATELIMITED, "", "Too many keys or reset links that do not work were sent from your address: wait a minute and try again.")
		if _, err := p.auth.Authenticate(fromClient(context.Background(), "198.51.100.8"), p.bobKey.Key); err != nil {
			t.Fatalf("another client: %v", err)
		}
		// Passwords are counted apart: a stale key does not lock its client's sign-ins.
		if _, err := p.auth.SignIn(fromClient(context.Background(), "198.51.100.7"), "bob@acme.example", password); err != nil {
			t.Fatalf("sign-in from the client of the bad keys: %v", err)
		}
	})

	t.Run("OverTheLimitLearnsNothing", func(t *testing.T) {
		// A client over the limit is told only to wait, whatever it sends: a valid key, a
		// revoked one, one of a deactivated user, a pair naming another key, an embed
		// token, a key that does not exist. The key, its user and the client's failures
		// are read together: none of them may answer before the limit, and none is counted.
		p := newPeople(t, open)
		_, revoked := p.mustUserContext(t, p.adminCtx, p.bob)
		if err := p.auth.RevokeAPIKey(p.adminCtx, revoked.ID); err != nil {
			t.Fatal(err)
		}
		_, carolKey := p.mustUserContext(t, p.adminCtx, p.carol)
		token := p.mustMint(t, p.adminCtx, p.bob, server.ScopeFull, time.Hour)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		const client = "198.51.100.9"
		ctx := fromClient(fromOrigin(portalOrigin), client)
		for i := range server.DefaultCredentialFailures {
			p.auth.Authenticate(ctx, fmt.Sprint("ua_guess", i))
		}
		before := p.store.Dump(t)
		for name, try := range map[string]func() error{
			"a valid key":               func() error { _, err := p.auth.Authenticate(ctx, p.bobKey.Key); return err },
			"a revoked key":             func() error { _, err := p.auth.Authenticate(ctx, revoked.Key); return err },
			"a deactivated user's key":  func() error { _, err := p.auth.Authenticate(ctx, carolKey.Key); return err },
			"a pair naming another key": func() error { _, err := p.auth.AuthenticatePair(ctx, carolKey.ID, p.bobKey.Key); return err },
			"the right pair":            func() error { _, err := p.auth.AuthenticatePair(ctx, p.bobKey.ID, p.bobKey.Key); return err },
			"an embed token":            func() error { _, err := p.auth.Authenticate(ctx, token.Token); return err },
			"a key that does not exist": func() error { _, err := p.auth.Authenticate(ctx, "ua_nope"); return err },
			"all of them at once, 5 each": func() error {
				return firstError(AtOnce(5, func(int) error { _, err := p.auth.Authenticate(ctx, revoked.Key); return err }))
			},
		} {
			if err := try(); server.ErrorCode(err) != server.ERATELIMITED {
				t.Errorf("%s from a client over the limit: %v, want RATE_LIMITED", name, err)
			}
		}
		if after := p.store.Dump(t); after != before {
			t.Error("refusals over the limit changed what is stored")
		}
		// Another client is told the truth about each.
		other := fromClient(fromOrigin(portalOrigin), "198.51.100.10")
		if _, err := p.auth.Authenticate(other, revoked.Key); server.ErrorCode(err) != server.EUNAUTHENTICATED {
			t.Errorf("a revoked key from another client: %v", err)
		}
		if _, err := p.auth.Authenticate(other, token.Token); err != nil {
			t.Errorf("the embed token from another client: %v", err)
		}
	})

	t.Run("ResetTokensAtOnce", func(t *testing.T) {
		p := newPeople(t, open)
		reset, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		before := p.store.Dump(t)
		n := Codes(AtOnce(40, func(i int) error {
			return p.auth.CompletePasswordReset(fromClient(context.Background(), "198.51.100.7"), fmt.Sprint("ua_guess", i), "a new password")
		}))
		if n[server.EINVALID] > server.DefaultCredentialFailures || n[server.EINVALID]+n[server.ERATELIMITED] != 40 {
			t.Fatalf("answers %v, want at most %d BAD_USER_INPUT", n, server.DefaultCredentialFailures)
		}
		if p.store.Dump(t) != before {
			t.Fatal("wrong tokens changed the store")
		}
		err = p.auth.CompletePasswordReset(fromClient(context.Background(), "198.51.100.7"), reset.Token, "a new password")
		assertCode(t, err, server.ERATELIMITED)
		if err := p.auth.CompletePasswordReset(fromClient(context.Background(), "198.51.100.8"), reset.Token, "a new password"); err != nil {
			t.Fatalf("the token from another client: %v", err)
		}
	})

	t.Run("TokenWorksOnceAtOnce", func(t *testing.T) {
		// The same good token sent 10 times at once sets the password once.
		p := newPeople(t, open)
		reset, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		n := Codes(AtOnce(10, func(i int) error {
			return p.auth.CompletePasswordReset(fromClient(context.Background(), fmt.Sprint("198.51.100.", i)), reset.Token, fmt.Sprint("new password ", i))
		}))
		ok := n[""]
		if n[server.EINVALID] != 9 {
			t.Errorf("answers %v, want one success and 9 BAD_USER_INPUT", n)
		}
		if ok != 1 {
			t.Fatalf("%d resets with one token", ok)
		}
	})
}

func testSecurity_HashingBounded(t *testing.T, open Open) {
	// 30 sign-ins for unknown emails at once, from 30 clients, so that no limit stops
	// them: at most the hasher's slots hash at a time; those that wait too long are told
	// the directory is busy, and their attempts are given back.
	p := newPeople(t, open)
	hasher := argon.NewHasher(2, 30*time.Millisecond)
	p.store.SetHasher(hasher)
	each := func(format string) func(int) string { return func(i int) string { return fmt.Sprintf(format, i) } }
	wrong, right, limited := signInsAtOnce(t, p.fixture, 30, each("198.51.100.%d"), each("nobody%d@acme.example"), each("guess %d"))
	t.Logf("30 sign-ins at once: %d checked, %d busy, at most %d hashing at once", wrong, limited, hasher.Peak())
	if wrong+right+limited != 30 || limited == 0 || hasher.Peak() > 2 {
		t.Fatalf("%d checked, %d busy, peak %d: want all answered, some busy, at most 2 at once", wrong, limited, hasher.Peak())
	}
	var failures int
	p.store.Raw.QueryRow(`SELECT COALESCE(SUM(failures), 0) FROM credential_attempts`).Scan(&failures)
	if failures != 2*wrong {
		t.Fatalf("%d failures counted for %d checked, want 2 each (account and client)", failures, wrong)
	}
}

func testSecurity_CredentialsEnd(t *testing.T, open Open) {
	signIn := func(tb testing.TB, p *people, email string) (context.Context, string) {
		tb.Helper()
		s, err := p.auth.SignIn(context.Background(), email, password)
		if err != nil {
			tb.Fatal(err)
		}
		return p.mustAuthenticate(tb, s.APIKey), s.APIKey
	}
	works := func(p *people, key string) bool {
		_, err := p.auth.Authenticate(context.Background(), key)
		return err == nil
	}

	t.Run("ResetEndsKeysMadeWithASession", func(t *testing.T) {
		// Whoever stole a session could make a key with it that a reset would leave
		// working: a reset ends the keys made with the user's sessions, theirs and those
		// they made for others as an admin, and no other key.
		p := newPeople(t, open)
		bobSession, _ := signIn(t, p, "bob@acme.example")
		annSession, _ := signIn(t, p, "ann@acme.example")
		mustKey := func(ctx context.Context, name string, ref *server.UserRef) *server.APIKey {
			k, err := p.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: name}, ref)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		carol := &server.UserRef{ID: p.carol.ID}
		bobFromSession := mustKey(bobSession, "bob's, from a session", nil)
		bobFromKey := mustKey(p.bobCtx, "bob's, from a key", nil)
		carolFromAnnSession := mustKey(annSession, "carol's, from ann's session", carol)
		carolFromAnnKey := mustKey(p.adminCtx, "carol's, from ann's key", carol)
		reset := func(u *server.User) {
			t.Helper()
			r, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.auth.CompletePasswordReset(context.Background(), r.Token, "a new password here"); err != nil {
				t.Fatal(err)
			}
		}
		check := func(when string, want map[*server.APIKey]bool) {
			t.Helper()
			for k, ok := range want {
				if works(p, k.Key) != ok {
					t.Errorf("%s: %q works: %v, want %v", when, k.Name, !ok, ok)
				}
			}
		}
		reset(p.bob)
		check("after Bob's reset", map[*server.APIKey]bool{bobFromSession: false, bobFromKey: true, p.bobKey: true,
			carolFromAnnSession: true, carolFromAnnKey: true})
		reset(p.admin)
		check("after Ann's reset", map[*server.APIKey]bool{carolFromAnnSession: false, carolFromAnnKey: true, bobFromKey: true})
		if !works(p, p.adminKey) {
			t.Error("Ann's own key, made without a session, ended with her reset")
		}
	})

	t.Run("ResetEndsEverySession", func(t *testing.T) {
		p := newPeople(t, open)
		_, s1 := signIn(t, p, "bob@acme.example")
		_, s2 := signIn(t, p, "bob@acme.example")
		_, other := signIn(t, p, "carol@acme.example")
		reset, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.auth.CompletePasswordReset(context.Background(), reset.Token, "a new password"); err != nil {
			t.Fatal(err)
		}
		if works(p, s1) || works(p, s2) {
			t.Fatal("a session from before the reset still works")
		}
		if !works(p, p.bobKey.Key) || !works(p, other) {
			t.Fatal("the reset ended an API key, or another user's session")
		}
	})

	t.Run("PasswordChangeEndsOtherSessions", func(t *testing.T) {
		// The session that changes the password stays (its holder just proved the old
		// one); every other session ends; API keys stay.
		p := newPeople(t, open)
		ctx1, s1 := signIn(t, p, "bob@acme.example")
		_, s2 := signIn(t, p, "bob@acme.example")
		if _, err := p.users.UpdatePassword(ctx1, server.UserRef{ID: p.bob.ID}, server.PasswordChange{Old: password, New1: "a new password", New2: "a new password"}); err != nil {
			t.Fatal(err)
		}
		if works(p, s2) || !works(p, s1) || !works(p, p.bobKey.Key) {
			t.Fatalf("after the change: other session %v, own session %v, API key %v; want false, true, true",
				works(p, s2), works(p, s1), works(p, p.bobKey.Key))
		}
		// Changed with an API key, the password ends every session.
		if _, err := p.users.UpdatePassword(p.bobCtx, server.UserRef{ID: p.bob.ID}, server.PasswordChange{Old: "a new password", New1: password, New2: password}); err != nil {
			t.Fatal(err)
		}
		if works(p, s1) || !works(p, p.bobKey.Key) {
			t.Fatal("a change made with an API key left a session, or ended the key")
		}
	})

	t.Run("DeactivationEndsSessions", func(t *testing.T) {
		p := newPeople(t, open)
		_, s1 := signIn(t, p, "bob@acme.example")
		for _, activated := range []bool{false, true} {
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Activated: &activated}); err != nil {
				t.Fatal(err)
			}
		}
		if works(p, s1) {
			t.Fatal("a session from before a deactivation works again after the activation")
		}
		if !works(p, p.bobKey.Key) {
			t.Fatal("the API key does not work again after the activation")
		}
	})

	t.Run("KeyMadeWithSessionSaysSo", func(t *testing.T) {
		p := newPeople(t, open)
		sessionCtx, _ := signIn(t, p, "bob@acme.example")
		p.clock.Add(time.Second)
		fromSession, err := p.auth.CreateAPIKey(sessionCtx, server.APIKeyCreate{Name: "from session"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.clock.Add(time.Second)
		fromKey, err := p.auth.CreateAPIKey(p.bobCtx, server.APIKeyCreate{Name: "from key"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !fromSession.CreatedWithSession || fromKey.CreatedWithSession || fromSession.Session {
			t.Fatalf("keys = %+v, %+v", fromSession, fromKey)
		}
		keys, err := p.auth.FindAPIKeys(p.bobCtx, server.APIKeyFilter{UserID: &p.bob.ID}, server.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range keys {
			got = append(got, fmt.Sprintf("%s session=%v withSession=%v", k.Name, k.Session, k.CreatedWithSession))
		}
		want := "test session=false withSession=false|Session session=true withSession=false|from session session=false withSession=true|from key session=false withSession=false"
		if strings.Join(got, "|") != want {
			t.Fatalf("keys:\n%s\nwant\n%s", strings.Join(got, "|"), want)
		}
	})

	t.Run("KeyExpiry", func(t *testing.T) {
		p := newPeople(t, open)
		for _, at := range []time.Time{p.clock.Now(), p.clock.Now().Add(-time.Hour)} {
			err := p.assertUnchanged(t, func() error {
				_, err := p.auth.CreateAPIKey(p.bobCtx, server.APIKeyCreate{Name: "past", ExpiresAt: &at}, nil)
				return err
			})
			assertError(t, err, server.EINVALID, "expiresAt", "The key's expiry is in the past: pick a later date and time, or none for a key that does not expire.")
		}
		at := p.clock.Now().Add(time.Hour)
		key, err := p.auth.CreateAPIKey(p.bobCtx, server.APIKeyCreate{Name: "an hour", ExpiresAt: &at}, nil)
		if err != nil || !key.ExpiresAt.Equal(at) {
			t.Fatalf("key = %+v, %v", key, err)
		}
		if !works(p, key.Key) {
			t.Fatal("the key does not work before its expiry")
		}
		p.clock.Add(time.Hour)
		if works(p, key.Key) {
			t.Fatal("the key works at its expiry")
		}
	})
}

// firstError returns the first error of errs that is not RATE_LIMITED, or a RATE_LIMITED
// one when all are: the answer of a batch that should be refused as a whole.
func firstError(errs []error) error {
	for _, err := range errs {
		if server.ErrorCode(err) != server.ERATELIMITED {
			return err
		}
	}
	return errs[0]
}
