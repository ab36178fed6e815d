package graphql_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// snapshot returns every row of every table of the fixture's database, read on a connection
// of its own, so that a test can tell whether a request changed anything stored. The
// counters of failed credential checks are left out: counting is what a failed attempt
// is meant to store; and so is when a user last signed in (see snapshotColumns).
func (f *fixture) snapshot(tb testing.TB) string {
	tb.Helper()
	if f.reader == nil {
		db, err := sql.Open("sqlite", f.db.Path)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		f.reader = db
	}
	db := f.reader
	tables, err := queryStrings(db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('credential_attempts', 'user_sign_in_days') ORDER BY name`)
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := queryStrings(db, `SELECT `+snapshotColumns(table)+` FROM "`+table+`"`)
		if err != nil {
			tb.Fatalf("read %s: %v", table, err)
		}
		slices.Sort(rows)
		fmt.Fprintf(&b, "%s: %d rows\n%s\n", table, len(rows), strings.Join(rows, "\n"))
	}
	return b.String()
}

// queryStrings runs query and writes each row as one line.
func queryStrings(db *sql.DB, query string) ([]string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if len(cols) == 1 {
			if s, ok := vals[0].(string); ok {
				out = append(out, s)
				continue
			}
		}
		out = append(out, fmt.Sprintf("%q", vals))
	}
	return out, rows.Err()
}

// attempts returns the counters of failed credential checks, which snapshot leaves out.
func (f *fixture) attempts(tb testing.TB) string {
	tb.Helper()
	f.snapshot(tb) // opens the reader
	rows, err := queryStrings(f.reader, `SELECT * FROM credential_attempts ORDER BY key`)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

// snapshotColumns are the columns of table a snapshot compares: all but when a user last
// signed in, which the first use of a key each day is meant to record (as the counts of
// user_sign_in_days, left out too).
func snapshotColumns(table string) string {
	if table == "users" {
		return "num, id, email, firstname, lastname, activated, organization_id, role, password_hash, created_at, updated_at, username"
	}
	return "*"
}
