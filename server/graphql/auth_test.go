package graphql_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

func TestHandler_SignIn(t *testing.T) {
	const signIn = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { apiKey expiresAt user { email } } }`

	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		start := time.Now()
		d := f.data(t, gql{query: signIn, variables: `{"email": "Uma@Acme.test", "password": "correct horse battery"}`})
		s := d["signIn"].(map[string]any)
		f.assertJSON(t, s["user"], `{"email": "uma@acme.test"}`)
		expires, err := time.Parse(time.RFC3339Nano, s["expiresAt"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if want := start.Add(server.SessionLifetime); expires.Before(want.Add(-time.Minute)) || expires.After(want.Add(time.Minute)) {
			t.Errorf("expiresAt = %v, want about %v", expires, want)
		}
		key := s["apiKey"].(string)
		f.assertJSON(t, f.data(t, gql{query: `{ viewer { email } }`, key: key}), `{"viewer": {"email": "uma@acme.test"}}`)
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		f := newFixture(t)
		msg, ext := f.firstError(t, gql{query: signIn, variables: `{"email": "uma@acme.test", "password": "wrong password"}`})
		if ext["code"] != "UNAUTHENTICATED" || !isSentence(msg) {
			t.Errorf("got %q %v", msg, ext)
		}
	})

	t.Run("DeactivatedIsAWrongPassword", func(t *testing.T) {
		// Gil's account is deactivated: his right password is answered as a wrong one of
		// Uma's active account, error for error, and counted as one, so that after the
		// limit both are RATE_LIMITED alike. Each from a client of its own.
		f := newFixture(t)
		answers := func(client, email, pw string) []any {
			var out []any
			for range server.DefaultCredentialFailures + 1 {
				vars := string(mustJSON(t, map[string]string{"email": email, "password": pw}))
				_, got := f.postFrom(t, client, nil, string(mustJSON(t, map[string]any{"query": signIn, "variables": json.RawMessage(vars)})))
				out = append(out, got["errors"])
			}
			return out
		}
		deactivated := answers("198.51.100.1:1234", goneEmail, password)
		wrong := answers("198.51.100.2:1234", acmeUserEmail, "wrong password")
		for i := range wrong {
			if got, want := string(mustJSON(t, deactivated[i])), string(mustJSON(t, wrong[i])); got != want {
				t.Errorf("attempt %d: deactivated with the right password %s, a wrong password %s", i+1, got, want)
			}
		}
		if got := string(mustJSON(t, wrong[0])); !strings.Contains(got, `"UNAUTHENTICATED"`) ||
			!strings.Contains(got, "The email and password do not match an active account: check both, or ask an admin of your organization whether your account was deactivated.") {
			t.Errorf("a wrong password: %s", got)
		}
		if got := string(mustJSON(t, wrong[len(wrong)-1])); !strings.Contains(got, `"RATE_LIMITED"`) {
			t.Errorf("past the limit: %s", got)
		}
	})

	t.Run("SignOut", func(t *testing.T) {
		f := newFixture(t)
		d := f.data(t, gql{query: signIn, variables: `{"email": "uma@acme.test", "password": "correct horse battery"}`})
		key := d["signIn"].(map[string]any)["apiKey"].(string)
		f.assertJSON(t, f.data(t, gql{query: `mutation { signOut }`, key: key}), `{"signOut": true}`)
		if _, ext := f.firstError(t, gql{query: `{ viewer { email } }`, key: key}); ext["code"] != "UNAUTHENTICATED" {
			t.Errorf("after signOut: code = %v, want UNAUTHENTICATED", ext["code"])
		}
		// The user's other keys still work.
		f.data(t, gql{query: `{ viewer { email } }`, key: f.acmeUserKey})
	})
}

func TestHandler_APIKeys(t *testing.T) {
	f := newFixture(t)
	d := f.data(t, gql{query: `mutation { createApiKey(name: "ci", where: {email: "uma@acme.test"}) { id name key createdAt } }`, key: f.acmeAdminKey})
	created := d["createApiKey"].(map[string]any)
	key, id := created["key"].(string), created["id"].(string)
	if created["name"] != "ci" || len(key) < 20 {
		t.Fatalf("createApiKey = %v", created)
	}
	f.assertJSON(t, f.data(t, gql{query: `{ viewer { email } }`, key: key}), `{"viewer": {"email": "uma@acme.test"}}`)

	listed := f.data(t, gql{query: `{ users(where: {email: "uma@acme.test"}, first: 1, skip: 0) { apiKeys { id name createdAt expiresAt } } }`, key: f.acmeAdminKey})
	f.assertJSON(t, listed, `{"users": [{"apiKeys": [
		{"id": "$ACME_USER_KEY_ID", "name": "test", "createdAt": `+string(mustJSON(t, listedCreatedAt(listed, 0)))+`, "expiresAt": null},
		{"id": "`+id+`", "name": "ci", "createdAt": `+string(mustJSON(t, created["createdAt"]))+`, "expiresAt": null}]}]}`)

	f.assertJSON(t, f.data(t, gql{query: `mutation($id: ID!) { revokeApiKey(id: $id) }`, variables: `{"id": "` + id + `"}`, key: f.acmeUserKey}),
		`{"revokeApiKey": true}`)
	if _, ext := f.firstError(t, gql{query: `{ viewer { email } }`, key: key}); ext["code"] != "UNAUTHENTICATED" {
		t.Errorf("revoked key: code = %v, want UNAUTHENTICATED", ext["code"])
	}
}

// listedCreatedAt returns the createdAt of the i-th key listed for the first user.
func listedCreatedAt(d map[string]any, i int) any {
	return d["users"].([]any)[0].(map[string]any)["apiKeys"].([]any)[i].(map[string]any)["createdAt"]
}

func TestHandler_PasswordReset(t *testing.T) {
	const complete = `mutation($token: String!, $password: String!) { completePasswordReset(token: $token, newPassword: $password) }`

	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		d := f.data(t, gql{query: `mutation { issuePasswordReset(where: {email: "uma@acme.test"}) { link expiresAt } }`, key: f.acmeAdminKey})
		link, err := url.Parse(d["issuePasswordReset"].(map[string]any)["link"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if got := link.Scheme + "://" + link.Host + link.Path; got != "http://127.0.0.1:8000/reset-password" {
			t.Errorf("link goes to %q", got)
		}
		if len(f.mailer.sent) != 0 {
			t.Errorf("issuePasswordReset sent %d mails; it only hands the link over", len(f.mailer.sent))
		}
		vars := string(mustJSON(t, map[string]string{"token": link.Query().Get("token"), "password": "brand new secret"}))
		f.assertJSON(t, f.data(t, gql{query: complete, variables: vars}), `{"completePasswordReset": true}`)
		f.data(t, gql{query: `mutation { signIn(email: "uma@acme.test", password: "brand new secret") { apiKey } }`})

		msg, ext := f.firstError(t, gql{query: complete, variables: vars})
		if ext["code"] != "BAD_USER_INPUT" || ext["field"] != "token" || !isSentence(msg) {
			t.Errorf("second use: got %q %v", msg, ext)
		}
	})

	t.Run("ErrMailerFails", func(t *testing.T) {
		f := newFixture(t)
		f.handler = f.newHandler(brokenMailer{})
		got := f.do(t, gql{query: `mutation { resetPassword(where: {email: "uma@acme.test"}) { email } }`, key: f.acmeAdminKey})
		f.assertJSON(t, got["errors"], `[{"message": "The reset email could not be sent: try again later, or hand the user a link from issuePasswordReset.",
			"path": ["resetPassword"], "extensions": {"code": "INTERNAL"}}]`)
		if !strings.Contains(f.log.String(), "connection refused") {
			t.Errorf("the cause is not logged: %q", f.log.String())
		}
	})

	t.Run("ResetPasswordWithoutMailer", func(t *testing.T) {
		f := newFixture(t)
		f.handler = f.newHandler(nil)
		d := f.data(t, gql{query: `mutation { resetPassword(where: {email: "uma@acme.test"}) { email } }`, key: f.acmeAdminKey})
		f.assertJSON(t, d, `{"resetPassword": {"email": "uma@acme.test"}}`)
	})
}

// brokenMailer is a Mailer whose mail server cannot be reached.
type brokenMailer struct{}

func (brokenMailer) SendPasswordReset(context.Context, string, string, time.Time) error {
	return errors.New("dial smtp: connection refused")
}

func (brokenMailer) SendInvitations(_ context.Context, mails []server.InvitationMail) []error {
	errs := make([]error, len(mails))
	for i := range errs {
		errs[i] = errors.New("dial smtp: connection refused")
	}
	return errs
}
