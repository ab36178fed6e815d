package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"useradmin/server"
	"useradmin/server/audit"
)

// BulkService applies one change to many users of the caller's organization, a batch
// per transaction.
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
// (server.BulkSelf), and the last active admin stays (server.BulkLastAdmin), counted in
// the same transaction as the writes: two bulk actions at once take the database's write
// lock in turn, so the second sees what the first did.
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
	// A workspace of another organization does not exist to the caller: nothing is done.
	var ws *membership
	if id, add := change.Workspace(); id != "" {
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
		if err := ws.apply(ctx, tx, result, users, nums); err != nil {
			return nil, err
		}
		return result, tx.Commit()
	}
	b, err := newBulkWriter(ctx, tx, me)
	if err != nil {
		return nil, err
	}
	defer b.close()
	for i, u := range users {
		b.decide(result, u, nums[i], change)
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
	args := []any{orgID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE organization_id = ? AND id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, args...)
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
// whose num is after after, in the order of num, with their nums. It walks the
// organization's index from the cursor on, so a batch costs its own rows.
func bulkBatch(ctx context.Context, tx *Tx, filter server.UserFilter, after int64, limit int) ([]*server.User, []int64, error) {
	orgID := *filter.OrganizationID
	filter.OrganizationID = nil
	where, args := userWhere(filter, plan{walkMembers: true, walkSignIn: true}) // it walks the index of nums
	args = append([]any{orgID, after}, append(args, limit+1)...)
	rows, err := tx.QueryContext(ctx, `SELECT num, `+userColumns+` FROM users INDEXED BY users_organization_num
		WHERE organization_id = ? AND num > ? AND `+where+` ORDER BY organization_id, num LIMIT ?`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("find batch: %w", err)
	}
	defer rows.Close()
	var users []*server.User
	var nums []int64
	for rows.Next() {
		var num int64
		u, err := scanUser(numScanner{rows, &num})
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

// numScanner reads a num before the columns scanUser reads.
type numScanner struct {
	row scanner
	num *int64
}

func (s numScanner) Scan(dest ...any) error {
	return s.row.Scan(append([]any{s.num}, dest...)...)
}

// bulkWriter applies a bulk change to one user after another in one transaction, with
// its statements prepared once and the organization's active admins counted once and
// kept up to date.
type bulkWriter struct {
	tx           *Tx
	me           *server.User
	activeAdmins int
	changes      []bulkChange
	grams        *sql.Stmt
}

func newBulkWriter(ctx context.Context, tx *Tx, me *server.User) (*bulkWriter, error) {
	admin, on := server.RoleAdmin, true
	n, err := countUsers(ctx, tx, server.UserFilter{OrganizationID: &me.OrganizationID, Role: &admin, Activated: &on})
	if err != nil {
		return nil, err
	}
	b := &bulkWriter{tx: tx, me: me, activeAdmins: n}
	if b.grams, err = tx.PrepareContext(ctx, `INSERT INTO user_grams (organization_id, gram, role, activated, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + excluded.n`); err != nil {
		b.close()
		return nil, fmt.Errorf("prepare grams: %w", err)
	}
	return b, nil
}

func (b *bulkWriter) close() {
	for _, st := range []*sql.Stmt{b.grams} {
		if st != nil {
			st.Close()
		}
	}
}

// bulkChange is one user a batch changes: as stored, and as it will be.
type bulkChange struct {
	before, after *server.User
	num           int64
}

// decide applies the rules to user u (whose num is num) and counts the outcome in
// result; the users to change are kept for flush.
func (b *bulkWriter) decide(result *server.BulkResult, u *server.User, num int64, change server.BulkChange) {
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
	b.changes = append(b.changes, bulkChange{before: u, after: &next, num: num})
	result.Changed++
}

// flush writes the changes decided, or deletes their users, with the grams of the
// search counters moved for the whole batch at once (see 009_bulk.sql).
func (b *bulkWriter) flush(ctx context.Context, change server.BulkChange) error {
	remove := change.Delete
	if len(b.changes) == 0 {
		return nil
	}
	if _, err := b.tx.ExecContext(ctx, `INSERT INTO bulk_writing (one) VALUES (1)`); err != nil {
		return fmt.Errorf("bulk guard: %w", err)
	}
	if err := b.moveGrams(ctx, -1, func(c bulkChange) *server.User { return c.before }); err != nil {
		return err
	}
	if err := b.write(ctx, change); err != nil {
		return err
	}
	if err := b.record(ctx, remove); err != nil {
		return err
	}
	if !remove {
		if err := b.moveGrams(ctx, +1, func(c bulkChange) *server.User { return c.after }); err != nil {
			return err
		}
	}
	if _, err := b.tx.ExecContext(ctx, `DELETE FROM bulk_writing`); err != nil {
		return fmt.Errorf("bulk guard: %w", err)
	}
	return nil
}

// record writes the audit events of the batch's changes, in its transaction, as the
// single writes record theirs: each user's role or activation, or their deletion.
func (b *bulkWriter) record(ctx context.Context, remove bool) error {
	for _, c := range b.changes {
		if remove {
			names, role, _ := audit.ProfileChanges(c.before, nil)
			if err := recordEvent(ctx, b.tx, audit.Record{Action: server.AuditUserDeleted, User: c.before, Changes: append(names, role...)}); err != nil {
				return err
			}
			continue
		}
		if err := recordEvents(ctx, b.tx, audit.UserChanged(c.before, c.after)...); err != nil {
			return err
		}
	}
	return nil
}

// moveGrams adds sign to the user_grams counts of the changed users, each counted in the
// group (role and activation) that group gives it: -1 for the groups they leave, +1 for
// those they join. The grams are counted here, as short_grams counts them, and written
// once per distinct gram and group.
func (b *bulkWriter) moveGrams(ctx context.Context, sign int, group func(bulkChange) *server.User) error {
	type key struct {
		role      server.Role
		activated bool
		gram      string
	}
	counts := map[key]int{}
	var order []key
	for _, c := range b.changes {
		if sign > 0 && c.before.Role == c.after.Role && c.before.Activated == c.after.Activated {
			continue
		}
		u := group(c)
		for _, g := range shortGrams(u.Email, u.Firstname, u.Lastname, u.Username) {
			k := key{u.Role, u.Activated, g}
			if _, ok := counts[k]; !ok {
				order = append(order, k)
			}
			counts[k] += sign
		}
	}
	for _, k := range order {
		if _, err := b.grams.ExecContext(ctx, b.me.OrganizationID, k.gram, string(k.role), k.activated, counts[k]); err != nil {
			return fmt.Errorf("move grams: %w", err)
		}
	}
	return nil
}

// write stores the changes, or deletes their users, in one statement scoped to the
// caller's organization, like writeUser: it must reach every user of the batch, or the
// batch rolls back. Only the columns that change are set, so that the triggers of the
// names and the full-text index do not fire; updated_at moves on as nextUpdatedAt says.
// A deactivated user's sessions end.
func (b *bulkWriter) write(ctx context.Context, change server.BulkChange) error {
	remove := change.Delete
	nums := make([]any, len(b.changes))
	for i, c := range b.changes {
		nums[i] = c.num
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(nums)), ",")
	var query string
	var args []any
	switch {
	case remove:
		query, args = `DELETE FROM users WHERE organization_id = ? AND num IN (`+in+`)`, []any{b.me.OrganizationID}
	default:
		set := ""
		if change.Role != nil {
			set, args = set+"role = ?, ", append(args, string(*change.Role))
		}
		if change.Activated != nil {
			set, args = set+"activated = ?, ", append(args, *change.Activated)
		}
		query = `UPDATE users SET ` + set + `updated_at = MAX(?, updated_at + 1) WHERE organization_id = ? AND num IN (` + in + `)`
		args = append(args, toMicro(b.tx.now), b.me.OrganizationID)
	}
	res, err := b.tx.ExecContext(ctx, query, append(args, nums...)...)
	if err != nil {
		return fmt.Errorf("bulk write: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("bulk write: %w", err)
	} else if n != int64(len(nums)) {
		return errOutsideOrganization()
	}
	kind := server.ChangeUpdated
	if remove {
		kind = server.ChangeDeleted
	}
	for _, c := range b.changes {
		b.tx.changed(ctx, kind, b.me.OrganizationID, c.before.ID)
	}
	var ended []any
	for _, c := range b.changes {
		if !remove && c.before.Activated && !c.after.Activated {
			ended = append(ended, c.before.ID)
		}
	}
	if len(ended) == 0 {
		return nil
	}
	if _, err := b.tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?
		WHERE kind = 'session' AND revoked_at IS NULL AND user_id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ended)), ",")+`)`,
		append([]any{toMicro(b.tx.now)}, ended...)...); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}
