package postgres

import (
	"context"
	"fmt"
)

// GenerateWorkspaces gives an organization n made-up workspaces, for benchmarks, unless
// it has some already, as the SQLite store makes them: each of its users is a member of
// one of them, and the first, "All hands", also has every fifth user, so that there are
// small workspaces and a large one. One transaction of a few statements; the counts are
// made at the end rather than by the triggers.
func (db *DB) GenerateWorkspaces(ctx context.Context, orgID string, n int) error {
	tx, err := db.begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces WHERE organization_id = $1`, orgID).Scan(&have); err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	} else if have > 0 || n < 1 {
		return nil
	}
	now := toMicro(tx.now)
	for _, st := range []struct {
		query string
		args  []any
	}{
		{`ALTER TABLE workspace_members DISABLE TRIGGER workspace_members_added`, nil},
		// The ids are random, as newID makes them; the names number the workspaces.
		{`INSERT INTO workspaces (id, organization_id, name, name_key, created_at)
			SELECT left(md5(random()::text || i), 20), $1, name, lower(name), $3
			FROM (SELECT i, CASE WHEN i = 0 THEN 'All hands' ELSE 'Workspace ' || lpad(i::text, 5, '0') END AS name
				FROM generate_series(0, $2 - 1) AS i) AS named`, []any{orgID, n, now}},
		{`INSERT INTO workspace_members (workspace_id, user_id)
			SELECT w.id, u.id
			FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS r FROM users WHERE organization_id = $1) AS u
			JOIN (SELECT id, row_number() OVER (ORDER BY name_key) - 1 AS k FROM workspaces WHERE organization_id = $1) AS w
				ON w.k = u.r % $2`, []any{orgID, n}},
		{`INSERT INTO workspace_members (workspace_id, user_id)
			SELECT w.id, u.id FROM workspaces w JOIN users u ON u.organization_id = w.organization_id
			WHERE w.organization_id = $1 AND w.name = 'All hands' AND abs(hashtext(u.id)) % 5 = 0
			ON CONFLICT DO NOTHING`, []any{orgID}},
		{`INSERT INTO workspace_counts (workspace_id, role, activated, n)
			SELECT m.workspace_id, u.role, u.activated, COUNT(*)
			FROM workspace_members m JOIN users u ON u.id = m.user_id JOIN workspaces w ON w.id = m.workspace_id
			WHERE w.organization_id = $1 GROUP BY 1, 2, 3`, []any{orgID}},
		{`ALTER TABLE workspace_members ENABLE TRIGGER workspace_members_added`, nil},
	} {
		if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
			return fmt.Errorf("generate workspaces: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("generate workspaces: %w", err)
	}
	// Vacuumed, as autovacuum would do soon: the visibility map lets the memberships be
	// read from their index alone.
	if _, err := db.db.ExecContext(ctx, `VACUUM ANALYZE workspaces, workspace_members, workspace_counts`); err != nil {
		return fmt.Errorf("vacuum workspaces: %w", err)
	}
	return nil
}
