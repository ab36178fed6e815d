package storetest

import (
	"context"
	"testing"
	"time"

	"useradmin/server"
)

// signInAnswer is what a sign-in answered, as its caller can tell answers apart.
type signInAnswer struct {
	Code, Field, Message string
	RetryAfter           time.Duration
}

// answerOf returns the answer err is; a session is the zero answer.
func answerOf(err error) signInAnswer {
	e, ok := err.(*server.Error)
	if !ok {
		return signInAnswer{Code: server.ErrorCode(err), Message: server.ErrorMessage(err)}
	}
	return signInAnswer{Code: e.Code, Field: e.Field, Message: e.Message, RetryAfter: e.RetryAfter}
}

// DeactivatedSignInIsAWrongPassword: the right password of a deactivated account must
// not be confirmed to whoever guessed it. Its answer is the answer to a wrong password of
// an active account, and to an unknown email, code and message alike, by email or by
// username; it is counted against the limits as a wrong password is, so that the
// sequence of answers, the rate limit's included, is the same; it opens no session and
// changes nothing stored.
func testSecurity_DeactivatedSignInIsAWrongPassword(t *testing.T, open Open) {
	p := newPeople(t, open)
	dora := p.mustCreateUser(t, p.adminCtx, "dora@acme.example", "Dora", "Dunn", server.RoleUser)
	for ref, upd := range map[string]server.UserUpdate{
		p.carol.ID: {Activated: ptr(false)},
		dora.ID:    {Username: ptr("dora.dunn"), Activated: ptr(false)},
	} {
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: ref}, upd); err != nil {
			t.Fatal(err)
		}
	}
	p.store.SetCredentialLimit(server.CredentialLimit{Failures: 3, Window: time.Minute})

	// Each sequence from a client of its own, on an account of its own: the answers of
	// five attempts, the last two over the limit.
	sequence := func(client, login string, pw func(i int) string) []signInAnswer {
		t.Helper()
		var answers []signInAnswer
		err := p.assertUnchanged(t, func() error {
			for i := range 5 {
				_, err := p.auth.SignIn(fromClient(context.Background(), client), login, pw(i))
				answers = append(answers, answerOf(err))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return answers
	}
	right := func(int) string { return password }
	guesses := func(i int) string { return "guess " + string(rune('a'+i)) }
	wrongActive := sequence("198.51.100.1", "bob@acme.example", guesses)
	if wrongActive[0].Code != server.EUNAUTHENTICATED || wrongActive[3].Code != server.ERATELIMITED {
		t.Fatalf("wrong passwords of an active account: %+v", wrongActive)
	}
	for name, got := range map[string][]signInAnswer{
		"the right password of a deactivated account":      sequence("198.51.100.2", "carol@acme.example", right),
		"the right password, then wrong ones, by username": sequence("198.51.100.3", "Dora.Dunn", func(i int) string { return map[bool]string{true: password, false: "guess"}[i == 0] }),
		"an unknown email": sequence("198.51.100.4", "nobody@acme.example", right),
	} {
		if len(got) != len(wrongActive) {
			t.Fatalf("%s: %d answers", name, len(got))
		}
		for i := range got {
			if got[i] != wrongActive[i] {
				t.Errorf("%s, attempt %d: %+v; a wrong password of an active account got %+v", name, i+1, got[i], wrongActive[i])
			}
		}
	}
	if n := sessions(t, p.fixture, p.carol.ID); n != 0 {
		t.Errorf("%d sessions for Carol, deactivated", n)
	}

	// Activated again, after the window, Carol signs in with the same password.
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	p.clock.Add(time.Minute)
	if _, err := p.auth.SignIn(fromClient(context.Background(), "198.51.100.2"), "carol@acme.example", password); err != nil {
		t.Fatalf("Carol activated again: %v", err)
	}
}

// DeactivatedSignInTakesAsLong: the answer to a deactivated account takes as long as the
// answer to a wrong password, for one slow hash is checked either way; a store that
// answered before hashing would tell the two apart by the clock. The fastest of several
// runs is compared, and loosely (a third), for a shared machine's timings are noisy; an
// answer without a hash takes a hundredth of the time.
func testSecurity_DeactivatedSignInTakesAsLong(t *testing.T, open Open) {
	p := newPeople(t, open)
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	p.store.SetCredentialLimit(server.CredentialLimit{Failures: 1000})
	fastest := func(login, pw string) time.Duration {
		best := time.Hour
		for range 8 {
			start := time.Now()
			if _, err := p.auth.SignIn(context.Background(), login, pw); server.ErrorCode(err) != server.EUNAUTHENTICATED {
				t.Fatalf("%s: %v", login, err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	wrong := fastest("bob@acme.example", "wrong password")
	deactivated := fastest("carol@acme.example", password)
	unknown := fastest("nobody@acme.example", password)
	t.Logf("fastest of 8 sign-ins: wrong password %v, deactivated with the right one %v, unknown email %v", wrong, deactivated, unknown)
	if deactivated < wrong/3 || unknown < wrong/3 {
		t.Errorf("a deactivated account is answered in %v, an unknown email in %v, a wrong password in %v: want about as long", deactivated, unknown, wrong)
	}
}

// ResetAndInvitationDoNotTellDeactivated: the other ways in that need no key answer a
// deactivated account as they answer an active one. A reset link of each completes
// alike (only signing in tells, and it tells a wrong password); an invitation to an
// address that has an account, active or deactivated, is refused alike, by its preview
// and by its acceptance, and nothing stored changes.
func testSecurity_ResetAndInvitationDoNotTellDeactivated(t *testing.T, open Open) {
	p := newPeople(t, open)
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	const newPassword = "a new password of theirs"
	resets := map[string]error{}
	for name, id := range map[string]string{"active": p.bob.ID, "deactivated": p.carol.ID} {
		reset, _, err := p.auth.IssuePasswordReset(p.adminCtx, server.UserRef{ID: id})
		if err != nil {
			t.Fatal(err)
		}
		resets[name] = p.auth.CompletePasswordReset(context.Background(), reset.Token, newPassword)
		if again := p.auth.CompletePasswordReset(context.Background(), reset.Token, newPassword); answerOf(again) != answerOf(server.ErrResetEnded) {
			t.Errorf("the used reset link of the %s account: %v", name, again)
		}
	}
	if answerOf(resets["active"]) != answerOf(resets["deactivated"]) || resets["active"] != nil {
		t.Errorf("reset of an active account: %v, of a deactivated one: %v", resets["active"], resets["deactivated"])
	}
	_, err := p.auth.SignIn(context.Background(), "carol@acme.example", newPassword)
	assertError(t, err, server.EUNAUTHENTICATED, "", server.ErrSignInNotValid.Message)

	// Ivy's invitation is pending; meanwhile Ann made her an account.
	ivy := p.mustCreateUser(t, p.adminCtx, "ivy@acme.example", "Ivy", "Ives", server.RoleUser)
	answers := func() (preview, accept signInAnswer) {
		t.Helper()
		p.assertUnchanged(t, func() error {
			_, err := p.invites.FindInvitationByToken(context.Background(), p.ivy.Token)
			preview = answerOf(err)
			_, err = p.invites.AcceptInvitation(context.Background(), p.ivy.Token, server.InvitationAccept{Firstname: "Ivy", Password: newPassword})
			accept = answerOf(err)
			return nil
		})
		return preview, accept
	}
	activePreview, activeAccept := answers()
	if activeAccept.Code != server.EINVALID || activePreview != activeAccept {
		t.Fatalf("an invitation to an active account: preview %+v, accept %+v", activePreview, activeAccept)
	}
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: ivy.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if preview, accept := answers(); preview != activePreview || accept != activeAccept {
		t.Errorf("an invitation to a deactivated account: preview %+v, accept %+v; to an active one %+v", preview, accept, activeAccept)
	}
}
