package sqlite

import (
	"context"
	"fmt"
	"time"

	"useradmin/server"
	"useradmin/server/audit"
)

// recordEvent stores r in tx, the transaction of the write it records: the event is
// committed with the write or not at all. Every write of the store calls it; a new kind
// of write records its own action with one call. The actor, the key they used and the
// client's address come from the context unless r.Actor is set (audit.Record).
func recordEvent(ctx context.Context, tx *Tx, r audit.Record) error {
	row, err := r.Row(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO audit_events (id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
			user_id, user_email, invitation_id, api_key_id, client_address, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), row.OrgID, row.Action, toMicro(tx.now), row.ActorID, row.ActorEmail, row.ActorKeyID,
		row.UserID, row.UserEmail, row.InvitationID, row.APIKeyID, row.ClientAddress, row.Changes); err != nil {
		return fmt.Errorf("record %s: %w", r.Action, err)
	}
	return nil
}

// recordEvents stores each of records in tx.
func recordEvents(ctx context.Context, tx *Tx, records ...audit.Record) error {
	for _, r := range records {
		if err := recordEvent(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}

// AuditService reads the audit trail on behalf of the caller in the context.
type AuditService struct {
	db *DB
}

var _ server.AuditService = (*AuditService)(nil)

// NewAuditService returns an AuditService on db.
func NewAuditService(db *DB) *AuditService {
	return &AuditService{db: db}
}

// FindAuditEvents returns a page of the events the caller may read that match filter,
// newest first: an ADMIN reads their organization's, a USER those about themselves.
func (s *AuditService) FindAuditEvents(ctx context.Context, filter server.AuditFilter, page server.Page) ([]*server.AuditEvent, error) {
	if err := filter.Validate(); err != nil {
		return nil, err
	}
	if err := page.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	scope, ok := audit.ScopeOf(me, filter)
	if !ok {
		return []*server.AuditEvent{}, nil
	}
	where, args := auditWhere(scope, filter)
	rows, err := tx.QueryContext(ctx, `SELECT `+audit.Columns+` FROM audit_events WHERE `+where+`
		ORDER BY created_at DESC, num DESC LIMIT ? OFFSET ?`, append(args, page.Limit, page.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("find audit events: %w", err)
	}
	defer rows.Close()
	out := []*server.AuditEvent{}
	for rows.Next() {
		e, err := scope.Scan(rows)
		if err != nil {
			return nil, fmt.Errorf("find audit events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find audit events: %w", err)
	}
	return out, nil
}

// CountAuditEvents returns how many events the caller may read match filter.
func (s *AuditService) CountAuditEvents(ctx context.Context, filter server.AuditFilter) (int, error) {
	if err := filter.Validate(); err != nil {
		return 0, err
	}
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return 0, err
	}
	scope, ok := audit.ScopeOf(me, filter)
	if !ok {
		return 0, nil
	}
	query := `SELECT COUNT(*) FROM audit_events WHERE `
	where, args := auditWhere(scope, filter)
	if scope.Counted(filter) {
		// Only the organization and perhaps an action: the counters answer.
		query = `SELECT COALESCE(SUM(n), 0) FROM audit_counts WHERE `
	}
	var n int
	if err := tx.QueryRowContext(ctx, query+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count audit events: %w", err)
	}
	return n, nil
}

// auditWhere is the condition of filter within scope, and its arguments.
func auditWhere(scope audit.Scope, f server.AuditFilter) (string, []any) {
	var args []any
	where := scope.Where(f, func(v any) string { args = append(args, v); return "?" })
	return where, args
}

// auditRetention is how long events are kept.
func (db *DB) auditRetention() time.Duration {
	if db.AuditRetention > 0 {
		return db.AuditRetention
	}
	return server.DefaultAuditRetention
}

// SweepAuditEvents deletes the events older than the retention (DB.AuditRetention), in
// batches, and returns how many it deleted.
func (db *DB) SweepAuditEvents(ctx context.Context) (int, error) {
	return audit.Sweep(ctx, db.sweepBatch)
}

func (db *DB) sweepBatch(ctx context.Context) (int, error) {
	tx, err := db.beginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE num IN (
		SELECT num FROM audit_events WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
		toMicro(tx.now.Add(-db.auditRetention())), audit.SweepBatch)
	if err != nil {
		return 0, fmt.Errorf("sweep audit events: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), tx.Commit()
}

// RunAuditSweep sweeps the audit trail now and then every interval, until ctx ends; it
// logs what fails and carries on.
func (db *DB) RunAuditSweep(ctx context.Context, interval time.Duration) {
	audit.RunSweep(ctx, interval, db.auditRetention(), db.Logger, db.SweepAuditEvents)
}
