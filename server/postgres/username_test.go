package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"useradmin/server"
	"useradmin/server/postgres"
)

// The users stored before usernames existed get one made from their email, unique,
// oldest first, by the migration, which instances starting at once apply once; the
// search then finds them by it.
func TestMigration_Usernames(t *testing.T) {
	db, org, key, raw := openAcme(t)
	ctx := context.Background()
	long := strings.Repeat("a", 200)
	for _, stmt := range []string{
		// The database as migration 004 left it.
		`DROP TRIGGER users_username_fill ON users`, `DROP FUNCTION users_username_fill()`,
		`DELETE FROM migrations WHERE name = 'migration/012_username_fill.sql'`,
		`ALTER TABLE users DROP COLUMN username`,
		`UPDATE users SET search = regexp_replace(search, E'\n[^\n]*$', '')`,
		`DELETE FROM migrations WHERE name = 'migration/005_usernames.sql'`,
		`INSERT INTO users (id, email, organization_id, role, created_at, updated_at, search)
		SELECT 'u' || n, email, '` + org.ID + `', 'USER', n, n, email || E'\n\n'
		FROM unnest(ARRAY['bob@acme.example', 'bob@x.example', 'bob-2@y.example', 'ü@acme.example', 'user@z.example',
			'` + long + `@acme.example', 'Zoë.O''Brien+x@acme.example']) WITH ORDINALITY AS e(email, n)`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()

	dbs := openAtOnce(t, db.URL, 3)

	want := map[string]string{
		"u1": "bob", "u2": "bob-2", "u3": "bob-2-2", "u4": "user", "u5": "user-2",
		"u6": strings.Repeat("a", server.MaxUsernameLength-12), "u7": "zo.obrienx",
	}
	rows, err := raw.Query(`SELECT id, username, search FROM users WHERE id ~ '^u[0-9]+$'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, search string
		if err := rows.Scan(&id, &name, &search); err != nil {
			t.Fatal(err)
		}
		if name != want[id] {
			t.Errorf("%s: username %q, want %q", id, name, want[id])
		}
		if !strings.HasSuffix(search, "\n\n\n"+strings.ToLower(name)) {
			t.Errorf("%s: search %q does not end with the username", id, search)
		}
	}
	var migrations int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM migrations WHERE name = 'migration/005_usernames.sql'`).Scan(&migrations); err != nil || migrations != 1 {
		t.Fatalf("migration 005 recorded %d times, %v", migrations, err)
	}

	auth, err := postgres.NewAuthService(dbs[1]).Authenticate(ctx, key.Key)
	if err != nil {
		t.Fatal(err)
	}
	actx := server.NewContextWithAuth(ctx, auth)
	users := postgres.NewUserService(dbs[2])
	for search, id := range map[string]string{"bob-2-2": "u3", "USER-2": "u5"} {
		got, err := users.FindUsers(actx, server.UserFilter{Search: &search}, server.Page{Limit: 10}, nil)
		if err != nil || len(got) != 1 || got[0].ID != id {
			t.Fatalf("search %q: %v %v, want %s", search, got, err, id)
		}
	}
	// The next Bob takes the first free name.
	bob, err := users.CreateUser(actx, server.UserCreate{Email: "bob@w.example", Password: "correct horse", Role: server.RoleUser})
	if err != nil || bob.Username != "bob-3" {
		t.Fatalf("new bob %+v %v", bob, err)
	}
	// The database refuses what the program would: a taken name in another case, an
	// empty one, one of other characters.
	for _, stmt := range []string{
		`UPDATE users SET username = 'BOB' WHERE id = 'u2'`,
		`UPDATE users SET username = '' WHERE id = 'u2'`,
		`UPDATE users SET username = 'bob baker' WHERE id = 'u2'`,
		`UPDATE users SET username = '` + strings.Repeat("b", server.MaxUsernameLength+1) + `' WHERE id = 'u2'`,
		`UPDATE users SET username = E'bob\n' WHERE id = 'u2'`,
		`UPDATE users SET username = 'bøb' WHERE id = 'u2'`,
	} {
		if _, err := raw.Exec(stmt); err == nil {
			t.Errorf("%s: stored", stmt)
		}
	}
	// And takes the longest name the program makes (migration 014 rewrote the check).
	if _, err := raw.Exec(`UPDATE users SET username = '` + strings.Repeat("c", server.MaxUsernameLength) + `' WHERE id = 'u2'`); err != nil {
		t.Errorf("a username of %d characters: %v", server.MaxUsernameLength, err)
	}
}

// An instance still running code from before usernames inserts users as that code did,
// without a username: the database gives them one, as the store would, and a user of
// the new code then gets the next free name.
func TestMigration_OlderInstancesCreateUsers(t *testing.T) {
	db, org, key, raw := openAcme(t)
	ctx := context.Background()
	// createUser's statement before migration 005.
	insert := `INSERT INTO users (id, email, firstname, lastname, activated, organization_id, role, password_hash, created_at, updated_at, search)
		VALUES ($1, $2, 'Ann', 'Old', true, $3, 'USER', NULL, 1, 1, $2 || E'\nann\nold')`
	for id, email := range map[string]string{"old1": "ann@old.example", "old2": "Ann@other.example"} {
		if _, err := raw.Exec(insert, id, email, org.ID); err != nil {
			t.Fatalf("the older code's insert of %s: %v", email, err)
		}
	}
	want := map[string]bool{"ann-2": true, "ann-3": true} // ann is the organization's first admin
	rows, err := raw.Query(`SELECT username, search FROM users WHERE id IN ('old1', 'old2')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, search string
		if err := rows.Scan(&name, &search); err != nil {
			t.Fatal(err)
		}
		if !want[name] {
			t.Errorf("username %q, want one of %v", name, want)
		}
		delete(want, name)
		if !strings.HasSuffix(search, "\nold\n"+name) {
			t.Errorf("search %q does not end with the username", search)
		}
	}

	auth, err := postgres.NewAuthService(db).Authenticate(ctx, key.Key)
	if err != nil {
		t.Fatal(err)
	}
	actx := server.NewContextWithAuth(ctx, auth)
	users := postgres.NewUserService(db)
	search := "ann-3"
	if got, err := users.FindUsers(actx, server.UserFilter{Search: &search}, server.Page{Limit: 10}, nil); err != nil || len(got) != 1 {
		t.Fatalf("search %q: %v %v, want one user", search, got, err)
	}
	ann, err := users.CreateUser(actx, server.UserCreate{Email: "ann@new.example", Password: "correct horse", Role: server.RoleUser})
	if err != nil || ann.Username != "ann-4" {
		t.Fatalf("new ann %+v %v, want ann-4", ann, err)
	}
	// A username the writer gives is kept.
	if _, err := raw.Exec(`INSERT INTO users (id, email, organization_id, role, created_at, updated_at, search, username)
		VALUES ('new1', 'x@new.example', $1, 'USER', 1, 1, '', 'Chosen')`, org.ID); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := raw.QueryRow(`SELECT username FROM users WHERE id = 'new1'`).Scan(&name); err != nil || name != "Chosen" {
		t.Fatalf("username %q %v, want Chosen", name, err)
	}
}

// openAcme opens a database with the organization Acme and its admin ann@acme.example,
// and a connection to it that goes around the store.
func openAcme(t *testing.T) (*postgres.DB, *server.Organization, *server.APIKey, *sql.DB) {
	t.Helper()
	db := mustOpenDB(t)
	org, _, key, err := db.CreateOrganization(context.Background(), "Acme", server.UserCreate{Email: "ann@acme.example", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	return db, org, key, mustRaw(t, db)
}

// openAtOnce opens n instances of the store on the database at url at the same time, as
// instances started together do, so that their migrations race; they close at the end of
// the test.
func openAtOnce(t *testing.T, url string, n int) []*postgres.DB {
	t.Helper()
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() {
			dbs[i] = postgres.NewDB(url)
			errs[i] = dbs[i].Open()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	return dbs
}
