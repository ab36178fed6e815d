package postgres_test

import (
	"database/sql"
	"os"
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
		CreateOrganization: db.CreateOrganization,
		SetNow:             func(now func() time.Time) { db.Now = now },
		SetCredentialLimit: func(l server.CredentialLimit) { db.CredentialLimit = l },
		SetInvitationLimit: func(l server.InvitationLimit) { db.InvitationLimit = l },
		SetHasher:          func(h *argon.Hasher) { db.Hasher = h },
		Raw:                raw,
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
