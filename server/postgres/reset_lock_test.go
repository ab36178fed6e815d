package postgres_test

import (
	"context"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/postgres"
)

// A reset link is brought while its issuer is being demoted, on another instance: the
// demotion holds the organization's lock and then ends the issuer's links (migration
// 021); the use waits for that lock before it touches the link, so that neither waits for
// the other for good (a deadlock the database would end by failing one of them), and
// then finds the link ended.
func TestConcurrent_ResetWhileItsIssuerIsDemoted(t *testing.T) {
	a, b, annCtx := instances(t)
	users := postgres.NewUserService(a)
	bob, err := users.CreateUser(annCtx, server.UserCreate{Email: "bob@acme.example", Password: "correct horse", Role: server.RoleUser})
	if err != nil {
		t.Fatal(err)
	}
	carol, err := users.CreateUser(annCtx, server.UserCreate{Email: "carol@acme.example", Password: "correct horse", Role: server.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	auth := postgres.NewAuthService(a)
	key, err := auth.CreateAPIKey(annCtx, server.APIKeyCreate{Name: "Carol's"}, &server.UserRef{ID: carol.ID})
	if err != nil {
		t.Fatal(err)
	}
	carolAuth, err := auth.Authenticate(context.Background(), key.Key)
	if err != nil {
		t.Fatal(err)
	}
	reset, _, err := auth.IssuePasswordReset(server.NewContextWithAuth(context.Background(), carolAuth), server.UserRef{ID: bob.ID})
	if err != nil {
		t.Fatal(err)
	}

	raw := mustRaw(t, a)
	demotion, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer demotion.Rollback()
	orgID := server.AuthFromContext(annCtx).User.OrganizationID
	if _, err := demotion.Exec(`SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, orgID); err != nil {
		t.Fatal(err)
	}
	used := make(chan error, 1)
	go func() {
		used <- postgres.NewAuthService(b).CompletePasswordReset(context.Background(), reset.Token, "taken over now")
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the use of the link never waited for the organization's lock")
		}
	}
	if _, err := demotion.Exec(`UPDATE users SET role = 'USER' WHERE id = $1`, carol.ID); err != nil {
		t.Fatalf("the demotion: %v", err)
	}
	if err := demotion.Commit(); err != nil {
		t.Fatalf("the demotion: %v", err)
	}
	if err := <-used; server.ErrorCode(err) != server.EINVALID {
		t.Fatalf("the use of the link: %v, want it refused", err)
	}
	if _, err := auth.SignIn(context.Background(), "bob@acme.example", "taken over now"); server.ErrorCode(err) != server.EUNAUTHENTICATED {
		t.Fatalf("Bob signs in with the password of the refused link: %v", err)
	}
}
