package postgres

import (
	"context"
	"fmt"

	"useradmin/server"
	"useradmin/server/audit"
)

// membership is a bulk action's change of one workspace's members: adding the users of
// each batch to it, or removing them.
type membership struct {
	workspace *server.Workspace
	add       bool
}

// findMembership finds the workspace with id in the caller's organization, or answers
// NOT_FOUND: another organization's workspace does not exist to the caller.
func findMembership(ctx context.Context, tx *Tx, me *server.User, id string, add bool) (*membership, error) {
	w, err := findWorkspace(ctx, tx, me, id)
	if err != nil {
		return nil, err
	}
	return &membership{workspace: w, add: add}, nil
}

// apply adds the batch's users to the workspace, or removes them, in one statement:
// those already as asked are Unchanged, the others Changed, each with an audit event on
// their timeline, written in one more. The caller is one of the users like any other: a
// membership does not end a session, so leaving them out would only surprise.
func (m *membership) apply(ctx context.Context, tx *Tx, result *server.BulkResult, users []*server.User) error {
	result.Matched += len(users)
	if len(users) == 0 {
		return nil
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	members := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM workspace_members WHERE workspace_id = $1 AND user_id = ANY($2)`, m.workspace.ID, ids)
	if err != nil {
		return fmt.Errorf("find members: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("find members: %w", err)
		}
		members[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find members: %w", err)
	}
	action, statement := server.AuditWorkspaceMembersAdded, `
		INSERT INTO workspace_members (workspace_id, user_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`
	if !m.add {
		action, statement = server.AuditWorkspaceMembersRemoved, `
			DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = ANY($2)`
	}
	if _, err := tx.ExecContext(ctx, statement, m.workspace.ID, ids); err != nil {
		if code, _ := constraint(err); code == checkViolation {
			return errOutsideOrganization()
		}
		return fmt.Errorf("change workspace members: %w", err)
	}
	var records []audit.Record
	for _, u := range users {
		if members[u.ID] == m.add {
			result.Unchanged++
			continue
		}
		result.Changed++
		records = append(records, audit.Record{Action: action, User: u, Changes: []server.AuditChange{auditChange("workspace", nil, &m.workspace.Name)}})
	}
	return recordEventsAtOnce(ctx, tx, records)
}
