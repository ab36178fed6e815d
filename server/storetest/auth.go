package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

const keyNotValid = "Your API key is not valid: ask an admin for a new one or sign in again."

func testAuthService_Authenticate(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		auth, err := p.auth.Authenticate(context.Background(), p.bobKey.Key)
		if err != nil {
			t.Fatal(err)
		}
		if !sameUser(auth.User, p.bob) || auth.KeyID != p.bobKey.ID {
			t.Fatalf("auth = %+v, want Bob and key %s", auth, p.bobKey.ID)
		}
		// Only the SHA-256 of a key is stored.
		d := p.store.Dump(t)
		sum := sha256.Sum256([]byte(p.bobKey.Key))
		if strings.Contains(d, p.bobKey.Key) || !strings.Contains(d, hex.EncodeToString(sum[:])) {
			t.Fatal("the key is stored other than as its SHA-256")
		}
		if !strings.HasPrefix(p.bobKey.Key, "ua_") || len(p.bobKey.Key) != 3+43 {
			t.Fatalf("key %q is not ua_ and 32 bytes in base64", p.bobKey.Key)
		}
	})

	t.Run("ErrUnknown", func(t *testing.T) {
		f := newFixture(t, open)
		_, err := f.auth.Authenticate(context.Background(), "ua_nope")
		assertError(t, err, server.EUNAUTHENTICATED, "", keyNotValid)
		_, err = f.auth.Authenticate(context.Background(), "")
		assertError(t, err, server.EUNAUTHENTICATED, "", keyNotValid)
	})

	t.Run("ErrRevoked", func(t *testing.T) {
		p := newPeople(t, open)
		if err := p.auth.RevokeAPIKey(p.bobCtx, p.bobKey.ID); err != nil {
			t.Fatal(err)
		}
		_, err := p.auth.Authenticate(context.Background(), p.bobKey.Key)
		assertError(t, err, server.EUNAUTHENTICATED, "", keyNotValid)
	})

	t.Run("ErrExpired", func(t *testing.T) {
		f := newFixture(t, open)
		session, err := f.auth.SignIn(context.Background(), "ann@acme.example", password)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(server.SessionLifetime - time.Microsecond)
		if _, err := f.auth.Authenticate(context.Background(), session.APIKey); err != nil {
			t.Fatalf("just before it expires: %v", err)
		}
		f.clock.Add(time.Microsecond)
		_, err = f.auth.Authenticate(context.Background(), session.APIKey)
		assertError(t, err, server.EUNAUTHENTICATED, "", keyNotValid)
	})

	t.Run("ErrDeactivated", func(t *testing.T) {
		p := newPeople(t, open)
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		_, err := p.auth.Authenticate(context.Background(), p.bobKey.Key)
		assertError(t, err, server.EUNAUTHENTICATED, "", "Your account is deactivated: ask an admin of your organization to activate it.")
	})
}

func testAuthService_AuthenticatePair(t *testing.T, open Open) {
	// Paradime's X-API-KEY and X-API-SECRET: the key's id and its secret, of one key.
	p := newPeople(t, open)
	auth, err := p.auth.AuthenticatePair(context.Background(), p.bobKey.ID, p.bobKey.Key)
	if err != nil || auth.User.ID != p.bob.ID || auth.KeyID != p.bobKey.ID {
		t.Fatalf("auth = %+v %v", auth, err)
	}
	annKey, err := p.auth.CreateAPIKey(p.adminCtx, server.APIKeyCreate{Name: "paradime"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	ctx := fromClient(context.Background(), "198.51.100.20")
	for name, pair := range map[string][2]string{
		"another key's id":                 {annKey.ID, p.bobKey.Key},
		"the id with another key's secret": {p.bobKey.ID, annKey.Key},
		"an unknown id":                    {"nope", annKey.Key},
		"the secret as the id":             {annKey.Key, annKey.Key},
	} {
		// Bob is deactivated: a wrong id is told only that the key is not valid.
		_, err := p.auth.AuthenticatePair(ctx, pair[0], pair[1])
		if e, ok := err.(*server.Error); !ok || e.Code != server.EUNAUTHENTICATED || e.Message != keyNotValid {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Wrong pairs count as wrong keys: after the limit, the client is refused a good one.
	for range server.DefaultCredentialFailures - 4 {
		p.auth.AuthenticatePair(ctx, "nope", annKey.Key)
	}
	_, err = p.auth.AuthenticatePair(ctx, annKey.ID, annKey.Key)
	assertCode(t, err, server.ERATELIMITED)
	if _, err := p.auth.AuthenticatePair(context.Background(), annKey.ID, annKey.Key); err != nil {
		t.Fatalf("another client: %v", err)
	}
}

func testAuthService_SignIn(t *testing.T, open Open) {
	const wrong = "The email and password do not match an active account: check both, or ask an admin of your organization whether your account was deactivated."

	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		session, err := p.auth.SignIn(context.Background(), " BOB@acme.example ", password)
		if err != nil {
			t.Fatal(err)
		}
		// Signing in with the password sets the last sign-in.
		bob := *p.bob
		bob.LastSignedInAt = ptr(p.clock.Now().UTC())
		if !sameUser(session.User, &bob) || !session.ExpiresAt.Equal(p.clock.Now().Add(server.SessionLifetime)) {
			t.Fatalf("session = %+v", session)
		}
		auth, err := p.auth.Authenticate(context.Background(), session.APIKey)
		if err != nil || auth.User.ID != p.bob.ID {
			t.Fatalf("session key: %v, %v", auth, err)
		}
	})

	for _, tc := range []struct {
		name, email, password, message string
	}{
		{"ErrPassword", "bob@acme.example", "wrong password", wrong},
		{"ErrEmptyPassword", "bob@acme.example", "", wrong},
		{"ErrEmail", "nobody@acme.example", password, wrong},
		// A deactivated account is answered as a wrong password, the right one included.
		{"ErrDeactivated", "carol@acme.example", password, wrong},
		{"ErrDeactivatedWrongPassword", "carol@acme.example", "wrong password", wrong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
				t.Fatal(err)
			}
			err := p.assertUnchanged(t, func() error {
				_, err := p.auth.SignIn(context.Background(), tc.email, tc.password)
				return err
			})
			assertError(t, err, server.EUNAUTHENTICATED, "", tc.message)
		})
	}
}

func testAuthService_SignOut(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t, open)
		session, err := f.auth.SignIn(context.Background(), "ann@acme.example", password)
		if err != nil {
			t.Fatal(err)
		}
		ctx := f.mustAuthenticate(t, session.APIKey)
		if err := f.auth.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = f.auth.Authenticate(context.Background(), session.APIKey)
		assertError(t, err, server.EUNAUTHENTICATED, "", keyNotValid)
		_, err = f.users.CountUsers(ctx, server.UserFilter{})
		assertError(t, err, server.EUNAUTHENTICATED, "", keyNotValid)
		// Other keys of the same user still work.
		if _, err := f.users.CountUsers(f.adminCtx, server.UserFilter{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		f := newFixture(t, open)
		err := f.auth.SignOut(context.Background())
		assertError(t, err, server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header.")
	})
}

func testAuthService_CreateAPIKey(t *testing.T, open Open) {
	t.Run("OwnKey", func(t *testing.T) {
		p := newPeople(t, open)
		key, err := p.auth.CreateAPIKey(p.bobCtx, server.APIKeyCreate{Name: "  laptop "}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if key.Name != "laptop" || key.UserID != p.bob.ID || key.ExpiresAt != nil || !key.CreatedAt.Equal(p.clock.Now()) {
			t.Fatalf("key = %+v", key)
		}
		if auth, err := p.auth.Authenticate(context.Background(), key.Key); err != nil || auth.User.ID != p.bob.ID || auth.KeyID != key.ID {
			t.Fatalf("new key: %+v, %v", auth, err)
		}
	})

	t.Run("AdminForUser", func(t *testing.T) {
		p := newPeople(t, open)
		key, err := p.auth.CreateAPIKey(p.adminCtx, server.APIKeyCreate{Name: "script"}, &server.UserRef{ID: p.carol.ID})
		if err != nil {
			t.Fatal(err)
		} else if key.UserID != p.carol.ID {
			t.Fatalf("key for %s, want Carol", key.UserID)
		}
	})

	for _, tc := range []struct {
		name                 string
		caller               func(p *people) context.Context
		keyName              string
		filter               func(p *people) *server.UserRef
		code, field, message string
	}{
		{"ErrNoName", func(p *people) context.Context { return p.bobCtx }, " ", func(p *people) *server.UserRef { return nil },
			server.EINVALID, "name", "Name the key, e.g. after the script or machine that will use it."},
		{"ErrLongName", func(p *people) context.Context { return p.bobCtx }, strings.Repeat("k", 101), func(p *people) *server.UserRef { return nil },
			server.EINVALID, "name", "A key's name must be at most 100 characters (it has 101)."},
		{"ErrUserForOther", func(p *people) context.Context { return p.bobCtx }, "k", func(p *people) *server.UserRef { return &server.UserRef{ID: p.carol.ID} },
			server.EFORBIDDEN, "", "You can create keys only for yourself: ask an admin of your organization for keys of other users."},
		{"ErrOtherOrganization", func(p *people) context.Context { return p.gusCtx }, "k", func(p *people) *server.UserRef { return &server.UserRef{ID: p.carol.ID} },
			server.ENOTFOUND, "", "User not found."},
		{"ErrUnauthenticated", func(p *people) context.Context { return context.Background() }, "k", func(p *people) *server.UserRef { return nil },
			server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			err := p.assertUnchanged(t, func() error {
				_, err := p.auth.CreateAPIKey(tc.caller(p), server.APIKeyCreate{Name: tc.keyName}, tc.filter(p))
				return err
			})
			assertError(t, err, tc.code, tc.field, tc.message)
		})
	}
}

func testAuthService_RevokeAPIKey(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		if err := p.auth.RevokeAPIKey(p.adminCtx, p.bobKey.ID); err != nil {
			t.Fatal(err)
		}
		// Revoking again is harmless.
		if err := p.auth.RevokeAPIKey(p.adminCtx, p.bobKey.ID); err != nil {
			t.Fatal(err)
		}
		keys, err := p.auth.FindAPIKeys(p.adminCtx, server.APIKeyFilter{UserID: &p.bob.ID}, server.Page{Limit: 100})
		if err != nil || len(keys) != 0 {
			t.Fatalf("keys = %v, %v; want none", keys, err)
		}
	})

	for _, tc := range []struct {
		name   string
		caller func(p *people) context.Context
		id     func(p *people) string
	}{
		{"ErrUnknown", func(p *people) context.Context { return p.adminCtx }, func(p *people) string { return "nope" }},
		{"ErrUserRevokesOther", func(p *people) context.Context { return p.bobCtx }, func(p *people) string {
			key, _ := p.auth.CreateAPIKey(p.adminCtx, server.APIKeyCreate{Name: "ann's"}, nil)
			return key.ID
		}},
		{"ErrOtherOrganization", func(p *people) context.Context { return p.gusCtx }, func(p *people) string { return p.bobKey.ID }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			id := tc.id(p)
			err := p.assertUnchanged(t, func() error { return p.auth.RevokeAPIKey(tc.caller(p), id) })
			assertError(t, err, server.ENOTFOUND, "", "API key not found.")
		})
	}

	// An id longer than any the directory makes is refused on its field before it is
	// looked up, by its owner as by anyone: the id of a real key with text after it, and
	// 10 kB of text.
	t.Run("ErrIDTooLong", func(t *testing.T) {
		p := newPeople(t, open)
		for _, id := range []string{p.bobKey.ID + strings.Repeat("x", server.MaxIDLength), strings.Repeat("k", 10_000)} {
			for _, ctx := range []context.Context{p.bobCtx, p.adminCtx, p.gusCtx} {
				err := p.assertUnchanged(t, func() error { return p.auth.RevokeAPIKey(ctx, id) })
				assertError(t, err, server.EINVALID, "id", "An id has at most 64 characters: check the one sent.")
			}
		}
		if _, err := p.auth.Authenticate(context.Background(), p.bobKey.Key); err != nil {
			t.Fatalf("Bob's key stopped working: %v", err)
		}
	})
}

func testAuthService_FindAPIKeys(t *testing.T, open Open) {
	p := newPeople(t, open)
	p.clock.Add(time.Minute)
	second, err := p.auth.CreateAPIKey(p.bobCtx, server.APIKeyCreate{Name: "second"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.clock.Add(time.Minute)
	session, err := p.auth.SignIn(context.Background(), "bob@acme.example", password)
	if err != nil {
		t.Fatal(err)
	}
	revoked, _ := p.auth.CreateAPIKey(p.bobCtx, server.APIKeyCreate{Name: "revoked"}, nil)
	if err := p.auth.RevokeAPIKey(p.bobCtx, revoked.ID); err != nil {
		t.Fatal(err)
	}

	for _, ctx := range []context.Context{p.bobCtx, p.adminCtx} {
		keys, err := p.auth.FindAPIKeys(ctx, server.APIKeyFilter{UserID: &p.bob.ID}, server.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, k := range keys {
			if k.Key != "" {
				t.Fatalf("key %s is listed with its secret", k.Name)
			}
			names = append(names, k.Name)
		}
		if want := []string{"test", "second", "Session"}; !reflect.DeepEqual(names, want) {
			t.Fatalf("names = %v, want %v", names, want)
		}
		if keys[1].ID != second.ID || keys[2].ExpiresAt == nil || !keys[2].ExpiresAt.Equal(session.ExpiresAt) {
			t.Fatalf("keys = %+v %+v", keys[1], keys[2])
		}
	}

	// A USER sees only their own keys, an ADMIN only those of their organization.
	for name, tc := range map[string]struct {
		ctx    context.Context
		filter server.APIKeyFilter
	}{
		"UserAsksForAdmin":       {p.bobCtx, server.APIKeyFilter{UserID: &p.admin.ID}},
		"OtherOrganization":      {p.gusCtx, server.APIKeyFilter{UserID: &p.bob.ID}},
		"OtherOrganizationByKey": {p.gusCtx, server.APIKeyFilter{Key: &second.Key}},
		"UserByOthersKey":        {p.bobCtx, server.APIKeyFilter{Key: &p.adminKey}},
	} {
		if keys, err := p.auth.FindAPIKeys(tc.ctx, tc.filter, server.Page{Limit: 100}); err != nil || len(keys) != 0 {
			t.Errorf("%s: keys = %v, %v; want none", name, keys, err)
		}
	}

	t.Run("ByKey", func(t *testing.T) {
		// Kili's SDK asks for the key it holds, to warn before it expires.
		for _, ctx := range []context.Context{p.bobCtx, p.adminCtx} {
			keys, err := p.auth.FindAPIKeys(ctx, server.APIKeyFilter{Key: &session.APIKey}, server.Page{Limit: 1})
			if err != nil || len(keys) != 1 || keys[0].Name != "Session" || !keys[0].ExpiresAt.Equal(session.ExpiresAt) {
				t.Fatalf("keys = %v, %v; want the session key", keys, err)
			}
		}
		keys, err := p.auth.FindAPIKeys(p.bobCtx, server.APIKeyFilter{Key: &revoked.Key}, server.Page{Limit: 100})
		if err != nil || len(keys) != 0 {
			t.Errorf("revoked key: keys = %v, %v; want none", keys, err)
		}
	})

	t.Run("Paged", func(t *testing.T) {
		keys, err := p.auth.FindAPIKeys(p.bobCtx, server.APIKeyFilter{UserID: &p.bob.ID}, server.Page{Offset: 1, Limit: 1})
		if err != nil || len(keys) != 1 || keys[0].ID != second.ID {
			t.Fatalf("keys = %v, %v; want the second key alone", keys, err)
		}
		_, err = p.auth.FindAPIKeys(p.bobCtx, server.APIKeyFilter{}, server.Page{Offset: -1, Limit: 1})
		assertError(t, err, server.EINVALID, "offset", "The number of items to skip cannot be negative (it is -1).")
	})
}

func testAuthService_PasswordReset(t *testing.T, open Open) {
	const notValid = "This password reset link is not valid any more (used, expired or mistyped): ask an admin for a new one."

	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		reset, user, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		if user.ID != p.bob.ID || !reset.ExpiresAt.Equal(p.clock.Now().Add(server.PasswordResetLifetime)) || !strings.HasPrefix(reset.Token, "ua_") {
			t.Fatalf("reset = %+v for %s", reset, user.ID)
		}
		if strings.Contains(p.store.Dump(t), reset.Token) {
			t.Fatal("the token is stored in clear")
		}
		p.clock.Add(server.PasswordResetLifetime - time.Microsecond)
		if err := p.auth.CompletePasswordReset(context.Background(), reset.Token, "battery staple"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.auth.SignIn(context.Background(), "bob@acme.example", "battery staple"); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		err = p.assertUnchanged(t, func() error {
			return p.auth.CompletePasswordReset(context.Background(), reset.Token, "another password")
		})
		assertError(t, err, server.EINVALID, "token", notValid)
	})

	// A link an admin issued (one at a time, or for a user their import made) works only
	// while they are still an active admin of the organization: demoted, deactivated or
	// deleted, one at a time or in bulk, they must not take over the account, an admin's
	// included, with a link they kept. The link refuses as any link that no longer works
	// does, and nothing changes; it ended for good, and stays refused once its issuer is an
	// admin again; a link of another admin still works.
	t.Run("ErrIssuerNoLongerAdmin", func(t *testing.T) {
		for _, change := range append(formerAdmin, formerAdminInBulk...) {
			t.Run(change, func(t *testing.T) {
				p := newPeople(t, open)
				admin, on := server.RoleAdmin, true
				for _, u := range []*server.User{p.bob, p.carol} {
					if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: u.ID}, server.UserUpdate{Role: &admin}); err != nil {
						t.Fatal(err)
					}
				}
				carolCtx, _ := p.mustUserContext(t, p.adminCtx, p.carol)
				forBob, _, err := p.auth.IssuePasswordReset(carolCtx, server.UserRef{ID: p.bob.ID})
				if err != nil {
					t.Fatal(err)
				}
				imported, err := p.store.Imports.ImportUsers(carolCtx, []server.ImportRow{{Line: 2, Email: "imp@acme.example", Role: "ADMIN"}},
					server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
				if err != nil || imported[0].Token == "" {
					t.Fatalf("import: %+v %v", imported, err)
				}
				byAnn, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
				if err != nil {
					t.Fatal(err)
				}
				p.removeAdmin(t, p.carol, change)
				refused := func(when string, client int) {
					t.Helper()
					for i, token := range []string{forBob.Token, imported[0].Token} {
						err := p.assertUnchanged(t, func() error {
							return p.auth.CompletePasswordReset(fromClient(context.Background(), fmt.Sprint("198.51.100.", client+i)), token, "taken over now")
						})
						assertError(t, err, server.EINVALID, "token", notValid)
					}
					for _, email := range []string{"bob@acme.example", "imp@acme.example"} {
						if _, err := p.auth.SignIn(fromClient(context.Background(), "198.51.100.50"), email, "taken over now"); server.ErrorCode(err) != server.EUNAUTHENTICATED {
							t.Fatalf("%s: %s signs in with the password of the refused link: %v", when, email, err)
						}
					}
				}
				refused("Carol no longer an admin", 40)
				if !strings.HasPrefix(change, "deleted") {
					if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: &admin, Activated: &on}); err != nil {
						t.Fatal(err)
					}
					refused("Carol an admin again", 60)
				}
				if err := p.auth.CompletePasswordReset(context.Background(), byAnn.Token, "chosen by bob"); err != nil {
					t.Fatalf("Ann's link: %v", err)
				}
			})
		}
	})

	// The issuer is demoted while their link is brought, many times at once: each use is
	// either before the demotion, and then the only one that works, or refused; none fails
	// otherwise, and once the issuer is an admin again the link is refused still.
	t.Run("IssuerDemotedWhileTheLinkIsUsed", func(t *testing.T) {
		for round := range 3 {
			p := newPeople(t, open)
			admin, user := server.RoleAdmin, server.RoleUser
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: &admin}); err != nil {
				t.Fatal(err)
			}
			carolCtx, _ := p.mustUserContext(t, p.adminCtx, p.carol)
			forBob, _, err := p.auth.IssuePasswordReset(carolCtx, server.UserRef{ID: p.bob.ID})
			if err != nil {
				t.Fatal(err)
			}
			const uses = 6
			errs := AtOnce(uses+1, func(i int) error {
				if i == uses {
					_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: &user})
					return err
				}
				return p.auth.CompletePasswordReset(fromClient(context.Background(), fmt.Sprint("198.51.100.", 70+i)), forBob.Token, fmt.Sprint("taken over ", i))
			})
			if errs[uses] != nil {
				t.Fatalf("round %d: the demotion: %v", round, errs[uses])
			}
			if n := Codes(errs[:uses]); n[""]+n[server.EINVALID] != uses || n[""] > 1 {
				t.Fatalf("round %d: uses at once: %v", round, n)
			}
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: &admin}); err != nil {
				t.Fatal(err)
			}
			err = p.assertUnchanged(t, func() error {
				return p.auth.CompletePasswordReset(fromClient(context.Background(), "198.51.100.90"), forBob.Token, "taken over after")
			})
			assertError(t, err, server.EINVALID, "token", notValid)
		}
	})

	t.Run("OneLinkUsedEndsTheOthers", func(t *testing.T) {
		p := newPeople(t, open)
		first, _, _ := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		second, _, _ := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		if err := p.auth.CompletePasswordReset(context.Background(), second.Token, "battery staple"); err != nil {
			t.Fatal(err)
		}
		err := p.auth.CompletePasswordReset(context.Background(), first.Token, "another password")
		assertError(t, err, server.EINVALID, "token", notValid)
	})

	t.Run("ErrExpired", func(t *testing.T) {
		p := newPeople(t, open)
		reset, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		p.clock.Add(server.PasswordResetLifetime)
		err = p.assertUnchanged(t, func() error {
			return p.auth.CompletePasswordReset(context.Background(), reset.Token, "battery staple")
		})
		assertError(t, err, server.EINVALID, "token", notValid)
	})

	t.Run("ErrUnknownToken", func(t *testing.T) {
		p := newPeople(t, open)
		err := p.assertUnchanged(t, func() error {
			return p.auth.CompletePasswordReset(context.Background(), "ua_nope", "battery staple")
		})
		assertError(t, err, server.EINVALID, "token", notValid)
	})

	t.Run("ErrPassword", func(t *testing.T) {
		p := newPeople(t, open)
		reset, _, _ := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: p.bob.ID})
		err := p.assertUnchanged(t, func() error {
			return p.auth.CompletePasswordReset(context.Background(), reset.Token, "short")
		})
		assertError(t, err, server.EINVALID, "newPassword", "Password must be at least 8 characters.")
	})

	for _, tc := range []struct {
		name                 string
		caller               func(p *people) context.Context
		filter               func(p *people) server.UserRef
		code, field, message string
	}{
		{"ErrUser", func(p *people) context.Context { return p.bobCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.EFORBIDDEN, "", "Only an admin can reset passwords: change your own with your current password."},
		{"ErrOtherOrganization", func(p *people) context.Context { return p.gusCtx }, func(p *people) server.UserRef { return server.UserRef{ID: p.bob.ID} },
			server.ENOTFOUND, "", "User not found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			err := p.assertUnchanged(t, func() error {
				_, _, err := p.auth.IssuePasswordReset(tc.caller(p), tc.filter(p))
				return err
			})
			assertError(t, err, tc.code, tc.field, tc.message)
		})
	}
}
