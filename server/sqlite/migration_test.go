package sqlite_test

import (
	"context"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
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

// TestMigration_IssuedLinksEnd checks that migration 019 ends for good the reset links
// and the invitations as ADMIN that someone made while an admin, when they were no
// longer an active admin by the time it ran, and no other link: neither another admin's,
// nor their invitation as USER.
func TestMigration_IssuedLinksEnd(t *testing.T) {
	f := newFixture(t)
	invites := sqlite.NewInvitationService(f.db)
	bob := f.mustCreateUser(t, f.adminCtx, "bob@acme.example", "Bob", "Baker", server.RoleUser)
	ida := f.mustCreateUser(t, f.adminCtx, "ida@acme.example", "Ida", "Issuer", server.RoleAdmin)
	idaCtx, _ := f.mustUserContext(t, f.adminCtx, ida)
	reset := func(ctx context.Context) string {
		r, _, err := f.auth.IssuePasswordReset(ctx, server.UserRef{ID: bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		return r.Token
	}
	invite := func(ctx context.Context, email string, role server.Role) string {
		res, err := invites.InviteUsers(ctx, []string{email}, role)
		if err != nil || res[0].Token == "" {
			t.Fatalf("invite %s: %+v %v", email, res, err)
		}
		return res[0].Token
	}
	byAnn, byIda := reset(f.adminCtx), reset(idaCtx)
	idaAsAdmin, idaAsUser := invite(idaCtx, "mallory@acme.example", server.RoleAdmin), invite(idaCtx, "una@acme.example", server.RoleUser)
	annAsAdmin := invite(f.adminCtx, "ada@acme.example", server.RoleAdmin)
	// The database as migration 018 left it, Ida demoted since.
	for _, stmt := range []string{
		`DROP TRIGGER issued_links_issuer_gone`, `DROP TRIGGER issued_links_issuer_deleted`, `DROP INDEX password_resets_issued_by`,
		`ALTER TABLE password_resets DROP COLUMN revoked_at`,
		`DELETE FROM migrations WHERE name = 'migration/019_issued_links_end.sql'`,
		`UPDATE users SET role = 'USER' WHERE id = '` + ida.ID + `'`,
	} {
		if err := f.db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	MustCloseDB(t, f.db)
	if err := f.db.Open(); err != nil {
		t.Fatal(err)
	}
	// Ida an admin again: what she made while one ended for good, but her invitation as
	// USER; Ann's links work.
	if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: ida.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	if err := f.auth.CompletePasswordReset(context.Background(), byIda, "taken over now"); server.ErrorCode(err) != server.EINVALID {
		t.Errorf("Ida's reset link after the migration: %v", err)
	}
	accept := func(token, name string) error {
		_, err := invites.AcceptInvitation(context.Background(), token, server.InvitationAccept{Firstname: name, Password: password})
		return err
	}
	if err := accept(idaAsAdmin, "Mallory"); server.ErrorCode(err) != server.EINVALID {
		t.Errorf("Ida's invitation as ADMIN after the migration: %v", err)
	}
	for token, name := range map[string]string{idaAsUser: "Una", annAsAdmin: "Ada"} {
		if err := accept(token, name); err != nil {
			t.Errorf("%s's invitation after the migration: %v", name, err)
		}
	}
	if err := f.auth.CompletePasswordReset(context.Background(), byAnn, "chosen by bob"); err != nil {
		t.Errorf("Ann's reset link after the migration: %v", err)
	}
}
