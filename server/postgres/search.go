package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

// gramGroup is what user_grams counts by, besides the gram.
type gramGroup struct {
	organizationID, role string
	activated            bool
}

// migrationSteps are what the program does in a migration's transaction after its file,
// by the file's name.
var migrationSteps = map[string]func(ctx context.Context, tx *sql.Tx) error{
	"migration/013_search_grams.sql": fillUserGrams,
}

// fillUserGrams counts in user_grams the grams of the users already stored, as the
// triggers of migration 013 (search_grams) count them: the texts of one and two
// characters of each line of the search column, once per user. It counts in memory and
// writes one statement: at a million users the same in SQL took over five minutes, one
// row per gram through the executor, longer than an instance waits to start.
func fillUserGrams(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT organization_id, role, activated, search FROM users`)
	if err != nil {
		return fmt.Errorf("count grams: %w", err)
	}
	counts := map[gramGroup]map[string]int64{}
	set := map[string]struct{}{}
	for rows.Next() {
		var k gramGroup
		var search string
		if err := rows.Scan(&k.organizationID, &k.role, &k.activated, &search); err != nil {
			rows.Close()
			return fmt.Errorf("count grams: %w", err)
		}
		if counts[k] == nil {
			counts[k] = map[string]int64{}
		}
		clear(set)
		addLineGrams(set, search)
		for g := range set {
			counts[k][g]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count grams: %w", err)
	}
	var orgs, grams, roles []string
	var activated []bool
	var ns []int64
	for k, m := range counts {
		for g, n := range m {
			orgs, grams, roles, activated, ns = append(orgs, k.organizationID), append(grams, g), append(roles, k.role), append(activated, k.activated), append(ns, n)
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO user_grams (organization_id, gram, role, activated, n)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::bigint[])`,
		orgs, grams, roles, activated, ns); err != nil {
		return fmt.Errorf("count grams: %w", err)
	}
	return nil
}

// addLineGrams adds to set the texts of one and two characters of each line of search,
// a pair never spanning two lines. search holds texts folded already (see searchText).
func addLineGrams(set map[string]struct{}, search string) {
	for _, line := range strings.Split(search, "\n") {
		prev := -1 // where the previous character starts
		for i, r := range line {
			end := i + utf8.RuneLen(r)
			set[line[i:end]] = struct{}{}
			if prev >= 0 {
				set[line[prev:end]] = struct{}{}
			}
			prev = i
		}
	}
}
