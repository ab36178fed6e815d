package e2e

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"useradmin/server/postgres/pgtest"
)

// TestInstances_ShareLimitsSessionsAndTokens runs two binaries on one PostgreSQL
// database, as behind a load balancer: what one instance counts or ends, the other
// knows, so that a client cannot multiply its limits by the number of instances.
func TestInstances_ShareLimitsSessionsAndTokens(t *testing.T) {
	url := pgtest.NewDatabase(t)
	// Both start at once on the empty database: the migrations and the seed run once.
	var a, b *server
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startServerOn(t, url) }()
	go func() { defer wg.Done(); b = startServerOn(t, url) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	if a.AdminEmail == "" {
		a, b = b, a // the one that seeded printed the admin's password
	}
	if a.AdminEmail == "" || b.AdminEmail != "" {
		t.Fatalf("seeded by %q and %q: want exactly one seed", a.AdminEmail, b.AdminEmail)
	}
	if n := a.countUsers(t, map[string]any{}); n != b.countUsers(t, map[string]any{}) || n < 10 {
		t.Fatalf("the instances count %d and %d users", n, b.countUsers(t, map[string]any{}))
	}
	signIn := `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`
	instances := []*server{a, b}

	t.Run("SessionOnEither", func(t *testing.T) {
		// A session opened on one instance works on the other, and ended on the other,
		// it stops working on both.
		ans := a.send(t, call{query: signIn, variables: map[string]any{"e": a.AdminEmail, "p": a.AdminPassword}})
		var s struct{ APIKey string }
		if ans.code() != "" || jsonField(ans, "signIn", &s) != nil {
			t.Fatalf("sign in through A: %+v", ans)
		}
		if ans := b.send(t, call{query: `{ viewer { id } }`, key: s.APIKey}); ans.code() != "" {
			t.Fatalf("the session through B: %+v", ans)
		}
		if ans := b.send(t, call{query: `mutation { signOut }`, key: s.APIKey}); ans.code() != "" {
			t.Fatalf("sign out through B: %+v", ans)
		}
		for name, s2 := range map[string]*server{"A": a, "B": b} {
			if ans := s2.send(t, call{query: `{ viewer { id } }`, key: s.APIKey}); ans.code() != "UNAUTHENTICATED" {
				t.Errorf("the ended session through %s: %+v", name, ans)
			}
		}
	})

	t.Run("ResetTokenOnceAcrossInstances", func(t *testing.T) {
		// One reset link sent to both instances at once, five times each: one reset.
		admin := a.findUsers(t, map[string]any{"email": a.AdminEmail}, 1, 0, nil)[0]
		var r struct{ IssuePasswordReset struct{ Link string } }
		a.graphql(t, `mutation($id: ID!) { issuePasswordReset(where: {id: $id}) { link } }`, map[string]any{"id": admin.ID}, &r)
		token := r.IssuePasswordReset.Link[strings.Index(r.IssuePasswordReset.Link, "token=")+len("token="):]
		answers := make([]answer, 10)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[i] = instances[i%2].send(t, call{query: `mutation($t: String!) { completePasswordReset(token: $t, newPassword: "a brand new password") }`,
					variables: map[string]any{"t": token}})
			}()
		}
		close(start)
		wg.Wait()
		n := map[string]int{}
		for _, ans := range answers {
			n[ans.code()]++
		}
		if n[""] != 1 || n["BAD_USER_INPUT"]+n["RATE_LIMITED"] != 9 {
			t.Fatalf("answers %v, want one reset and 9 refusals", n)
		}
		a.AdminPassword = "a brand new password"
	})

	t.Run("SignInLimitAcrossInstances", func(t *testing.T) {
		// Wrong passwords for one account, alternately through A and B: the limit (10 a
		// minute) holds for the sum, not for each instance; then even the right password
		// waits, on both.
		var wrong, limited int
		for i := range 30 {
			ans := instances[i%2].send(t, call{query: signIn, variables: map[string]any{"e": a.AdminEmail, "p": "not the password"}})
			switch ans.code() {
			case "UNAUTHENTICATED":
				wrong++
			case "RATE_LIMITED":
				limited++
			default:
				t.Fatalf("wrong password %d: %+v", i, ans)
			}
		}
		if wrong != 10 || limited != 20 {
			t.Fatalf("%d checked and %d refused of 30 through two instances, want 10 and 20", wrong, limited)
		}
		for name, s := range map[string]*server{"A": a, "B": b} {
			ans := s.send(t, call{query: signIn, variables: map[string]any{"e": a.AdminEmail, "p": a.AdminPassword}})
			if ans.code() != "RATE_LIMITED" {
				t.Errorf("the right password through %s during the wait: %+v", name, ans)
			}
		}
	})
}

// jsonField decodes the field name of a's data into out.
func jsonField(a answer, name string, out any) error {
	return json.Unmarshal(a.Data[name], out)
}
