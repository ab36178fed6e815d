package sqlite_test

import (
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
	}
}

// otherInstance opens db's file again, as another instance of the server would.
func otherInstance(tb testing.TB, db *sqlite.DB, now func() time.Time) server.AuthService {
	tb.Helper()
	other := sqlite.NewDB(db.Path)
	if err := other.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { other.Close() })
	other.Now = now
	return sqlite.NewAuthService(other)
}
