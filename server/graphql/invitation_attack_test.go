package graphql_test

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
)

// TestHandler_AdminInvitationOfADemotedAdmin has Uma, made an admin, invite an address of
// her own as ADMIN and keep the link; Ada then demotes her. Uma's link would make her an
// admin again: previewing and accepting it are refused on token, inline, in variables,
// in aliases and at once, and nothing stored changes. Her API key sees only herself.
func TestHandler_AdminInvitationOfADemotedAdmin(t *testing.T) {
	f := newFixture(t)
	f.data(t, gql{query: `mutation { updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: ADMIN}) { id } }`, key: f.acmeAdminKey})
	d := f.data(t, gql{query: `mutation { inviteUsers(emails: ["uma.alt@acme.test"], organizationRole: ADMIN) { status link } }`, key: f.acmeUserKey})
	res := d["inviteUsers"].([]any)[0].(map[string]any)
	link, err := url.Parse(fmt.Sprint(res["link"]))
	if err != nil || res["status"] != "INVITED" {
		t.Fatalf("invitation: %v %v", res, err)
	}
	token := link.Query().Get("token")
	f.data(t, gql{query: `mutation { updatePropertiesInUser(where: {id: "` + f.acmeUser.ID + `"}, data: {organizationRole: USER}) { id } }`, key: f.acmeAdminKey})

	before := f.snapshot(t)
	want := "This invitation would make you an admin, but Uma User is no longer an admin of Acme: ask an admin of Acme to invite you again."
	for name, q := range map[string]gql{
		"preview": {query: `query($t: String!) { invitationByToken(token: $t) { email organizationRole } }`, variables: `{"t": "` + token + `"}`},
		"inline":  {query: `mutation { acceptInvitation(token: "` + token + `", firstname: "Uma", password: "a long password") { apiKey } }`},
		"variables": {query: `mutation($t: String!, $p: String!) { acceptInvitation(token: $t, firstname: "Uma", password: $p) { apiKey user { organizationRole } } }`,
			variables: `{"t": "` + token + `", "p": "a long password"}`},
		"aliases": {query: `mutation($t: String!) {
			a: acceptInvitation(token: $t, firstname: "Uma", password: "a long password") { apiKey }
			b: acceptInvitation(token: $t, firstname: "Uma", lastname: "Again", password: "another long password") { apiKey } }`,
			variables: `{"t": "` + token + `"}`},
		"with her key": {query: `mutation { acceptInvitation(token: "` + token + `", firstname: "Uma", password: "a long password") { apiKey } }`, key: f.acmeUserKey},
	} {
		t.Run(name, func(t *testing.T) {
			got := f.do(t, q)
			for _, e := range mustRefuse(t, got) {
				if e.message != want || e.code != badInput || e.field != "token" {
					t.Errorf("got %+v, want %q on token", e, want)
				}
			}
			if f.snapshot(t) != before {
				t.Fatal("a refused invitation changed the store")
			}
		})
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			got := f.do(t, gql{query: `mutation { acceptInvitation(token: "` + token + `", firstname: "Uma", password: "password number ` + fmt.Sprint(i) + `") { apiKey } }`})
			if got["errors"] == nil {
				t.Errorf("accepted: %v", got)
			}
		})
	}
	wg.Wait()
	if f.snapshot(t) != before {
		t.Fatal("a refused invitation changed the store")
	}
	f.assertJSON(t, f.data(t, gql{query: `{ n: countUsers(where: {}) }`, key: f.acmeUserKey}), `{"n": 1}`)
}
