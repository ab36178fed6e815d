package graphql_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server/graphql"
)

// The portals the test handler allows.
const (
	portalOrigin = "https://portal.acme.test"
	otherPortal  = "https://other.test"
)

// tokenRequest is a request with an embed token, as a browser sends it.
type tokenRequest struct {
	query, variables string
	token            string
	origin           string // the Origin header; empty: none
	sameOrigin       bool   // Sec-Fetch-Site: same-origin, as the widget's own page sends
	frameOrigin      string // the widget's X-Useradmin-Frame-Origin
}

func (f *fixture) doToken(tb testing.TB, r tokenRequest) map[string]any {
	tb.Helper()
	body := map[string]any{"query": f.expand(r.query)}
	if r.variables != "" {
		body["variables"] = json.RawMessage(f.expand(r.variables))
	}
	b, _ := json.Marshal(body)
	h := http.Header{}
	h.Set("Authorization", "Bearer "+r.token)
	if r.origin != "" {
		h.Set("Origin", r.origin)
	}
	if r.sameOrigin {
		h.Set("Sec-Fetch-Site", "same-origin")
	}
	if r.frameOrigin != "" {
		h.Set(graphql.FrameOriginHeader, r.frameOrigin)
	}
	status, got := f.post(tb, h, string(b))
	if status != http.StatusOK {
		tb.Fatalf("status %d: %v", status, got)
	}
	return got
}

// mint mints a token with the admin key in key for the user with id.
func (f *fixture) mint(tb testing.TB, key, userID, scope string, lifetime int) map[string]any {
	tb.Helper()
	vars := map[string]any{"u": userID, "o": portalOrigin, "l": lifetime, "s": scope}
	if lifetime == 0 {
		vars["l"] = nil
	}
	if scope == "" {
		vars["s"] = nil
	}
	v, _ := json.Marshal(vars)
	d := f.data(tb, gql{key: key, variables: string(v), query: `mutation($u: ID!, $o: String!, $l: Int, $s: EmbedScope) {
		t: createEmbedToken(userId: $u, origin: $o, lifetimeSeconds: $l, scope: $s) { token userId origin scope expiresAt } }`})
	return d["t"].(map[string]any)
}

func (f *fixture) mintToken(tb testing.TB, userID, scope string) string {
	tb.Helper()
	return f.mint(tb, f.acmeAdminKey, userID, scope, 0)["token"].(string)
}

// codes returns the code of each error of an answer, by the alias or field it is about.
func codes(got map[string]any) map[string]string {
	out := map[string]string{}
	errs, _ := got["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		path, _ := m["path"].([]any)
		ext, _ := m["extensions"].(map[string]any)
		name := ""
		if len(path) > 0 {
			name, _ = path[0].(string)
		}
		out[name], _ = ext["code"].(string)
	}
	return out
}

func TestHandler_EmbedTokenMint(t *testing.T) {
	f := newFixture(t)
	before := time.Now()
	tok := f.mint(t, f.acmeAdminKey, f.acmeUser.ID, "", 0)
	exp, err := time.Parse(time.RFC3339, tok["expiresAt"].(string))
	if err != nil || exp.Before(before.Add(15*time.Minute-time.Second)) || exp.After(time.Now().Add(15*time.Minute+time.Second)) {
		t.Fatalf("expiresAt = %v, want in 15 minutes", tok["expiresAt"])
	}
	if tok["scope"] != "FULL" || tok["origin"] != portalOrigin || tok["userId"] != f.acmeUser.ID {
		t.Fatalf("token = %v", tok)
	}
	// Inline, with a scope and an hour.
	d := f.data(t, gql{key: f.acmeAdminKey, query: `mutation { createEmbedToken(userId: "` + f.acmeUser.ID + `", origin: "` + otherPortal + `", lifetimeSeconds: 3600, scope: NO_DELETE) { scope origin } }`})
	f.assertJSON(t, d, `{"createEmbedToken": {"scope": "NO_DELETE", "origin": "https://other.test"}}`)

	// The token answers what it allows, from its origin.
	got := f.doToken(t, tokenRequest{query: `{ embedGrant { origin scope expiresAt } viewer { email } }`, token: tok["token"].(string), origin: portalOrigin})
	f.assertJSON(t, got["data"], `{"embedGrant": {"origin": "https://portal.acme.test", "scope": "FULL", "expiresAt": "`+tok["expiresAt"].(string)+`"}, "viewer": {"email": "uma@acme.test"}}`)
}

func TestHandler_EmbedTokenMintRefused(t *testing.T) {
	f := newFixture(t)
	umaToken := f.mintToken(t, f.acmeUser.ID, "FULL")
	adminToken := f.mintToken(t, f.acmeAdmin.ID, "FULL")
	session := f.data(t, gql{query: `mutation { signIn(email: "admin@acme.test", password: "correct horse battery") { apiKey } }`})["signIn"].(map[string]any)["apiKey"].(string)
	mint := func(user, extra string) string {
		return `mutation { createEmbedToken(userId: "` + user + `", origin: "https://portal.acme.test"` + extra + `) { token } }`
	}
	cases := []struct {
		name, key, token, query, code, message string
	}{
		{"a session", session, "", mint(f.acmeUser.ID, ""), forbidden,
			"Mint embed tokens with an API key kept by your portal's back end, not with a signed-in session: create one with createApiKey."},
		{"a USER's key", f.acmeUserKey, "", mint(f.acmeUser.ID, ""), forbidden, ""},
		{"another organization's ADMIN", f.globexAdminKey, "", mint(f.acmeUser.ID, ""), notFound, "User not found."},
		{"a deactivated user", f.acmeAdminKey, "", mint(f.gone.ID, ""), forbidden, ""},
		{"over an hour", f.acmeAdminKey, "", mint(f.acmeUser.ID, ", lifetimeSeconds: 3601"), badInput,
			"A token lives from 10 to 3600 seconds (900 by default): pick a lifetime in that range."},
		{"zero", f.acmeAdminKey, "", mint(f.acmeUser.ID, ", lifetimeSeconds: 0"), badInput, ""},
		{"negative", f.acmeAdminKey, "", mint(f.acmeUser.ID, ", lifetimeSeconds: -5"), badInput, ""},
		{"an origin not allowed", f.acmeAdminKey, "", `mutation { createEmbedToken(userId: "$ACME_USER_ID", origin: "https://evil.test") { token } }`, badInput, ""},
		{"a token mints a token", "", umaToken, mint(f.acmeUser.ID, ""), forbidden,
			"An embed token cannot make API keys or other tokens: your portal's back end mints tokens with an admin's API key."},
		{"an ADMIN's token mints a token", "", adminToken, mint(f.acmeUser.ID, ""), forbidden, ""},
		{"an ADMIN's token makes an API key", "", adminToken, `mutation { createApiKey(name: "kept", where: {id: "$ACME_USER_ID"}) { key } }`, forbidden, ""},
	}
	f.snapshot(t) // its connection lasts as long as the test, not a subtest
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.snapshot(t)
			var got map[string]any
			if c.token != "" {
				got = f.doToken(t, tokenRequest{query: c.query, token: c.token, origin: portalOrigin})
			} else {
				got = f.do(t, gql{key: c.key, query: f.expand(c.query)})
			}
			errs, _ := got["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("not refused: %v", got)
			}
			e := errs[0].(map[string]any)
			if code := e["extensions"].(map[string]any)["code"]; code != c.code || (c.message != "" && e["message"] != c.message) {
				t.Fatalf("got %v %q, want %s %q", code, e["message"], c.code, c.message)
			}
			if after := f.snapshot(t); after != before {
				t.Fatalf("the store changed:\n%s\n%s", before, after)
			}
		})
	}
}

func TestHandler_EmbedTokenOrigin(t *testing.T) {
	f := newFixture(t)
	token := f.mintToken(t, f.acmeUser.ID, "FULL")
	q := `{ viewer { email } }`
	const refused = "This embed token works only from the portal it was made for: use it from that portal's page, or mint one for this origin."
	cases := []struct {
		name string
		r    tokenRequest
		ok   bool
	}{
		{"from the portal", tokenRequest{origin: portalOrigin}, true},
		{"the widget's page framed by the portal", tokenRequest{origin: "https://widget.test", sameOrigin: true, frameOrigin: portalOrigin}, true},
		{"no origin", tokenRequest{}, false},
		{"another allowed portal", tokenRequest{origin: otherPortal}, false},
		{"another site", tokenRequest{origin: "https://evil.test"}, false},
		{"another site naming the portal as its frame", tokenRequest{origin: "https://evil.test", frameOrigin: portalOrigin}, false},
		{"no origin naming the portal as its frame", tokenRequest{frameOrigin: portalOrigin}, false},
		{"the widget's page framed by nobody", tokenRequest{origin: "https://widget.test", sameOrigin: true}, false},
		{"the widget's page framed by another portal", tokenRequest{origin: portalOrigin, sameOrigin: true, frameOrigin: otherPortal}, false},
		{"the origin with a slash", tokenRequest{origin: portalOrigin + "/"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.r
			r.query, r.token = q, token
			got := f.doToken(t, r)
			if c.ok {
				f.assertJSON(t, got["data"], `{"viewer": {"email": "uma@acme.test"}}`)
				return
			}
			errs, _ := got["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["message"] != refused {
				t.Fatalf("got %v, want %q", got, refused)
			}
		})
	}
}

func TestHandler_EmbedTokenReadOnly(t *testing.T) {
	// An ADMIN's read-only token against every mutation at once under aliases, inline and
	// with variables, and twenty requests in parallel: each is FORBIDDEN and nothing
	// stored changes.
	f := newFixture(t)
	token := f.mintToken(t, f.acmeAdmin.ID, "READ_ONLY")
	from := func(query, vars string) tokenRequest {
		return tokenRequest{query: query, variables: vars, token: token, origin: portalOrigin}
	}
	before := f.snapshot(t)
	aliased := `mutation {
		a: deleteUser(where: {id: "$ACME_USER_ID"})
		b: updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {firstname: "Mallory"}) { id }
		c: updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {lastname: "Mallory"}) { id }
		d: createUser(data: {email: "m@acme.test", password: "a long password", organizationRole: ADMIN}) { id }
		e: createApiKey(name: "kept") { key }
		f: inviteUsers(emails: ["m@acme.test"], organizationRole: ADMIN) { status }
		g: revokeInvitation(id: "$IVY_ID") { status }
		h: resendInvitation(id: "$IVY_ID") { link }
	}`
	got := f.doToken(t, from(aliased, ""))
	for _, alias := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		if codes(got)[alias] != forbidden {
			t.Errorf("%s: %v", alias, codes(got))
		}
	}
	// Paradime's mutations answer ok: false with FORBIDDEN.
	got = f.doToken(t, from(`mutation {
		i: disableUser(uid: "$ACME_USER_ID") { ok }
		j: updateUserAccountType(uid: "$ACME_USER_ID", accountType: ADMIN) { ok }
		q: inviteUser(email: "m@acme.test", accountType: ADMIN) { ok }
	}`, ""))
	f.assertJSON(t, got["data"], `{"i": {"ok": false}, "j": {"ok": false}, "q": {"ok": false}}`)
	if c := codes(got); c["i"] != forbidden || c["j"] != forbidden || c["q"] != forbidden {
		t.Errorf("Paradime's mutations: %v", c)
	}
	more := `mutation {
		k: updatePassword(where: {id: "$ACME_ADMIN_ID"}, data: {oldPassword: "correct horse battery", newPassword1: "staple 12345", newPassword2: "staple 12345"}) { id }
		l: issuePasswordReset(where: {id: "$ACME_USER_ID"}) { link }
		m: resetPassword(where: {id: "$ACME_USER_ID"}) { id }
		n: revokeApiKey(id: "$ACME_USER_KEY_ID")
		o: createInvitationLink(id: "$IVY_ID") { link }
		p: signOut
	}`
	got = f.doToken(t, from(more, ""))
	for _, alias := range []string{"k", "l", "m", "n", "o", "p"} {
		if codes(got)[alias] != forbidden {
			t.Errorf("%s: %v", alias, codes(got))
		}
	}
	got = f.doToken(t, from(`mutation($id: ID!, $d: UserData!) { updatePropertiesInUser(where: {id: $id}, data: $d) { id } }`,
		`{"id": "$ACME_USER_ID", "d": {"organizationRole": "ADMIN", "activated": false}}`))
	if codes(got)["updatePropertiesInUser"] != forbidden {
		t.Errorf("with variables: %v", got)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			got := f.doToken(t, from(`mutation { deleteUser(where: {id: "$ACME_USER_ID"}) }`, ""))
			if codes(got)["deleteUser"] != forbidden {
				t.Errorf("parallel: %v", got)
			}
		})
	}
	wg.Wait()
	if after := f.snapshot(t); after != before {
		t.Fatalf("the store changed:\n%s\n%s", before, after)
	}
	// Reads work.
	got = f.doToken(t, from(`{ n: countUsers(where: {}) invitations(first: 5, skip: 0) { email } }`, ""))
	f.assertJSON(t, got["data"], `{"n": 3, "invitations": [{"email": "ivy@acme.test"}]}`)
}

func TestHandler_EmbedTokenNoDelete(t *testing.T) {
	f := newFixture(t)
	token := f.mintToken(t, f.acmeAdmin.ID, "NO_DELETE")
	before := f.snapshot(t)
	got := f.doToken(t, tokenRequest{token: token, origin: portalOrigin, query: `mutation {
		a: deleteUser(where: {id: "$ACME_USER_ID"})
		b: revokeInvitation(id: "$IVY_ID") { status }
		c: revokeApiKey(id: "$ACME_USER_KEY_ID")
	}`})
	if c := codes(got); c["a"] != forbidden || c["b"] != forbidden || c["c"] != forbidden {
		t.Fatalf("codes: %v", c)
	}
	if after := f.snapshot(t); after != before {
		t.Fatalf("the store changed:\n%s\n%s", before, after)
	}
	got = f.doToken(t, tokenRequest{token: token, origin: portalOrigin, query: `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {firstname: "Una"}) { firstname } }`})
	f.assertJSON(t, got["data"], `{"updatePropertiesInUser": {"firstname": "Una"}}`)
}

func TestHandler_EmbedTokenEnds(t *testing.T) {
	// Expiry, deactivation, a change of role: the token stops at once.
	cases := []struct {
		name     string
		lifetime int
		change   func(t *testing.T, f *fixture)
		message  string
	}{
		{"expired", 10, func(t *testing.T, f *fixture) {
			f.db.Now = func() time.Time { return time.Now().Add(11 * time.Second) }
		}, "This embed token expired: your portal asks its back end for a new one, or reload the page."},
		{"deactivated", 0, func(t *testing.T, f *fixture) {
			f.data(t, gql{key: f.acmeAdminKey, query: f.expand(`mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {activated: false}) { id } }`)})
		}, "Your account is deactivated: ask an admin of your organization to activate it."},
		{"promoted", 0, func(t *testing.T, f *fixture) {
			f.data(t, gql{key: f.acmeAdminKey, query: f.expand(`mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationRole: ADMIN}) { id } }`)})
		}, "Your role changed since your portal made this token: reload the page to get one for your role now."},
		{"deleted", 0, func(t *testing.T, f *fixture) {
			f.data(t, gql{key: f.acmeAdminKey, query: f.expand(`mutation { deleteUser(where: {id: "$ACME_USER_ID"}) }`)})
		}, "Your API key is not valid: ask an admin for a new one or sign in again."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			token := f.mint(t, f.acmeAdminKey, f.acmeUser.ID, "FULL", c.lifetime)["token"].(string)
			c.change(t, f)
			before := f.snapshot(t)
			got := f.doToken(t, tokenRequest{token: token, origin: portalOrigin,
				query: `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {firstname: "Mallory"}) { id } }`})
			errs, _ := got["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["message"] != c.message || codes(got)["updatePropertiesInUser"] != unauth {
				t.Fatalf("got %v, want %q", got, c.message)
			}
			if after := f.snapshot(t); after != before {
				t.Fatalf("the store changed:\n%s\n%s", before, after)
			}
		})
	}
	// A demoted ADMIN: Ada's token, then Ada made USER by a second admin.
	t.Run("demoted", func(t *testing.T) {
		f := newFixture(t)
		token := f.mintToken(t, f.acmeAdmin.ID, "FULL")
		f.data(t, gql{key: f.acmeAdminKey, query: f.expand(`mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationRole: ADMIN}) { id } }`)})
		f.data(t, gql{key: f.acmeUserKey, query: f.expand(`mutation { updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {organizationRole: USER}) { id } }`)})
		got := f.doToken(t, tokenRequest{token: token, origin: portalOrigin, query: `{ viewer { id } }`})
		if msg, _ := got["errors"].([]any)[0].(map[string]any)["message"].(string); !strings.HasPrefix(msg, "Your role changed") {
			t.Fatalf("got %v", got)
		}
	})
}

// needsNoCaller are the mutations whose credential is in their arguments, not the caller.
var needsNoCaller = map[string]bool{"Mutation.signIn": true, "Mutation.acceptInvitation": true, "Mutation.completePasswordReset": true}

func TestHandler_EmbedTokenReadOnlyMatrix(t *testing.T) {
	// Every mutation of the authorization matrix, which covers the schema, sent with an
	// ADMIN's read-only token: FORBIDDEN, and nothing stored changes. A mutation added to
	// the schema is checked here as soon as it has its row.
	for _, row := range authorizationMatrix {
		if !strings.HasPrefix(row.field, "Mutation.") || needsNoCaller[row.field] {
			continue
		}
		t.Run(row.name, func(t *testing.T) {
			f := newFixture(t)
			token := f.mintToken(t, f.acmeAdmin.ID, "READ_ONLY")
			before := f.snapshot(t)
			got := f.doToken(t, tokenRequest{query: row.query, token: token, origin: portalOrigin})
			for field, code := range codes(got) {
				// A row the ADMIN's key is refused as well (another organization's user,
				// NOT_FOUND when read first) may keep its answer.
				if code != forbidden && code != row.want[0] {
					t.Errorf("%s: %s, want FORBIDDEN", field, code)
				}
			}
			if len(codes(got)) == 0 {
				t.Errorf("not refused: %v", got)
			}
			if after := f.snapshot(t); after != before {
				t.Fatalf("the store changed:\n%s\n%s", before, after)
			}
		})
	}
}
