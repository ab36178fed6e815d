package postgres

import (
	"context"
	"fmt"
	"strconv"

	"useradmin/server"
	"useradmin/server/audit"
	"useradmin/server/embedtoken"
)

// BulkService applies one change to many users of the caller's organization, a batch
// per transaction, in a few statements per batch whatever its size.
type BulkService struct {
	db *DB
}

var _ server.BulkService = (*BulkService)(nil)

// NewBulkService returns a BulkService on db.
func NewBulkService(db *DB) *BulkService {
	return &BulkService{db: db}
}

// ApplyBulk applies change to the next batch of the users of the caller's organization
// that match filter, in one transaction: the result says what happened to each user it
// looked at, and where the next batch starts. Only an ADMIN may. The caller is left out
// (server.BulkSelf), and the last active admin stays (server.BulkLastAdmin): the
// transaction holds the organization's row lock (beginTx) from before it counts the
// active admins until it commits, so two bulk actions at once, on any instances, run
// one after the other and the second counts what the first left.
func (s *BulkService) ApplyBulk(ctx context.Context, filter server.UserFilter, change server.BulkChange, batch server.BulkBatch) (*server.BulkResult, error) {
	if err := filter.Validate(); err != nil {
		return nil, err
	}
	if err := change.Validate(); err != nil {
		return nil, err
	}
	if err := batch.Validate(); err != nil {
		return nil, err
	}
	// A bulk delete removes users as deleteUser does: a token whose scope forbids removing
	// (NO_DELETE, READ_ONLY) is refused here too, before any user is read.
	if change.Delete {
		if err := embedtoken.MayRemove(ctx); err != nil {
			return nil, err
		}
	}
	after, _ := batch.Position()
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	if me.Role != server.RoleAdmin {
		return nil, server.Errorf(server.EFORBIDDEN, "Only an admin can change or delete users in bulk: ask an admin of your organization.")
	}
	var ws *membership
	if id, add := change.Workspace(); id != "" {
		// A workspace of another organization does not exist to the caller: nothing is done.
		if ws, err = findMembership(ctx, tx, me, id, add); err != nil {
			return nil, err
		}
	}
	result := &server.BulkResult{Failures: []server.BulkFailure{}}
	if after == 0 && filter.IDIn != nil {
		if result.Failures, err = missingIDs(ctx, tx, me.OrganizationID, filter.IDIn); err != nil {
			return nil, err
		}
	}
	filter, ok := scope(filter, me)
	if !ok {
		result.Done = true
		return result, tx.Commit()
	}
	users, nums, err := bulkBatch(ctx, tx, filter, after, batch.Limit)
	if err != nil {
		return nil, err
	}
	if len(users) > batch.Limit {
		users, nums = users[:batch.Limit], nums[:batch.Limit]
		result.Next = strconv.FormatInt(nums[len(nums)-1], 10)
	} else {
		result.Done = true
	}
	if ws != nil {
		if err := ws.apply(ctx, tx, result, users); err != nil {
			return nil, err
		}
		return result, tx.Commit()
	}
	b, err := newBulkWriter(ctx, tx, me)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		b.decide(result, u, change)
	}
	if err := b.flush(ctx, change); err != nil {
		return nil, err
	}
	return result, tx.Commit()
}

// missingIDs returns a NOT_FOUND failure for each id of ids that names no user of the
// organization orgID: to the caller, another organization's user does not exist.
func missingIDs(ctx context.Context, tx *Tx, orgID string, ids []string) ([]server.BulkFailure, error) {
	failures := []server.BulkFailure{}
	if len(ids) == 0 {
		return failures, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE organization_id = $1 AND id = ANY($2)`, orgID, ids)
	if err != nil {
		return nil, fmt.Errorf("find ids: %w", err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find ids: %w", err)
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find ids: %w", err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !found[id] && !seen[id] {
			seen[id] = true
			failures = append(failures, server.BulkFailure{UserID: id, Reason: server.BulkNotFound,
				Message: "No user of your organization has this id: they may have been deleted."})
		}
	}
	return failures, nil
}

// bulkBatch returns up to limit+1 users matching filter (scoped to one organization)
// whose num is after after, in the order of num, with their nums, locked for the
// batch's writes. It reads the index of (organization_id, num) from the cursor on.
func bulkBatch(ctx context.Context, tx *Tx, filter server.UserFilter, after int64, limit int) ([]*server.User, []int64, error) {
	var a queryArgs
	where := userWhere(&a, filter)
	rows, err := tx.QueryContext(ctx, `SELECT num, `+userColumns+` FROM users
		WHERE `+where+` AND num > `+a.add(after)+` ORDER BY organization_id, num LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, nil, fmt.Errorf("find batch: %w", err)
	}
	defer rows.Close()
	var users []*server.User
	var nums []int64
	for rows.Next() {
		var num int64
		u, err := scanUser(scanFunc(func(dest ...any) error { return rows.Scan(append([]any{&num}, dest...)...) }))
		if err != nil {
			return nil, nil, fmt.Errorf("find batch: %w", err)
		}
		users, nums = append(users, u), append(nums, num)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("find batch: %w", err)
	}
	return users, nums, nil
}

// bulkWriter decides what a batch does to each of its users, with the organization's
// active admins counted once and kept up to date, then writes the whole batch at once.
type bulkWriter struct {
	tx           *Tx
	me           *server.User
	activeAdmins int
	changes      []bulkChange
}

// bulkChange is one user a batch changes: as stored, and as it will be.
type bulkChange struct {
	before, after *server.User
}

func newBulkWriter(ctx context.Context, tx *Tx, me *server.User) (*bulkWriter, error) {
	admin, on := server.RoleAdmin, true
	n, err := countUsers(ctx, tx, server.UserFilter{OrganizationID: &me.OrganizationID, Role: &admin, Activated: &on})
	if err != nil {
		return nil, err
	}
	return &bulkWriter{tx: tx, me: me, activeAdmins: n}, nil
}

// decide applies the rules to user u and counts the outcome in result; the users to
// change are kept for flush.
func (b *bulkWriter) decide(result *server.BulkResult, u *server.User, change server.BulkChange) {
	result.Matched++
	if u.ID == b.me.ID {
		result.Failures = append(result.Failures, server.BulkFailure{UserID: u.ID, Email: u.Email, Reason: server.BulkSelf,
			Message: "You are left as you are: a bulk action never changes the admin who runs it. Edit your own profile, or ask another admin."})
		return
	}
	next := *u
	if change.Role != nil {
		next.Role = *change.Role
	}
	if change.Activated != nil {
		next.Activated = *change.Activated
	}
	if !change.Delete && next == *u {
		result.Unchanged++
		return
	}
	losesAdmin := isActiveAdmin(u) && (change.Delete || !isActiveAdmin(&next))
	if losesAdmin && b.activeAdmins <= 1 {
		result.Failures = append(result.Failures, server.BulkFailure{UserID: u.ID, Email: u.Email, Reason: server.BulkLastAdmin,
			Message: "This is the last active admin of the organization: make another user an admin first."})
		return
	}
	switch {
	case losesAdmin:
		b.activeAdmins--
	case !change.Delete && !isActiveAdmin(u) && isActiveAdmin(&next):
		b.activeAdmins++
	}
	next.UpdatedAt = nextUpdatedAt(b.tx.now, u.UpdatedAt)
	b.changes = append(b.changes, bulkChange{before: u, after: &next})
	result.Changed++
}

// flush writes the changes decided, or deletes their users, then records their audit
// events: one statement each, and one more to end the sessions of the deactivated.
func (b *bulkWriter) flush(ctx context.Context, change server.BulkChange) error {
	if len(b.changes) == 0 {
		return nil
	}
	ids := make([]string, len(b.changes))
	for i, c := range b.changes {
		ids[i] = c.before.ID
	}
	if err := b.write(ctx, change, ids); err != nil {
		return err
	}
	var records []audit.Record
	var ended []string
	for _, c := range b.changes {
		if change.Delete {
			records = append(records, audit.UserDeleted(c.before))
			continue
		}
		records = append(records, audit.UserChanged(c.before, c.after)...)
		if c.before.Activated && !c.after.Activated {
			ended = append(ended, c.before.ID)
		}
	}
	if err := recordEventsAtOnce(ctx, b.tx, records); err != nil {
		return err
	}
	return revokeSessionsOf(ctx, b.tx, ended)
}

// write stores the changes, or deletes their users (their keys and tokens with them), in
// one statement scoped to the caller's organization, like writeUser: it must reach every
// user of the batch, or the batch rolls back. Only the columns that change are set;
// updated_at moves on as nextUpdatedAt says, which is what decide put in after.
func (b *bulkWriter) write(ctx context.Context, change server.BulkChange, ids []string) error {
	var a queryArgs
	var query string
	kind := server.ChangeUpdated
	if change.Delete {
		kind = server.ChangeDeleted
		query = `DELETE FROM users WHERE organization_id = ` + a.add(b.me.OrganizationID) + ` AND id = ANY(` + a.add(ids) + `)`
	} else {
		set := ""
		if change.Role != nil {
			set += "role = " + a.add(string(*change.Role)) + ", "
		}
		if change.Activated != nil {
			set += "activated = " + a.add(*change.Activated) + ", "
		}
		query = `UPDATE users SET ` + set + `updated_at = GREATEST(` + a.add(toMicro(b.tx.now)) + `, updated_at + 1)
			WHERE organization_id = ` + a.add(b.me.OrganizationID) + ` AND id = ANY(` + a.add(ids) + `)`
	}
	res, err := b.tx.ExecContext(ctx, query, a...)
	if code, _ := constraint(err); code == checkViolation {
		return errOutsideOrganization()
	} else if err != nil {
		return fmt.Errorf("bulk write: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("bulk write: %w", err)
	} else if n != int64(len(ids)) {
		return errOutsideOrganization()
	}
	for _, id := range ids {
		b.tx.changed(ctx, kind, b.me.OrganizationID, id)
	}
	return nil
}
