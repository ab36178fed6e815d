package sqlite_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"useradmin/server"
	argon "useradmin/server/password"
	"useradmin/server/sqlite"
	"useradmin/server/storetest"
)

// TestStore runs the stores' one suite against SQLite.
func TestStore(t *testing.T) {
	storetest.Run(t, openStore)
}

// openStore is the SQLite store on a new file, for the suite.
func openStore(tb testing.TB) *storetest.Store {
	db := MustOpenDB(tb)
	raw, err := sql.Open("sqlite", db.Path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	rec := &recorder{}
	db.Changes = rec
	return &storetest.Store{
		Users:              sqlite.NewUserService(db),
		Organizations:      sqlite.NewOrganizationService(db),
		Auth:               sqlite.NewAuthService(db),
		Invitations:        sqlite.NewInvitationService(db),
		Audit:              sqlite.NewAuditService(db),
		EmbedTokens:        sqlite.NewAuthService(db),
		Workspaces:         sqlite.NewWorkspaceService(db),
		OtherInstance:      func(tb testing.TB, now func() time.Time) server.AuthService { return otherInstance(tb, db, now) },
		SetAuditRetention:  func(d time.Duration) { db.AuditRetention = d },
		SweepAudit:         db.SweepAuditEvents,
		CreateOrganization: db.CreateOrganization,
		SetNow:             func(now func() time.Time) { db.Now = now },
		SetCredentialLimit: func(l server.CredentialLimit) { db.CredentialLimit = l },
		SetInvitationLimit: func(l server.InvitationLimit) { db.InvitationLimit = l },
		SetHasher:          func(h *argon.Hasher) { db.Hasher = h },
		Raw:                raw,
		Bulk:               sqlite.NewBulkService(db),
		GenerateUsers:      db.GenerateUsers,
		OtherBulk: func(tb testing.TB) server.BulkService {
			return sqlite.NewBulkService(otherDB(tb, db, db.Now))
		},
		Exports:      sqlite.NewExportService(db),
		OtherExports: func(tb testing.TB) server.ExportService { return sqlite.NewExportService(otherDB(tb, db, db.Now)) },
		Imports:      sqlite.NewImportService(db),
		OtherImports: func(tb testing.TB) server.ImportService { return sqlite.NewImportService(otherDB(tb, db, db.Now)) },
		TakeChanges:  func(testing.TB) []server.UserChange { return rec.take() },
		CheckCounts:  func(tb testing.TB) { checkCounts(tb, db) },
	}
}

// otherInstance opens db's file again, as another instance of the server would.
func otherInstance(tb testing.TB, db *sqlite.DB, now func() time.Time) server.AuthService {
	return sqlite.NewAuthService(otherDB(tb, db, now))
}

// otherDB opens db's file again, with the clock now, closed when tb ends.
func otherDB(tb testing.TB, db *sqlite.DB, now func() time.Time) *sqlite.DB {
	tb.Helper()
	other := sqlite.NewDB(db.Path)
	if err := other.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { other.Close() })
	other.Now = now
	return other
}

// checkCounts checks that the counts only this store keeps agree with the rows: the
// grams of the search, both ways, and the guard of the bulk writes, empty.
func checkCounts(tb testing.TB, db *sqlite.DB) {
	tb.Helper()
	raw := mustRawDB(tb, db)
	var bad int
	if err := raw.QueryRow(`
		SELECT COUNT(*) FROM (
			SELECT * FROM (
				SELECT organization_id, j.value, role, activated, COUNT(*) FROM users, json_each(short_grams(email, firstname, lastname, username)) j GROUP BY 1, 2, 3, 4
				EXCEPT SELECT organization_id, gram, role, activated, n FROM user_grams WHERE n != 0)
			UNION ALL SELECT * FROM (
				SELECT organization_id, gram, role, activated, n FROM user_grams WHERE n != 0
				EXCEPT SELECT organization_id, j.value, role, activated, COUNT(*) FROM users, json_each(short_grams(email, firstname, lastname, username)) j GROUP BY 1, 2, 3, 4))`).Scan(&bad); err != nil {
		tb.Fatal(err)
	}
	if bad != 0 {
		tb.Fatalf("user_grams disagrees with the users in %d rows", bad)
	}
	var guard int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM bulk_writing`).Scan(&guard); err != nil || guard != 0 {
		tb.Fatalf("bulk_writing holds %d rows (%v)", guard, err)
	}
}

// importRows and runImport are the suite's, for the benchmarks of imports.
func importRows(n int) []server.ImportRow { return storetest.ImportRows(n) }

func runImport(tb testing.TB, svc *sqlite.ImportService, ctx context.Context, rows []server.ImportRow, opts server.ImportOptions) ([]*server.ImportResult, map[server.ImportOutcome]int) {
	tb.Helper()
	return storetest.RunImport(tb, svc, ctx, rows, opts)
}
