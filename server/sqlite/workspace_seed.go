package sqlite

import (
	"context"
	"fmt"
)

// GenerateWorkspaces gives an organization n made-up workspaces, for benchmarks, unless
// it has some already: each of its users is a member of one of them (by their number),
// and the first, "All hands", also has every fifth user, so that there are small
// workspaces and a large one. One transaction; the counts are made at the end rather than
// by the triggers, row by row.
func (db *DB) GenerateWorkspaces(ctx context.Context, orgID string, n int) error {
	tx, err := db.beginTx(ctx)
	if err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces WHERE organization_id = ?`, orgID).Scan(&have); err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	} else if have > 0 || n < 1 {
		return nil
	}
	restore, err := dropSchema(ctx, tx, `
		SELECT sql, 'DROP ' || type || ' ' || name FROM sqlite_schema
		WHERE name IN ('workspace_counts_insert', 'workspace_members_same_organization', 'workspace_members_user')`)
	if err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	}
	var base int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(num), 0) FROM workspaces`).Scan(&base); err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO workspaces (num, id, organization_id, name, name_key, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	}
	defer stmt.Close()
	for i := range n {
		name := fmt.Sprintf("Workspace %05d", i)
		if i == 0 {
			name = "All hands"
		}
		if _, err := stmt.ExecContext(ctx, base+int64(i)+1, newID(), orgID, name, foldText(name), toMicro(tx.now)); err != nil {
			return fmt.Errorf("generate workspaces: %w", err)
		}
	}
	for _, q := range []string{
		`INSERT INTO workspace_members (workspace_num, user_num)
		SELECT ? + 1 + num % ?, num FROM users WHERE organization_id = ? ORDER BY 1, 2`,
		`INSERT INTO workspace_members (workspace_num, user_num)
		SELECT ? + 1 + 0 * ?, num FROM users WHERE organization_id = ? AND num % 5 = 0 ORDER BY 2
		ON CONFLICT DO NOTHING`,
	} {
		if _, err := tx.ExecContext(ctx, q, base, n, orgID); err != nil {
			return fmt.Errorf("generate workspace members: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO workspace_counts (workspace_num, role, activated, n)
		SELECT m.workspace_num, u.role, u.activated, COUNT(*)
		FROM workspace_members m JOIN users u ON u.num = m.user_num
		WHERE m.workspace_num > ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, base); err != nil {
		return fmt.Errorf("count workspace members: %w", err)
	}
	if err := restore(); err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	}
	return tx.Commit()
}
