//go:build !wasm

package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"useradmin/server"
	"useradmin/server/live"
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
	EmbedTokens   server.EmbedTokenService
	Workspaces    server.WorkspaceService
	Audit         server.AuditService
	Bulk          server.BulkService
	Imports       server.ImportService
	Exports       server.ExportService
	Changes       server.Changes        // the live updates of users
	sweepAudit    func(context.Context) // deletes old events until ctx ends; nil when there is no audit trail
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
// store publishes its committed changes of users to hub; on PostgreSQL, every instance
// hears every instance's changes through the database and hands them to its hub.
func openDirectory(dsn string, logger *slog.Logger, invitationLifetime, auditRetention time.Duration, hub *live.Hub) (*directory, error) {
	if postgres.IsURL(dsn) {
		db := postgres.NewDB(dsn)
		db.Logger, db.InvitationLifetime, db.AuditRetention = logger, invitationLifetime, auditRetention
		if err := db.Open(); err != nil {
			return nil, fmt.Errorf("open the directory on PostgreSQL: %w", err)
		}
		changes, err := db.ListenChanges(hub, server.ChangeLimit{})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open the directory on PostgreSQL: %w", err)
		}
		auth := postgres.NewAuthService(db)
		return &directory{
			Users: postgres.NewUserService(db), Organizations: postgres.NewOrganizationService(db),
			Auth: auth, EmbedTokens: auth, Invitations: postgres.NewInvitationService(db),
			Audit: postgres.NewAuditService(db), Imports: postgres.NewImportService(db), Changes: changes,
			Bulk: postgres.NewBulkService(db), Exports: postgres.NewExportService(db),
			Workspaces: postgres.NewWorkspaceService(db),
			sweepAudit: func(ctx context.Context) { db.RunAuditSweep(ctx, auditSweepInterval) },
			Ping:       db.Ping, Close: func() error { changes.Close(); return db.Close() },
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
	db.Logger, db.InvitationLifetime, db.Changes = logger, invitationLifetime, hub
	db.AuditRetention = auditRetention
	if err := db.Open(); err != nil {
		return nil, fmt.Errorf("open the directory %s: %w", dsn, err)
	}
	auth := sqlite.NewAuthService(db)
	return &directory{
		Users: sqlite.NewUserService(db), Organizations: sqlite.NewOrganizationService(db),
		Auth: auth, EmbedTokens: auth, Invitations: sqlite.NewInvitationService(db),
		Workspaces: sqlite.NewWorkspaceService(db), Audit: sqlite.NewAuditService(db),
		Bulk: sqlite.NewBulkService(db), Imports: sqlite.NewImportService(db), Exports: sqlite.NewExportService(db), Changes: hub,
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
