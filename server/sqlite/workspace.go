package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"useradmin/server"
	"useradmin/server/audit"
)

// WorkspaceService reads and writes the workspaces of the caller's organization.
type WorkspaceService struct {
	db *DB
}

var _ server.WorkspaceService = (*WorkspaceService)(nil)

// NewWorkspaceService returns a WorkspaceService on db.
func NewWorkspaceService(db *DB) *WorkspaceService {
	return &WorkspaceService{db: db}
}

func errWorkspaceNotFound() error {
	return server.Errorf(server.ENOTFOUND, "Workspace not found: it may have been deleted. Reload the list of workspaces.")
}

func errWorkspaceNameTaken(name string) error {
	return &server.Error{Code: server.ECONFLICT, Field: "name",
		Message: fmt.Sprintf("A workspace named %q exists already: choose another name.", clipText(name, 40))}
}

func errAdminOnly(verb string) error {
	return server.Errorf(server.EFORBIDDEN, "Only an admin can %s: ask an admin of your organization.", verb)
}

// FindWorkspaces returns a page of the workspaces the caller may see: all of an ADMIN's
// organization, or those a USER belongs to, by name.
func (s *WorkspaceService) FindWorkspaces(ctx context.Context, filter server.WorkspaceFilter, page server.Page) ([]*server.Workspace, error) {
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
	where, args := workspaceWhere(me, filter)
	return queryWorkspaces(ctx, tx, me, `WHERE `+where+` ORDER BY w.name_key LIMIT ? OFFSET ?`, append(args, page.Limit, page.Offset)...)
}

// CountWorkspaces returns how many workspaces the caller may see match filter.
func (s *WorkspaceService) CountWorkspaces(ctx context.Context, filter server.WorkspaceFilter) (int, error) {
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
	where, args := workspaceWhere(me, filter)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces w WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count workspaces: %w", err)
	}
	return n, nil
}

// UserWorkspaces returns a page of the workspaces of the user with id: any user of an
// ADMIN's organization, a USER's own; any other user is NOT_FOUND.
func (s *WorkspaceService) UserWorkspaces(ctx context.Context, userID string, page server.Page) ([]*server.Workspace, error) {
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
	user, err := findUserByID(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	if user.OrganizationID != me.OrganizationID || (me.Role != server.RoleAdmin && user.ID != me.ID) {
		return nil, errUserNotFound()
	}
	return queryWorkspaces(ctx, tx, me, `
		WHERE w.organization_id = ? AND w.num IN (
			SELECT m.workspace_num FROM workspace_members m JOIN users u ON u.num = m.user_num WHERE u.id = ?)
		ORDER BY w.name_key LIMIT ? OFFSET ?`, me.OrganizationID, user.ID, page.Limit, page.Offset)
}

// UsersWorkspaces returns the first perUser workspaces by name of each user of userIDs
// the caller may see (any of an ADMIN's organization, a USER's own), in one query: a
// page of the user list with its workspaces costs one read, not one per row. The ids of
// users the caller may not see are left out, so that UserWorkspaces answers them
// (NOT_FOUND) as before.
func (s *WorkspaceService) UsersWorkspaces(ctx context.Context, userIDs []string, perUser int) (map[string][]*server.Workspace, error) {
	if err := (server.Page{Limit: perUser}).Validate(); err != nil {
		return nil, err
	}
	if len(userIDs) > server.MaxIDs {
		return nil, server.FieldErrorf("userIds", "At most %d users at once (%d were sent).", server.MaxIDs, len(userIDs))
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
	// The unary + keeps SQLite from reading the users by the organization's index (every
	// user of the organization, checked against the list) rather than by id (the page's).
	visible, args := `u.id IN (SELECT value FROM json_each(?)) AND +u.organization_id = ?`, []any{jsonList(userIDs), me.OrganizationID}
	if me.Role != server.RoleAdmin {
		visible, args = visible+` AND u.id = ?`, append(args, me.ID)
	}
	all := append(append(append([]any{}, args...), me.OrganizationID, perUser), args...)
	rows, err := tx.QueryContext(ctx, `
		WITH ranked AS (
			SELECT m.user_num, w.id, w.organization_id, w.name, w.created_at, w.name_key,
				(SELECT COALESCE(SUM(c.n), 0) FROM workspace_counts c WHERE c.workspace_num = w.num) AS members,
				ROW_NUMBER() OVER (PARTITION BY m.user_num ORDER BY w.name_key) AS k
			FROM workspace_members m JOIN workspaces w ON w.num = m.workspace_num
			WHERE m.user_num IN (SELECT u.num FROM users u WHERE `+visible+`) AND w.organization_id = ?)
		SELECT u.id, r.id, r.organization_id, r.name, r.created_at, r.members
		FROM users u LEFT JOIN ranked r ON r.user_num = u.num AND r.k <= ?
		WHERE `+visible+` ORDER BY u.id, r.name_key`, all...)
	if err != nil {
		return nil, fmt.Errorf("find workspaces of users: %w", err)
	}
	defer rows.Close()
	out := map[string][]*server.Workspace{}
	for rows.Next() {
		var userID string
		var id, orgID, name sql.NullString
		var createdAt, n sql.NullInt64
		if err := rows.Scan(&userID, &id, &orgID, &name, &createdAt, &n); err != nil {
			return nil, fmt.Errorf("find workspaces of users: %w", err)
		}
		if !id.Valid {
			out[userID] = []*server.Workspace{}
			continue
		}
		w := &server.Workspace{ID: id.String, OrganizationID: orgID.String, Name: name.String, CreatedAt: fromMicro(createdAt.Int64)}
		if me.Role == server.RoleAdmin {
			members := int(n.Int64)
			w.MemberCount = &members
		}
		out[userID] = append(out[userID], w)
	}
	return out, rows.Err()
}

// CreateWorkspace adds a workspace to the caller's organization; only an ADMIN may.
func (s *WorkspaceService) CreateWorkspace(ctx context.Context, name string) (*server.Workspace, error) {
	name = server.NormalizeWorkspaceName(name)
	if err := server.ValidateWorkspaceName("name", name); err != nil {
		return nil, err
	}
	tx, me, err := s.beginAdmin(ctx, "create workspaces")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := checkWorkspaceNameFree(ctx, tx, me.OrganizationID, name, ""); err != nil {
		return nil, err
	}
	id := newID()
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO workspaces (id, organization_id, name, name_key, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, me.OrganizationID, name, foldText(name), toMicro(tx.now)); err != nil {
		return nil, fmt.Errorf("create workspace: %w", err)
	}
	if err := recordWorkspaceEvent(ctx, tx, me, server.AuditWorkspaceCreated, auditChange("workspace", nil, &name)); err != nil {
		return nil, err
	}
	return commitWorkspace(ctx, tx, me, id)
}

// RenameWorkspace changes the name of a workspace of the caller's organization; only an
// ADMIN may. A change of case only is a rename too.
func (s *WorkspaceService) RenameWorkspace(ctx context.Context, id, name string) (*server.Workspace, error) {
	name = server.NormalizeWorkspaceName(name)
	if err := server.ValidateWorkspaceName("name", name); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(id); err != nil {
		return nil, err
	}
	tx, me, err := s.beginAdmin(ctx, "rename workspaces")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := findWorkspace(ctx, tx, me, id)
	if err != nil {
		return nil, err
	}
	num, err := findWorkspaceNum(ctx, tx, me.OrganizationID, id)
	if err != nil {
		return nil, err
	}
	if err := checkWorkspaceNameFree(ctx, tx, me.OrganizationID, name, id); err != nil {
		return nil, err
	}
	if err := recordWorkspaceEvent(ctx, tx, me, server.AuditWorkspaceRenamed, auditChange("workspace", &old.Name, &name)); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET name = ?, name_key = ? WHERE num = ? AND organization_id = ?`,
		name, foldText(name), num, me.OrganizationID); err != nil {
		return nil, fmt.Errorf("rename workspace: %w", err)
	}
	return commitWorkspace(ctx, tx, me, id)
}

// DeleteWorkspace removes a workspace of the caller's organization; only an ADMIN may,
// and one with members only when evenIfNotEmpty. Its users stay.
func (s *WorkspaceService) DeleteWorkspace(ctx context.Context, id string, evenIfNotEmpty bool) error {
	// A NO_DELETE token promises its portal that nothing is deleted: a workspace is gone
	// for good, with its members' places in it.
	if err := mayRemove(ctx); err != nil {
		return err
	}
	if err := validateWorkspaceID(id); err != nil {
		return err
	}
	tx, me, err := s.beginAdmin(ctx, "delete workspaces")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w, err := findWorkspace(ctx, tx, me, id)
	if err != nil {
		return err
	}
	if n := *w.MemberCount; n > 0 && !evenIfNotEmpty {
		return server.Errorf(server.ECONFLICT, "Workspace %q has %d %s: deleting it takes them out of it (the users stay). Confirm to delete it anyway.",
			clipText(w.Name, 40), n, plural(n, "member", "members"))
	}
	num, err := findWorkspaceNum(ctx, tx, me.OrganizationID, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM workspace_members WHERE workspace_num = ?`, num); err != nil {
		return fmt.Errorf("delete workspace: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM workspaces WHERE num = ? AND organization_id = ?`, num, me.OrganizationID); err != nil {
		return fmt.Errorf("delete workspace: %w", err)
	}
	if err := recordWorkspaceEvent(ctx, tx, me, server.AuditWorkspaceDeleted, auditChange("workspace", &w.Name, nil)); err != nil {
		return err
	}
	return tx.Commit()
}

// AddWorkspaceMembers puts users of the caller's organization in a workspace of it; only
// an ADMIN may. Users in it already stay; a user not found changes nothing.
func (s *WorkspaceService) AddWorkspaceMembers(ctx context.Context, id string, userIDs []string) (*server.Workspace, error) {
	return s.changeMembers(ctx, id, userIDs, server.AuditWorkspaceMembersAdded, `
		INSERT INTO workspace_members (workspace_num, user_num) SELECT ?, value FROM json_each(?) WHERE true
		ON CONFLICT DO NOTHING`)
}

// RemoveWorkspaceMembers takes users of the caller's organization out of a workspace;
// only an ADMIN may. Users not in it are no change; a user not found changes nothing.
func (s *WorkspaceService) RemoveWorkspaceMembers(ctx context.Context, id string, userIDs []string) (*server.Workspace, error) {
	return s.changeMembers(ctx, id, userIDs, server.AuditWorkspaceMembersRemoved, `
		DELETE FROM workspace_members WHERE workspace_num = ? AND user_num IN (SELECT value FROM json_each(?))`)
}

// changeMembers runs change, a statement of a workspace's number and a JSON list of user
// numbers, for the users that userIDs name, after finding them all in the caller's
// organization, and records it as action.
func (s *WorkspaceService) changeMembers(ctx context.Context, id string, userIDs []string, action server.AuditAction, statement string) (*server.Workspace, error) {
	if err := validateWorkspaceID(id); err != nil {
		return nil, err
	}
	if err := server.ValidateMembers("userIds", userIDs); err != nil {
		return nil, err
	}
	tx, me, err := s.beginAdmin(ctx, "change the members of workspaces")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := findWorkspace(ctx, tx, me, id)
	if err != nil {
		return nil, err
	}
	num, err := findWorkspaceNum(ctx, tx, me.OrganizationID, id)
	if err != nil {
		return nil, err
	}
	nums, err := userNums(ctx, tx, me.OrganizationID, userIDs)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, statement, num, nums); err != nil {
		return nil, fmt.Errorf("change workspace members: %w", err)
	}
	users := strconv.Itoa(len(userIDs))
	if err := recordWorkspaceEvent(ctx, tx, me, action, auditChange("workspace", nil, &w.Name), auditChange("users", nil, &users)); err != nil {
		return nil, err
	}
	return commitWorkspace(ctx, tx, me, id)
}

// userNums returns, as a JSON list, the numbers of the users of organization orgID that
// ids name; NOT_FOUND, saying how many, when any is not one of them.
func userNums(ctx context.Context, tx *Tx, orgID string, ids []string) (string, error) {
	var list, missing string
	var found, want int
	if err := tx.QueryRowContext(ctx, `
		WITH wanted AS (SELECT DISTINCT value AS id FROM json_each(?))
		SELECT COALESCE(json_group_array(u.num) FILTER (WHERE u.num IS NOT NULL), '[]'),
			COUNT(u.num), COUNT(*), COALESCE(MIN(wanted.id) FILTER (WHERE u.num IS NULL), '')
		FROM wanted LEFT JOIN users u ON u.id = wanted.id AND u.organization_id = ?`,
		jsonList(ids), orgID).Scan(&list, &found, &want, &missing); err != nil {
		return "", fmt.Errorf("find users: %w", err)
	}
	if found != want {
		n := want - found
		return "", server.Errorf(server.ENOTFOUND, "%d of the users chosen %s not found (%s): they may have been deleted. Reload the list and choose again; nothing was changed.",
			n, plural(n, "was", "were"), clipText(missing, 24))
	}
	return list, nil
}

// checkWorkspaceFilter answers NOT_FOUND when the user filter names a workspace that
// caller may not see: of another organization, or, for a USER, one they are not in.
func checkWorkspaceFilter(ctx context.Context, tx *Tx, caller *server.User, filter server.UserFilter) error {
	if filter.WorkspaceID == nil {
		return nil
	}
	_, err := findWorkspace(ctx, tx, caller, *filter.WorkspaceID)
	return err
}

// beginAdmin starts a write transaction for an ADMIN, with the caller.
func (s *WorkspaceService) beginAdmin(ctx context.Context, verb string) (*Tx, *server.User, error) {
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, nil, err
	}
	me, err := caller(ctx, tx)
	if err == nil && me.Role != server.RoleAdmin {
		err = errAdminOnly(verb)
	}
	if err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	return tx, me, nil
}

// commitWorkspace reads the workspace with id as the write left it and commits.
func commitWorkspace(ctx context.Context, tx *Tx, me *server.User, id string) (*server.Workspace, error) {
	w, err := findWorkspace(ctx, tx, me, id)
	if err != nil {
		return nil, err
	}
	return w, tx.Commit()
}

// recordWorkspaceEvent records a write of the caller's organization's workspaces, in tx.
func recordWorkspaceEvent(ctx context.Context, tx *Tx, me *server.User, action server.AuditAction, changes ...server.AuditChange) error {
	return recordEvent(ctx, tx, audit.Record{Action: action, OrgID: me.OrganizationID, Changes: changes})
}

// auditChange is one field of an audited write, from old to new (nil: none).
func auditChange(field string, old, new *string) server.AuditChange {
	return server.AuditChange{Field: field, Old: old, New: new}
}

func validateWorkspaceID(id string) error {
	if id == "" {
		return server.FieldErrorf("id", "Say which workspace: its id is missing.")
	}
	if len(id) > server.MaxIDLength {
		return server.FieldErrorf("id", "An id has at most %d characters: check the one sent.", server.MaxIDLength)
	}
	return nil
}

// findWorkspaceNum returns the number of the workspace with id in organization orgID, or
// NOT_FOUND.
func findWorkspaceNum(ctx context.Context, tx *Tx, orgID, id string) (int64, error) {
	var num int64
	err := tx.QueryRowContext(ctx, `SELECT num FROM workspaces WHERE id = ? AND organization_id = ?`, id, orgID).Scan(&num)
	if err == sql.ErrNoRows {
		return 0, errWorkspaceNotFound()
	} else if err != nil {
		return 0, fmt.Errorf("find workspace: %w", err)
	}
	return num, nil
}

// findWorkspace returns the workspace with id as caller may see it, or NOT_FOUND.
func findWorkspace(ctx context.Context, tx *Tx, caller *server.User, id string) (*server.Workspace, error) {
	where, args := workspaceWhere(caller, server.WorkspaceFilter{ID: &id})
	ws, err := queryWorkspaces(ctx, tx, caller, `WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	if len(ws) == 0 {
		return nil, errWorkspaceNotFound()
	}
	return ws[0], nil
}

// checkWorkspaceNameFree answers CONFLICT when another workspace of the organization than
// exceptID has name, in any case.
func checkWorkspaceNameFree(ctx context.Context, tx *Tx, orgID, name, exceptID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces WHERE organization_id = ? AND name_key = ? AND id != ?`,
		orgID, foldText(name), exceptID).Scan(&n); err != nil {
		return fmt.Errorf("check workspace name: %w", err)
	}
	if n > 0 {
		return errWorkspaceNameTaken(name)
	}
	return nil
}

// workspaceWhere returns the condition on workspaces w of filter for caller: their
// organization, and for a USER the workspaces they belong to.
func workspaceWhere(caller *server.User, f server.WorkspaceFilter) (string, []any) {
	conds, args := []string{"w.organization_id = ?"}, []any{caller.OrganizationID}
	if caller.Role != server.RoleAdmin {
		conds = append(conds, "w.num IN (SELECT m.workspace_num FROM workspace_members m JOIN users u ON u.num = m.user_num WHERE u.id = ?)")
		args = append(args, caller.ID)
	}
	if f.ID != nil {
		conds, args = append(conds, "w.id = ?"), append(args, *f.ID)
	}
	if f.Search != nil && strings.TrimSpace(*f.Search) != "" {
		conds, args = append(conds, "instr(w.name_key, ?) > 0"), append(args, foldText(strings.TrimSpace(*f.Search)))
	}
	return strings.Join(conds, " AND "), args
}

// queryWorkspaces reads the workspaces of the query's rest (from WHERE on), with their
// member counts for an ADMIN.
func queryWorkspaces(ctx context.Context, tx *Tx, caller *server.User, rest string, args ...any) ([]*server.Workspace, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT w.id, w.organization_id, w.name, w.created_at,
			(SELECT COALESCE(SUM(c.n), 0) FROM workspace_counts c WHERE c.workspace_num = w.num)
		FROM workspaces w `+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("find workspaces: %w", err)
	}
	defer rows.Close()
	out := []*server.Workspace{}
	for rows.Next() {
		var w server.Workspace
		var createdAt int64
		var n int
		if err := rows.Scan(&w.ID, &w.OrganizationID, &w.Name, &createdAt, &n); err != nil {
			return nil, fmt.Errorf("find workspaces: %w", err)
		}
		w.CreatedAt = fromMicro(createdAt)
		if caller.Role == server.RoleAdmin {
			w.MemberCount = &n
		}
		out = append(out, &w)
	}
	return out, rows.Err()
}

// membersCondition is the condition on users of membership of the workspace whose id is
// its argument. walk: checked row by row as an index is walked in page order; else the
// members are read first (and then sorted).
func membersCondition(walk bool) string {
	if walk {
		return `EXISTS (SELECT 1 FROM workspace_members m
			WHERE m.workspace_num = (SELECT num FROM workspaces WHERE id = ?) AND m.user_num = users.num)`
	}
	return `num IN (SELECT user_num FROM workspace_members WHERE workspace_num = (SELECT num FROM workspaces WHERE id = ?))`
}

// workspaceCounted reports whether f is an organization, a workspace, a role and an
// activation, which workspace_counts counts.
func workspaceCounted(f server.UserFilter) bool {
	g := f
	g.WorkspaceID = nil
	return f.WorkspaceID != nil && onlyCounted(g)
}

// countMembers counts the users of a filter for which workspaceCounted holds.
func countMembers(ctx context.Context, tx *Tx, f server.UserFilter) (int, error) {
	where, args := `w.id = ? AND w.organization_id = ?`, []any{*f.WorkspaceID, *f.OrganizationID}
	if f.Role != nil {
		where, args = where+` AND c.role = ?`, append(args, string(*f.Role))
	}
	if f.Activated != nil {
		where, args = where+` AND c.activated = ?`, append(args, *f.Activated)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `
		SELECT COALESCE(SUM(c.n), 0) FROM workspace_counts c JOIN workspaces w ON w.num = c.workspace_num
		WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

// jsonList encodes ids as a JSON array of strings, for json_each.
func jsonList(ids []string) string {
	b, _ := json.Marshal(ids) // a []string always encodes
	return string(b)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
