package postgres_test

import (
	"context"
	"testing"

	"useradmin/server"
	"useradmin/server/postgres"
)

// A database that has users from before migration 013 gets the counts of their grams from
// it, once, with instances starting at once; the counts then follow the writes.
func TestMigration_SearchGrams(t *testing.T) {
	db, org, key, raw := openAcme(t)
	ctx := context.Background()
	for _, stmt := range []string{
		// The database as migration 012 left it.
		`DROP TRIGGER user_grams_insert ON users`, `DROP TRIGGER user_grams_update ON users`, `DROP TRIGGER user_grams_delete ON users`,
		`DROP FUNCTION user_grams_insert()`, `DROP FUNCTION user_grams_update()`, `DROP FUNCTION user_grams_delete()`,
		`DROP TABLE user_grams`, `DROP FUNCTION search_grams(TEXT)`,
		`DELETE FROM migrations WHERE name = 'migration/013_search_grams.sql'`,
		// Users as the store writes them: the search column folded by the program.
		`INSERT INTO users (id, email, firstname, lastname, organization_id, role, activated, created_at, updated_at, search, username)
		VALUES ('u1', 'zoe@acme.example', 'Zoë', 'ÖSTRÖM', '` + org.ID + `', 'USER', true, 1, 1, E'zoe@acme.example\nzoë\nöström\nzoe', 'zoe'),
			('u2', 'mq@acme.example', 'Max', 'Quill', '` + org.ID + `', 'ADMIN', false, 2, 2, E'mq@acme.example\nmax\nquill\nmq', 'mq'),
			('u3', 'anna@acme.example', 'Anna', 'Annersen', '` + org.ID + `', 'USER', false, 3, 3, E'anna@acme.example\nanna\nannersen\nanna', 'anna')`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()

	dbs := openAtOnce(t, db.URL, 3)
	var migrations int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM migrations WHERE name = 'migration/013_search_grams.sql'`).Scan(&migrations); err != nil || migrations != 1 {
		t.Fatalf("migration 013 recorded %d times, %v", migrations, err)
	}
	checkCounts(t, raw)

	auth, err := postgres.NewAuthService(dbs[0]).Authenticate(ctx, key.Key)
	if err != nil {
		t.Fatal(err)
	}
	actx := server.NewContextWithAuth(ctx, auth)
	users := postgres.NewUserService(dbs[1])
	off := false
	for _, tc := range []struct {
		search    string
		activated *bool
		want      int
	}{
		{"Ö", nil, 1}, {"ës", nil, 0}, {"an", nil, 2}, {"an", &off, 1}, {"xq", nil, 0}, {"q", nil, 1}, {"a", nil, 4}, {"a", &off, 2},
	} {
		if n, err := users.CountUsers(actx, server.UserFilter{Search: &tc.search, Activated: tc.activated}); err != nil || n != tc.want {
			t.Errorf("search %q, activated %v: count = %d, %v; want %d", tc.search, tc.activated, n, err, tc.want)
		}
	}
	if _, err := users.UpdateUser(actx, server.UserRef{ID: "u1"}, server.UserUpdate{Lastname: ptrTo("Quist")}); err != nil {
		t.Fatal(err)
	}
	if err := users.DeleteUser(actx, server.UserRef{ID: "u2"}); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, raw)
	for search, want := range map[string]int{"ö": 0, "qu": 1} {
		if n, err := users.CountUsers(actx, server.UserFilter{Search: &search}); err != nil || n != want {
			t.Errorf("after the writes, search %q: count = %d, %v; want %d", search, n, err, want)
		}
	}
}
