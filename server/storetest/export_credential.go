package storetest

import (
	"context"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
)

// exportLinkEnded is the answer to a download whose link no longer works.
const exportLinkEnded = "This export link no longer works (used already, expired, or its admin signed out or may no longer export): start the export again from the user list."

// exportMaker is an admin, Dan, signed in a way that an export can end with.
type exportMaker struct {
	p   *people
	dan *server.User
}

// newExportMaker adds Dan, a second admin of Acme (so that Ann may demote or deactivate
// him), to p.
func newExportMaker(tb testing.TB, p *people) *exportMaker {
	tb.Helper()
	return &exportMaker{p: p, dan: p.mustCreateUser(tb, p.adminCtx, "dan@acme.example", "Dan", "Diaz", server.RoleAdmin)}
}

// session signs Dan in with his password and returns a context with the session's key.
func (m *exportMaker) session(tb testing.TB) context.Context {
	tb.Helper()
	s, err := m.p.auth.SignIn(context.Background(), m.dan.Email, password)
	if err != nil {
		tb.Fatal(err)
	}
	return m.p.mustAuthenticate(tb, s.APIKey)
}

// links makes two exports as ctx's caller and checks that the first link works: the
// credential could export before it ended. It returns the second link's token.
func (m *exportMaker) links(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	svc := m.p.store.Exports
	var tokens []string
	for range 2 {
		e, err := svc.CreateExport(ctx, server.ExportCreate{Columns: []exportcsv.Column{exportcsv.Email}})
		if err != nil {
			tb.Fatal(err)
		}
		tokens = append(tokens, e.Token)
	}
	if _, err := svc.RedeemExport(context.Background(), tokens[0]); err != nil {
		tb.Fatalf("the link before its credential ended: %v", err)
	}
	return tokens[1]
}

// assertRefused checks that the link token is refused, as every link that does not work
// is, through this instance and another one, and that the refusals change nothing stored.
func (m *exportMaker) assertRefused(tb testing.TB, token string) {
	tb.Helper()
	for _, svc := range []server.ExportService{m.p.store.Exports, m.p.store.OtherExports(tb)} {
		err := m.p.assertUnchanged(tb, func() error {
			_, err := svc.RedeemExport(context.Background(), token)
			return err
		})
		assertError(tb, err, server.ENOTFOUND, "", exportLinkEnded)
	}
}

// LinkEndsWithCredential: an export's link works no longer than the key, session or
// embed token that made it, nor than its admin's role. For each way that credential ends,
// the download is refused, before any row, with the answer of a used link, and nothing
// stored changes; undoing a deactivation or a demotion does not bring the link back.
func testExport_LinkEndsWithCredential(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		// made returns the context the export is made with, and end ends it.
		made func(t *testing.T, m *exportMaker) (context.Context, func())
	}{
		{"KeyRevoked", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx, key := m.p.mustUserContext(t, m.p.adminCtx, m.dan)
			return ctx, func() {
				if err := m.p.auth.RevokeAPIKey(m.p.adminCtx, key.ID); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"KeyRevokedByItsHolder", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx, key := m.p.mustUserContext(t, m.p.adminCtx, m.dan)
			return ctx, func() {
				if err := m.p.auth.RevokeAPIKey(ctx, key.ID); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"KeyExpired", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx, _ := m.p.mustUserContext(t, m.p.adminCtx, m.dan)
			soon := m.p.clock.Now().Add(time.Minute)
			key, err := m.p.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: "short", ExpiresAt: &soon}, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The key expires a minute in, the export's link would work for five.
			return m.p.mustAuthenticate(t, key.Key), func() { m.p.clock.Add(2 * time.Minute) }
		}},
		{"KeyIssuerDemoted", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ida := m.p.mustCreateUser(t, m.p.adminCtx, "ida@acme.example", "Ida", "Issuer", server.RoleAdmin)
			idaCtx, _ := m.p.mustUserContext(t, m.p.adminCtx, ida)
			key, err := m.p.auth.CreateAPIKey(idaCtx, server.APIKeyCreate{Name: "for Dan"}, &server.UserRef{ID: m.dan.ID})
			if err != nil {
				t.Fatal(err)
			}
			return m.p.mustAuthenticate(t, key.Key), func() { m.p.removeAdmin(t, ida, "demoted") }
		}},
		{"SignedOut", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx := m.session(t)
			return ctx, func() {
				if err := m.p.auth.SignOut(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"SessionExpired", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			// The session ends a minute after the export is made, the link would work for five.
			ctx := m.session(t)
			m.p.clock.Add(server.SessionLifetime - time.Minute)
			return ctx, func() { m.p.clock.Add(2 * time.Minute) }
		}},
		{"PasswordChanged", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx := m.session(t)
			other := m.session(t)
			return ctx, func() {
				change := server.PasswordChange{Old: password, New1: "dan's new password", New2: "dan's new password"}
				if _, err := m.p.users.UpdatePassword(other, server.UserRef{ID: m.dan.ID}, change); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"PasswordReset", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx := m.session(t)
			return ctx, func() {
				reset, _, err := m.p.auth.IssuePasswordReset(m.p.adminCtx, server.UserRef{ID: m.dan.ID})
				if err != nil {
					t.Fatal(err)
				}
				if err := m.p.auth.CompletePasswordReset(context.Background(), reset.Token, "dan's new password"); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"EmbedTokenSignedOut", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx := m.p.mustTokenContext(t, m.p.mustMint(t, m.p.adminCtx, m.dan, server.ScopeFull, time.Hour).Token)
			return ctx, func() {
				if err := m.p.auth.SignOut(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"EmbedTokenMintingKeyRevoked", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx := m.p.mustTokenContext(t, m.p.mustMint(t, m.p.adminCtx, m.dan, server.ScopeFull, time.Hour).Token)
			keyID := server.AuthFromContext(m.p.adminCtx).KeyID
			return ctx, func() {
				if err := m.p.auth.RevokeAPIKey(m.p.adminCtx, keyID); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"Deactivated", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx, _ := m.p.mustUserContext(t, m.p.adminCtx, m.dan)
			return ctx, func() { m.p.removeAdmin(t, m.dan, "deactivated") }
		}},
		{"DeactivatedInBulk", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx, _ := m.p.mustUserContext(t, m.p.adminCtx, m.dan)
			return ctx, func() {
				r, _ := RunBulk(t, m.p.store.Bulk, m.p.adminCtx, server.UserFilter{IDIn: []string{m.dan.ID}},
					server.BulkChange{Activated: ptr(false)}, 100)
				if r.Changed != 1 {
					t.Fatalf("the bulk deactivation changed %d users, want Dan", r.Changed)
				}
			}
		}},
		{"Demoted", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			ctx, _ := m.p.mustUserContext(t, m.p.adminCtx, m.dan)
			return ctx, func() { m.p.removeAdmin(t, m.dan, "demoted") }
		}},
		{"NoCredentialStored", func(t *testing.T, m *exportMaker) (context.Context, func()) {
			// An export that names no key nor embed token (as one made before the store
			// kept them) fails closed.
			ctx, _ := m.p.mustUserContext(t, m.p.adminCtx, m.dan)
			return ctx, func() {
				if _, err := m.p.store.Raw.Exec(`UPDATE exports SET key_id = NULL WHERE used_at IS NULL`); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newExportMaker(t, newPeople(t, open))
			ctx, end := tc.made(t, m)
			token := m.links(t, ctx)
			end()
			m.assertRefused(t, token)
		})
	}

	// Activated again, or made an admin again, Dan keeps his key, but not the links he
	// made before: those ended with his role.
	for _, how := range []string{"deactivated", "demoted"} {
		t.Run("StaysEndedWhen"+how+"Undone", func(t *testing.T) {
			p := newPeople(t, open)
			m := newExportMaker(t, p)
			ctx, _ := p.mustUserContext(t, p.adminCtx, m.dan)
			token := m.links(t, ctx)
			p.removeAdmin(t, m.dan, how)
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: m.dan.ID},
				server.UserUpdate{Activated: ptr(true), Role: ptr(server.RoleAdmin)}); err != nil {
				t.Fatal(err)
			}
			m.assertRefused(t, token)
			if _, err := p.store.Exports.CreateExport(ctx, server.ExportCreate{Columns: []exportcsv.Column{exportcsv.Email}}); err != nil {
				t.Fatalf("Dan, an admin again, makes a new export: %v", err)
			}
		})
	}

	// A download under way checks the credential before each page: a key revoked after
	// the first page stops it there, and the export is not done.
	t.Run("WhileDownloading", func(t *testing.T) {
		p := newPeople(t, open)
		p.generateUsers(t, p.org.ID, 2100)
		m := newExportMaker(t, p)
		ctx, key := p.mustUserContext(t, p.adminCtx, m.dan)
		svc := p.store.Exports
		e, err := svc.CreateExport(ctx, server.ExportCreate{Columns: []exportcsv.Column{exportcsv.Email}})
		if err != nil {
			t.Fatal(err)
		}
		run, err := svc.RedeemExport(context.Background(), e.Token)
		if err != nil {
			t.Fatal(err)
		}
		rows, pages := 0, 0
		err = svc.WriteExport(context.Background(), run, func(*exportcsv.Row) error { rows++; return nil }, func() error {
			if pages++; pages == 1 {
				return p.auth.RevokeAPIKey(p.adminCtx, key.ID)
			}
			return nil
		})
		assertError(t, err, server.ENOTFOUND, "", exportLinkEnded)
		if pages != 1 || rows != 1000 {
			t.Errorf("%d pages, %d rows written after the key was revoked on the first page; want 1 page of 1000", pages, rows)
		}
		if got, err := svc.FindExport(p.adminCtx, e.ID); err != nil || got.Done || got.Written != 1000 {
			t.Errorf("the stopped export: %+v, %v; want 1000 written, not done", got, err)
		}
	})
}
