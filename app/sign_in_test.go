package app

import (
	"net/url"
	"strings"
	"testing"
)

func signInPage(t *testing.T) (*signIn, func(key string, v any)) {
	t.Helper()
	c := newSignIn(New())
	d := mount(t, c, capabilities{})
	set(d, stateSession, sessionState{Status: statusFailed})
	d.Nav(&url.URL{Path: "/sign-in", RawQuery: "next=%2F%3Fpage%3D2"})
	d.Consume()
	return c, func(key string, v any) { set(d, key, v) }
}

func TestSignIn(t *testing.T) {
	t.Run("KeyOnlyWithoutSignIn", func(t *testing.T) {
		c, set := signInPage(t)
		set(stateProbe, probe{Status: statusReady, Endpoint: c.endpoint})
		h := rendered(c)
		assertHas(t, h, `<label for="endpoint">GraphQL endpoint</label>`, `<label for="key">API key</label>`, "Sign in")
		assertHasNot(t, h, `for="password"`, "Use an API key instead")
	})

	t.Run("PasswordFirstWithSignIn", func(t *testing.T) {
		c, set := signInPage(t)
		set(stateProbe, probe{Status: statusReady, Endpoint: c.endpoint, Caps: capabilities{SignIn: true}})
		h := rendered(c)
		assertHas(t, h, `<label for="email">Email</label>`, `<label for="password">Password</label>`, "Use an API key instead")
		assertHasNot(t, h, `for="key"`)
	})

	t.Run("Prefilled", func(t *testing.T) {
		c, _ := signInPage(t)
		if c.endpoint == "" {
			t.Fatal("the endpoint is not prefilled")
		}
		if c.next != "/?page=2" {
			t.Fatalf("next: got %q", c.next)
		}
	})

	t.Run("ErrEmpty", func(t *testing.T) {
		c, _ := signInPage(t)
		if got, want := c.validate()["key"], "Enter your API key."; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("ErrWrongKey", func(t *testing.T) {
		c, set := signInPage(t)
		set(stateSignIn, result{Status: statusFailed, Seq: c.baseSeq + 1,
			Err: &failure{Code: codeUnauthenticated, Message: "This API key was not accepted. Check it, or ask an admin for a new one."}})
		if got := fieldMessage(rendered(c), "key"); !strings.HasPrefix(got, "This API key was not accepted.") {
			t.Errorf("key message: got %q", got)
		}
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		// The directory answers a wrong password, an unknown email and a deactivated
		// account alike; the form shows its sentence whole, under the password.
		const refused = "The email and password do not match an active account: check both, or ask an admin of your organization whether your account was deactivated."
		c, set := signInPage(t)
		set(stateProbe, probe{Status: statusReady, Endpoint: c.endpoint, Caps: capabilities{SignIn: true}})
		set(stateSignIn, result{Status: statusFailed, Seq: c.baseSeq + 1, Err: &failure{Code: codeUnauthenticated, Message: refused}})
		h := rendered(c)
		if got := fieldMessage(h, "password"); got != refused {
			t.Errorf("password message: got %q", got)
		}
		if got := fieldMessage(h, "email"); got != "" {
			t.Errorf("email message: got %q", got)
		}
	})

	t.Run("ErrUnreachable", func(t *testing.T) {
		c, set := signInPage(t)
		set(stateSignIn, result{Status: statusFailed, Seq: c.baseSeq + 1,
			Err: &failure{Code: codeUnreachable, Message: "Cannot reach the GraphQL endpoint."}})
		if got := fieldMessage(rendered(c), "endpoint"); got != "Cannot reach the GraphQL endpoint." {
			t.Errorf("endpoint message: got %q", got)
		}
	})

	t.Run("ExternalNextRefused", func(t *testing.T) {
		c := newSignIn(New())
		d := mount(t, c, capabilities{})
		d.Nav(&url.URL{Path: "/sign-in", RawQuery: "next=%2F%2Fevil.example.com"})
		d.Consume()
		if c.next != "/" {
			t.Fatalf("got %q", c.next)
		}
	})
}
