package sqlite

import (
	"context"
	"fmt"
)

// gramGroup is what user_grams counts by, besides the gram.
type gramGroup struct {
	organizationID, role string
	activated            bool
}

// fillUserGrams adds to user_grams the grams of the users with num above after. It
// counts in memory and writes one row per key: a million users take seconds this way,
// minutes through the triggers' json_each.
func fillUserGrams(ctx context.Context, tx *Tx, after int64) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT organization_id, role, activated, email, firstname, lastname, username FROM users WHERE num > ?`, after)
	if err != nil {
		return fmt.Errorf("count grams: %w", err)
	}
	counts := map[gramGroup]map[string]int{}
	set := gramSet{}
	for rows.Next() {
		var k gramGroup
		var email, firstname, lastname, username string
		if err := rows.Scan(&k.organizationID, &k.role, &k.activated, &email, &firstname, &lastname, &username); err != nil {
			rows.Close()
			return fmt.Errorf("count grams: %w", err)
		}
		if counts[k] == nil {
			counts[k] = map[string]int{}
		}
		clear(set)
		set.add(email, firstname, lastname, username)
		for g := range set {
			counts[k][g]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count grams: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO user_grams (organization_id, gram, role, activated, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + excluded.n`)
	if err != nil {
		return fmt.Errorf("count grams: %w", err)
	}
	defer stmt.Close()
	for k, grams := range counts {
		for g, n := range grams {
			if _, err := stmt.ExecContext(ctx, k.organizationID, g, k.role, k.activated, n); err != nil {
				return fmt.Errorf("count grams: %w", err)
			}
		}
	}
	return nil
}
