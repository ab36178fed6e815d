package postgres_test

import (
	"context"
	"testing"

	"useradmin/server"
	"useradmin/server/postgres"
)

// TestMigration_IssuedLinksEnd checks that migration 021 ends for good the reset links
// and the invitations as ADMIN that someone made while an admin, when they were no
// longer an active admin by the time it ran, and no other link: neither another admin's,
// nor their invitation as USER.
func TestMigration_IssuedLinksEnd(t *testing.T) {
	db, _, key, raw := openAcme(t)
	ctx := context.Background()
	as := func(db *postgres.DB, key string) context.Context {
		auth, err := postgres.NewAuthService(db).Authenticate(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return server.NewContextWithAuth(ctx, auth)
	}
	ann, users, auth, invites := as(db, key.Key), postgres.NewUserService(db), postgres.NewAuthService(db), postgres.NewInvitationService(db)
	create := func(email string, role server.Role) *server.User {
		u, err := users.CreateUser(ann, server.UserCreate{Email: email, Password: "correct horse", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	bob, ida := create("bob@acme.example", server.RoleUser), create("ida@acme.example", server.RoleAdmin)
	idaKey, err := auth.CreateAPIKey(ann, server.APIKeyCreate{Name: "Ida's"}, &server.UserRef{ID: ida.ID})
	if err != nil {
		t.Fatal(err)
	}
	idaCtx := as(db, idaKey.Key)
	reset := func(ctx context.Context) string {
		r, _, err := auth.IssuePasswordReset(ctx, server.UserRef{ID: bob.ID})
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
	byAnn, byIda := reset(ann), reset(idaCtx)
	idaAsAdmin, idaAsUser := invite(idaCtx, "mallory@acme.example", server.RoleAdmin), invite(idaCtx, "una@acme.example", server.RoleUser)
	annAsAdmin := invite(ann, "ada@acme.example", server.RoleAdmin)
	for _, stmt := range []string{
		// The database as migration 020 left it, Ida demoted since.
		`DROP TRIGGER issued_links_issuer_gone ON users`, `DROP TRIGGER issued_links_issuer_deleted ON users`,
		`DROP FUNCTION issued_links_end()`, `DROP INDEX password_resets_issued_by`,
		`ALTER TABLE password_resets DROP COLUMN revoked_at`,
		`DELETE FROM migrations WHERE name = 'migration/021_issued_links_end.sql'`,
		`UPDATE users SET role = 'USER' WHERE id = '` + ida.ID + `'`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()

	dbs := openAtOnce(t, db.URL, 2)
	ann = as(dbs[0], key.Key)
	users, auth, invites = postgres.NewUserService(dbs[0]), postgres.NewAuthService(dbs[1]), postgres.NewInvitationService(dbs[1])
	// Ida an admin again: what she made while one ended for good, but her invitation as
	// USER; Ann's links work.
	if _, err := users.UpdateUser(ann, server.UserRef{ID: ida.ID}, server.UserUpdate{Role: ptrTo(server.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	if err := auth.CompletePasswordReset(ctx, byIda, "taken over now"); server.ErrorCode(err) != server.EINVALID {
		t.Errorf("Ida's reset link after the migration: %v", err)
	}
	accept := func(token, name string) error {
		_, err := invites.AcceptInvitation(ctx, token, server.InvitationAccept{Firstname: name, Password: "correct horse"})
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
	if err := auth.CompletePasswordReset(ctx, byAnn, "chosen by bob"); err != nil {
		t.Errorf("Ann's reset link after the migration: %v", err)
	}
}
