package graphql_test

import (
	"fmt"
	"sync"
	"testing"
)

// TestBulk_UpdatedAtPreconditionRefused sends the bulk writes a where.updatedAt, the
// precondition of a single update: stale, current, inline, in variables, in aliases and in
// parallel. A bulk action cannot check it user by user, and once did not check it at all:
// a stale precondition deleted or deactivated the user. Each is refused on the field,
// before any user is touched, and nothing stored changes, no mail included.
func TestBulk_UpdatedAtPreconditionRefused(t *testing.T) {
	f := newFixture(t)
	uma := f.userJSON(t, f.acmeUser.ID).([]any)[0].(map[string]any)
	before := f.snapshot(t)
	const stale = "2000-01-01T00:00:00Z"
	current := uma["updatedAt"].(string)
	for _, at := range []string{stale, current} {
		for name, q := range map[string]gql{
			"deactivate inline":  {query: `mutation { updateUsers(where: {id: "$ACME_USER_ID", updatedAt: "` + at + `"}, data: {activated: false}, first: 10) { changed } }`},
			"promote by idIn":    {query: `mutation { updateUsers(where: {idIn: ["$ACME_USER_ID"], updatedAt: "` + at + `"}, data: {organizationRole: ADMIN}, first: 10) { changed } }`},
			"remove from a team": {query: `mutation { updateUsers(where: {updatedAt: "` + at + `"}, data: {removeFromWorkspace: "$ACME_WS_ID"}, first: 10) { changed } }`},
			"delete in variables": {query: `mutation($w: UserWhere!) { deleteUsers(where: $w, first: 10) { changed } }`,
				variables: `{"w": {"email": "uma@acme.test", "updatedAt": "` + at + `"}}`},
			"reset links": {query: `mutation($at: DateTime) { issuePasswordResets(where: {id: "$ACME_USER_ID", updatedAt: $at}, first: 10) { changed resets { link } } }`,
				variables: `{"at": "` + at + `"}`},
			"aliases": {query: `mutation {
				a: deleteUsers(where: {updatedAt: "` + at + `"}, first: 1000) { changed }
				b: updateUsers(where: {search: "acme", updatedAt: "` + at + `"}, data: {activated: false}, first: 1000) { changed } }`},
		} {
			t.Run(fmt.Sprintf("%s at %s", name, at), func(t *testing.T) {
				q.query, q.variables, q.key = f.expand(q.query), f.expand(q.variables), f.acmeAdminKey
				got := f.do(t, q)
				for _, e := range mustRefuse(t, got) {
					if e.code != badInput || e.field != "where.updatedAt" || !isSentence(e.message) {
						t.Errorf("got %+v, want BAD_USER_INPUT on where.updatedAt", e)
					}
				}
				if after := f.snapshot(t); after != before {
					t.Fatalf("the store changed:\n%s\n---\n%s", before, after)
				}
			})
		}
	}
	// At once, from several requests: none slips through.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := f.do(t, gql{query: f.expand(`mutation { deleteUsers(where: {id: "$ACME_USER_ID", updatedAt: "` + stale + `"}, first: 10) { changed } }`), key: f.acmeAdminKey})
			if got["errors"] == nil {
				t.Errorf("accepted: %v", got)
			}
		}()
	}
	wg.Wait()
	if after := f.snapshot(t); after != before {
		t.Fatalf("the store changed:\n%s\n---\n%s", before, after)
	}
	if len(f.mailer.sent) != 0 {
		t.Errorf("mail sent: %v", f.mailer.sent)
	}
	// Without the precondition, the same bulk write works: the refusal is of it alone.
	d := f.data(t, gql{query: f.expand(`mutation { updateUsers(where: {id: "$ACME_USER_ID"}, data: {activated: false}, first: 10) { changed } }`), key: f.acmeAdminKey})
	f.assertJSON(t, d, `{"updateUsers": {"changed": 1}}`)
}
