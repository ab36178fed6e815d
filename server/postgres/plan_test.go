package postgres_test

import (
	"context"
	"testing"

	"useradmin/server"
	"useradmin/server/postgres"
)

// The key check and the caller's check are prepared once per connection (everyRequest).
// A migration that changes the type of a column they read, run by a newer instance while
// this one serves, must not fail a request here: PostgreSQL refuses to run a prepared
// statement whose result's types changed ("cached plan must not change result type"),
// once on each connection, so that each request on each connection would fail before the
// driver prepares the statement again.
func TestPreparedChecksOutliveAColumnTypeChange(t *testing.T) {
	_, b, ctx := instances(t)
	users, auth := postgres.NewUserService(b), postgres.NewAuthService(b)
	key, err := auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: "script"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	requests := func(when string) {
		t.Helper()
		for i := range 20 {
			a, err := auth.Authenticate(context.Background(), key.Key)
			if err != nil {
				t.Fatalf("%s, request %d: authenticate: %v", when, i, err)
			}
			if _, err := users.CountUsers(server.NewContextWithAuth(context.Background(), a), server.UserFilter{}); err != nil {
				t.Fatalf("%s, request %d: the caller's check: %v", when, i, err)
			}
		}
	}
	requests("before the migration")
	for _, alter := range []string{
		`ALTER TABLE users ALTER COLUMN firstname TYPE varchar(500)`,
		`ALTER TABLE api_keys ALTER COLUMN expires_at TYPE numeric`,
		`ALTER TABLE credential_attempts ALTER COLUMN failures TYPE bigint`,
	} {
		if _, err := mustRaw(t, b).Exec(alter); err != nil {
			t.Fatal(err)
		}
		requests("after " + alter)
	}
}
