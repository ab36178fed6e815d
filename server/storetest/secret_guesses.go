package storetest

import (
	"context"
	"fmt"
	"testing"

	"useradmin/server"
)

// testSecurity_EveryKindOfSecretGuessedAtOnce has one client guess, at once, every kind
// of secret the directory checks against the same per-client count: API keys, reset
// tokens, invitation tokens in a preview and in an acceptance. However they interleave,
// no more than the limit are told their secret is wrong, the others only to wait; the
// client then learns nothing of a real invitation link or a real key, another client
// still can, and nothing was made.
func testSecurity_EveryKindOfSecretGuessedAtOnce(t *testing.T, open Open) {
	p := newPeople(t, open)
	const client = "198.51.100.60"
	ctx := fromClient(context.Background(), client)
	guesses := []func(i int) error{
		func(i int) error { _, err := p.auth.Authenticate(ctx, fmt.Sprint("ua_key", i)); return err },
		func(i int) error {
			return p.auth.CompletePasswordReset(ctx, fmt.Sprint("ua_reset", i), "a long new password")
		},
		func(i int) error {
			_, err := p.invites.FindInvitationByToken(ctx, fmt.Sprint("ua_invite", i))
			return err
		},
		func(i int) error {
			_, err := p.invites.AcceptInvitation(ctx, fmt.Sprint("ua_accept", i), server.InvitationAccept{Firstname: "Mallory", Password: password})
			return err
		},
	}
	n := Codes(AtOnce(64, func(i int) error { return guesses[i%len(guesses)](i) }))
	if told := n[server.EUNAUTHENTICATED] + n[server.EINVALID]; told > server.DefaultCredentialFailures || told+n[server.ERATELIMITED] != 64 {
		t.Fatalf("answers %v: want at most %d told their secret is wrong, the others RATE_LIMITED", n, server.DefaultCredentialFailures)
	}
	if _, err := p.invites.FindInvitationByToken(ctx, p.ivy.Token); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("a real link from the guessing client: %v", err)
	}
	if _, err := p.invites.AcceptInvitation(ctx, p.ivy.Token, server.InvitationAccept{Firstname: "Mallory", Password: password}); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("accepting a real link from the guessing client: %v", err)
	}
	if _, err := p.auth.Authenticate(ctx, p.bobKey.Key); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("a real key from the guessing client: %v", err)
	}
	if pendingOf(t, p, "ivy@acme.example") != 1 {
		t.Fatal("Ivy's invitation is no longer pending")
	}
	var users int
	if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM users WHERE email = 'ivy@acme.example'`).Scan(&users); err != nil || users != 0 {
		t.Fatalf("%d users made (%v)", users, err)
	}
	if _, err := p.invites.FindInvitationByToken(fromClient(context.Background(), "198.51.100.61"), p.ivy.Token); err != nil {
		t.Fatalf("another client: %v", err)
	}
}
