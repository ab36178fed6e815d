package graphql_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestHandler_KeysOfADemotedAdmin has Uma, made an admin, make API keys for Ada, the
// other admin, under aliases, inline and in variables; Ada then demotes her. Every one of
// those keys is refused on every request, one at a time and at once, writes nothing, and
// Ada's own key still answers as Ada.
func TestHandler_KeysOfADemotedAdmin(t *testing.T) {
	f := newFixture(t)
	promote := func(role string) {
		f.data(t, gql{query: `mutation { updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: ` + role + `}) { id } }`, key: f.acmeAdminKey})
	}
	promote("ADMIN")
	d := f.data(t, gql{query: `mutation($w: UserWhere) {
		a: createApiKey(name: "backdoor", where: {email: "admin@acme.test"}) { key }
		b: createApiKey(name: "backdoor 2", where: $w) { key } }`,
		variables: `{"w": {"email": "admin@acme.test"}}`, key: f.acmeUserKey})
	keys := []string{fmt.Sprint(d["a"].(map[string]any)["key"]), fmt.Sprint(d["b"].(map[string]any)["key"])}
	for _, k := range keys {
		f.assertJSON(t, f.data(t, gql{query: `{ viewer { email organizationRole } }`, key: k}),
			`{"viewer": {"email": "admin@acme.test", "organizationRole": "ADMIN"}}`)
	}
	promote("USER")

	before := f.snapshot(t)
	for _, k := range keys {
		for name, q := range map[string]gql{
			"read":  {query: `{ viewer { email } countUsers(where: {}) }`, key: k},
			"write": {query: `mutation { updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: ADMIN}) { id } }`, key: k},
			"a key": {query: `mutation { createApiKey(name: "another") { key } }`, key: k},
			"batch": {query: `mutation { a: updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: ADMIN}) { id } b: createApiKey(name: "x") { key } }`, key: k},
		} {
			t.Run(name, func(t *testing.T) {
				got := f.do(t, q)
				for _, e := range mustRefuse(t, got) {
					if e.code != "UNAUTHENTICATED" || !isSentence(e.message) {
						t.Errorf("got %+v, want UNAUTHENTICATED", e)
					}
				}
				data, _ := got["data"].(map[string]any)
				for field, v := range data {
					if v != nil {
						t.Errorf("answered %s: %v", field, v)
					}
				}
			})
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := f.do(t, gql{query: `mutation { updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: ADMIN}) { id } }`, key: keys[0]}); got["errors"] == nil {
				t.Errorf("accepted: %v", got)
			}
		})
	}
	wg.Wait()
	if f.snapshot(t) != before {
		t.Fatal("a refused key changed the store")
	}
	// Ada's own key answers as Ada, from another address: the refused keys above count
	// against this client's limit of keys that do not work.
	header := http.Header{"Authorization": {"X-API-Key: " + f.acmeAdminKey}}
	code, got := f.postFrom(t, "198.51.100.7:1234", header, `{"query": "{ viewer { email organizationRole } }"}`)
	if code != http.StatusOK || got["errors"] != nil {
		t.Fatalf("Ada's own key: %d %v", code, got)
	}
	f.assertJSON(t, got["data"].(map[string]any), `{"viewer": {"email": "admin@acme.test", "organizationRole": "ADMIN"}}`)
}
