package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"useradmin/server"
	"useradmin/server/audit"
)

// membership is a bulk action's change of one workspace's members: adding the users of
// each batch to it, or removing them.
type membership struct {
	workspace *server.Workspace
	num       int64
	add       bool
}

// findMembership finds the workspace with id in the caller's organization, or answers
// NOT_FOUND: another organization's workspace does not exist to the caller.
func findMembership(ctx context.Context, tx *Tx, me *server.User, id string, add bool) (*membership, error) {
	w, err := findWorkspace(ctx, tx, me, id)
	if err != nil {
		return nil, err
	}
	num, err := findWorkspaceNum(ctx, tx, me.OrganizationID, id)
	if err != nil {
		return nil, err
	}
	return &membership{workspace: w, num: num, add: add}, nil
}

// apply adds the batch's users (numbered nums) to the workspace, or removes them, in
// tx: those already as asked are Unchanged, the others Changed, each with an audit event
// on their timeline. The caller is one of the users like any other: a membership does
// not end a session, so leaving them out would only surprise.
func (m *membership) apply(ctx context.Context, tx *Tx, result *server.BulkResult, users []*server.User, nums []int64) error {
	result.Matched += len(users)
	if len(users) == 0 {
		return nil
	}
	list, _ := json.Marshal(nums)
	members := map[int64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT user_num FROM workspace_members WHERE workspace_num = ? AND user_num IN (SELECT value FROM json_each(?))`, m.num, string(list))
	if err != nil {
		return fmt.Errorf("find members: %w", err)
	}
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("find members: %w", err)
		}
		members[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find members: %w", err)
	}
	action, statement := server.AuditWorkspaceMembersAdded, `
		INSERT INTO workspace_members (workspace_num, user_num) SELECT ?, value FROM json_each(?) WHERE true
		ON CONFLICT DO NOTHING`
	if !m.add {
		action, statement = server.AuditWorkspaceMembersRemoved, `
			DELETE FROM workspace_members WHERE workspace_num = ? AND user_num IN (SELECT value FROM json_each(?))`
	}
	if _, err := tx.ExecContext(ctx, statement, m.num, string(list)); err != nil {
		return fmt.Errorf("change workspace members: %w", err)
	}
	for i, u := range users {
		if members[nums[i]] == m.add {
			result.Unchanged++
			continue
		}
		result.Changed++
		if err := recordEvent(ctx, tx, audit.Record{Action: action, User: u, Changes: []server.AuditChange{auditChange("workspace", nil, &m.workspace.Name)}}); err != nil {
			return err
		}
	}
	return nil
}
