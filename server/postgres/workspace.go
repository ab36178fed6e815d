package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"useradmin/server"
	"useradmin/server/audit"
	"useradmin/server/embedtoken"
)

// WorkspaceService reads and writes the workspaces of the caller's organization, as the
// SQLite store does. Its writes take the organization's row lock first (beginTx), as
// the writes of users do: a name checked free, a workspace found or a user found in the
// organization stay so until the write commits, on any instance.
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

// isWorkspaceNameTaken reports whether err is the unique index on the names of an
// organization's workspaces refusing a write.
func isWorkspaceNameTaken(err error) bool {
	code, name := constraint(err)
	return code == uniqueViolation && name == "workspaces_organization_name"
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
	tx := s.db.beginReadView()
	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	var a queryArgs
	where := workspaceWhere(&a, me, filter)
	return queryWorkspaces(ctx, tx, me, `WHERE `+where+` ORDER BY w.name_key LIMIT `+a.add(page.Limit)+` OFFSET `+a.add(page.Offset), a...)
}

// CountWorkspaces returns how many workspaces the caller may see match filter.
func (s *WorkspaceService) CountWorkspaces(ctx context.Context, filter server.WorkspaceFilter) (int, error) {
	if err := filter.Validate(); err != nil {
		return 0, err
	}
	tx := s.db.beginReadView()
	me, err := caller(ctx, tx)
	if err != nil {
		return 0, err
	}
	var a queryArgs
	where := workspaceWhere(&a, me, filter)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces w WHERE `+where, a...).Scan(&n); err != nil {
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
		WHERE w.organization_id = $1 AND w.id IN (SELECT m.workspace_id FROM workspace_members m WHERE m.user_id = $2)
		ORDER BY w.name_key LIMIT $3 OFFSET $4`, me.OrganizationID, user.ID, page.Limit, page.Offset)
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
	tx := s.db.beginReadView()
	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	var a queryArgs
	visible := `u.id = ANY(` + a.add(userIDs) + `) AND u.organization_id = ` + a.add(me.OrganizationID)
	if me.Role != server.RoleAdmin {
		visible += ` AND u.id = ` + a.add(me.ID)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT u.id, r.id, r.organization_id, r.name, r.created_at, r.members
		FROM users u LEFT JOIN LATERAL (
			SELECT w.id, w.organization_id, w.name, w.created_at, w.name_key,
				(SELECT COALESCE(SUM(c.n), 0)::bigint FROM workspace_counts c WHERE c.workspace_id = w.id) AS members
			FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
			WHERE m.user_id = u.id AND w.organization_id = u.organization_id
			ORDER BY w.name_key LIMIT `+a.add(perUser)+`) r ON true
		WHERE `+visible+` ORDER BY u.id, r.name_key`, a...)
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
	_, err = tx.ExecContext(ctx, `
		INSERT INTO workspaces (id, organization_id, name, name_key, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, me.OrganizationID, name, foldText(name), toMicro(tx.now))
	if isWorkspaceNameTaken(err) {
		return nil, errWorkspaceNameTaken(name)
	} else if err != nil {
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
	if err := checkWorkspaceNameFree(ctx, tx, me.OrganizationID, name, id); err != nil {
		return nil, err
	}
	if err := recordWorkspaceEvent(ctx, tx, me, server.AuditWorkspaceRenamed, auditChange("workspace", &old.Name, &name)); err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE workspaces SET name = $1, name_key = $2 WHERE id = $3 AND organization_id = $4`,
		name, foldText(name), id, me.OrganizationID)
	if isWorkspaceNameTaken(err) {
		return nil, errWorkspaceNameTaken(name)
	} else if err != nil {
		return nil, fmt.Errorf("rename workspace: %w", err)
	}
	return commitWorkspace(ctx, tx, me, id)
}

// DeleteWorkspace removes a workspace of the caller's organization; only an ADMIN may,
// and one with members only when evenIfNotEmpty. Its users stay.
func (s *WorkspaceService) DeleteWorkspace(ctx context.Context, id string, evenIfNotEmpty bool) error {
	// A NO_DELETE token promises its portal that nothing is deleted: a workspace is gone
	// for good, with its members' places in it.
	if err := embedtoken.MayRemove(ctx); err != nil {
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
	if _, err := tx.ExecContext(ctx, `DELETE FROM workspace_members WHERE workspace_id = $1`, id); err != nil {
		return fmt.Errorf("delete workspace: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM workspaces WHERE id = $1 AND organization_id = $2`, id, me.OrganizationID); err != nil {
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
		INSERT INTO workspace_members (workspace_id, user_id, user_created_at)
		SELECT $1, u.id, u.created_at FROM users u WHERE u.id = ANY($2::text[]) ORDER BY u.id
		ON CONFLICT DO NOTHING`)
}

// RemoveWorkspaceMembers takes users of the caller's organization out of a workspace;
// only an ADMIN may. Users not in it are no change; a user not found changes nothing.
func (s *WorkspaceService) RemoveWorkspaceMembers(ctx context.Context, id string, userIDs []string) (*server.Workspace, error) {
	return s.changeMembers(ctx, id, userIDs, server.AuditWorkspaceMembersRemoved, `
		DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = ANY($2::text[])`)
}

// changeMembers runs statement, of a workspace's id and a list of user ids, for the
// users that userIDs name, after finding them all in the caller's organization, and
// records it as action.
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
	found, err := usersOf(ctx, tx, me.OrganizationID, userIDs)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, statement, id, found); err != nil {
		return nil, fmt.Errorf("change workspace members: %w", err)
	}
	users := strconv.Itoa(len(userIDs))
	if err := recordWorkspaceEvent(ctx, tx, me, action, auditChange("workspace", nil, &w.Name), auditChange("users", nil, &users)); err != nil {
		return nil, err
	}
	return commitWorkspace(ctx, tx, me, id)
}

// usersOf returns the distinct ids of the users of organization orgID that ids name;
// NOT_FOUND, saying how many, when any is not one of them.
func usersOf(ctx context.Context, tx *Tx, orgID string, ids []string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT wanted.id, u.id IS NOT NULL
		FROM (SELECT DISTINCT id FROM unnest($1::text[]) AS id) AS wanted
		LEFT JOIN users u ON u.id = wanted.id AND u.organization_id = $2
		ORDER BY wanted.id`, ids, orgID)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var found, missing []string
	for rows.Next() {
		var id string
		var ok bool
		if err := rows.Scan(&id, &ok); err != nil {
			return nil, fmt.Errorf("find users: %w", err)
		}
		if ok {
			found = append(found, id)
		} else {
			missing = append(missing, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	if n := len(missing); n > 0 {
		return nil, server.Errorf(server.ENOTFOUND, "%d of the users chosen %s not found (%s): they may have been deleted. Reload the list and choose again; nothing was changed.",
			n, plural(n, "was", "were"), clipText(missing[0], 24))
	}
	return found, nil
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
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return w, nil
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

// findWorkspace returns the workspace with id as caller may see it, or NOT_FOUND.
func findWorkspace(ctx context.Context, tx *Tx, caller *server.User, id string) (*server.Workspace, error) {
	var a queryArgs
	where := workspaceWhere(&a, caller, server.WorkspaceFilter{ID: &id})
	ws, err := queryWorkspaces(ctx, tx, caller, `WHERE `+where, a...)
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
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces WHERE organization_id = $1 AND name_key = $2 AND id != $3`,
		orgID, foldText(name), exceptID).Scan(&n); err != nil {
		return fmt.Errorf("check workspace name: %w", err)
	}
	if n > 0 {
		return errWorkspaceNameTaken(name)
	}
	return nil
}

// workspaceWhere returns the condition on workspaces w of filter for caller, its
// arguments added to a: their organization, and for a USER the workspaces they belong to.
func workspaceWhere(a *queryArgs, caller *server.User, f server.WorkspaceFilter) string {
	conds := []string{"w.organization_id = " + a.add(caller.OrganizationID)}
	if caller.Role != server.RoleAdmin {
		conds = append(conds, "w.id IN (SELECT m.workspace_id FROM workspace_members m WHERE m.user_id = "+a.add(caller.ID)+")")
	}
	if f.ID != nil {
		conds = append(conds, "w.id = "+a.add(*f.ID))
	}
	if f.Search != nil && strings.TrimSpace(*f.Search) != "" {
		conds = append(conds, "strpos(w.name_key, "+a.add(foldText(strings.TrimSpace(*f.Search)))+") > 0")
	}
	return strings.Join(conds, " AND ")
}

// queryWorkspaces reads the workspaces of the query's rest (from WHERE on, in the order
// of their names), with their member counts for an ADMIN. The counts are read for the
// page alone, not for the workspaces its offset skips.
func queryWorkspaces(ctx context.Context, tx *Tx, caller *server.User, rest string, args ...any) ([]*server.Workspace, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT w.id, w.organization_id, w.name, w.created_at,
			(SELECT COALESCE(SUM(c.n), 0)::bigint FROM workspace_counts c WHERE c.workspace_id = w.id)
		FROM (SELECT w.* FROM workspaces w `+rest+`) AS w ORDER BY w.name_key`, args...)
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

// workspaceCounted reports whether f is an organization, a workspace, a role and an
// activation, which workspace_counts counts.
func workspaceCounted(f server.UserFilter) bool {
	g := f
	g.WorkspaceID = nil
	return f.WorkspaceID != nil && onlyCounted(g)
}

// countMembers counts the users of a filter for which workspaceCounted holds.
func countMembers(ctx context.Context, tx *Tx, f server.UserFilter) (int, error) {
	var a queryArgs
	where := `w.id = ` + a.add(*f.WorkspaceID) + ` AND w.organization_id = ` + a.add(*f.OrganizationID)
	if f.Role != nil {
		where += ` AND c.role = ` + a.add(string(*f.Role))
	}
	if f.Activated != nil {
		where += ` AND c.activated = ` + a.add(*f.Activated)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `
		SELECT COALESCE(SUM(c.n), 0)::bigint FROM workspace_counts c JOIN workspaces w ON w.id = c.workspace_id
		WHERE `+where, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
