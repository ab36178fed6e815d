package sqlite_test

import (
	"context"
	"testing"

	"useradmin/server"
)

// TestMigration_IssuedKeysEnd checks that migration 017 ends for good the keys that
// someone made for others while an admin, when they were no longer an active admin by the
// time it ran, and no other key.
func TestMigration_IssuedKeysEnd(t *testing.T) {
	f := newFixture(t)
	bob := f.mustCreateUser(t, f.adminCtx, "bob@acme.example", "Bob", "Baker", server.RoleUser)
	ida := f.mustCreateUser(t, f.adminCtx, "ida@acme.example", "Ida", "Issuer", server.RoleAdmin)
	idaCtx, _ := f.mustUserContext(t, f.adminCtx, ida)
	fromAnn, err := f.auth.CreateAPIKey(f.adminCtx, server.APIKeyCreate{Name: "from Ann"}, &server.UserRef{ID: bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	fromIda, err := f.auth.CreateAPIKey(idaCtx, server.APIKeyCreate{Name: "from Ida"}, &server.UserRef{ID: bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The database as migration 016 left it, Ida demoted since.
	for _, stmt := range []string{
		`DROP TRIGGER api_keys_issuer_gone`, `DROP TRIGGER api_keys_issuer_deleted`, `DROP INDEX api_keys_issued_by`,
		`DELETE FROM migrations WHERE name = 'migration/017_issued_keys_end.sql'`,
		`UPDATE users SET role = 'USER' WHERE id = '` + ida.ID + `'`,
	} {
		if err := f.db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	MustCloseDB(t, f.db)
	if err := f.db.Open(); err != nil {
		t.Fatal(err)
	}
	// Ida an admin again: the key she made while one ended for good, Ann's still works.
	if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: ida.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	for key, ended := range map[*server.APIKey]bool{fromAnn: false, fromIda: true} {
		if _, err := f.auth.Authenticate(context.Background(), key.Key); (err != nil) != ended {
			t.Errorf("%q after the migration: %v, want it ended: %v", key.Name, err, ended)
		}
	}
}
