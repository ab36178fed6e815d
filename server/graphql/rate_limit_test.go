package graphql_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server/graphql"
)

// clock is a time that a test moves on by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

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

const rateLimited = "Too many failed sign-in attempts: wait a minute and try again."

// limitedFixture is a fixture whose handler limits failed authentications as limit says,
// on a clock of the test's.
func limitedFixture(t *testing.T, limit graphql.AuthLimit, trustProxy bool) (*fixture, *clock) {
	t.Helper()
	f := newFixture(t)
	clk := newClock()
	f.handler = f.handlerWith(func(h *graphql.Handler) {
		h.AuthLimit, h.TrustProxy, h.Now = limit, trustProxy, clk.Now
	})
	return f, clk
}

// attempt sends a request from the client at addr with header and returns the code and
// message of its first error, or "" when it succeeded.
func (f *fixture) attempt(t *testing.T, addr string, header http.Header, body string) (code, message string) {
	t.Helper()
	status, got := f.postFrom(t, addr, header, body)
	if status != http.StatusOK {
		t.Fatalf("status = %d; answer %v", status, got)
	}
	errs, _ := got["errors"].([]any)
	if len(errs) == 0 {
		return "", ""
	}
	e := errs[0].(map[string]any)
	return fmt.Sprint(e["extensions"].(map[string]any)["code"]), fmt.Sprint(e["message"])
}

// withKey sends "{ viewer { id } }" with key from addr and returns the first error's code.
func (f *fixture) withKey(t *testing.T, addr, key string) string {
	t.Helper()
	code, _ := f.attempt(t, addr, http.Header{"Authorization": {"Bearer " + key}}, `{"query": "{ viewer { id } }"}`)
	return code
}

// signInFrom signs in from addr and returns the first error's code.
func (f *fixture) signInFrom(t *testing.T, addr, email, password string) string {
	t.Helper()
	body := string(mustJSON(t, map[string]any{
		"query":     `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
		"variables": map[string]string{"e": email, "p": password},
	}))
	code, _ := f.attempt(t, addr, nil, body)
	return code
}

// expectCodes checks each code in got against want, naming the attempt.
func expectCodes(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: codes %q, want %q", what, got, want)
	}
}

func TestHandler_AuthLimit(t *testing.T) {
	const badKey = "ua_guessedKeyNumber"
	const attacker, neighbour = "192.0.2.10:50000", "192.0.2.11:50000"

	t.Run("BadKeys", func(t *testing.T) {
		f, clk := limitedFixture(t, graphql.AuthLimit{}, false)
		for i := range 10 {
			if code := f.withKey(t, attacker, fmt.Sprint(badKey, i)); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: code = %q, want UNAUTHENTICATED", i+1, code)
			}
		}
		code, msg := f.attempt(t, attacker, http.Header{"X-Api-Key": {badKey + "10"}}, `{"query": "{ viewer { id } }"}`)
		if code != "RATE_LIMITED" || msg != rateLimited {
			t.Errorf("11th failure: got %s %q, want RATE_LIMITED %q", code, msg, rateLimited)
		}
		// A valid key still works from the same address, and others are not limited.
		if code := f.withKey(t, attacker, f.acmeUserKey); code != "" {
			t.Errorf("valid key while limited: code = %q, want success", code)
		}
		if code := f.withKey(t, neighbour, badKey); code != "UNAUTHENTICATED" {
			t.Errorf("other client: code = %q, want UNAUTHENTICATED", code)
		}
		clk.Add(61 * time.Second)
		if code := f.withKey(t, attacker, badKey); code != "UNAUTHENTICATED" {
			t.Errorf("after the window: code = %q, want UNAUTHENTICATED", code)
		}

		log := f.log.String()
		if !strings.Contains(log, "too many failed authentications") || !strings.Contains(log, "192.0.2.10") {
			t.Errorf("the log does not name the limited client: %q", log)
		}
		if strings.Contains(log, badKey) || strings.Contains(log, f.acmeUserKey) {
			t.Errorf("the log holds a key: %q", log)
		}
	})

	t.Run("SignIn", func(t *testing.T) {
		f, clk := limitedFixture(t, graphql.AuthLimit{Failures: 3}, false)
		for i := range 3 {
			if code := f.signInFrom(t, attacker, acmeUserEmail, fmt.Sprint("wrong password ", i)); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: code = %q, want UNAUTHENTICATED", i+1, code)
			}
		}
		// Once limited, even the right password is refused unchecked: a guess that happens
		// to be right must not be confirmed, and nothing is stored.
		before := f.snapshot(t)
		if code := f.signInFrom(t, attacker, acmeUserEmail, password); code != "RATE_LIMITED" {
			t.Errorf("right password while limited: code = %q, want RATE_LIMITED", code)
		}
		if f.snapshot(t) != before {
			t.Errorf("a refused signIn stored something")
		}
		if code := f.signInFrom(t, neighbour, acmeUserEmail, password); code != "" {
			t.Errorf("other client: code = %q, want success", code)
		}
		clk.Add(time.Minute + time.Second)
		if code := f.signInFrom(t, attacker, acmeUserEmail, password); code != "" {
			t.Errorf("after the window: code = %q, want success", code)
		}
		if log := f.log.String(); strings.Contains(log, "wrong password") || strings.Contains(log, password) {
			t.Errorf("the log holds a password: %q", log)
		}
	})

	t.Run("SignInAliases", func(t *testing.T) {
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: 3}, false)
		var q strings.Builder
		q.WriteString("mutation {")
		for _, alias := range []string{"a", "b", "c", "d", "e"} {
			fmt.Fprintf(&q, ` %s: signIn(email: "uma@acme.test", password: "guess %s") { apiKey }`, alias, alias)
		}
		q.WriteString(" }")
		_, got := f.postFrom(t, attacker, nil, string(mustJSON(t, map[string]string{"query": q.String()})))
		var codes []string
		for _, e := range got["errors"].([]any) {
			e := e.(map[string]any)
			codes = append(codes, fmt.Sprint(e["path"].([]any)[0], "=", e["extensions"].(map[string]any)["code"]))
		}
		expectCodes(t, "five guesses in one request", codes,
			"a=UNAUTHENTICATED", "b=UNAUTHENTICATED", "c=UNAUTHENTICATED", "d=RATE_LIMITED", "e=RATE_LIMITED")
	})

	t.Run("ResetToken", func(t *testing.T) {
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: 2}, false)
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
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: 2}, false)
		for i := range 20 {
			if code := f.withKey(t, attacker, f.acmeAdminKey); code != "" {
				t.Fatalf("success %d: code = %q", i+1, code)
			}
		}
		codes := []string{f.withKey(t, attacker, badKey), f.withKey(t, attacker, badKey), f.withKey(t, attacker, badKey)}
		expectCodes(t, "failures after 20 successes", codes, "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED")
	})

	t.Run("SlidingWindow", func(t *testing.T) {
		f, clk := limitedFixture(t, graphql.AuthLimit{Failures: 3}, false)
		f.withKey(t, attacker, badKey)
		f.withKey(t, attacker, badKey)
		clk.Add(40 * time.Second)
		f.withKey(t, attacker, badKey)
		var codes []string
		codes = append(codes, f.withKey(t, attacker, badKey)) // three failures within 40 s
		clk.Add(21 * time.Second)                             // the first two are now over a minute old
		codes = append(codes, f.withKey(t, attacker, badKey))
		expectCodes(t, "sliding window", codes, "RATE_LIMITED", "UNAUTHENTICATED")
	})

	t.Run("ForwardedForIgnored", func(t *testing.T) {
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: 2}, false)
		var codes []string
		for i := range 3 {
			code, _ := f.attempt(t, attacker, http.Header{"X-Api-Key": {badKey}, "X-Forwarded-For": {fmt.Sprint("203.0.113.", i)}},
				`{"query": "{ viewer { id } }"}`)
			codes = append(codes, code)
		}
		expectCodes(t, "X-Forwarded-For without a trusted proxy", codes, "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED")
	})

	t.Run("ForwardedForTrusted", func(t *testing.T) {
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: 2}, true)
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
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: 2}, false)
		codes := []string{
			f.withKey(t, "[2001:db8::1]:443", badKey),
			f.withKey(t, "[2001:db8::2]:443", badKey),
			f.withKey(t, "[2001:db8::ffff:3]:443", badKey), // the same /64
			f.withKey(t, "[2001:db8:0:1::1]:443", badKey),  // another /64
		}
		expectCodes(t, "IPv6", codes, "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED", "UNAUTHENTICATED")
	})

	t.Run("MaxClients", func(t *testing.T) {
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: 1, MaxClients: 5}, false)
		for i := range 50 {
			f.withKey(t, fmt.Sprintf("198.18.0.%d:1000", i), badKey)
			if n := f.handler.AuthLimitClients(); n > 5 {
				t.Fatalf("after %d clients the limiter remembers %d, want at most 5", i+1, n)
			}
		}
		codes := []string{f.withKey(t, "198.18.0.49:1000", badKey), f.withKey(t, "198.18.0.0:1000", badKey)}
		expectCodes(t, "the latest client is remembered, the oldest forgotten", codes, "RATE_LIMITED", "UNAUTHENTICATED")
	})

	t.Run("StaleClientsForgotten", func(t *testing.T) {
		f, clk := limitedFixture(t, graphql.AuthLimit{}, false)
		for i := range 3 {
			f.withKey(t, fmt.Sprintf("198.18.1.%d:1000", i), badKey)
		}
		clk.Add(2 * time.Minute)
		f.withKey(t, "198.18.1.200:1000", badKey)
		if n := f.handler.AuthLimitClients(); n != 1 {
			t.Errorf("the limiter remembers %d clients, want 1", n)
		}
	})

	t.Run("Off", func(t *testing.T) {
		f, _ := limitedFixture(t, graphql.AuthLimit{Failures: -1}, false)
		for i := range 30 {
			if code := f.withKey(t, attacker, badKey); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: code = %q, want UNAUTHENTICATED", i+1, code)
			}
		}
	})
}
