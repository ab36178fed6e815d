package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

// A key or reset link that once worked and no longer does is refused, but it is no guess:
// a script that keeps sending its revoked key, its expired session, a key made by an
// admin who has since been demoted, or an embed token whose key ended, and a person who
// clicks a used or expired reset link again, must not rate-limit every client of their
// address. Guesses, keys and links that match nothing, still count as before.
func testSecurity_EndedKeysAreNotGuesses(t *testing.T, open Open) {
	p := newPeople(t, open)
	const client = "198.51.100.20"
	ctx := fromClient(fromOrigin(portalOrigin), client)

	stale, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.carol.ID})
	if err != nil {
		t.Fatal(err)
	}
	p.clock.Add(server.PasswordResetLifetime + time.Minute)
	used, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.carol.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.auth.CompletePasswordReset(fromClient(context.Background(), "198.51.100.22"), used.Token, "carol's new password"); err != nil {
		t.Fatal(err)
	}
	_, revoked := p.mustUserContext(t, p.adminCtx, p.bob)
	if err := p.auth.RevokeAPIKey(p.adminCtx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	soon := p.clock.Now().Add(time.Minute)
	expired, err := p.auth.CreateAPIKey(p.bobCtx, server.APIKeyCreate{Name: "short", ExpiresAt: &soon}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ida := p.mustCreateUser(t, p.adminCtx, "ida@acme.example", "Ida", "Issuer", server.RoleAdmin)
	idaCtx, _ := p.mustUserContext(t, p.adminCtx, ida)
	fromIda, err := p.auth.CreateAPIKey(idaCtx, server.APIKeyCreate{Name: "for Bob"}, &server.UserRef{ID: p.bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	token := p.mustMint(t, idaCtx, p.bob, server.ScopeFull, time.Hour)
	fromIdaReset, _, err := p.auth.IssuePasswordReset(idaCtx, server.UserRef{ID: p.bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	p.removeAdmin(t, ida, "demoted")
	p.clock.Add(2 * time.Minute)

	ended := map[string]func() error{
		"a revoked key":                     func() error { _, err := p.auth.Authenticate(ctx, revoked.Key); return err },
		"an expired key":                    func() error { _, err := p.auth.Authenticate(ctx, expired.Key); return err },
		"the right pair of an expired key":  func() error { _, err := p.auth.AuthenticatePair(ctx, expired.ID, expired.Key); return err },
		"a key a demoted admin made":        func() error { _, err := p.auth.Authenticate(ctx, fromIda.Key); return err },
		"an embed token minted by her, too": func() error { _, err := p.auth.Authenticate(ctx, token.Token); return err },
		"a reset link she made":             func() error { return p.auth.CompletePasswordReset(ctx, fromIdaReset.Token, "taken over now") },
		"a used reset link":                 func() error { return p.auth.CompletePasswordReset(ctx, used.Token, "taken over now") },
		"an expired reset link":             func() error { return p.auth.CompletePasswordReset(ctx, stale.Token, "taken over now") },
	}
	tries := 3 * server.DefaultCredentialFailures
	before := p.store.Dump(t)
	for name, try := range ended {
		want := server.EUNAUTHENTICATED
		if strings.Contains(name, "reset link") {
			want = server.EINVALID
		}
		for i := range tries {
			if err := try(); server.ErrorCode(err) != want {
				t.Fatalf("%s, try %d: %v, want %s", name, i+1, err, want)
			}
		}
		// A reset link's attempt is counted before the link is looked up and given back
		// after, so that at once, some may be told to wait; none may count for longer.
		n := Codes(AtOnce(tries, func(int) error { return try() }))
		if n[want] != tries && (want != server.EINVALID || n[want]+n[server.ERATELIMITED] != tries) {
			t.Fatalf("%s, %d at once: %v, want all %s", name, tries, n, want)
		}
	}
	if p.store.Dump(t) != before {
		t.Fatal("refused keys and links changed what is stored")
	}
	if _, err := p.auth.Authenticate(ctx, p.bobKey.Key); err != nil {
		t.Fatalf("a working key from the address of the ended ones: %v", err)
	}

	// Guesses from that address still count, and still lock it out at the limit.
	for i := range server.DefaultCredentialFailures {
		_, err := p.auth.Authenticate(ctx, fmt.Sprint("ua_guess", i))
		assertCode(t, err, server.EUNAUTHENTICATED)
	}
	if _, err := p.auth.Authenticate(ctx, p.bobKey.Key); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("a working key after the limit of guesses: %v, want RATE_LIMITED", err)
	}
	if _, err := p.auth.Authenticate(fromClient(context.Background(), "198.51.100.21"), revoked.Key); server.ErrorCode(err) != server.EUNAUTHENTICATED {
		t.Fatalf("the revoked key from another address: %v", err)
	}
}
