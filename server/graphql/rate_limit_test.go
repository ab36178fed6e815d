package graphql_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/graphql"
)

// clock is a time that a test moves on by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at the real time, so that the keys of the test directory are as valid
// as they are now.
func newClock() *clock { return &clock{t: time.Now().UTC()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// The answers of the store's limits on credential checks, for a full window of a minute.
const (
	clientLimited  = "Too many wrong passwords were tried from your address: wait a minute and try again."
	secretLimited  = "Too many keys or reset links that do not work were sent from your address: wait a minute and try again."
	accountLimited = "Too many wrong passwords were tried for this account: wait a minute and try again."
)

// limitedFixture is a fixture whose store limits failed credential checks as limit says,
// on a clock of the test's; trustProxy is the handler's TrustProxy.
func limitedFixture(t *testing.T, limit server.CredentialLimit, trustProxy bool) (*fixture, *clock) {
	t.Helper()
	f := newFixture(t)
	clk := newClock()
	f.db.CredentialLimit, f.db.Now = limit, clk.Now
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.TrustProxy = trustProxy })
	return f, clk
}

// attempt sends a request from the client at addr with header and returns the code and
// message of its first error, or "" when it succeeded.
func (f *fixture) attempt(t *testing.T, addr string, header http.Header, body string) (code, message string) {
	t.Helper()
	code, message, _ = f.attemptRetry(t, addr, header, body)
	return code, message
}

// attemptRetry is attempt that also returns the first error's retryAfterSeconds.
func (f *fixture) attemptRetry(t *testing.T, addr string, header http.Header, body string) (code, message string, retry any) {
	t.Helper()
	status, got := f.postFrom(t, addr, header, body)
	if status != http.StatusOK {
		t.Fatalf("status = %d; answer %v", status, got)
	}
	errs, _ := got["errors"].([]any)
	if len(errs) == 0 {
		return "", "", nil
	}
	e := errs[0].(map[string]any)
	ext := e["extensions"].(map[string]any)
	return fmt.Sprint(ext["code"]), fmt.Sprint(e["message"]), ext["retryAfterSeconds"]
}

// withKey sends "{ viewer { id } }" with key from addr and returns the first error's code.
func (f *fixture) withKey(t *testing.T, addr, key string) string {
	t.Helper()
	code, _ := f.attempt(t, addr, http.Header{"Authorization": {"Bearer " + key}}, `{"query": "{ viewer { id } }"}`)
	return code
}

// signInBody is a signIn request with email and password in variables.
func signInBody(t *testing.T, email, password string) string {
	return string(mustJSON(t, map[string]any{
		"query":     `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
		"variables": map[string]string{"e": email, "p": password},
	}))
}

// signInFrom signs in from addr and returns the first error's code.
func (f *fixture) signInFrom(t *testing.T, addr, email, password string) string {
	t.Helper()
	code, _ := f.attempt(t, addr, nil, signInBody(t, email, password))
	return code
}

// expectCodes checks each code in got against want, naming the attempt.
func expectCodes(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: codes %q, want %q", what, got, want)
	}
}

// aliasCodes returns "alias=CODE" for each error of an answer, in the order of the aliases.
func aliasCodes(got map[string]any) []string {
	var codes []string
	for _, e := range got["errors"].([]any) {
		e := e.(map[string]any)
		codes = append(codes, fmt.Sprint(e["path"].([]any)[0], "=", e["extensions"].(map[string]any)["code"]))
	}
	return codes
}

func TestHandler_CredentialLimit(t *testing.T) {
	const badKey = "ua_guessedKeyNumber"
	const attacker, neighbour = "192.0.2.10:50000", "192.0.2.11:50000"

	t.Run("BadKeys", func(t *testing.T) {
		f, clk := limitedFixture(t, server.CredentialLimit{}, false)
		for i := range 10 {
			if code := f.withKey(t, attacker, fmt.Sprint(badKey, i)); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: code = %q, want UNAUTHENTICATED", i+1, code)
			}
		}
		code, msg, retry := f.attemptRetry(t, attacker, http.Header{"X-Api-Key": {badKey + "10"}}, `{"query": "{ viewer { id } }"}`)
		if code != "RATE_LIMITED" || msg != secretLimited || retry != 60.0 {
			t.Errorf("11th failure: got %s %q retryAfterSeconds %v, want RATE_LIMITED %q 60", code, msg, retry, secretLimited)
		}
		// Once limited, a client's keys are refused before they are checked, valid or not;
		// other clients are not limited.
		if code := f.withKey(t, attacker, f.acmeUserKey); code != "RATE_LIMITED" {
			t.Errorf("valid key while limited: code = %q, want RATE_LIMITED", code)
		}
		if code := f.withKey(t, neighbour, f.acmeUserKey); code != "" {
			t.Errorf("other client, valid key: code = %q, want success", code)
		}
		if code := f.withKey(t, neighbour, badKey); code != "UNAUTHENTICATED" {
			t.Errorf("other client: code = %q, want UNAUTHENTICATED", code)
		}
		clk.Add(61 * time.Second)
		if code := f.withKey(t, attacker, badKey); code != "UNAUTHENTICATED" {
			t.Errorf("after the window: code = %q, want UNAUTHENTICATED", code)
		}

		log := f.log.String()
		if !strings.Contains(log, "too many failed credential checks") || !strings.Contains(log, "192.0.2.10") {
			t.Errorf("the log does not name the limited client: %q", log)
		}
		if strings.Contains(log, badKey) || strings.Contains(log, f.acmeUserKey) {
			t.Errorf("the log holds a key: %q", log)
		}
	})

	t.Run("SignIn", func(t *testing.T) {
		f, clk := limitedFixture(t, server.CredentialLimit{Failures: 3}, false)
		for i := range 3 {
			if code := f.signInFrom(t, attacker, acmeUserEmail, fmt.Sprint("wrong password ", i)); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: code = %q, want UNAUTHENTICATED", i+1, code)
			}
		}
		// Once limited, even the right password is refused unchecked: a guess that happens
		// to be right must not be confirmed, and nothing is stored.
		before := f.snapshot(t)
		code, msg, retry := f.attemptRetry(t, attacker, nil, signInBody(t, acmeUserEmail, password))
		if code != "RATE_LIMITED" || msg != accountLimited || retry != 60.0 {
			t.Errorf("right password while limited: got %s %q %v, want RATE_LIMITED %q 60", code, msg, retry, accountLimited)
		}
		if f.snapshot(t) != before {
			t.Errorf("a refused signIn stored something")
		}
		// The account is limited from every client; the attacker's client for every account.
		if code := f.signInFrom(t, neighbour, acmeUserEmail, password); code != "RATE_LIMITED" {
			t.Errorf("other client, same account: code = %q, want RATE_LIMITED", code)
		}
		if code, msg := f.attempt(t, attacker, nil, signInBody(t, acmeAdminEmail, password)); code != "RATE_LIMITED" || msg != clientLimited {
			t.Errorf("same client, other account: got %s %q, want RATE_LIMITED %q", code, msg, clientLimited)
		}
		if code := f.signInFrom(t, neighbour, acmeAdminEmail, password); code != "" {
			t.Errorf("other client, other account: code = %q, want success", code)
		}
		clk.Add(30 * time.Second)
		if _, _, retry := f.attemptRetry(t, attacker, nil, signInBody(t, acmeUserEmail, password)); retry != 30.0 {
			t.Errorf("half way through the window: retryAfterSeconds = %v, want 30", retry)
		}
		clk.Add(31 * time.Second)
		if code := f.signInFrom(t, attacker, acmeUserEmail, password); code != "" {
			t.Errorf("after the window: code = %q, want success", code)
		}
		if log := f.log.String(); strings.Contains(log, "wrong password") || strings.Contains(log, password) || strings.Contains(log, acmeUserEmail) {
			t.Errorf("the log holds a password or an email: %q", log)
		}
	})

	t.Run("UnknownEmailsCount", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 2}, true)
		from := func(xff, email string) string {
			code, _ := f.attempt(t, attacker, http.Header{"X-Forwarded-For": {xff}}, signInBody(t, email, "guess"))
			return code
		}
		codes := []string{from("198.51.100.1", "nobody@acme.test"), from("198.51.100.2", " NOBODY@acme.test"),
			from("198.51.100.3", "nobody@acme.test"), from("198.51.100.4", "somebody@acme.test")}
		expectCodes(t, "an unknown email, normalized, from three clients", codes,
			"UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED", "UNAUTHENTICATED")
	})

	t.Run("SignInAliases", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 3}, false)
		var q strings.Builder
		q.WriteString("mutation {")
		for _, alias := range []string{"a", "b", "c", "d", "e"} {
			fmt.Fprintf(&q, ` %s: signIn(email: "uma@acme.test", password: "guess %s") { apiKey }`, alias, alias)
		}
		q.WriteString(" }")
		_, got := f.postFrom(t, attacker, nil, string(mustJSON(t, map[string]string{"query": q.String()})))
		expectCodes(t, "five guesses in one request", aliasCodes(got),
			"a=UNAUTHENTICATED", "b=UNAUTHENTICATED", "c=UNAUTHENTICATED", "d=RATE_LIMITED", "e=RATE_LIMITED")
	})

	t.Run("UpdatePassword", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{}, false)
		change := func(old string) (string, string) {
			body := string(mustJSON(t, map[string]any{
				"query": `mutation($w: UserWhere!, $d: UpdatePasswordData!) { updatePassword(where: $w, data: $d) { id } }`,
				"variables": map[string]any{"w": map[string]any{"id": f.acmeUser.ID},
					"d": map[string]any{"oldPassword": old, "newPassword1": "a new password", "newPassword2": "a new password"}},
			}))
			return f.attempt(t, attacker, http.Header{"Authorization": {"Bearer " + f.acmeUserKey}}, body)
		}
		var codes []string
		for i := range 15 {
			code, _ := change(fmt.Sprint("guess ", i))
			codes = append(codes, code)
		}
		want := append(slices.Repeat([]string{"BAD_USER_INPUT"}, 10), slices.Repeat([]string{"RATE_LIMITED"}, 5)...)
		expectCodes(t, "15 wrong current passwords", codes, want...)
		before := f.snapshot(t)
		if code, msg := change(password); code != "RATE_LIMITED" || msg != accountLimited {
			t.Errorf("right current password while limited: got %s %q, want RATE_LIMITED %q", code, msg, accountLimited)
		}
		if f.snapshot(t) != before {
			t.Errorf("a refused updatePassword stored something")
		}
		// The guesses count against the account and the client, not the caller's key.
		if code := f.withKey(t, attacker, f.acmeUserKey); code != "" {
			t.Errorf("the caller's key after the guesses: code = %q, want success", code)
		}
		// The account's count is the one signIn uses.
		if code := f.signInFrom(t, neighbour, acmeUserEmail, password); code != "RATE_LIMITED" {
			t.Errorf("signIn after the guesses: code = %q, want RATE_LIMITED", code)
		}
	})

	t.Run("UpdatePasswordAliases", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 3}, false)
		var q strings.Builder
		q.WriteString("mutation {")
		for i := range 10 {
			fmt.Fprintf(&q, ` a%d: updatePassword(where: {id: %q}, data: {oldPassword: "guess %d", newPassword1: "a new password", newPassword2: "a new password"}) { id }`,
				i, f.acmeUser.ID, i)
		}
		q.WriteString(" }")
		before := f.snapshot(t)
		_, got := f.postFrom(t, attacker, http.Header{"Authorization": {"Bearer " + f.acmeUserKey}}, string(mustJSON(t, map[string]string{"query": q.String()})))
		expectCodes(t, "ten guesses in one request", aliasCodes(got),
			"a0=BAD_USER_INPUT", "a1=BAD_USER_INPUT", "a2=BAD_USER_INPUT", "a3=RATE_LIMITED", "a4=RATE_LIMITED",
			"a5=RATE_LIMITED", "a6=RATE_LIMITED", "a7=RATE_LIMITED", "a8=RATE_LIMITED", "a9=RATE_LIMITED")
		if f.snapshot(t) != before {
			t.Errorf("wrong current passwords stored something")
		}
	})

	t.Run("ResetToken", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 2}, false)
		reset := func(token, newPassword string) string {
			body := string(mustJSON(t, map[string]any{
				"query":     `mutation($t: String!, $p: String!) { completePasswordReset(token: $t, newPassword: $p) }`,
				"variables": map[string]string{"t": token, "p": newPassword},
			}))
			code, _ := f.attempt(t, attacker, nil, body)
			return code
		}
		var codes []string
		// A password that is too short is a mistake, not a guess: it does not count.
		for range 3 {
			codes = append(codes, reset("ua_guess", "short"))
		}
		for range 3 {
			codes = append(codes, reset("ua_guess", "a long new password"))
		}
		expectCodes(t, "reset attempts", codes,
			"BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "RATE_LIMITED")
	})

	t.Run("SuccessDoesNotCount", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 2}, false)
		for i := range 20 {
			if code := f.withKey(t, attacker, f.acmeAdminKey); code != "" {
				t.Fatalf("key %d: code = %q", i+1, code)
			}
		}
		for i := range 5 {
			if code := f.signInFrom(t, attacker, acmeUserEmail, password); code != "" {
				t.Fatalf("sign-in %d: code = %q", i+1, code)
			}
		}
		codes := []string{f.withKey(t, attacker, badKey), f.withKey(t, attacker, badKey), f.withKey(t, attacker, badKey)}
		expectCodes(t, "failures after successes", codes, "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED")
	})

	t.Run("Window", func(t *testing.T) {
		f, clk := limitedFixture(t, server.CredentialLimit{Failures: 3}, false)
		f.withKey(t, attacker, badKey)
		f.withKey(t, attacker, badKey)
		clk.Add(40 * time.Second)
		f.withKey(t, attacker, badKey)
		code, _, retry := f.attemptRetry(t, attacker, http.Header{"X-Api-Key": {badKey}}, `{"query": "{ viewer { id } }"}`)
		if code != "RATE_LIMITED" || retry != 20.0 {
			t.Errorf("three failures within 40 s: got %s, retryAfterSeconds %v, want RATE_LIMITED 20", code, retry)
		}
		clk.Add(20 * time.Second) // the window of the first failure has ended
		expectCodes(t, "a new window", []string{f.withKey(t, attacker, badKey)}, "UNAUTHENTICATED")
	})

	t.Run("ForwardedForIgnored", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 2}, false)
		var codes []string
		for i := range 3 {
			code, _ := f.attempt(t, attacker, http.Header{"X-Api-Key": {badKey}, "X-Forwarded-For": {fmt.Sprint("203.0.113.", i)}},
				`{"query": "{ viewer { id } }"}`)
			codes = append(codes, code)
		}
		expectCodes(t, "X-Forwarded-For without a trusted proxy", codes, "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED")
	})

	t.Run("ForwardedForTrusted", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 2}, true)
		const proxy = "10.0.0.1:40000"
		from := func(xff string) string {
			code, _ := f.attempt(t, proxy, http.Header{"X-Api-Key": {badKey}, "X-Forwarded-For": {xff}}, `{"query": "{ viewer { id } }"}`)
			return code
		}
		codes := []string{from("198.51.100.1"), from("198.51.100.1"), from("198.51.100.1"),
			from("198.51.100.2"),
			from("198.51.100.77, 198.51.100.1")} // the client wrote the first entry, the proxy the last
		expectCodes(t, "X-Forwarded-For from a trusted proxy", codes,
			"UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED", "UNAUTHENTICATED", "RATE_LIMITED")
	})

	t.Run("IPv6Network", func(t *testing.T) {
		f, _ := limitedFixture(t, server.CredentialLimit{Failures: 2}, false)
		codes := []string{
			f.withKey(t, "[2001:db8::1]:443", badKey),
			f.withKey(t, "[2001:db8::2]:443", badKey),
			f.withKey(t, "[2001:db8::ffff:3]:443", badKey), // the same /64
			f.withKey(t, "[2001:db8:0:1::1]:443", badKey),  // another /64
		}
		expectCodes(t, "IPv6", codes, "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED", "UNAUTHENTICATED")
	})
}
