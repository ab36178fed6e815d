// Package storetest is the one suite of tests of the directory's stores: every store
// (server/sqlite, server/postgres) runs it from its own tests, with a constructor of
// itself on a new, empty database, so that both answer alike. Tests of what only one
// store has stay beside it.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"useradmin/server"
	argon "useradmin/server/password"
)

// Store is a store under test: its services on a new database, and what the tests need
// to set up and look at it.
type Store struct {
	Users         server.UserService
	Organizations server.OrganizationService
	Auth          server.AuthService
	Invitations   server.InvitationService
	Audit         server.AuditService
	EmbedTokens   server.EmbedTokenService
	Bulk          server.BulkService
	Exports       server.ExportService
	Imports       server.ImportService
	Workspaces    server.WorkspaceService

	// CreateOrganization makes an organization with its first admin and a key for them.
	CreateOrganization func(ctx context.Context, name string, admin server.UserCreate) (*server.Organization, *server.User, *server.APIKey, error)

	// SetNow, SetCredentialLimit, SetInvitationLimit and SetHasher change the store's
	// clock, limits and password hasher, for the calls after.
	SetNow             func(func() time.Time)
	SetCredentialLimit func(server.CredentialLimit)
	SetInvitationLimit func(server.InvitationLimit)
	SetHasher          func(*argon.Hasher)

	// SetAuditRetention changes how long audit events are kept; SweepAudit deletes the
	// older ones and says how many.
	SetAuditRetention func(time.Duration)
	SweepAudit        func(context.Context) (int, error)

	// OtherInstance opens the store again on the same database, as another instance of
	// the server would, with the clock now, closed when tb ends.
	OtherInstance func(tb testing.TB, now func() time.Time) server.AuthService

	// Raw is a connection of its own to the database, to look at what is stored and to
	// write as another program would. Queries the suite sends through it take no
	// arguments: the two stores' placeholders differ.
	Raw *sql.DB

	// GenerateUsers adds n generated users to the organization orgID, quickly.
	GenerateUsers func(ctx context.Context, orgID string, n int) error

	// OtherBulk is the bulk actions of another instance on the same database; nil when
	// the store has one instance at a time.
	OtherBulk func(tb testing.TB) server.BulkService

	// OtherExports is the exports of another instance on the same database.
	OtherExports func(tb testing.TB) server.ExportService

	// OtherImports is the imports of another instance on the same database.
	OtherImports func(tb testing.TB) server.ImportService

	// TakeChanges returns the changes of users published since it was last called, in
	// the order they were published.
	TakeChanges func(tb testing.TB) []server.UserChange

	// CheckCounts checks the counts the store alone keeps against its rows; nil for
	// none.
	CheckCounts func(tb testing.TB)
}

// Open returns a store on a new, empty database, closed when tb ends.
type Open func(tb testing.TB) *Store

// Run runs the suite against the stores that open makes.
func Run(t *testing.T, open Open) {
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) { test.fn(t, open) })
	}
}

// Dump returns every row the store holds, one per line, table by table, to tell whether
// a refused request changed anything.
func (s *Store) Dump(tb testing.TB) string {
	tb.Helper()
	var b strings.Builder
	for _, table := range []string{"organizations", "users", "api_keys", "password_resets", "user_counts",
		"invitations", "invitation_links", "invitation_mail_counts", "audit_events", "audit_counts", "embed_tokens",
		"workspaces", "workspace_members", "workspace_counts", "exports"} {
		order := "1, 2, 3"
		if table == "workspace_members" {
			order = "1, 2" // its two columns are its key
		}
		rows, err := s.Raw.Query(`SELECT * FROM ` + table + ` ORDER BY ` + order)
		if err != nil {
			tb.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

// quote returns s as an SQL string literal, for the queries sent through Raw.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
