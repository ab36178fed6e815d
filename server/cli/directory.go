//go:build !wasm

package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/sqlite"
)

// directory is the built-in directory's services on the store -db names: a postgres://
// URL for PostgreSQL (several instances on one database), else a SQLite file.
type directory struct {
	Users         server.UserService
	Organizations server.OrganizationService
	Auth          server.AuthService
	Invitations   server.InvitationService
	EmbedTokens   server.EmbedTokenService // nil on PostgreSQL: embed tokens are not there yet
	Workspaces    server.WorkspaceService  // nil on PostgreSQL: workspaces are not there yet
	Audit         server.AuditService      // nil on PostgreSQL: the audit trail is not there yet
	Bulk          server.BulkService       // nil on PostgreSQL: bulk actions are not there yet
	Exports       server.ExportService     // nil on PostgreSQL: CSV exports are not there yet
	sweepAudit    func(context.Context)    // deletes old events until ctx ends; nil when there is no audit trail
	Ping          func(context.Context) error
	Close         func() error
	seed          func(ctx context.Context, adminKey string) (*seedResult, error)
}

// seedResult is what seeding an empty directory made, to show once.
type seedResult struct {
	Seeded                              bool
	Users                               int
	AdminEmail, AdminPassword, AdminKey string
}

// openDirectory opens the store that dsn names and applies its migrations. The SQLite
// store publishes its committed changes of users to changes; the PostgreSQL store
// publishes none yet (live updates across instances are still to come).
func openDirectory(dsn string, logger *slog.Logger, invitationLifetime, auditRetention time.Duration, changes server.Changes) (*directory, error) {
	if postgres.IsURL(dsn) {
		db := postgres.NewDB(dsn)
		db.Logger, db.InvitationLifetime = logger, invitationLifetime
		if err := db.Open(); err != nil {
			return nil, fmt.Errorf("open the directory on PostgreSQL: %w", err)
		}
		return &directory{
			Users: postgres.NewUserService(db), Organizations: postgres.NewOrganizationService(db),
			Auth: postgres.NewAuthService(db), Invitations: postgres.NewInvitationService(db),
			Ping: db.Ping, Close: db.Close,
			seed: func(ctx context.Context, adminKey string) (*seedResult, error) {
				res, err := db.Seed(ctx, postgres.SeedOptions{AdminKey: adminKey})
				if err != nil {
					return nil, err
				}
				return &seedResult{res.Seeded, res.Users, res.AdminEmail, res.AdminPassword, res.AdminKey}, nil
			},
		}, nil
	}
	db := sqlite.NewDB(dsn)
	db.Logger, db.InvitationLifetime, db.Changes = logger, invitationLifetime, changes
	db.AuditRetention = auditRetention
	if err := db.Open(); err != nil {
		return nil, fmt.Errorf("open the directory %s: %w", dsn, err)
	}
	auth := sqlite.NewAuthService(db)
	return &directory{
		Users: sqlite.NewUserService(db), Organizations: sqlite.NewOrganizationService(db),
		Auth: auth, EmbedTokens: auth, Invitations: sqlite.NewInvitationService(db),
		Workspaces: sqlite.NewWorkspaceService(db), Audit: sqlite.NewAuditService(db),
		Bulk:       sqlite.NewBulkService(db),
		Exports:    sqlite.NewExportService(db),
		sweepAudit: func(ctx context.Context) { db.RunAuditSweep(ctx, auditSweepInterval) },
		Ping:       db.Ping, Close: db.Close,
		seed: func(ctx context.Context, adminKey string) (*seedResult, error) {
			res, err := db.Seed(ctx, sqlite.SeedOptions{AdminKey: adminKey})
			if err != nil {
				return nil, err
			}
			return &seedResult{res.Seeded, res.Users, res.AdminEmail, res.AdminPassword, res.AdminKey}, nil
		},
	}, nil
}
