package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server"
)

// The portals the directory allows in these tests.
const (
	portalOrigin = "https://portal.acme.example"
	otherPortal  = "https://other.example"
)

var allowedOrigins = []string{portalOrigin, otherPortal}

// mustMint mints a token for user with the admin key in ctx.
func (p *people) mustMint(tb testing.TB, ctx context.Context, user *server.User, scope server.EmbedScope, lifetime time.Duration) *server.EmbedToken {
	tb.Helper()
	t, err := p.store.EmbedTokens.CreateEmbedToken(ctx, server.EmbedTokenCreate{UserID: user.ID, Origin: portalOrigin, Scope: scope, Lifetime: lifetime}, allowedOrigins)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// fromOrigin returns a context for a request from origin ("" for none).
func fromOrigin(origin string) context.Context {
	if origin == "" {
		return context.Background()
	}
	return server.NewContextWithOrigin(context.Background(), origin)
}

// mustTokenContext authenticates token from the portal's origin.
func (p *people) mustTokenContext(tb testing.TB, token string) context.Context {
	tb.Helper()
	ctx := fromOrigin(portalOrigin)
	auth, err := p.auth.Authenticate(ctx, token)
	if err != nil {
		tb.Fatal(err)
	}
	return server.NewContextWithAuth(ctx, auth)
}

func testEmbedToken_MintAndUse(t *testing.T, open Open) {
	p := newPeople(t, open)
	tok := p.mustMint(t, p.adminCtx, p.bob, "", 0)
	if tok.Scope != server.ScopeFull || !tok.ExpiresAt.Equal(p.clock.Now().Add(server.DefaultEmbedTokenLifetime)) || tok.Origin != portalOrigin {
		t.Fatalf("token = %+v, want FULL for 15 minutes from %s", tok, portalOrigin)
	}
	if !strings.HasPrefix(tok.Token, "uaet_") {
		t.Fatalf("token %q does not start with uaet_", tok.Token)
	}
	if strings.Contains(p.store.Dump(t), tok.Token) {
		t.Fatal("the token is stored as it is, not hashed")
	}
	ctx := p.mustTokenContext(t, tok.Token)
	if a := server.AuthFromContext(ctx); a.User.ID != p.bob.ID || a.Embed == nil || !a.Embed.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("auth = %+v, want Bob's with the token's grant", a)
	}
	users, err := p.users.FindUsers(ctx, server.UserFilter{}, server.Page{Limit: 10}, nil)
	if err != nil || len(users) != 1 || users[0].ID != p.bob.ID {
		t.Fatalf("Bob's token sees %v, %v; want Bob alone", ids(users), err)
	}
	if _, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Firstname: ptr("Robert")}); err != nil {
		t.Fatalf("FULL token of Bob cannot change his own name: %v", err)
	}
	// FULL is never more than the role: Bob's token cannot do what Bob cannot.
	err = p.assertUnchanged(t, func() error { return p.users.DeleteUser(ctx, server.UserRef{ID: p.carol.ID}) })
	assertCode(t, err, server.EFORBIDDEN)
	_, err = p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)})
	assertCode(t, err, server.EFORBIDDEN)

	// The token holds across instances: another DB on the same file accepts it.
	if a, err := p.store.OtherInstance(t, p.clock.Now).Authenticate(fromOrigin(portalOrigin), tok.Token); err != nil || a.User.ID != p.bob.ID {
		t.Fatalf("another instance: %v, %v", a, err)
	}
}

func testEmbedToken_MintRules(t *testing.T, open Open) {
	p := newPeople(t, open)
	bobToken := p.mustMint(t, p.adminCtx, p.bob, server.ScopeFull, time.Minute)
	annRead := p.mustMint(t, p.adminCtx, p.admin, server.ScopeReadOnly, time.Minute)
	annFull := p.mustMint(t, p.adminCtx, p.admin, server.ScopeFull, time.Minute)
	session, err := p.auth.SignIn(context.Background(), "ann@acme.example", password)
	if err != nil {
		t.Fatal(err)
	}
	sessionCtx := p.mustAuthenticate(t, session.APIKey)
	dee := p.mustCreateUser(t, p.adminCtx, "dee@acme.example", "Dee", "Down", server.RoleUser)
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: dee.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	create := func(user string) server.EmbedTokenCreate {
		return server.EmbedTokenCreate{UserID: user, Origin: portalOrigin}
	}
	cases := []struct {
		name    string
		ctx     context.Context
		create  server.EmbedTokenCreate
		allowed []string
		code    string
	}{
		{"anonymous", context.Background(), create(p.bob.ID), allowedOrigins, server.EUNAUTHENTICATED},
		{"a USER's key", p.bobCtx, create(p.bob.ID), allowedOrigins, server.EFORBIDDEN},
		{"a session", sessionCtx, create(p.bob.ID), allowedOrigins, server.EFORBIDDEN},
		{"a token mints a token", p.mustTokenContext(t, bobToken.Token), create(p.bob.ID), allowedOrigins, server.EFORBIDDEN},
		{"an ADMIN's read-only token", p.mustTokenContext(t, annRead.Token), create(p.bob.ID), allowedOrigins, server.EFORBIDDEN},
		{"an ADMIN's full token", p.mustTokenContext(t, annFull.Token), create(p.bob.ID), allowedOrigins, server.EFORBIDDEN},
		{"another organization's ADMIN", p.gusCtx, create(p.bob.ID), allowedOrigins, server.ENOTFOUND},
		{"an unknown user", p.adminCtx, create("nobody"), allowedOrigins, server.ENOTFOUND},
		{"a deactivated user", p.adminCtx, create(dee.ID), allowedOrigins, server.EFORBIDDEN},
		{"an origin not allowed", p.adminCtx, server.EmbedTokenCreate{UserID: p.bob.ID, Origin: "https://evil.example"}, allowedOrigins, server.EINVALID},
		{"an origin with a path", p.adminCtx, server.EmbedTokenCreate{UserID: p.bob.ID, Origin: portalOrigin + "/"}, allowedOrigins, server.EINVALID},
		{"no origin allowed", p.adminCtx, create(p.bob.ID), nil, server.EINVALID},
		{"over an hour", p.adminCtx, server.EmbedTokenCreate{UserID: p.bob.ID, Origin: portalOrigin, Lifetime: time.Hour + time.Second}, allowedOrigins, server.EINVALID},
		{"under 10 seconds", p.adminCtx, server.EmbedTokenCreate{UserID: p.bob.ID, Origin: portalOrigin, Lifetime: 9 * time.Second}, allowedOrigins, server.EINVALID},
		{"negative", p.adminCtx, server.EmbedTokenCreate{UserID: p.bob.ID, Origin: portalOrigin, Lifetime: -time.Minute}, allowedOrigins, server.EINVALID},
		{"an unknown scope", p.adminCtx, server.EmbedTokenCreate{UserID: p.bob.ID, Origin: portalOrigin, Scope: "ADMIN"}, allowedOrigins, server.EINVALID},
		{"a long id", p.adminCtx, create(strings.Repeat("x", 65)), allowedOrigins, server.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := p.assertUnchanged(t, func() error {
				_, err := p.store.EmbedTokens.CreateEmbedToken(c.ctx, c.create, c.allowed)
				return err
			})
			assertCode(t, err, c.code)
		})
	}
	// An hour exactly is allowed, and an ADMIN mints for another ADMIN of theirs.
	if tok, err := p.store.EmbedTokens.CreateEmbedToken(p.adminCtx, server.EmbedTokenCreate{UserID: p.admin.ID, Origin: otherPortal, Lifetime: time.Hour, Scope: server.ScopeNoDelete}, allowedOrigins); err != nil || !tok.ExpiresAt.Equal(p.clock.Now().Add(time.Hour)) {
		t.Fatalf("an hour: %+v, %v", tok, err)
	}
}

func testEmbedToken_Refused(t *testing.T, open Open) {
	// Each way a token stops working, checked both when a request authenticates and for
	// a request that authenticated before the change (a long query, parallel requests).
	p := newPeople(t, open)
	dee := p.mustCreateUser(t, p.adminCtx, "dee@acme.example", "Dee", "Admin", server.RoleAdmin)
	eve := p.mustCreateUser(t, p.adminCtx, "eve@acme.example", "Eve", "Early", server.RoleUser)
	cases := []struct {
		name   string
		user   *server.User
		change func(t *testing.T, tok *server.EmbedToken)
		want   string
	}{
		{"expired", p.bob, func(t *testing.T, tok *server.EmbedToken) { p.clock.Add(time.Minute) },
			"This embed token expired: your portal asks its back end for a new one, or reload the page."},
		{"deactivated", p.carol, func(t *testing.T, tok *server.EmbedToken) {
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
				t.Fatal(err)
			}
		}, "Your account is deactivated: ask an admin of your organization to activate it."},
		{"demoted", dee, func(t *testing.T, tok *server.EmbedToken) {
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: dee.ID}, server.UserUpdate{Role: ptr(server.RoleUser)}); err != nil {
				t.Fatal(err)
			}
		}, "Your role changed since your portal made this token: reload the page to get one for your role now."},
		{"promoted", eve, func(t *testing.T, tok *server.EmbedToken) {
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: eve.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)}); err != nil {
				t.Fatal(err)
			}
		}, "Your role changed since your portal made this token: reload the page to get one for your role now."},
		{"deleted", p.ivyUser(t), func(t *testing.T, tok *server.EmbedToken) {
			if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: tok.UserID}); err != nil {
				t.Fatal(err)
			}
		}, "Your API key is not valid: ask an admin for a new one or sign in again."},
		{"signed out", p.bob, func(t *testing.T, tok *server.EmbedToken) {
			if err := p.auth.SignOut(p.mustTokenContext(t, tok.Token)); err != nil {
				t.Fatal(err)
			}
		}, "Your API key is not valid: ask an admin for a new one or sign in again."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lifetime := time.Minute
			if c.name == "expired" {
				lifetime = 30 * time.Second
			}
			tok := p.mustMint(t, p.adminCtx, c.user, server.ScopeFull, lifetime)
			before := p.mustTokenContext(t, tok.Token)
			c.change(t, tok)
			_, err := p.auth.Authenticate(fromOrigin(portalOrigin), tok.Token)
			assertError(t, err, server.EUNAUTHENTICATED, "", c.want)
			_, err = p.users.FindUsers(before, server.UserFilter{}, server.Page{Limit: 10}, nil)
			assertError(t, err, server.EUNAUTHENTICATED, "", c.want)
			err = p.assertUnchanged(t, func() error {
				_, err := p.users.UpdateUser(before, server.UserRef{ID: c.user.ID}, server.UserUpdate{Firstname: ptr("Mallory")})
				return err
			})
			assertError(t, err, server.EUNAUTHENTICATED, "", c.want)
		})
	}

	t.Run("the minting key revoked", func(t *testing.T) {
		key, err := p.auth.CreateAPIKey(p.adminCtx, server.APIKeyCreate{Name: "portal"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tok := p.mustMint(t, p.mustAuthenticate(t, key.Key), p.bob, server.ScopeFull, time.Minute)
		before := p.mustTokenContext(t, tok.Token)
		if err := p.auth.RevokeAPIKey(p.adminCtx, key.ID); err != nil {
			t.Fatal(err)
		}
		_, err = p.auth.Authenticate(fromOrigin(portalOrigin), tok.Token)
		assertCode(t, err, server.EUNAUTHENTICATED)
		_, err = p.users.CountUsers(before, server.UserFilter{})
		assertCode(t, err, server.EUNAUTHENTICATED)
	})

	t.Run("another origin", func(t *testing.T) {
		tok := p.mustMint(t, p.adminCtx, p.bob, server.ScopeFull, time.Minute)
		for _, origin := range []string{"", otherPortal, "https://evil.example", portalOrigin + "/", strings.ToUpper(portalOrigin), "null"} {
			_, err := p.auth.Authenticate(fromOrigin(origin), tok.Token)
			assertError(t, err, server.EUNAUTHENTICATED, "",
				"This embed token works only from the portal it was made for: use it from that portal's page, or mint one for this origin.")
		}
		// A request authenticated from the portal, but running with another origin.
		auth := server.AuthFromContext(p.mustTokenContext(t, tok.Token))
		ctx := server.NewContextWithAuth(fromOrigin(otherPortal), auth)
		_, err := p.users.CountUsers(ctx, server.UserFilter{})
		assertCode(t, err, server.EUNAUTHENTICATED)
	})

	t.Run("a guessed token", func(t *testing.T) {
		_, err := p.auth.Authenticate(fromOrigin(portalOrigin), "uaet_"+strings.Repeat("A", 43))
		assertError(t, err, server.EUNAUTHENTICATED, "", "Your API key is not valid: ask an admin for a new one or sign in again.")
	})
}

// ivyUser is a user made for one test, which deletes them.
func (p *people) ivyUser(tb testing.TB) *server.User {
	return p.mustCreateUser(tb, p.adminCtx, "del@acme.example", "Del", "Eted", server.RoleUser)
}

// attempts counts the stored credential attempts.
func attempts(tb testing.TB, p *people) int {
	tb.Helper()
	var n int
	if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM credential_attempts`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// writes are every write of the store, for a caller acting on Bob, Carol and Ivy's
// invitation.
func (p *people) writes() map[string]func(ctx context.Context) error {
	keyOfBob := p.bobKey.ID
	return map[string]func(ctx context.Context) error{
		"createUser": func(ctx context.Context) error {
			_, err := p.users.CreateUser(ctx, server.UserCreate{Email: "new@acme.example", Password: password, Role: server.RoleUser})
			return err
		},
		"updateUser names": func(ctx context.Context) error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Firstname: ptr("Mallory")})
			return err
		},
		"updateUser own names": func(ctx context.Context) error {
			me := server.UserFromContext(ctx)
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: me.ID}, server.UserUpdate{Lastname: ptr("Mallory")})
			return err
		},
		"updateUser deactivate": func(ctx context.Context) error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)})
			return err
		},
		"updateUser role": func(ctx context.Context) error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)})
			return err
		},
		"deleteUser": func(ctx context.Context) error { return p.users.DeleteUser(ctx, server.UserRef{ID: p.carol.ID}) },
		"updatePassword": func(ctx context.Context) error {
			me := server.UserFromContext(ctx)
			_, err := p.users.UpdatePassword(ctx, server.UserRef{ID: me.ID}, server.PasswordChange{Old: password, New1: "new password here", New2: "new password here"})
			return err
		},
		"updatePassword wrong": func(ctx context.Context) error {
			me := server.UserFromContext(ctx)
			_, err := p.users.UpdatePassword(ctx, server.UserRef{ID: me.ID}, server.PasswordChange{Old: "wrong guess", New1: "new password here", New2: "new password here"})
			return err
		},
		"createApiKey": func(ctx context.Context) error {
			_, err := p.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: "mine"}, nil)
			return err
		},
		"createApiKey for Bob": func(ctx context.Context) error {
			_, err := p.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: "bob's"}, &server.UserRef{ID: p.bob.ID})
			return err
		},
		"revokeApiKey": func(ctx context.Context) error { return p.auth.RevokeAPIKey(ctx, keyOfBob) },
		"issuePasswordReset": func(ctx context.Context) error {
			_, _, err := p.auth.IssuePasswordReset(ctx, server.UserRef{ID: p.carol.ID})
			return err
		},
		"signOut": func(ctx context.Context) error { return p.auth.SignOut(ctx) },
		"inviteUsers": func(ctx context.Context) error {
			_, err := p.invites.InviteUsers(ctx, []string{"zed@acme.example"}, server.RoleUser)
			return err
		},
		"resendInvitation": func(ctx context.Context) error {
			_, err := p.invites.ResendInvitation(ctx, p.ivy.Invitation.ID)
			return err
		},
		"createInvitationLink": func(ctx context.Context) error {
			_, err := p.invites.CreateInvitationLink(ctx, p.ivy.Invitation.ID)
			return err
		},
		"revokeInvitation": func(ctx context.Context) error {
			_, err := p.invites.RevokeInvitation(ctx, p.ivy.Invitation.ID)
			return err
		},
		"createEmbedToken": func(ctx context.Context) error {
			_, err := p.store.EmbedTokens.CreateEmbedToken(ctx, server.EmbedTokenCreate{UserID: p.bob.ID, Origin: portalOrigin}, allowedOrigins)
			return err
		},
		// The bulk actions and the import write many users at once: a scope holds for
		// them as for the single writes.
		"deleteUsers in bulk": func(ctx context.Context) error {
			_, err := p.store.Bulk.ApplyBulk(ctx, server.UserFilter{IDIn: []string{p.carol.ID}}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10})
			return err
		},
		"updateUsers in bulk": func(ctx context.Context) error {
			_, err := p.store.Bulk.ApplyBulk(ctx, server.UserFilter{IDIn: []string{p.carol.ID}}, server.BulkChange{Activated: ptr(false)}, server.BulkBatch{Limit: 10})
			return err
		},
		"importUsers": func(ctx context.Context) error {
			_, err := p.store.Imports.ImportUsers(ctx, []server.ImportRow{{Line: 2, Email: "imported@acme.example"}},
				server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
			return err
		},
	}
}

func testEmbedToken_ReadOnlyRefusesEveryWrite(t *testing.T, open Open) {
	// An ADMIN's read-only token, which the role alone would let do every write: each is
	// refused FORBIDDEN, alone and twenty at once, and nothing stored changes, not even a
	// count of password attempts.
	p := newPeople(t, open)
	ctx := p.mustTokenContext(t, p.mustMint(t, p.adminCtx, p.admin, server.ScopeReadOnly, 0).Token)
	before := attempts(t, p)
	for name, write := range p.writes() {
		t.Run(name, func(t *testing.T) {
			err := p.assertUnchanged(t, func() error { return write(ctx) })
			assertCode(t, err, server.EFORBIDDEN)
		})
	}
	t.Run("parallel", func(t *testing.T) {
		err := p.assertUnchanged(t, func() error {
			var wg sync.WaitGroup
			errs := make(chan error, 20*len(p.writes()))
			for range 20 {
				for _, write := range p.writes() {
					wg.Go(func() { errs <- write(ctx) })
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if server.ErrorCode(err) != server.EFORBIDDEN {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("a parallel write was not refused FORBIDDEN: %v", err)
		}
	})
	if n := attempts(t, p); n != before {
		t.Fatalf("credential attempts: %d, were %d", n, before)
	}
	// Reads work.
	if n, err := p.users.CountUsers(ctx, server.UserFilter{}); err != nil || n != 3 {
		t.Fatalf("count: %d, %v", n, err)
	}
	if invs, err := p.invites.FindInvitations(ctx, server.InvitationFilter{}, server.Page{Limit: 10}); err != nil || len(invs) != 1 {
		t.Fatalf("invitations: %v, %v", invs, err)
	}
	if keys, err := p.auth.FindAPIKeys(ctx, server.APIKeyFilter{}, server.Page{Limit: 10}); err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v, %v", keys, err)
	}
}

func testEmbedToken_NoDelete(t *testing.T, open Open) {
	// An ADMIN's token without delete: removing anything is refused and changes nothing;
	// every other write works.
	refused := map[string]bool{"deleteUser": true, "deleteUsers in bulk": true, "revokeApiKey": true, "revokeInvitation": true,
		"createApiKey": true, "createApiKey for Bob": true, "createEmbedToken": true}
	for name := range newPeople(t, open).writes() {
		t.Run(name, func(t *testing.T) {
			p := newPeople(t, open)
			ctx := p.mustTokenContext(t, p.mustMint(t, p.adminCtx, p.admin, server.ScopeNoDelete, 0).Token)
			write := p.writes()[name]
			if !refused[name] {
				if err := write(ctx); err != nil && name != "updatePassword wrong" {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			err := p.assertUnchanged(t, func() error { return write(ctx) })
			assertCode(t, err, server.EFORBIDDEN)
		})
	}
}
