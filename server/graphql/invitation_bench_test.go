package graphql_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"useradmin/server"
)

// BenchmarkInviteUsers100 invites 100 new addresses in one request, through ServeHTTP,
// with the test's mail sender (which keeps the mails): the store's checks and writes, one
// link each, and the answer with the links.
func BenchmarkInviteUsers100(b *testing.B) {
	f := newFixture(b)
	f.db.InvitationLimit = server.InvitationLimit{Mails: 1 << 30}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		emails := make([]string, server.MaxInvitations)
		for i := range emails {
			n++
			emails[i] = fmt.Sprintf("bench%d@acme.test", n)
		}
		vars, _ := json.Marshal(map[string]any{"e": emails})
		body, _ := json.Marshal(map[string]any{"query": `mutation($e: [String!]!) { inviteUsers(emails: $e, organizationRole: USER) { email status link } }`,
			"variables": json.RawMessage(vars)})
		if got := serveAs(b, f, f.acmeAdminKey, string(body)); !strings.Contains(got, `"INVITED"`) || strings.Contains(got, `"errors"`) {
			b.Fatal(got[:min(len(got), 300)])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/request")
}

// BenchmarkListUsers is Paradime's listUsers document for an organization of nearly 500
// active users (its active-users metric says how many) and 100 pending invitations,
// through ServeHTTP.
func BenchmarkListUsers(b *testing.B) {
	f := newFixture(b)
	on := true
	n, err := f.handler.Users.CountUsers(server.NewContextWithAuth(b.Context(), &server.Auth{User: f.acmeAdmin}), server.UserFilter{Activated: &on})
	if err != nil {
		b.Fatal(err)
	}
	if err := f.db.GenerateUsers(b.Context(), f.acme.ID, 500-n); err != nil {
		b.Fatal(err)
	}
	active := f.data(b, gql{query: `{ n: countUsers(where: {activated: true}) }`, key: f.acmeAdminKey})["n"].(float64)
	emails := make([]string, 99)
	for i := range emails {
		emails[i] = fmt.Sprintf("list%d@acme.test", i)
	}
	vars, _ := json.Marshal(map[string]any{"e": emails})
	f.data(b, gql{query: `mutation($e: [String!]!) { inviteUsers(emails: $e, organizationRole: USER) { status } }`, variables: string(vars), key: f.acmeAdminKey})
	body, _ := json.Marshal(map[string]any{"query": `query ListUsers { listUsers { ok activeUsers { uid email name accountType } invitedUsers { email accountType inviteStatus } } }`})
	b.ReportAllocs()
	for b.Loop() {
		if got := serveAs(b, f, f.acmeAdminKey, string(body)); !strings.Contains(got, `"ok":true`) {
			b.Fatal(got[:min(len(got), 300)])
		}
	}
	b.ReportMetric(active, "active-users")
}

func serveAs(b *testing.B, f *fixture, key, body string) string {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "X-API-Key: "+key)
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w.Body.String()
}
