package graphql_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestRevokeApiKey_LongIDRefused sends revokeApiKey ids longer than any the directory
// makes, every other id argument being bounded: a real key's id with text after it, and
// 10 kB, inline, in variables and in aliases, by the key's owner, their admin and another
// organization's admin. Each is refused on id, nothing stored changes, and the key works.
func TestRevokeApiKey_LongIDRefused(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot(t)
	padded := f.acmeUserKeyID + strings.Repeat("x", 64)
	huge := strings.Repeat("k", 10_000)
	for _, caller := range []string{"User", "Admin", "OtherAdmin"} {
		for name, q := range map[string]gql{
			"inline":    {query: `mutation { revokeApiKey(id: "` + padded + `") }`},
			"variables": {query: `mutation($id: ID!) { revokeApiKey(id: $id) }`, variables: `{"id": "` + huge + `"}`},
			"aliases": {query: `mutation($id: ID!) { a: revokeApiKey(id: $id) b: revokeApiKey(id: "` + padded + `") }`,
				variables: `{"id": "` + padded + `"}`},
		} {
			t.Run(caller+" "+name, func(t *testing.T) {
				q.key = f.callerKey(caller)
				got := f.do(t, q)
				errs, _ := got["errors"].([]any)
				if len(errs) == 0 || got["data"] != nil {
					t.Fatalf("accepted: %.300v", got)
				}
				for _, e := range errs {
					e := e.(map[string]any)
					ext := e["extensions"].(map[string]any)
					if msg := fmt.Sprint(e["message"]); ext["code"] != badInput || ext["field"] != "id" || msg != "An id has at most 64 characters: check the one sent." {
						t.Errorf("got %q %v, want BAD_USER_INPUT on id", msg, ext)
					}
				}
				if f.snapshot(t) != before {
					t.Fatal("a refused revocation changed the store")
				}
			})
		}
	}
	f.assertJSON(t, f.data(t, gql{query: `{ viewer { email } }`, key: f.acmeUserKey}), `{"viewer": {"email": "uma@acme.test"}}`)
}
