package graphql_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkAuditEvents reads pages of an organization's audit trail of AUDIT_EVENTS events
// (default 1,000,000), through ServeHTTP: the first page of 100 with its count, a page
// deep in it, the events of one user, and those of one action.
func BenchmarkAuditEvents(b *testing.B) {
	f := newFixture(b)
	n := 1_000_000
	if s := os.Getenv("AUDIT_EVENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	start := time.Now()
	fillAuditEvents(b, f, n)
	b.Logf("%d events stored in %s", n, time.Since(start).Round(time.Millisecond))
	for _, bc := range []struct{ name, query string }{
		{"FirstPageAndCount", `{ auditEvents(first: 100, skip: 0) { ` + auditEventFields + ` } n: countAuditEvents }`},
		{"FirstPage", `{ auditEvents(first: 100, skip: 0) { ` + auditEventFields + ` } }`},
		{"Skip10000", `{ auditEvents(first: 100, skip: 10000) { ` + auditEventFields + ` } }`},
		{"OneUserAndCount", f.expand(`{ auditEvents(where: {userId: "$ACME_USER_ID"}, first: 20, skip: 0) { ` + auditEventFields + ` } n: countAuditEvents(where: {userId: "$ACME_USER_ID"}) }`)},
		{"OneActionAndCount", `{ auditEvents(where: {action: ROLE_CHANGED}, first: 20, skip: 0) { ` + auditEventFields + ` } n: countAuditEvents(where: {action: ROLE_CHANGED}) }`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body, _ := json.Marshal(map[string]any{"query": bc.query})
			for b.Loop() {
				if got := serveAs(b, f, f.acmeAdminKey, string(body)); strings.Contains(got, `"errors"`) || !strings.Contains(got, `"auditEvents":[{`) {
					b.Fatal(got[:min(len(got), 300)])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/request")
		})
	}
}

// fillAuditEvents stores n events in Acme, a minute apart, one in 1000 about Uma and
// one in 10 a role change, in one statement.
func fillAuditEvents(b *testing.B, f *fixture, n int) {
	b.Helper()
	raw, err := sql.Open("sqlite", f.db.Path)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	from := time.Now().Add(-time.Duration(n) * time.Minute).UnixMicro()
	if _, err := raw.Exec(fmt.Sprintf(`
		WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < %d)
		INSERT INTO audit_events (id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
			user_id, user_email, client_address, changes)
		SELECT 'bench' || k, ?, CASE WHEN k %% 10 = 0 THEN 'ROLE_CHANGED' ELSE 'USER_UPDATED' END, ? + k * 60000000,
			?, 'admin@acme.test', 'benchkey', CASE WHEN k %% 1000 = 0 THEN ? ELSE 'someone' || (k %% 5000) END,
			'user@acme.test', '192.0.2.1',
			'[{"field":"lastname","old":"Before","new":"After"}]'
		FROM i`, n), f.acme.ID, from, f.acmeAdmin.ID, f.acmeUser.ID); err != nil {
		b.Fatal(err)
	}
}
