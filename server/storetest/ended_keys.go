package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"useradmin/server"
)

// A key that once worked and no longer does is refused, but it is no guess: a script that
// keeps sending its revoked key, its expired session, a key made by an admin who has
// since been demoted, or an embed token whose key ended, must not rate-limit every client
// of its address. Guesses, keys that match nothing, still count as before.
func testSecurity_EndedKeysAreNotGuesses(t *testing.T, open Open) {
	p := newPeople(t, open)
	const client = "198.51.100.20"
	ctx := fromClient(fromOrigin(portalOrigin), client)

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
	p.removeAdmin(t, ida, "demoted")
	p.clock.Add(2 * time.Minute)

	ended := map[string]func() error{
		"a revoked key":                     func() error { _, err := p.auth.Authenticate(ctx, revoked.Key); return err },
		"an expired key":                    func() error { _, err := p.auth.Authenticate(ctx, expired.Key); return err },
		"the right pair of an expired key":  func() error { _, err := p.auth.AuthenticatePair(ctx, expired.ID, expired.Key); return err },
		"a key a demoted admin made":        func() error { _, err := p.auth.Authenticate(ctx, fromIda.Key); return err },
		"an embed token minted by her, too": func() error { _, err := p.auth.Authenticate(ctx, token.Token); return err },
	}
	tries := 3 * server.DefaultCredentialFailures
	for name, try := range ended {
		for i := range tries {
			if err := try(); server.ErrorCode(err) != server.EUNAUTHENTICATED {
				t.Fatalf("%s, try %d: %v, want UNAUTHENTICATED", name, i+1, err)
			}
		}
		n := Codes(AtOnce(tries, func(int) error { return try() }))
		if n[server.EUNAUTHENTICATED] != tries {
			t.Fatalf("%s, %d at once: %v, want all UNAUTHENTICATED", name, tries, n)
		}
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
