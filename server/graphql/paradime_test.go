package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/graphql"
)

// paradimeDocument reads a document of Paradime's documentation, kept unchanged in
// testdata/paradime.
func paradimeDocument(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "paradime", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// paradimePair makes an API key for the user of adminKey and returns it as Paradime's
// two headers: X-API-KEY is the key's id, X-API-SECRET its secret.
func (f *fixture) paradimePair(t *testing.T, adminKey string) http.Header {
	t.Helper()
	d := f.data(t, gql{query: `mutation { createApiKey(name: "paradime") { id key } }`, key: adminKey})
	k := d["createApiKey"].(map[string]any)
	h := http.Header{}
	h.Set("X-API-KEY", k["id"].(string))
	h.Set("X-API-SECRET", k["key"].(string))
	return h
}

// paradime posts body as Paradime's Python and curl examples do: JSON, both headers.
func (f *fixture) paradime(t *testing.T, h http.Header, body string) map[string]any {
	t.Helper()
	status, got := f.post(t, h, body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, got)
	}
	return got
}

// pythonBody is the JSON the Python examples post: {"query": graphql_query}.
func pythonBody(query string) string {
	b, _ := json.Marshal(map[string]string{"query": query})
	return string(b)
}

// withVariables replaces the variables of a curl example's body, keeping its query as it is.
func withVariables(t *testing.T, body string, vars map[string]any) string {
	t.Helper()
	var req map[string]any
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	req["variables"] = vars
	b, _ := json.Marshal(req)
	return string(b)
}

// TestParadime_Documents sends every document of Paradime's User Management API as its
// examples do (the Python ones inline, the curl ones with variables), with X-API-KEY and
// X-API-SECRET, to the full schema and to -contract paradime.
func TestParadime_Documents(t *testing.T) {
	for _, contract := range []string{"full", "paradime"} {
		t.Run(contract, func(t *testing.T) {
			f := newFixture(t)
			pair := f.paradimePair(t, f.acmeAdminKey)
			f.handler = f.handlerWith(func(h *graphql.Handler) { h.ParadimeOnly = contract == "paradime" })
			f.snapshot(t) // opens the snapshots' reader for the whole test

			t.Run("ListUsers", func(t *testing.T) {
				for _, body := range []string{pythonBody(paradimeDocument(t, "list_users.graphql")), paradimeDocument(t, "list_users.curl.json")} {
					got := f.paradime(t, pair, body)
					f.assertJSON(t, got, `{"data": {"listUsers": {"ok": true,
						"activeUsers": [
							{"uid": "$ACME_ADMIN_ID", "email": "admin@acme.test", "name": "Ada Admin", "accountType": "ADMIN"},
							{"uid": "$ACME_USER_ID", "email": "uma@acme.test", "name": "Uma User", "accountType": "DEVELOPER"}],
						"invitedUsers": [{"email": "ivy@acme.test", "accountType": "DEVELOPER", "inviteStatus": "ACTIVE"}]}}}`)
				}
				// The answer has the example's shape, field for field.
				var example map[string]any
				if err := json.Unmarshal([]byte(paradimeDocument(t, "list_users.example.json")), &example); err != nil {
					t.Fatal(err)
				}
				got := f.paradime(t, pair, paradimeDocument(t, "list_users.curl.json"))
				if a, b := shape(example), shape(got); a != b {
					t.Errorf("shape %s, Paradime's example %s", b, a)
				}
			})

			t.Run("InviteUser", func(t *testing.T) {
				before := f.snapshot(t)
				got := f.paradime(t, pair, pythonBody(paradimeDocument(t, "invite_user.graphql")))
				f.assertJSON(t, got, `{"data": {"inviteUser": {"ok": true}}}`)
				got = f.paradime(t, pair, withVariables(t, paradimeDocument(t, "invite_user.curl.json"), map[string]any{"email": "bob@acme.io", "accountType": "ADMIN"}))
				f.assertJSON(t, got, `{"data": {"inviteUser": {"ok": true}}}`)
				// The verbatim curl body invites alice@acme.io again: not done, and why.
				got = f.paradime(t, pair, paradimeDocument(t, "invite_user.curl.json"))
				f.assertJSON(t, got, `{"data": {"inviteUser": {"ok": false}}, "errors": [{"message": "This address has a pending invitation, sent `+
					time.Now().UTC().Format("2 Jan 2006")+`: resend it from the pending invitations if the email was lost.",
					"path": ["inviteUser"], "extensions": {"code": "CONFLICT", "field": "email"}}]}`)
				if f.snapshot(t) == before {
					t.Fatal("nothing was stored")
				}
				if n := len(f.mailer.invitations); n != 2 || f.mailer.invitations[0].To != "alice@acme.io" || f.mailer.invitations[0].Organization != "Acme" {
					t.Fatalf("mails: %+v", f.mailer.invitations)
				}
				got = f.paradime(t, pair, paradimeDocument(t, "list_users.curl.json"))
				f.assertJSON(t, got["data"].(map[string]any)["listUsers"].(map[string]any)["invitedUsers"], `[
					{"email": "bob@acme.io", "accountType": "ADMIN", "inviteStatus": "ACTIVE"},
					{"email": "alice@acme.io", "accountType": "DEVELOPER", "inviteStatus": "ACTIVE"},
					{"email": "ivy@acme.test", "accountType": "DEVELOPER", "inviteStatus": "ACTIVE"}]`)
			})

			t.Run("UpdateUserAccountType", func(t *testing.T) {
				// The verbatim documents name one of Paradime's users: not found here.
				before := f.snapshot(t)
				for _, body := range []string{pythonBody(paradimeDocument(t, "update_user_account_type.graphql")), paradimeDocument(t, "update_user_account_type.curl.json")} {
					f.assertJSON(t, f.paradime(t, pair, body), `{"data": {"updateUserAccountType": {"ok": false}}, "errors": [{"message": "User not found.",
						"path": ["updateUserAccountType"], "extensions": {"code": "NOT_FOUND"}}]}`)
				}
				if f.snapshot(t) != before {
					t.Fatal("a refused update changed the store")
				}
				body := paradimeDocument(t, "update_user_account_type.curl.json")
				f.assertJSON(t, f.paradime(t, pair, withVariables(t, body, map[string]any{"uid": f.acmeUser.ID, "accountType": "ADMIN"})),
					`{"data": {"updateUserAccountType": {"ok": true}}}`)
				if role := f.stored(t, f.acmeUser.ID)["organizationRole"]; role != "ADMIN" {
					t.Fatalf("role %v", role)
				}
				f.assertJSON(t, f.paradime(t, pair, withVariables(t, body, map[string]any{"uid": f.acmeUser.ID, "accountType": "DEVELOPER"})),
					`{"data": {"updateUserAccountType": {"ok": true}}}`)
				if role := f.stored(t, f.acmeUser.ID)["organizationRole"]; role != "USER" {
					t.Fatalf("role %v", role)
				}
			})

			t.Run("DisableUser", func(t *testing.T) {
				before := f.snapshot(t)
				for _, body := range []string{pythonBody(paradimeDocument(t, "disable_user.graphql")), paradimeDocument(t, "disable_user.curl.json")} {
					f.assertJSON(t, f.paradime(t, pair, body), `{"data": {"disableUser": {"ok": false}}, "errors": [{"message": "User not found.",
						"path": ["disableUser"], "extensions": {"code": "NOT_FOUND"}}]}`)
				}
				if f.snapshot(t) != before {
					t.Fatal("a refused disable changed the store")
				}
				body := withVariables(t, paradimeDocument(t, "disable_user.curl.json"), map[string]any{"uid": f.acmeUser.ID})
				for range 2 { // disabling again is ok
					f.assertJSON(t, f.paradime(t, pair, body), `{"data": {"disableUser": {"ok": true}}}`)
				}
				if on := f.stored(t, f.acmeUser.ID)["activated"]; on != false {
					t.Fatalf("activated %v", on)
				}
				// Uma's key stops working; she is no longer listed.
				_, ext := f.withFullSchema(func() (string, map[string]any) {
					return f.firstError(t, gql{query: `{ viewer { id } }`, key: f.acmeUserKey})
				})
				if ext["code"] != "UNAUTHENTICATED" {
					t.Fatalf("Uma's key: %v", ext)
				}
				got := f.paradime(t, pair, paradimeDocument(t, "list_users.curl.json"))
				f.assertJSON(t, got["data"].(map[string]any)["listUsers"].(map[string]any)["activeUsers"],
					`[{"uid": "$ACME_ADMIN_ID", "email": "admin@acme.test", "name": "Ada Admin", "accountType": "ADMIN"}]`)
				// The last active admin stays.
				got = f.paradime(t, pair, withVariables(t, paradimeDocument(t, "disable_user.curl.json"), map[string]any{"uid": f.acmeAdmin.ID}))
				f.assertJSON(t, got, `{"data": {"disableUser": {"ok": false}}, "errors": [{"message": "You cannot demote or deactivate the last active admin of an organization: make another user an admin first.",
					"path": ["disableUser"], "extensions": {"code": "CONFLICT"}}]}`)
			})
		})
	}
}

// withFullSchema runs fn with a handler of the full schema.
func (f *fixture) withFullSchema(fn func() (string, map[string]any)) (string, map[string]any) {
	saved := f.handler
	defer func() { f.handler = saved }()
	f.handler = f.handlerWith(func(*graphql.Handler) {})
	return fn()
}

// stored reads the user id as stored, with the full schema.
func (f *fixture) stored(t *testing.T, id string) map[string]any {
	t.Helper()
	var u map[string]any
	f.withFullSchema(func() (string, map[string]any) {
		u = f.userJSON(t, id).([]any)[0].(map[string]any)
		return "", nil
	})
	return u
}

// shape writes the keys of a JSON value, recursively, the first item of each list
// standing for all.
func shape(v any) string {
	switch v := v.(type) {
	case map[string]any:
		var keys []string
		for k, x := range v {
			keys = append(keys, k+":"+shape(x))
		}
		slices.Sort(keys)
		return "{" + strings.Join(keys, ",") + "}"
	case []any:
		if len(v) == 0 {
			return "[]"
		}
		return "[" + shape(v[0]) + "]"
	}
	return "."
}

func TestParadime_AccountTypes(t *testing.T) {
	f := newFixture(t)
	pair := f.paradimePair(t, f.acmeAdminKey)
	before := f.snapshot(t)
	const msg = "Account type BUSINESS is not available in this directory: use ADMIN or DEVELOPER (a USER of the directory)."
	// Paradime's other types are in its enum: refused by the resolver, inline and in variables.
	for name, body := range map[string]string{
		"inviteInline":    pythonBody(`mutation { inviteUser(email: "zed@acme.io", accountType: BUSINESS) { ok } }`),
		"inviteVariables": withVariables(t, paradimeDocument(t, "invite_user.curl.json"), map[string]any{"email": "zed@acme.io", "accountType": "BUSINESS"}),
		"updateVariables": withVariables(t, paradimeDocument(t, "update_user_account_type.curl.json"), map[string]any{"uid": f.acmeUser.ID, "accountType": "BUSINESS"}),
		"aliases": pythonBody(`mutation { a: updateUserAccountType(uid: "` + f.acmeUser.ID + `", accountType: BUSINESS) { ok }
			b: updateUserAccountType(uid: "` + f.acmeUser.ID + `", accountType: BUSINESS) { ok } }`),
	} {
		t.Run(name, func(t *testing.T) {
			got := f.paradime(t, pair, body)
			errs, _ := got["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("no error: %v", got)
			}
			for _, e := range errs {
				e := e.(map[string]any)
				ext := e["extensions"].(map[string]any)
				if e["message"] != msg || ext["code"] != "BAD_USER_INPUT" || ext["field"] != "accountType" {
					t.Errorf("error %v", e)
				}
			}
			for field, v := range got["data"].(map[string]any) {
				if v.(map[string]any)["ok"] != false {
					t.Errorf("%s: %v", field, v)
				}
			}
		})
	}
	// A value that is no account type at all is refused before anything runs.
	_, got := f.post(t, pair, withVariables(t, paradimeDocument(t, "invite_user.curl.json"), map[string]any{"email": "zed@acme.io", "accountType": "OWNER"}))
	f.assertJSON(t, got, `{"errors": [{"message": "accountType must be one of ADMIN, DEVELOPER, BUSINESS, ANALYST, WORKSPACE_ADMIN, WORKSPACE_SETTINGS_ADMIN, BILLING_ADMIN, SECURITY_ADMIN (it is \"OWNER\").",
		"extensions": {"code": "BAD_USER_INPUT", "field": "accountType"}}]}`)
	if f.snapshot(t) != before {
		t.Fatal("refused account types changed the store")
	}
}

// TestParadime_Attacks tries Paradime's API as an attacker would: another organization's
// uids, aliases, bad pairs of headers, and a listUsers too costly for one request.
func TestParadime_Attacks(t *testing.T) {
	f := newFixture(t)
	gus := f.paradimePair(t, f.globexAdminKey)
	ada := f.paradimePair(t, f.acmeAdminKey)
	before := f.snapshot(t)
	f.userJSON(t, f.acmeUser.ID)
	t.Run("OtherOrganization", func(t *testing.T) {
		got := f.paradime(t, gus, pythonBody(`mutation {
			a: disableUser(uid: "`+f.acmeAdmin.ID+`") { ok }
			b: updateUserAccountType(uid: "`+f.acmeUser.ID+`", accountType: ADMIN) { ok }
			c: disableUser(uid: "`+f.acmeUser.ID+`") { ok } }`))
		f.assertJSON(t, got["data"], `{"a": {"ok": false}, "b": {"ok": false}, "c": {"ok": false}}`)
		for _, e := range got["errors"].([]any) {
			if e.(map[string]any)["extensions"].(map[string]any)["code"] != "NOT_FOUND" {
				t.Errorf("error %v", e)
			}
		}
		got = f.paradime(t, gus, paradimeDocument(t, "list_users.curl.json"))
		if s := string(mustJSON(t, got)); strings.Contains(s, "acme.test") {
			t.Fatalf("Globex's admin sees Acme: %s", s)
		}
	})
	t.Run("BadPairs", func(t *testing.T) {
		body := paradimeDocument(t, "list_users.curl.json")
		for name, h := range map[string]http.Header{
			"wrong secret":       {"X-Api-Key": ada["X-Api-Key"], "X-Api-Secret": {"ua_wrong"}},
			"another key's id":   {"X-Api-Key": gus["X-Api-Key"], "X-Api-Secret": ada["X-Api-Secret"]},
			"secret without id":  {"X-Api-Secret": ada["X-Api-Secret"]},
			"pair and a bearer":  {"X-Api-Key": ada["X-Api-Key"], "X-Api-Secret": ada["X-Api-Secret"], "Authorization": {"Bearer " + f.globexAdminKey}},
			"the secret in both": {"X-Api-Key": ada["X-Api-Secret"], "X-Api-Secret": ada["X-Api-Secret"]},
		} {
			got := f.paradime(t, h, body)
			errs, _ := got["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" ||
				got["data"].(map[string]any)["listUsers"].(map[string]any)["ok"] != false {
				t.Errorf("%s: %v", name, got)
			}
		}
		// X-API-KEY alone is the secret itself, as before.
		got := f.paradime(t, http.Header{"X-Api-Key": ada["X-Api-Secret"]}, body)
		if got["data"].(map[string]any)["listUsers"].(map[string]any)["ok"] != true {
			t.Fatalf("X-API-Key alone: %v", got)
		}
	})
	t.Run("CostBeforeWork", func(t *testing.T) {
		// Each listUsers counts 500 users and 500 invitations: two in one request ask too much.
		got := f.paradime(t, ada, pythonBody(`{ a: listUsers { ok activeUsers { uid email name accountType } invitedUsers { email accountType inviteStatus } }
			b: listUsers { ok activeUsers { uid email name accountType } invitedUsers { email accountType inviteStatus } } }`))
		if got["data"] != nil || !strings.Contains(string(mustJSON(t, got)), "asks for too much at once (7008 values") {
			t.Fatalf("%v", got)
		}
	})
	if f.snapshot(t) != before {
		t.Fatal("the attacks changed the store")
	}
	t.Run("TooManyToList", func(t *testing.T) {
		if err := f.db.GenerateUsers(context.Background(), f.acme.ID, 600); err != nil {
			t.Fatal(err)
		}
		active := f.data(t, gql{query: `{ n: countUsers(where: {activated: true}) }`, key: f.acmeAdminKey})["n"]
		got := f.paradime(t, ada, paradimeDocument(t, "list_users.curl.json"))
		f.assertJSON(t, got, `{"data": {"listUsers": {"ok": false, "activeUsers": [], "invitedUsers": []}}, "errors": [{
			"message": "The organization has `+fmt.Sprint(active)+` active users: listUsers lists at most 500. Read them in pages with users(where: {activated: true}, first, skip).",
			"path": ["listUsers"], "extensions": {"code": "BAD_USER_INPUT"}}]}`)
	})
}

func TestParadime_ContractAlone(t *testing.T) {
	f := newFixture(t)
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.ParadimeOnly = true })
	d := f.data(t, gql{query: `{ q: __type(name: "Query") { fields { name } } m: __type(name: "Mutation") { fields { name } } }`})
	f.assertJSON(t, d, `{"q": {"fields": [{"name": "listUsers"}]}, "m": {"fields": [{"name": "inviteUser"}, {"name": "updateUserAccountType"}, {"name": "disableUser"}]}}`)
	// Kili's core is not there; the directory's keys work as Paradime's pair and alone.
	_, ext := f.firstError(t, gql{query: `{ viewer { id } }`, key: f.acmeAdminKey})
	if ext["code"] != "BAD_USER_INPUT" {
		t.Fatalf("viewer: %v", ext)
	}
	d = f.data(t, gql{query: `{ listUsers { ok } }`, key: f.acmeAdminKey})
	f.assertJSON(t, d, `{"listUsers": {"ok": true}}`)
	// Expired invitations are listed as EXPIRED.
	f.db.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	defer func() { f.db.Now = time.Now }()
	d = f.data(t, gql{query: `{ listUsers { invitedUsers { email inviteStatus } } }`, key: f.acmeAdminKey})
	f.assertJSON(t, d, `{"listUsers": {"invitedUsers": [{"email": "ivy@acme.test", "inviteStatus": "EXPIRED"}]}}`)
}

// readCounter counts the pages of users and invitations a handler reads.
type readCounter struct {
	server.UserService
	invites server.InvitationService
	pages   atomic.Int64
}

func (c *readCounter) FindUsers(ctx context.Context, filter server.UserFilter, page server.Page, order []server.UserOrder) ([]*server.User, error) {
	c.pages.Add(1)
	return c.UserService.FindUsers(ctx, filter, page, order)
}

// invitations is the InvitationService whose pages c counts.
func (c *readCounter) invitations() server.InvitationService { return countedInvitations{c.invites, c} }

type countedInvitations struct {
	server.InvitationService
	c *readCounter
}

func (i countedInvitations) FindInvitations(ctx context.Context, filter server.InvitationFilter, page server.Page) ([]*server.Invitation, error) {
	i.c.pages.Add(1)
	return i.InvitationService.FindInvitations(ctx, filter, page)
}

func TestParadime_ListUsersReadsWhatIsAsked(t *testing.T) {
	// The cost of a document counts the fields it selects: ten listUsers { ok }, which
	// cost twenty, read no page of users or invitations, where each would read up to 500
	// of each; the answer is the same, and its refusals too.
	f := newFixture(t)
	var c *readCounter
	f.handler = f.handlerWith(func(h *graphql.Handler) {
		c = &readCounter{UserService: h.Users, invites: h.Invitations}
		h.Users, h.Invitations = c, c.invitations()
	})
	var aliases []string
	for i := range 10 {
		aliases = append(aliases, fmt.Sprintf("l%d: listUsers { ok }", i))
	}
	got := f.data(t, gql{key: f.acmeAdminKey, query: "{ " + strings.Join(aliases, " ") + " }"})
	for i := range 10 {
		if ok := got[fmt.Sprintf("l%d", i)].(map[string]any)["ok"]; ok != true {
			t.Fatalf("l%d: %v", i, got)
		}
	}
	if n := c.pages.Load(); n != 0 {
		t.Fatalf("ten listUsers { ok } read %d pages, want none", n)
	}
	// Through a fragment and with @include, the lists are asked for: they are read.
	got = f.data(t, gql{key: f.acmeAdminKey, query: `query($with: Boolean!) { listUsers { ok ...lists } }
		fragment lists on ListUsers { activeUsers @include(if: $with) { email } invitedUsers { email } }`, variables: `{"with": true}`})
	lists := got["listUsers"].(map[string]any)
	if len(lists["activeUsers"].([]any)) == 0 || len(lists["invitedUsers"].([]any)) == 0 || c.pages.Load() == 0 {
		t.Fatalf("lists asked for: %v, %d pages", got, c.pages.Load())
	}
	// A USER is refused whatever is asked.
	got = f.do(t, gql{key: f.acmeUserKey, query: `{ listUsers { ok } }`})
	if ok := got["data"].(map[string]any)["listUsers"].(map[string]any)["ok"]; ok != false || codes(got)["listUsers"] != forbidden {
		t.Fatalf("a USER's listUsers { ok }: %v", got)
	}
}

func TestCompatibilityContracts_EmbedTokenScopes(t *testing.T) {
	// The compatibility schemas reach users by routes of their own (Paradime's uid,
	// Kili's where): a portal's READ_ONLY token is refused every write on each, aliased
	// and in variables, and nothing stored changes; NO_DELETE deactivates, as the full
	// contract lets it.
	t.Run("paradime", func(t *testing.T) {
		f := newFixture(t)
		token := f.mintToken(t, f.acmeAdmin.ID, "READ_ONLY") // with the full contract, which mints
		noDelete := f.mintToken(t, f.acmeAdmin.ID, "NO_DELETE")
		f.handler = f.handlerWith(func(h *graphql.Handler) { h.ParadimeOnly = true })
		before := f.snapshot(t)
		got := f.doToken(t, tokenRequest{token: token, origin: portalOrigin, variables: `{"u": "$ACME_USER_ID"}`,
			query: `mutation($u: String!) {
				a: inviteUser(email: "zed@acme.test", accountType: DEVELOPER) { ok }
				b: updateUserAccountType(uid: $u, accountType: ADMIN) { ok }
				c: disableUser(uid: $u) { ok }
				d: updateUserAccountType(uid: "$ACME_ADMIN_ID", accountType: DEVELOPER) { ok }
				e: disableUser(uid: "$ACME_ADMIN_ID") { ok }
			}`})
		if c := codes(got); len(c) != 5 || c["a"] != forbidden || c["b"] != forbidden || c["c"] != forbidden || c["d"] != forbidden || c["e"] != forbidden {
			t.Fatalf("codes %v: %v", c, got)
		}
		f.assertJSON(t, got["data"], `{"a": {"ok": false}, "b": {"ok": false}, "c": {"ok": false}, "d": {"ok": false}, "e": {"ok": false}}`)
		if after := f.snapshot(t); after != before {
			t.Fatalf("the store changed:\n%s\n%s", before, after)
		}
		got = f.doToken(t, tokenRequest{token: token, origin: portalOrigin, query: `{ listUsers { ok } }`})
		f.assertJSON(t, got["data"], `{"listUsers": {"ok": true}}`)

		got = f.doToken(t, tokenRequest{token: noDelete, origin: portalOrigin, query: `mutation { disableUser(uid: "$ACME_USER_ID") { ok } }`})
		f.assertJSON(t, got, `{"data": {"disableUser": {"ok": true}}}`)
	})
	t.Run("core", func(t *testing.T) {
		f := newFixture(t)
		token := f.mintToken(t, f.acmeAdmin.ID, "READ_ONLY")
		f.handler = f.handlerWith(func(h *graphql.Handler) { h.CoreOnly = true })
		before := f.snapshot(t)
		got := f.doToken(t, tokenRequest{token: token, origin: portalOrigin, variables: `{"w": {"email": "` + acmeUserEmail + `"}}`,
			query: `mutation($w: UserWhere!) {
				a: createUser(data: {email: "zed@acme.test", password: "a long password", organizationRole: ADMIN}) { id }
				b: updatePropertiesInUser(where: $w, data: {organizationRole: ADMIN}) { id }
				c: updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {activated: false}) { id }
				d: resetPassword(where: $w) { id }
				e: updatePassword(where: {id: "$ACME_ADMIN_ID"}, data: {oldPassword: "` + password + `", newPassword1: "a new long one", newPassword2: "a new long one"}) { id }
			}`})
		if c := codes(got); len(c) != 5 || c["a"] != forbidden || c["b"] != forbidden || c["c"] != forbidden || c["d"] != forbidden || c["e"] != forbidden {
			t.Fatalf("codes %v: %v", c, got)
		}
		if after := f.snapshot(t); after != before {
			t.Fatalf("the store changed:\n%s\n%s", before, after)
		}
		if len(f.mailer.sent) != 0 {
			t.Fatalf("mail sent: %v", f.mailer.sent)
		}
	})
}
