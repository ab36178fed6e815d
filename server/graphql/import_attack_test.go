package graphql_test

import (
	"strings"
	"sync"
	"testing"
)

// TestImportUsers_UpdateCannotReachProtectedRows has an import's UPDATE try the rows other
// mutations protect: the caller's own role and activation (by their email in another case,
// inline and with variables, in parallel), another organization's user by username, and a
// username another user holds. Each line fails and nothing stored changes, dry run or not.
func TestImportUsers_UpdateCannotReachProtectedRows(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot(t)
	lines := map[string]struct {
		row  map[string]any
		want string
	}{
		"own role":          {map[string]any{"line": 2, "email": "ADMIN@acme.TEST", "organizationRole": "user"}, "This line is you"},
		"own activation":    {map[string]any{"line": 2, "email": " admin@acme.test", "activated": "false"}, "This line is you"},
		"Globex's username": {map[string]any{"line": 2, "email": "newbie@acme.test", "username": "admin-2"}, ""},
		"Uma's username":    {map[string]any{"line": 2, "email": "admin@acme.test", "username": "UMA"}, ""},
		"Globex by email":   {map[string]any{"line": 2, "email": "admin@globex.test", "organizationRole": "ADMIN", "activated": "false"}, "already used"},
	}
	for name, tt := range lines {
		t.Run(name, func(t *testing.T) {
			for _, dry := range []bool{true, false} {
				d := f.data(t, gql{query: importDoc, variables: importVars(t, []map[string]any{tt.row}, dry), key: f.acmeAdminKey})
				r := d["a"].([]any)[0].(map[string]any)
				if r["outcome"] != "FAILED" || r["link"] != nil || !strings.Contains(r["message"].(string), tt.want) {
					t.Errorf("dry run %v: %v", dry, r)
				}
			}
			if got := f.snapshot(t); got != before {
				t.Errorf("the directory changed:\n%s", got)
			}
		})
	}
	inline := `mutation {
		a: importUsers(rows: [{line: 2, email: "Admin@Acme.test", organizationRole: "USER", activated: "false"}], mode: CREATE, existing: UPDATE, dryRun: false) { outcome }
		b: importUsers(rows: [{line: 3, email: "admin@acme.test", organizationRole: "USER"}], mode: INVITE, existing: UPDATE, dryRun: false) { outcome }
	}`
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := f.data(t, gql{query: inline, key: f.acmeAdminKey})
			for _, alias := range []string{"a", "b"} {
				if out := d[alias].([]any)[0].(map[string]any)["outcome"]; out != "FAILED" {
					t.Errorf("%s: %v", alias, out)
				}
			}
		}()
	}
	wg.Wait()
	if got := f.snapshot(t); got != before {
		t.Errorf("the directory changed:\n%s", got)
	}
}
