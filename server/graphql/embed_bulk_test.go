package graphql_test

import (
	"sync"
	"testing"
)

// TestHandler_EmbedTokenNoDeleteRefusesBulkDelete sends deleteUsers with an ADMIN's
// NO_DELETE token, which deleteUser refuses: by id, by idIn, every user, in variables, in
// aliases beside a write the scope allows, and in parallel. Each delete is FORBIDDEN and
// no user goes; a bulk deactivation, which the scope allows, still works.
func TestHandler_EmbedTokenNoDeleteRefusesBulkDelete(t *testing.T) {
	f := newFixture(t)
	token := f.mintToken(t, f.acmeAdmin.ID, "NO_DELETE")
	before := f.snapshot(t)
	for name, r := range map[string]tokenRequest{
		"by id":      {query: `mutation { deleteUsers(where: {id: "$ACME_USER_ID"}, first: 10) { changed } }`},
		"by idIn":    {query: `mutation($ids: [ID!]) { deleteUsers(where: {idIn: $ids}, first: 10) { changed } }`, variables: `{"ids": ["$ACME_USER_ID", "$GONE_ID"]}`},
		"everyone":   {query: `mutation($w: UserWhere!, $n: Int!) { deleteUsers(where: $w, first: $n) { changed failures { id } } }`, variables: `{"w": {}, "n": 1000}`},
		"aliases":    {query: `mutation { a: deleteUsers(where: {search: "acme"}, first: 10) { changed } b: deleteUsers(where: {activated: false}, first: 10) { changed } }`},
		"next batch": {query: `mutation { deleteUsers(where: {}, after: "1", first: 10) { changed } }`},
	} {
		t.Run(name, func(t *testing.T) {
			r.token, r.origin = token, portalOrigin
			got := f.doToken(t, r)
			c := codes(got)
			if len(c) == 0 {
				t.Fatalf("not refused: %v", got)
			}
			for field, code := range c {
				if code != forbidden {
					t.Errorf("%s: %s, want FORBIDDEN", field, code)
				}
			}
			if after := f.snapshot(t); after != before {
				t.Fatalf("the store changed:\n%s\n%s", before, after)
			}
		})
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got := f.doToken(t, tokenRequest{token: token, origin: portalOrigin, query: `mutation { deleteUsers(where: {id: "$ACME_USER_ID"}, first: 1) { changed } }`})
			if codes(got)["deleteUsers"] != forbidden {
				t.Errorf("not refused: %v", got)
			}
		})
	}
	wg.Wait()
	if after := f.snapshot(t); after != before {
		t.Fatalf("the store changed:\n%s\n%s", before, after)
	}
	got := f.doToken(t, tokenRequest{token: token, origin: portalOrigin, query: `mutation { updateUsers(where: {id: "$ACME_USER_ID"}, data: {activated: false}, first: 10) { changed } }`})
	f.assertJSON(t, got["data"], `{"updateUsers": {"changed": 1}}`)
}
