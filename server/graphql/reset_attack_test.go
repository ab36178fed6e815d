package graphql_test

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
)

// TestHandler_ResetLinksOfADemotedAdmin has Uma, made an admin, take a reset link for
// Ada, the other admin, and import a new ADMIN with its link; Ada then demotes her. With
// the links she kept Uma would set Ada's password, or the new admin's, and be an admin
// again: each completion is refused on token, inline, in variables, in aliases and at
// once, nothing stored changes, and Ada still signs in with her password.
func TestHandler_ResetLinksOfADemotedAdmin(t *testing.T) {
	f := newFixture(t)
	f.data(t, gql{query: `mutation { updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: ADMIN}) { id } }`, key: f.acmeAdminKey})
	token := func(link any) string {
		u, err := url.Parse(fmt.Sprint(link))
		if err != nil || u.Query().Get("token") == "" {
			t.Fatalf("link %v: %v", link, err)
		}
		return u.Query().Get("token")
	}
	d := f.data(t, gql{query: `mutation {
		r: issuePasswordReset(where: {email: "admin@acme.test"}) { link }
		i: importUsers(rows: [{line: 2, email: "second@acme.test", organizationRole: "ADMIN"}], mode: CREATE, existing: SKIP, dryRun: false) { outcome link } }`, key: f.acmeUserKey})
	forAda := token(d["r"].(map[string]any)["link"])
	forNew := token(d["i"].([]any)[0].(map[string]any)["link"])
	f.data(t, gql{query: `mutation { updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: USER}) { id } }`, key: f.acmeAdminKey})

	before := f.snapshot(t)
	for name, q := range map[string]gql{
		"inline": {query: `mutation { completePasswordReset(token: "` + forAda + `", newPassword: "uma owns ada now") }`},
		"variables": {query: `mutation($t: String!, $p: String!) { completePasswordReset(token: $t, newPassword: $p) }`,
			variables: `{"t": "` + forNew + `", "p": "uma owns this one"}`},
		"aliases": {query: `mutation { a: completePasswordReset(token: "` + forAda + `", newPassword: "uma owns ada now")
			b: completePasswordReset(token: "` + forNew + `", newPassword: "uma owns this one") }`},
		"with her key": {query: `mutation { completePasswordReset(token: "` + forAda + `", newPassword: "uma owns ada now") }`, key: f.acmeUserKey},
	} {
		t.Run(name, func(t *testing.T) {
			got := f.do(t, q)
			for _, e := range mustRefuse(t, got) {
				if e.code != badInput || e.field != "token" || !isSentence(e.message) {
					t.Errorf("got %+v, want BAD_USER_INPUT on token", e)
				}
			}
			if f.snapshot(t) != before {
				t.Fatal("a refused reset changed the store")
			}
		})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := f.do(t, gql{query: `mutation { completePasswordReset(token: "` + forAda + `", newPassword: "uma owns ada now") }`}); got["errors"] == nil {
				t.Errorf("accepted: %v", got)
			}
		})
	}
	wg.Wait()
	if f.snapshot(t) != before {
		t.Fatal("a refused reset changed the store")
	}
	d = f.data(t, gql{query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { user { email } } }`,
		variables: `{"e": "admin@acme.test", "p": "` + password + `"}`})
	f.assertJSON(t, d, `{"signIn": {"user": {"email": "admin@acme.test"}}}`)
}
