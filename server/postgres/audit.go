package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"useradmin/server"
	"useradmin/server/audit"
)

// recordEvent stores r in tx, the transaction of the write it records: the event is
// committed with the write or not at all. Every write of the store calls it.
func recordEvent(ctx context.Context, tx *Tx, r audit.Record) error {
	row, err := r.Row(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO audit_events (id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
			user_id, user_email, invitation_id, api_key_id, client_address, changes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
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

// readScope starts the read of the events the caller may read of filter; ok false when
// filter asks for events the caller may not read, which then match nothing.
func (s *AuditService) readScope(ctx context.Context, filter server.AuditFilter) (tx *Tx, scope audit.Scope, ok bool, err error) {
	if err := filter.Validate(); err != nil {
		return nil, scope, false, err
	}
	tx, err = s.db.beginReadTx(ctx)
	if err != nil {
		return nil, scope, false, err
	}
	me, err := caller(ctx, tx)
	if err != nil {
		tx.Rollback()
		return nil, scope, false, err
	}
	scope, ok = audit.ScopeOf(me, filter)
	return tx, scope, ok, nil
}

// FindAuditEvents returns a page of the events the caller may read that match filter,
// newest first: an ADMIN reads their organization's, a USER those about themselves.
func (s *AuditService) FindAuditEvents(ctx context.Context, filter server.AuditFilter, page server.Page) ([]*server.AuditEvent, error) {
	if err := page.Validate(); err != nil {
		return nil, err
	}
	tx, scope, ok, err := s.readScope(ctx, filter)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := []*server.AuditEvent{}
	if !ok {
		return out, nil
	}
	var a queryArgs
	where := scope.Where(filter, a.add)
	rows, err := tx.QueryContext(ctx, `SELECT `+audit.Columns+` FROM audit_events WHERE `+where+`
		ORDER BY created_at DESC, num DESC LIMIT `+a.add(page.Limit)+` OFFSET `+a.add(page.Offset), a...)
	if err != nil {
		return nil, fmt.Errorf("find audit events: %w", err)
	}
	defer rows.Close()
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
	tx, scope, ok, err := s.readScope(ctx, filter)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if !ok {
		return 0, nil
	}
	query := `SELECT COUNT(*) FROM audit_events WHERE `
	if scope.Counted(filter) {
		query = `SELECT COALESCE(SUM(n), 0) FROM audit_counts WHERE `
	}
	var a queryArgs
	where := scope.Where(filter, a.add)
	var n int
	if err := tx.QueryRowContext(ctx, query+where, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count audit events: %w", err)
	}
	return n, nil
}

// auditRetention is how long events are kept.
func (db *DB) auditRetention() time.Duration {
	if db.AuditRetention > 0 {
		return db.AuditRetention
	}
	return server.DefaultAuditRetention
}

// SweepAuditEvents deletes the events older than the retention (DB.AuditRetention), in
// batches, and returns how many it deleted. Instances may sweep at once: each batch
// skips the rows another is deleting.
func (db *DB) SweepAuditEvents(ctx context.Context) (int, error) {
	return audit.Sweep(ctx, db.sweepBatch)
}

func (db *DB) sweepBatch(ctx context.Context) (int, error) {
	tx, err := db.beginUnlockedTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE num IN (
		SELECT num FROM audit_events WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
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

// recordEventsAtOnce stores records in tx in one statement, for the writes of many
// users at once (a batch of a bulk action): the same rows as recordEvents writes.
func recordEventsAtOnce(ctx context.Context, tx *Tx, records []audit.Record) error {
	if len(records) == 0 {
		return nil
	}
	n := len(records)
	ids, orgs, actions, changes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	actorIDs, actorEmails, actorKeys, userIDs := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	userEmails, invitations, keys, clients := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	text := func(s sql.NullString) *string {
		if !s.Valid {
			return nil
		}
		return &s.String
	}
	for i, r := range records {
		row, err := r.Row(ctx)
		if err != nil {
			return err
		}
		ids[i], orgs[i], actions[i], changes[i] = newID(), row.OrgID, row.Action, row.Changes
		actorIDs[i], actorEmails[i], actorKeys[i], userIDs[i] = text(row.ActorID), text(row.ActorEmail), text(row.ActorKeyID), text(row.UserID)
		userEmails[i], invitations[i], keys[i], clients[i] = text(row.UserEmail), text(row.InvitationID), text(row.APIKeyID), text(row.ClientAddress)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO audit_events (id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
			user_id, user_email, invitation_id, api_key_id, client_address, changes)
		SELECT id, org, action, $13, actor_id, actor_email, actor_key, user_id, user_email, invitation_id, key_id, client, changes
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[], $12::text[])
			AS r (id, org, action, actor_id, actor_email, actor_key, user_id, user_email, invitation_id, key_id, client, changes)`,
		ids, orgs, actions, actorIDs, actorEmails, actorKeys, userIDs, userEmails, invitations, keys, clients, changes,
		toMicro(tx.now)); err != nil {
		return fmt.Errorf("record %d events: %w", n, err)
	}
	return nil
}
