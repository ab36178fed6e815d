package postgres_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	argon "useradmin/server/password"
	"useradmin/server/postgres"
	"useradmin/server/postgres/pgtest"
	"useradmin/server/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestStore runs the stores' one suite against PostgreSQL.
func TestStore(t *testing.T) {
	storetest.Run(t, openStore)
}

// mustOpenDB opens the store on a new database of the test cluster.
func mustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	db := postgres.NewDB(pgtest.NewDatabaseFrom(tb, "migrated", func(url string) error {
		db := postgres.NewDB(url)
		if err := db.Open(); err != nil {
			return err
		}
		return db.Close()
	}))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openStore is the PostgreSQL store on a new database, for the suite.
func openStore(tb testing.TB) *storetest.Store {
	db := mustOpenDB(tb)
	raw, err := sql.Open("pgx", db.URL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return &storetest.Store{
		Users:              postgres.NewUserService(db),
		Organizations:      postgres.NewOrganizationService(db),
		Auth:               postgres.NewAuthService(db),
		Invitations:        postgres.NewInvitationService(db),
		Audit:              postgres.NewAuditService(db),
		EmbedTokens:        postgres.NewAuthService(db),
		Workspaces:         postgres.NewWorkspaceService(db),
		OtherInstance:      func(tb testing.TB, now func() time.Time) server.AuthService { return otherInstance(tb, db, now) },
		SetAuditRetention:  func(d time.Duration) { db.AuditRetention = d },
		SweepAudit:         db.SweepAuditEvents,
		CreateOrganization: db.CreateOrganization,
		SetNow:             func(now func() time.Time) { db.Now = now },
		SetCredentialLimit: func(l server.CredentialLimit) { db.CredentialLimit = l },
		SetInvitationLimit: func(l server.InvitationLimit) { db.InvitationLimit = l },
		SetHasher:          func(h *argon.Hasher) { db.Hasher = h },
		Raw:                raw,
		Bulk:               postgres.NewBulkService(db),
		GenerateUsers:      db.GenerateUsers,
		OtherBulk:          func(tb testing.TB) server.BulkService { return postgres.NewBulkService(otherDB(tb, db, db.Now)) },
		Exports:            postgres.NewExportService(db),
		OtherExports:       func(tb testing.TB) server.ExportService { return postgres.NewExportService(otherDB(tb, db, db.Now)) },
		Imports:            postgres.NewImportService(db),
		OtherImports:       func(tb testing.TB) server.ImportService { return postgres.NewImportService(otherDB(tb, db, db.Now)) },
		TakeChanges:        changesAfter(raw),
		CheckCounts:        func(tb testing.TB) { checkCounts(tb, raw) },
	}
}

// checkCounts checks user_grams, which the triggers of migration 013 move, against the
// grams of the users stored, counted again.
func checkCounts(tb testing.TB, raw *sql.DB) {
	tb.Helper()
	var bad int
	if err := raw.QueryRow(`
		WITH counted AS (
			SELECT u.organization_id, g.gram, u.role, u.activated, COUNT(*) AS n
			FROM users u CROSS JOIN LATERAL search_grams(u.search) g GROUP BY 1, 2, 3, 4),
		kept AS (SELECT organization_id, gram, role, activated, n FROM user_grams WHERE n != 0)
		SELECT COUNT(*) FROM ((SELECT * FROM counted EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM counted)) d`).Scan(&bad); err != nil {
		tb.Fatal(err)
	}
	if bad != 0 {
		tb.Fatalf("user_grams disagrees with the users in %d rows", bad)
	}
}

// changesAfter returns a function that reads the change log after what it read last.
func changesAfter(raw *sql.DB) func(tb testing.TB) []server.UserChange {
	var last int64
	return func(tb testing.TB) []server.UserChange {
		tb.Helper()
		rows, err := raw.Query(`SELECT seq, organization_id, user_id, kind, by_id FROM user_changes WHERE seq > $1 ORDER BY seq`, last)
		if err != nil {
			tb.Fatal(err)
		}
		defer rows.Close()
		var out []server.UserChange
		for rows.Next() {
			var c server.UserChange
			if err := rows.Scan(&last, &c.OrganizationID, &c.UserID, &c.Kind, &c.ByID); err != nil {
				tb.Fatal(err)
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			tb.Fatal(err)
		}
		return out
	}
}

// mustRaw returns a connection of its own to db's database.
func mustRaw(tb testing.TB, db *postgres.DB) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("pgx", db.URL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

// migrationFiles is how many files server/postgres/migration holds.
var migrationFiles = func() int {
	names, _ := filepath.Glob("migration/*.sql")
	return len(names)
}()

// Instances that start at once on an empty database migrate it once, and seed it once.
func TestDB_OpenAtOnce(t *testing.T) {
	url := pgtest.NewDatabase(t)
	dbs := make([]*postgres.DB, 4)
	errs := make([]error, len(dbs))
	seeded := make([]bool, len(dbs))
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i] = postgres.NewDB(url)
			if errs[i] = dbs[i].Open(); errs[i] != nil {
				return
			}
			res, err := dbs[i].Seed(context.Background(), postgres.SeedOptions{})
			errs[i], seeded[i] = err, err == nil && res.Seeded
		}()
	}
	wg.Wait()
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer dbs[i].Close()
		if seeded[i] {
			n++
		}
	}
	var migrations, orgs int
	raw := mustRaw(t, dbs[0])
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM migrations), (SELECT COUNT(*) FROM organizations)`).Scan(&migrations, &orgs); err != nil {
		t.Fatal(err)
	}
	if n != 1 || orgs != 2 || migrations != migrationFiles {
		t.Fatalf("%d seeds, %d organizations, %d migrations recorded: want 1, 2 (the demo's), %d", n, orgs, migrations, migrationFiles)
	}
}

// otherInstance opens db's database again, as another instance of the server would.
func otherInstance(tb testing.TB, db *postgres.DB, now func() time.Time) server.AuthService {
	return postgres.NewAuthService(otherDB(tb, db, now))
}

// otherDB opens db's database again, with the clock now, closed when tb ends.
func otherDB(tb testing.TB, db *postgres.DB, now func() time.Time) *postgres.DB {
	tb.Helper()
	other := postgres.NewDB(db.URL)
	if err := other.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { other.Close() })
	other.Now = now
	return other
}
