package graphql_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkUpdatePropertiesInUser renames a user and changes their role, through
// ServeHTTP, one request at a time: the write of the user and, since the audit trail,
// its two events (USER_UPDATED, ROLE_CHANGED) in the same transaction. cpu-µs/op is the
// process's CPU per request.
func BenchmarkUpdatePropertiesInUser(b *testing.B) {
	f := newFixture(b)
	roles := []string{"ADMIN", "USER"}
	n := 0
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		n++
		body, _ := json.Marshal(map[string]any{
			"query": `mutation($w: UserWhere!, $d: UserData!) { updatePropertiesInUser(where: $w, data: $d) { id updatedAt } }`,
			"variables": map[string]any{"w": map[string]any{"id": f.acmeUser.ID},
				"d": map[string]any{"firstname": fmt.Sprint("Uma ", n), "organizationRole": roles[n%2]}},
		})
		if got := serveAs(b, f, f.acmeAdminKey, string(body)); strings.Contains(got, `"errors"`) {
			b.Fatal(got)
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}
