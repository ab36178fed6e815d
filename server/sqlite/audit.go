package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"useradmin/server"
)

// event is what recordEvent stores: an action about a user (and perhaps an invitation or
// a key) of an organization. The actor, the key they used and the client's address come
// from the context, unless actor is set: for the writes that need no key (signIn,
// acceptInvitation, completePasswordReset), the actor is the user they are about.
type event struct {
	action       server.AuditAction
	orgID        string       // "": user's organization
	user         *server.User // the user the event is about; nil for none
	actor        *server.User // nil: the caller in the context, if any
	actorKeyID   string       // with actor: the key or session they use, if any
	invitationID string
	apiKeyID     string
	changes      []server.AuditChange
}

// recordEvent stores e in tx, the transaction of the write it records: the event is
// committed with the write or not at all. Every write of the store calls it; a new kind
// of write records its own action with one call.
func recordEvent(ctx context.Context, tx *Tx, e event) error {
	orgID := e.orgID
	var userID, userEmail sql.NullString
	if e.user != nil {
		userID, userEmail = nullText(e.user.ID), nullText(e.user.Email)
		if orgID == "" {
			orgID = e.user.OrganizationID
		}
	}
	if orgID == "" {
		return fmt.Errorf("record %s: no organization", e.action)
	}
	actor, keyID := e.actor, e.actorKeyID
	if actor == nil {
		if auth := server.AuthFromContext(ctx); auth != nil {
			actor, keyID = auth.User, auth.KeyID
		}
	}
	var actorID, actorEmail sql.NullString
	if actor != nil {
		actorID, actorEmail = nullText(actor.ID), nullText(actor.Email)
	}
	changes := e.changes
	if changes == nil {
		changes = []server.AuditChange{}
	}
	text, err := json.Marshal(changesJSON(changes))
	if err != nil {
		return fmt.Errorf("record %s: %w", e.action, err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO audit_events (id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
			user_id, user_email, invitation_id, api_key_id, client_address, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), orgID, string(e.action), toMicro(tx.now), actorID, actorEmail, nullText(keyID),
		userID, userEmail, nullText(e.invitationID), nullText(e.apiKeyID), nullText(server.ClientFromContext(ctx)), string(text)); err != nil {
		return fmt.Errorf("record %s: %w", e.action, err)
	}
	return nil
}

// nullText stores "" as NULL.
func nullText(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// change is how one AuditChange is stored in the changes column.
type change struct {
	Field string  `json:"field"`
	Old   *string `json:"old"`
	New   *string `json:"new"`
}

func changesJSON(cs []server.AuditChange) []change {
	out := make([]change, len(cs))
	for i, c := range cs {
		out[i] = change(c)
	}
	return out
}

// text is a value of a change.
func text(s string) *string { return &s }

// profileChanges are a user's fields that differ between before and after, as the
// schema names them; before nil lists after's (a new user), after nil before's (a deleted
// one). Each of the three groups is its own action, so that a role change can be found
// among the changes of names.
func profileChanges(before, after *server.User) (names, role, activated []server.AuditChange) {
	field := func(b, a *server.User, get func(*server.User) string) (old, new *string) {
		if b != nil {
			old = text(get(b))
		}
		if a != nil {
			new = text(get(a))
		}
		return old, new
	}
	diff := func(list []server.AuditChange, name string, get func(*server.User) string) []server.AuditChange {
		old, new := field(before, after, get)
		if old != nil && new != nil && *old == *new {
			return list
		}
		return append(list, server.AuditChange{Field: name, Old: old, New: new})
	}
	names = diff(names, "email", func(u *server.User) string { return u.Email })
	names = diff(names, "firstname", func(u *server.User) string { return u.Firstname })
	names = diff(names, "lastname", func(u *server.User) string { return u.Lastname })
	role = diff(role, "organizationRole", func(u *server.User) string { return string(u.Role) })
	activated = diff(activated, "activated", func(u *server.User) string { return strconv.FormatBool(u.Activated) })
	return names, role, activated
}

// recordUserChange records what a write changed of a user: USER_UPDATED for the email and
// names, ROLE_CHANGED, and USER_ACTIVATED or USER_DEACTIVATED, each only when it changed.
func recordUserChange(ctx context.Context, tx *Tx, before, after *server.User) error {
	names, role, activated := profileChanges(before, after)
	if len(names) > 0 {
		if err := recordEvent(ctx, tx, event{action: server.AuditUserUpdated, user: after, changes: names}); err != nil {
			return err
		}
	}
	if len(role) > 0 {
		if err := recordEvent(ctx, tx, event{action: server.AuditRoleChanged, user: after, changes: role}); err != nil {
			return err
		}
	}
	if len(activated) > 0 {
		action := server.AuditUserDeactivated
		if after.Activated {
			action = server.AuditUserActivated
		}
		if err := recordEvent(ctx, tx, event{action: action, user: after, changes: activated}); err != nil {
			return err
		}
	}
	return nil
}

// recordUserCreated records a new user, with their email, names and role; actor nil is
// the caller in the context.
func recordUserCreated(ctx context.Context, tx *Tx, user, actor *server.User) error {
	names, role, _ := profileChanges(nil, user)
	return recordEvent(ctx, tx, event{action: server.AuditUserCreated, user: user, actor: actor, changes: append(names, role...)})
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

// auditScope is what the caller may read: their organization's events, or, for a USER,
// those about themselves; reader is the caller, whose client address and key alone a
// USER sees.
type auditScope struct {
	orgID    string
	onlyUser string // "": every user of the organization
	reader   string
}

// scopeAudit returns the caller's scope, and false when filter asks for events the caller
// may not read, which then match nothing.
func scopeAudit(me *server.User, filter server.AuditFilter) (auditScope, bool) {
	s := auditScope{orgID: me.OrganizationID, reader: me.ID}
	if me.Role == server.RoleAdmin {
		return s, true
	}
	s.onlyUser = me.ID
	return s, filter.UserID == nil || *filter.UserID == me.ID
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
	scope, ok := scopeAudit(me, filter)
	if !ok {
		return []*server.AuditEvent{}, nil
	}
	where, args := auditWhere(scope, filter)
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE `+where+`
		ORDER BY created_at DESC, num DESC LIMIT ? OFFSET ?`, append(args, page.Limit, page.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("find audit events: %w", err)
	}
	defer rows.Close()
	out := []*server.AuditEvent{}
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("find audit events: %w", err)
		}
		if scope.onlyUser != "" && e.ActorID != scope.reader {
			e.ClientAddress, e.ActorKeyID = "", "" // another person's address and key, such as an admin's
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
	scope, ok := scopeAudit(me, filter)
	if !ok {
		return 0, nil
	}
	query := `SELECT COUNT(*) FROM audit_events WHERE `
	where, args := auditWhere(scope, filter)
	if scope.onlyUser == "" && filter.UserID == nil && filter.ActorID == nil && filter.Since == nil {
		// Only the organization and perhaps an action: the counters answer.
		query = `SELECT COALESCE(SUM(n), 0) FROM audit_counts WHERE `
	}
	var n int
	if err := tx.QueryRowContext(ctx, query+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count audit events: %w", err)
	}
	return n, nil
}

// auditWhere is the condition of filter within scope.
func auditWhere(scope auditScope, f server.AuditFilter) (string, []any) {
	conds, args := []string{"organization_id = ?"}, []any{scope.orgID}
	if scope.onlyUser != "" {
		conds, args = append(conds, "user_id = ?"), append(args, scope.onlyUser)
	}
	if f.UserID != nil {
		conds, args = append(conds, "user_id = ?"), append(args, *f.UserID)
	}
	if f.ActorID != nil {
		conds, args = append(conds, "actor_id = ?"), append(args, *f.ActorID)
	}
	if f.Since != nil {
		conds, args = append(conds, "created_at >= ?"), append(args, toMicro(*f.Since))
	}
	if f.Action != nil {
		conds, args = append(conds, "action = ?"), append(args, string(*f.Action))
	}
	return strings.Join(conds, " AND "), args
}

const auditColumns = `id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
	user_id, user_email, invitation_id, api_key_id, client_address, changes`

func scanAuditEvent(row scanner) (*server.AuditEvent, error) {
	var e server.AuditEvent
	var action, changes string
	var at int64
	var actorID, actorEmail, actorKey, userID, userEmail, invID, keyID, client sql.NullString
	if err := row.Scan(&e.ID, &e.OrganizationID, &action, &at, &actorID, &actorEmail, &actorKey,
		&userID, &userEmail, &invID, &keyID, &client, &changes); err != nil {
		return nil, err
	}
	e.Action, e.At = server.AuditAction(action), fromMicro(at)
	e.ActorID, e.ActorEmail, e.ActorKeyID = actorID.String, actorEmail.String, actorKey.String
	e.UserID, e.UserEmail, e.InvitationID, e.APIKeyID = userID.String, userEmail.String, invID.String, keyID.String
	e.ClientAddress = client.String
	var cs []change
	if err := json.Unmarshal([]byte(changes), &cs); err != nil {
		return nil, fmt.Errorf("read changes of event %s: %w", e.ID, err)
	}
	e.Changes = make([]server.AuditChange, len(cs))
	for i, c := range cs {
		e.Changes[i] = server.AuditChange(c)
	}
	return &e, nil
}

// auditRetention is how long events are kept.
func (db *DB) auditRetention() time.Duration {
	if db.AuditRetention > 0 {
		return db.AuditRetention
	}
	return server.DefaultAuditRetention
}

// The retention sweep deletes at most sweepBatch events per transaction, so that no
// write waits behind it for long, and at most sweepBatches transactions per run: a
// backlog (a retention shortened by years) goes over several runs.
const (
	sweepBatch   = 1000
	sweepBatches = 100
)

// SweepAuditEvents deletes the events older than the retention (DB.AuditRetention), in
// batches, and returns how many it deleted.
func (db *DB) SweepAuditEvents(ctx context.Context) (int, error) {
	total := 0
	for range sweepBatches {
		n, err := db.sweepBatch(ctx)
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
	}
	return total, nil
}

func (db *DB) sweepBatch(ctx context.Context) (int, error) {
	tx, err := db.beginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE num IN (
		SELECT num FROM audit_events WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
		toMicro(tx.now.Add(-db.auditRetention())), sweepBatch)
	if err != nil {
		return 0, fmt.Errorf("sweep audit events: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), tx.Commit()
}

// RunAuditSweep sweeps the audit trail now and then every interval, until ctx ends; it
// logs what fails and carries on.
func (db *DB) RunAuditSweep(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := db.SweepAuditEvents(ctx); err != nil && ctx.Err() == nil {
			if db.Logger != nil {
				db.Logger.Error("audit sweep", "err", err)
			}
		} else if n > 0 && db.Logger != nil {
			db.Logger.Info("audit sweep", "deleted", n, "older than", db.auditRetention())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
