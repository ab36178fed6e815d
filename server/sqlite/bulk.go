package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
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
	// A bulk delete removes users as deleteUser does: a token whose scope forbids removing
	// (NO_DELETE, READ_ONLY) is refused here too, before any user is read.
	if change.Delete {
		if err := mayRemove(ctx); err != nil {
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

// bulkWriter decides a bulk change for one user after another in one transaction, with
// the organization's active admins counted once and kept up to date, and then writes
// the changes of the whole batch at once (flush).
type bulkWriter struct {
	tx           *Tx
	me           *server.User
	activeAdmins int
	changes      []bulkChange
}

func newBulkWriter(ctx context.Context, tx *Tx, me *server.User) (*bulkWriter, error) {
	admin, on := server.RoleAdmin, true
	n, err := countUsers(ctx, tx, server.UserFilter{OrganizationID: &me.OrganizationID, Role: &admin, Activated: &on})
	if err != nil {
		return nil, err
	}
	return &bulkWriter{tx: tx, me: me, activeAdmins: n}, nil
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

// flush writes the changes decided, or deletes their users, with every counter kept
// exact for the whole batch at once: while bulk_writing holds its row the counters' row
// triggers stand aside (009_bulk.sql, 013_bulk_counts.sql), and the batch moves each
// counter once per group instead, out of the groups its users leave before the write
// and into those they join after it, counted by GROUP BY over the stored rows. The
// audit events are inserted in one statement too, one row per event as a single write
// records it.
func (b *bulkWriter) flush(ctx context.Context, change server.BulkChange) error {
	remove := change.Delete
	if len(b.changes) == 0 {
		return nil
	}
	nums := make([]int64, len(b.changes))
	for i, c := range b.changes {
		nums[i] = c.num
	}
	list, err := json.Marshal(nums)
	if err != nil {
		return fmt.Errorf("bulk write: %w", err)
	}
	if _, err := b.tx.ExecContext(ctx, `INSERT INTO bulk_writing (one) VALUES (1)`); err != nil {
		return fmt.Errorf("bulk guard: %w", err)
	}
	if err := moveCounts(ctx, b.tx, string(list), -1); err != nil {
		return err
	}
	if err := b.moveGrams(ctx, remove); err != nil {
		return err
	}
	if remove {
		// The memberships go first, while their users' groups can still be read; the
		// counts of their workspaces were moved with the users'.
		if _, err := b.tx.ExecContext(ctx, `DELETE FROM workspace_members WHERE user_num IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
			return fmt.Errorf("bulk delete memberships: %w", err)
		}
	}
	if err := b.write(ctx, change, string(list)); err != nil {
		return err
	}
	if !remove {
		if err := moveCounts(ctx, b.tx, string(list), +1); err != nil {
			return err
		}
	}
	if err := b.record(ctx, remove); err != nil {
		return err
	}
	if _, err := b.tx.ExecContext(ctx, `DELETE FROM bulk_writing`); err != nil {
		return fmt.Errorf("bulk guard: %w", err)
	}
	return nil
}

// countMoves are the statements that add sign (? 1) times the users of a batch (? 2, a
// JSON array of nums) to each counter of users, by the group each counts them in: the
// row triggers' work, done once per group. The users are those of one organization, the
// caller's, as the batch found them.
var countMoves = []struct{ name, query string }{
	{"user counts", `INSERT INTO user_counts (organization_id, role, activated, n)
		SELECT organization_id, role, activated, ? * COUNT(*) FROM users
		WHERE num IN (SELECT value FROM json_each(?)) GROUP BY organization_id, role, activated
		ON CONFLICT (organization_id, role, activated) DO UPDATE SET n = n + excluded.n`},
	{"sign-in days", `INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
		SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1), role, activated, ? * COUNT(*) FROM users
		WHERE num IN (SELECT value FROM json_each(?)) GROUP BY 1, 2, 3, 4
		ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = n + excluded.n`},
	{"workspace counts", `INSERT INTO workspace_counts (workspace_num, role, activated, n)
		SELECT m.workspace_num, u.role, u.activated, ? * COUNT(*)
		FROM workspace_members m JOIN users u ON u.num = m.user_num
		WHERE m.user_num IN (SELECT value FROM json_each(?)) GROUP BY 1, 2, 3
		ON CONFLICT (workspace_num, role, activated) DO UPDATE SET n = n + excluded.n`},
}

// moveCounts adds sign times the users whose nums list holds to the counters of users.
func moveCounts(ctx context.Context, tx *Tx, list string, sign int) error {
	for _, m := range countMoves {
		if _, err := tx.ExecContext(ctx, m.query, sign, list); err != nil {
			return fmt.Errorf("move %s: %w", m.name, err)
		}
	}
	return nil
}

// record writes the audit events of the batch's changes, in its transaction, as the
// single writes record theirs (each user's role or activation, or their deletion): the
// rows are made as recordEvent makes them and inserted in one statement, with the
// organization's count of each action moved once. What all the events of a batch share
// (the organization, the actor and their key, the client's address) is sent once.
func (b *bulkWriter) record(ctx context.Context, remove bool) error {
	var records []audit.Record
	for _, c := range b.changes {
		if remove {
			records = append(records, audit.UserDeleted(c.before))
		} else {
			records = append(records, audit.UserChanged(c.before, c.after)...)
		}
	}
	if len(records) == 0 {
		return nil
	}
	var shared audit.Row
	events := make([][5]any, len(records)) // id, action, user_id, user_email, changes
	for i, r := range records {
		row, err := r.Row(ctx)
		if err != nil {
			return err
		}
		own := [5]any{newID(), row.Action, nullable(row.UserID), nullable(row.UserEmail), row.Changes}
		row.Action, row.UserID, row.UserEmail, row.Changes = "", sql.NullString{}, sql.NullString{}, ""
		if i == 0 {
			shared = row
		} else if row != shared {
			return fmt.Errorf("record bulk events: the events of one batch differ in more than their user")
		}
		events[i] = own
	}
	list, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("record bulk events: %w", err)
	}
	if _, err := b.tx.ExecContext(ctx, `
		INSERT INTO audit_events (id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
			user_id, user_email, invitation_id, api_key_id, client_address, changes)
		SELECT value ->> 0, ?, value ->> 1, ?, ?, ?, ?, value ->> 2, value ->> 3, ?, ?, ?, value ->> 4
		FROM json_each(?) ORDER BY key`,
		shared.OrgID, toMicro(b.tx.now), shared.ActorID, shared.ActorEmail, shared.ActorKeyID,
		shared.InvitationID, shared.APIKeyID, shared.ClientAddress, string(list)); err != nil {
		return fmt.Errorf("record bulk events: %w", err)
	}
	if _, err := b.tx.ExecContext(ctx, `
		INSERT INTO audit_counts (organization_id, action, n)
		SELECT ?, value ->> 1, COUNT(*) FROM json_each(?) GROUP BY 2
		ON CONFLICT (organization_id, action) DO UPDATE SET n = n + excluded.n`, shared.OrgID, string(list)); err != nil {
		return fmt.Errorf("count bulk events: %w", err)
	}
	return nil
}

// nullable is a stored text as JSON: null for NULL.
func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// moveGrams moves the user_grams counts of the changed users: -1 in the group (role and
// activation) each leaves, +1 in the one each joins unless remove (they are deleted).
// A bulk write changes no text, so each user's grams are counted once, as short_grams
// counts them, for the move between their two groups; the moves are written in one
// statement, a row per distinct gram and group.
func (b *bulkWriter) moveGrams(ctx context.Context, remove bool) error {
	type group struct {
		role      server.Role
		activated bool
	}
	type move struct {
		from, to group // to is the zero group for a deleted user
		gram     string
	}
	moved := map[move]int{}
	for _, c := range b.changes {
		m := move{from: group{c.before.Role, c.before.Activated}}
		if !remove {
			m.to = group{c.after.Role, c.after.Activated}
		}
		for _, g := range shortGrams(c.before.Email, c.before.Firstname, c.before.Lastname, c.before.Username) {
			m.gram = g
			moved[m]++
		}
	}
	type key struct {
		group
		gram string
	}
	counts := map[key]int{}
	for m, n := range moved {
		counts[key{m.from, m.gram}] -= n
		if !remove {
			counts[key{m.to, m.gram}] += n
		}
	}
	type row struct {
		Gram      string `json:"g"`
		Role      string `json:"r"`
		Activated bool   `json:"a"`
		N         int    `json:"n"`
	}
	rows := make([]row, 0, len(counts))
	for k, n := range counts {
		if n != 0 {
			rows = append(rows, row{k.gram, string(k.role), k.activated, n})
		}
	}
	// In the order of the table's key, so that the statement walks it once.
	slices.SortFunc(rows, func(x, y row) int {
		return cmp.Or(strings.Compare(x.Gram, y.Gram), strings.Compare(x.Role, y.Role), cmp.Compare(b2i(x.Activated), b2i(y.Activated)))
	})
	list, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("move grams: %w", err)
	}
	if _, err := b.tx.ExecContext(ctx, `INSERT INTO user_grams (organization_id, gram, role, activated, n)
		SELECT ?, value ->> 'g', value ->> 'r', value ->> 'a', value ->> 'n' FROM json_each(?) WHERE true
		ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + excluded.n`, b.me.OrganizationID, string(list)); err != nil {
		return fmt.Errorf("move grams: %w", err)
	}
	return nil
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

// write stores the changes, or deletes their users (whose nums list holds), in one
// statement scoped to the caller's organization, like writeUser: it must reach every
// user of the batch, or the batch rolls back. Only the columns that change are set, so
// that the triggers of the names and the full-text index do not fire; updated_at moves
// on as nextUpdatedAt says. A deactivated user's sessions end.
func (b *bulkWriter) write(ctx context.Context, change server.BulkChange, list string) error {
	remove := change.Delete
	var query string
	var args []any
	switch {
	case remove:
		query = `DELETE FROM users WHERE organization_id = ? AND num IN (SELECT value FROM json_each(?))`
	default:
		set := ""
		if change.Role != nil {
			set, args = set+"role = ?, ", append(args, string(*change.Role))
		}
		if change.Activated != nil {
			set, args = set+"activated = ?, ", append(args, *change.Activated)
		}
		query = `UPDATE users SET ` + set + `updated_at = MAX(?, updated_at + 1) WHERE organization_id = ? AND num IN (SELECT value FROM json_each(?))`
		args = append(args, toMicro(b.tx.now))
	}
	res, err := b.tx.ExecContext(ctx, query, append(args, b.me.OrganizationID, list)...)
	if err != nil {
		return fmt.Errorf("bulk write: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("bulk write: %w", err)
	} else if n != int64(len(b.changes)) {
		return errOutsideOrganization()
	}
	kind := server.ChangeUpdated
	if remove {
		kind = server.ChangeDeleted
	}
	for _, c := range b.changes {
		b.tx.changed(ctx, kind, b.me.OrganizationID, c.before.ID)
	}
	var ended []string
	for _, c := range b.changes {
		if !remove && c.before.Activated && !c.after.Activated {
			ended = append(ended, c.before.ID)
		}
	}
	return revokeSessionsOf(ctx, b.tx, ended)
}
