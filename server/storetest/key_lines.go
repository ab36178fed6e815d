package storetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"useradmin/server"
)

// keyLines is the scene of a stolen session of Ann, an admin: the thief made a key for
// Ann and one for Bob with it, and with each of those another; then Ann signed in and
// made keys of her own, in her session and with her first API key.
type keyLines struct {
	*people
	thief, victim       context.Context // Ann's stolen session, Ann's own session
	thiefSession        string          // the ids of the two sessions' keys
	victimSession       string
	thiefOwnCtx, forBob context.Context // the thief's keys, authenticated when made

	// Made by the thief: with the session, for Ann and for Bob; with those keys, in turn.
	thiefOwn, thiefForBob, thiefOwnChained, thiefForBobChained *server.APIKey
	// Made by Ann: in her session, with her first API key, and with the key made in her
	// session.
	inVictimSession, withAnnKey, withVictimSessionKey *server.APIKey
}

// newKeyLines sets the scene, with meanwhile run between the thief's keys and Ann's
// sign-in.
func newKeyLines(tb testing.TB, open Open, meanwhile func(tb testing.TB, s *keyLines)) *keyLines {
	tb.Helper()
	s := &keyLines{people: newPeople(tb, open)}
	s.thief, s.thiefSession = s.signInAs(tb, "ann@acme.example")
	s.thiefOwn = s.mustKey(tb, s.thief, "thief's, as Ann", nil)
	s.thiefForBob = s.mustKey(tb, s.thief, "thief's, as Bob", &server.UserRef{ID: s.bob.ID})
	s.thiefOwnCtx, s.forBob = s.mustAuthenticate(tb, s.thiefOwn.Key), s.mustAuthenticate(tb, s.thiefForBob.Key)
	s.thiefOwnChained = s.mustKey(tb, s.thiefOwnCtx, "thief's, made with her key as Ann", nil)
	s.thiefForBobChained = s.mustKey(tb, s.forBob, "thief's, made with her key as Bob", nil)
	if meanwhile != nil {
		meanwhile(tb, s)
	}
	s.victim, s.victimSession = s.signInAs(tb, "ann@acme.example")
	s.inVictimSession = s.mustKey(tb, s.victim, "Ann's, in her session", nil)
	s.withAnnKey = s.mustKey(tb, s.adminCtx, "Ann's, with her API key", nil)
	s.withVictimSessionKey = s.mustKey(tb, s.mustAuthenticate(tb, s.inVictimSession.Key), "Ann's, with the key of her session", nil)
	return s
}

// signInAs opens a session of email and returns a context that carries it, and the id
// of its key.
func (p *people) signInAs(tb testing.TB, email string) (context.Context, string) {
	tb.Helper()
	s, err := p.auth.SignIn(context.Background(), email, password)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := p.mustAuthenticate(tb, s.APIKey)
	return ctx, server.AuthFromContext(ctx).KeyID
}

// mustKey makes a key named name, in ctx, for the user ref names (nil: the caller).
func (p *people) mustKey(tb testing.TB, ctx context.Context, name string, ref *server.UserRef) *server.APIKey {
	tb.Helper()
	k, err := p.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: name}, ref)
	if err != nil {
		tb.Fatalf("create %q: %v", name, err)
	}
	return k
}

// stolen are the ids of the keys the thief made.
func (s *keyLines) stolen() []string {
	return []string{s.thiefOwn.ID, s.thiefForBob.ID, s.thiefOwnChained.ID, s.thiefForBobChained.ID}
}

// changePassword has Ann change her password in ctx.
func (s *keyLines) changePassword(ctx context.Context) error {
	_, err := s.users.UpdatePassword(ctx, server.UserRef{ID: s.admin.ID},
		server.PasswordChange{Old: password, New1: "a new password", New2: "a new password"})
	return err
}

// resetBy has the admin by issue a reset link for Ann, which Ann then completes.
func (s *keyLines) resetBy(tb testing.TB, by *server.User) error {
	byCtx, _ := s.mustUserContext(tb, s.adminCtx, by)
	r, _, err := s.auth.IssuePasswordReset(byCtx, server.UserRef{ID: s.admin.ID})
	if err != nil {
		return err
	}
	return s.auth.CompletePasswordReset(context.Background(), r.Token, "a new password")
}

// keyRows returns every stored key but for its revocation, and the ids of the revoked.
func (s *keyLines) keyRows(tb testing.TB) (rows string, revoked map[string]bool) {
	tb.Helper()
	res, err := s.store.Raw.Query(`SELECT id, user_id, name, key_hash, created_at, expires_at, kind, created_with_session,
		issued_by, made_with_key, CASE WHEN revoked_at IS NULL THEN 'working' ELSE 'revoked' END FROM api_keys ORDER BY id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Close()
	var b strings.Builder
	revoked = map[string]bool{}
	for res.Next() {
		var id, state string
		rest := make([]any, 9) // user_id to made_with_key
		dest := []any{&id}
		for i := range rest {
			dest = append(dest, &rest[i])
		}
		if err := res.Scan(append(dest, &state)...); err != nil {
			tb.Fatal(err)
		}
		revoked[id] = state == "revoked"
		fmt.Fprintln(&b, id, rest)
	}
	if err := res.Err(); err != nil {
		tb.Fatal(err)
	}
	return b.String(), revoked
}

// otherRows is the store's dump without the tables a change of password writes: the
// users, the keys, the audit log, and the reset links when it is a reset.
func (s *keyLines) otherRows(tb testing.TB, reset bool) string {
	tb.Helper()
	var keep []string
	for _, line := range strings.Split(s.store.Dump(tb), "\n") {
		table, _, _ := strings.Cut(line, " ")
		if table != "users" && table != "api_keys" && !strings.HasPrefix(table, "audit_") && (!reset || table != "password_resets") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// assertEnds calls change and checks that it revoked exactly the keys with the ids
// ended, and changed nothing else of any key, nor any table but those otherRows leaves
// out.
func (s *keyLines) assertEnds(tb testing.TB, change func() error, reset bool, ended ...string) {
	tb.Helper()
	rowsBefore, revokedBefore := s.keyRows(tb)
	othersBefore := s.otherRows(tb, reset)
	if err := change(); err != nil {
		tb.Fatal(err)
	}
	rowsAfter, revokedAfter := s.keyRows(tb)
	if rowsAfter != rowsBefore {
		tb.Errorf("the keys changed beyond their revocation:\nbefore:\n%s\nafter:\n%s", rowsBefore, rowsAfter)
	}
	if othersAfter := s.otherRows(tb, reset); othersAfter != othersBefore {
		tb.Errorf("the store changed beyond the users and their keys:\nbefore:\n%s\nafter:\n%s", othersBefore, othersAfter)
	}
	var got []string
	for id, now := range revokedAfter {
		if now && !revokedBefore[id] {
			got = append(got, id)
		}
	}
	sort.Strings(got)
	sort.Strings(ended)
	if strings.Join(got, " ") != strings.Join(ended, " ") {
		tb.Errorf("revoked %v, want %v", got, ended)
	}
}

// assertWork checks that each of keys works, or not, as want says.
func (s *keyLines) assertWork(tb testing.TB, want bool, keys ...*server.APIKey) {
	tb.Helper()
	for _, k := range keys {
		_, err := s.auth.Authenticate(context.Background(), k.Key)
		if (err == nil) != want {
			tb.Errorf("%q works: %v (%v), want %v", k.Name, err == nil, err, want)
		}
	}
}

// assertRefusedAfter checks that the contexts of the thief, authenticated before the
// change, write nothing after it.
func (s *keyLines) assertRefusedAfter(tb testing.TB) {
	tb.Helper()
	for _, ctx := range []context.Context{s.thief, s.thiefOwnCtx, s.forBob} {
		err := s.assertUnchanged(tb, func() error {
			_, err := s.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: "one more"}, nil)
			return err
		})
		assertCode(tb, err, server.EUNAUTHENTICATED)
	}
}

// A password change ends the user's other sessions and, with them, the keys made in
// them and the keys made with those in turn: whoever stole a session (or knew the old
// password) would otherwise keep acting as the user, and as the users they made keys for
// as an admin, for good. They end at once, whether the stolen session still worked or
// not, and a context authenticated before writes nothing after. The keys of the session
// that changed the password, those made with an API key, and those of other users stay;
// nothing else is stored but the change.
func testSecurity_PasswordChangeEndsKeysOfOtherSessions(t *testing.T, open Open) {
	for _, tc := range []struct {
		name      string
		meanwhile func(tb testing.TB, s *keyLines)
		ended     bool // whether the thief's session was ended before the change
	}{
		{"ThiefStillSignedIn", nil, false},
		{"ThiefSignedOut", func(tb testing.TB, s *keyLines) {
			if err := s.auth.SignOut(s.thief); err != nil {
				tb.Fatal(err)
			}
		}, true},
		{"ThiefSessionExpired", func(_ testing.TB, s *keyLines) { s.clock.Add(server.SessionLifetime) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newKeyLines(t, open, tc.meanwhile)
			ended := s.stolen()
			if !tc.ended {
				ended = append(ended, s.thiefSession)
			}
			s.assertEnds(t, func() error { return s.changePassword(s.victim) }, false, ended...)
			s.assertWork(t, false, s.thiefOwn, s.thiefForBob, s.thiefOwnChained, s.thiefForBobChained)
			s.assertWork(t, true, s.inVictimSession, s.withAnnKey, s.withVictimSessionKey, s.bobKey)
			if _, err := s.users.CountUsers(s.victim, server.UserFilter{}); err != nil {
				t.Errorf("the session that changed the password: %v", err)
			}
			s.assertRefusedAfter(t)
		})
	}

	// Changed with an API key, the password ends every session and the keys made in each;
	// the key it was changed with, and the keys made with it, stay.
	t.Run("ChangedWithAnAPIKey", func(t *testing.T) {
		s := newKeyLines(t, open, nil)
		s.assertEnds(t, func() error { return s.changePassword(s.adminCtx) }, false,
			append(s.stolen(), s.thiefSession, s.victimSession, s.inVictimSession.ID, s.withVictimSessionKey.ID)...)
		s.assertWork(t, false, s.inVictimSession, s.withVictimSessionKey)
		s.assertWork(t, true, s.withAnnKey, s.bobKey)
		s.assertRefusedAfter(t)
	})

	// Changed with a key that a session made, the password spares that key and the keys
	// made with it, but not the session that made it.
	t.Run("ChangedWithAKeyOfASession", func(t *testing.T) {
		s := newKeyLines(t, open, nil)
		s.assertEnds(t, func() error { return s.changePassword(s.mustAuthenticate(t, s.inVictimSession.Key)) }, false,
			append(s.stolen(), s.thiefSession, s.victimSession)...)
		s.assertWork(t, true, s.inVictimSession, s.withVictimSessionKey, s.withAnnKey, s.bobKey)
	})

	// The thief makes keys with the session while Ann changes her password: each key is
	// made before the change, and ends with it, or is refused.
	t.Run("KeysMadeAtOnceWithTheChange", func(t *testing.T) {
		s := newKeyLines(t, open, nil)
		made := make([]*server.APIKey, 8)
		errs := AtOnce(len(made)+1, func(i int) error {
			if i == len(made) {
				return s.changePassword(s.victim)
			}
			ctx, ref := s.thief, &server.UserRef{ID: s.carol.ID}
			if i%2 == 0 {
				ctx, ref = s.thiefOwnCtx, nil
			}
			var err error
			made[i], err = s.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: fmt.Sprint("at once ", i)}, ref)
			return err
		})
		if err := errs[len(made)]; err != nil {
			t.Fatal(err)
		}
		for i, err := range errs[:len(made)] {
			if err != nil {
				assertCode(t, err, server.EUNAUTHENTICATED)
			} else {
				s.assertWork(t, false, made[i])
			}
		}
		s.assertWork(t, false, s.thiefOwn, s.thiefForBob, s.thiefOwnChained, s.thiefForBobChained)
		s.assertWork(t, true, s.inVictimSession, s.withAnnKey, s.withVictimSessionKey)
	})

	// A reset ends, with every session of the user, the keys made in each, and the keys
	// made with those in turn: the thief's key made with the key she made for Bob too.
	t.Run("ResetEndsTheLinesToo", func(t *testing.T) {
		s := newKeyLines(t, open, nil)
		ida := s.mustCreateUser(t, s.adminCtx, "ida@acme.example", "Ida", "Admin", server.RoleAdmin)
		idaCtx, _ := s.mustUserContext(t, s.adminCtx, ida)
		r, _, err := s.auth.IssuePasswordReset(idaCtx, server.UserRef{ID: s.admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		s.assertEnds(t, func() error { return s.auth.CompletePasswordReset(context.Background(), r.Token, "a new password") }, true,
			append(s.stolen(), s.thiefSession, s.victimSession, s.inVictimSession.ID, s.withVictimSessionKey.ID)...)
		s.assertWork(t, true, s.withAnnKey, s.bobKey)
	})
}

// A password change ends every reset link of the user still outstanding: whoever stole
// an admin's session could issue one for that admin, and take the account back with it
// after the change, within its hour, from any client. The links a reset ends (every one
// of the user's, see CompletePasswordReset) a change ends too; a link refused after it
// changes nothing, and the password stays the one the change set. A link for another user
// stays.
func testSecurity_PasswordChangeEndsResetLinks(t *testing.T, open Open) {
	s := newKeyLines(t, open, nil)
	byThief, _, err := s.auth.IssuePasswordReset(s.thief, server.UserRef{ID: s.admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	ida := s.mustCreateUser(t, s.adminCtx, "ida@acme.example", "Ida", "Admin", server.RoleAdmin)
	idaCtx, _ := s.mustUserContext(t, s.adminCtx, ida)
	byIda, _, err := s.auth.IssuePasswordReset(idaCtx, server.UserRef{ID: s.admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	forBob, _, err := s.auth.IssuePasswordReset(s.victim, server.UserRef{ID: s.bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.changePassword(s.victim); err != nil {
		t.Fatal(err)
	}
	const notValid = "This password reset link is not valid any more (used, expired or mistyped): ask an admin for a new one."
	for i, token := range []string{byThief.Token, byIda.Token} {
		err := s.assertUnchanged(t, func() error {
			return s.auth.CompletePasswordReset(fromClient(context.Background(), fmt.Sprint("198.51.100.", 30+i)), token, "taken back")
		})
		assertError(t, err, server.EINVALID, "token", notValid)
	}
	if _, err := s.auth.SignIn(context.Background(), "ann@acme.example", "a new password"); err != nil {
		t.Fatalf("Ann signs in with the password she set: %v", err)
	}
	if err := s.auth.CompletePasswordReset(context.Background(), forBob.Token, "chosen by bob"); err != nil {
		t.Fatalf("the link for Bob: %v", err)
	}
}

// A password change, and a completed reset, end the reset links issued with the
// sessions they end, with the keys they end and with the embed tokens those minted, for
// whichever user, one at a time or by an import: whoever stole an admin's session could otherwise keep a link to another
// user's account, an admin's included, and take it over after the change. A link refused
// changes nothing; the links issued with the session or key that the change spares still
// work.
func testSecurity_PasswordChangeEndsLinksOfOtherSessions(t *testing.T, open Open) {
	for _, tc := range []struct {
		name   string
		change func(s *keyLines, ida *server.User) error
		spared bool // whether the links of Ann's own session stay
	}{
		{"Change", func(s *keyLines, _ *server.User) error { return s.changePassword(s.victim) }, true},
		{"Reset", func(s *keyLines, ida *server.User) error { return s.resetBy(t, ida) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newKeyLines(t, open, nil)
			ida := s.mustCreateUser(t, s.adminCtx, "ida@acme.example", "Ida", "Admin", server.RoleAdmin)
			reset := func(ctx context.Context, u *server.User) string {
				t.Helper()
				r, _, err := s.auth.IssuePasswordReset(ctx, server.UserRef{ID: u.ID})
				if err != nil {
					t.Fatal(err)
				}
				return r.Token
			}
			imported, err := s.store.Imports.ImportUsers(s.thief, []server.ImportRow{{Line: 2, Email: "imp@acme.example", Role: "ADMIN"}},
				server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
			if err != nil || imported[0].Token == "" {
				t.Fatalf("import: %+v %v", imported, err)
			}
			embedded := s.mustTokenContext(t, s.mustMint(t, s.thiefOwnCtx, s.admin, server.ScopeFull, 0).Token)
			stolen := []string{reset(s.thief, ida), reset(s.thiefOwnCtx, s.carol), reset(s.mustAuthenticate(t, s.thiefOwnChained.Key), s.bob),
				reset(embedded, ida), imported[0].Token}
			own := []string{reset(s.victim, s.bob), reset(s.adminCtx, s.carol)}
			if err := tc.change(s, ida); err != nil {
				t.Fatal(err)
			}
			const notValid = "This password reset link is not valid any more (used, expired or mistyped): ask an admin for a new one."
			for i, token := range stolen {
				err := s.assertUnchanged(t, func() error {
					return s.auth.CompletePasswordReset(fromClient(context.Background(), fmt.Sprint("198.51.100.", 30+i)), token, "taken over")
				})
				assertError(t, err, server.EINVALID, "token", notValid)
			}
			if !tc.spared {
				own = own[1:] // a reset ends the sessions, Ann's own with the thief's
			}
			for _, token := range own {
				if err := s.auth.CompletePasswordReset(context.Background(), token, "chosen by its user"); err != nil {
					t.Errorf("a link Ann issued herself: %v", err)
				}
			}
		})
	}
}

// A password change, and a completed reset, end the invitations sent with the sessions
// they end, with the keys they end and with the embed tokens those minted: whoever stole
// an admin's session could invite an address of their own, as an ADMIN, and join with it
// after the change, for the invitation's days, one at a time or by an import. Such an
// invitation is withdrawn, a link refused changes nothing, and the invitations Ann sent
// with what the change spares still work, Ivy's among them, whose other link the thief
// made.
func testSecurity_PasswordChangeEndsInvitationsOfOtherSessions(t *testing.T, open Open) {
	for _, tc := range []struct {
		name   string
		change func(s *keyLines) error
		spared bool // whether the invitations of Ann's own session stay
	}{
		{"Change", func(s *keyLines) error { return s.changePassword(s.victim) }, true},
		{"Reset", func(s *keyLines) error {
			return s.resetBy(t, s.mustCreateUser(t, s.adminCtx, "ida@acme.example", "Ida", "Admin", server.RoleAdmin))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newKeyLines(t, open, nil)
			embedded := s.mustTokenContext(t, s.mustMint(t, s.thiefOwnCtx, s.admin, server.ScopeFull, 0).Token)
			stolen := []*server.IssuedInvitation{
				s.mustInvite(t, s.thief, "thief@evil.example", server.RoleAdmin),
				s.mustInvite(t, s.mustAuthenticate(t, s.thiefOwnChained.Key), "accomplice@evil.example", server.RoleUser),
				s.mustInvite(t, embedded, "third@evil.example", server.RoleAdmin),
			}
			imported, err := s.store.Imports.ImportUsers(s.thief, []server.ImportRow{{Line: 2, Email: "imported@evil.example", Role: "ADMIN"}},
				server.ImportOptions{Mode: server.ImportInvite, Existing: server.ImportSkip})
			if err != nil || imported[0].Token == "" {
				t.Fatalf("import: %+v %v", imported, err)
			}
			stolen = append(stolen, &server.IssuedInvitation{Token: imported[0].Token})
			another, err := s.invites.CreateInvitationLink(s.thiefOwnCtx, s.ivy.Invitation.ID)
			if err != nil {
				t.Fatal(err)
			}
			own := []*server.IssuedInvitation{s.mustInvite(t, s.victim, "dora@acme.example", server.RoleAdmin),
				s.mustInvite(t, s.adminCtx, "eve@acme.example", server.RoleUser), s.ivy}
			if err := tc.change(s); err != nil {
				t.Fatal(err)
			}
			for _, iss := range append(stolen, another) {
				err := s.assertUnchanged(t, func() error {
					_, err := s.invites.AcceptInvitation(context.Background(), iss.Token, server.InvitationAccept{Firstname: "Mallory", Password: password})
					return err
				})
				assertCode(t, err, server.EINVALID)
			}
			evil := "evil.example"
			if n, err := s.invites.CountInvitations(s.adminCtx, server.InvitationFilter{Statuses: []server.InvitationStatus{server.InvitationRevoked}, Search: &evil}); err != nil || n != len(stolen) {
				t.Errorf("withdrawn invitations of the thief: %d %v, want %d", n, err, len(stolen))
			}
			if !tc.spared {
				own = own[1:] // a reset ends the sessions, Ann's own with the thief's
			}
			for _, iss := range own {
				if _, err := s.invites.AcceptInvitation(context.Background(), iss.Token, server.InvitationAccept{Firstname: "Invited", Password: password}); err != nil {
					t.Errorf("%s, invited by Ann herself: %v", iss.Invitation.Email, err)
				}
			}
		})
	}
}

// The thief issues reset links and sends invitations with the session while Ann changes
// her password: each is made before the change, and ends with it, or is refused.
func testSecurity_LinksMadeAtOnceWithAPasswordChange(t *testing.T, open Open) {
	s := newKeyLines(t, open, nil)
	const made = 8
	tokens := make([]string, made)
	errs := AtOnce(made+1, func(i int) error {
		if i == made {
			return s.changePassword(s.victim)
		}
		ctx := s.thief
		if i%4 < 2 {
			ctx = s.thiefOwnCtx
		}
		if i%2 == 0 {
			r, _, err := s.auth.IssuePasswordReset(ctx, server.UserRef{ID: s.carol.ID})
			if err == nil {
				tokens[i] = r.Token
			}
			return err
		}
		results, err := s.invites.InviteUsers(ctx, []string{fmt.Sprintf("at-once-%d@evil.example", i)}, server.RoleAdmin)
		if err == nil {
			tokens[i] = results[0].Token
		}
		return err
	})
	if err := errs[made]; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs[:made] {
		if err != nil {
			assertCode(t, err, server.EUNAUTHENTICATED)
			continue
		}
		err := s.assertUnchanged(t, func() error {
			if i%2 == 0 {
				return s.auth.CompletePasswordReset(fromClient(context.Background(), fmt.Sprint("198.51.100.", 30+i)), tokens[i], "taken over")
			}
			_, err := s.invites.AcceptInvitation(context.Background(), tokens[i], server.InvitationAccept{Firstname: "Mallory", Password: password})
			return err
		})
		assertCode(t, err, server.EINVALID)
	}
}
