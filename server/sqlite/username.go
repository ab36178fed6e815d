package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"useradmin/server"
)

func errUsernameTaken() error {
	return &server.Error{Code: server.ECONFLICT, Field: "username", Message: "Username is already taken: choose another."}
}

// chooseUsername returns the username of a new user: the one given, when no one has it,
// or one made from the email and made unique.
func chooseUsername(ctx context.Context, tx *Tx, create server.UserCreate) (string, error) {
	if create.Username != "" {
		return create.Username, checkUsernameFree(ctx, tx, create.Username, "")
	}
	return uniqueUsername(ctx, tx, server.UsernameFromEmail(create.Email))
}

// checkUsernameFree answers CONFLICT when another user than exceptID has name, in any case.
func checkUsernameFree(ctx context.Context, tx *Tx, name, exceptID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = ? AND id != ?`, name, exceptID).Scan(&n); err != nil {
		return fmt.Errorf("check username: %w", err)
	}
	if n > 0 {
		return errUsernameTaken()
	}
	return nil
}

// uniqueUsername returns base, or base-N with the smallest N from 2 that no one has. The
// names base-… are read in one range of the unique index (in NOCASE order, '-' is
// followed by '.'), however many there are.
func uniqueUsername(ctx context.Context, tx *Tx, base string) (string, error) {
	taken := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `
		SELECT lower(username) FROM users WHERE username = ? OR (username >= ? AND username < ?)`,
		base, base+"-", base+".")
	if err != nil {
		return "", fmt.Errorf("choose username: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return "", fmt.Errorf("choose username: %w", err)
		}
		taken[name] = true
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("choose username: %w", err)
	}
	return server.UniqueUsername(base, func(lower string) bool { return taken[lower] }), nil
}

// fillUsernames gives each user stored before usernames existed one made from their
// email, unique, oldest user first, then makes the unique index and the sort index: in
// SQL the same takes a query per user.
func fillUsernames(ctx context.Context, tx *Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT num, email FROM users ORDER BY num`)
	if err != nil {
		return fmt.Errorf("fill usernames: %w", err)
	}
	type named struct {
		num  int64
		name string
	}
	var all []named
	taken := map[string]bool{}
	next := map[string]int{} // per base, the suffix to try first
	for rows.Next() {
		var num int64
		var email string
		if err := rows.Scan(&num, &email); err != nil {
			rows.Close()
			return fmt.Errorf("fill usernames: %w", err)
		}
		base := server.UsernameFromEmail(email)
		name := base
		for n := max(next[base], 2); taken[strings.ToLower(name)]; n++ {
			name = base + "-" + strconv.Itoa(n)
			next[base] = n + 1
		}
		taken[strings.ToLower(name)] = true
		all = append(all, named{num, name})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("fill usernames: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE users SET username = ? WHERE num = ?`)
	if err != nil {
		return fmt.Errorf("fill usernames: %w", err)
	}
	defer stmt.Close()
	for _, u := range all {
		if _, err := stmt.ExecContext(ctx, u.name, u.num); err != nil {
			return fmt.Errorf("fill usernames: %w", err)
		}
	}
	return createUsernameIndexes(ctx, tx)
}

// createUsernameIndexes makes the indexes of usernames: unique in the directory, and the
// pages of an organization by username.
func createUsernameIndexes(ctx context.Context, tx *Tx) error {
	for _, stmt := range []string{
		`CREATE UNIQUE INDEX users_username ON users (username)`,
		`CREATE INDEX users_organization_username ON users (organization_id, username, created_at, id)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("index usernames: %w", err)
		}
	}
	return nil
}

// findLogin returns the clause that finds the user a sign-in names: by username when it
// has no @, else by email.
func findLogin(login string) (string, string) {
	if server.IsUsername(login) {
		return "username = ?", strings.TrimSpace(login)
	}
	return "email = ?", server.NormalizeEmail(login)
}

// microsPerDay is the length of the days of user_sign_in_days, in stored units.
const microsPerDay = 86_400_000_000

// recordSignIn sets the user's last sign-in to now. daily: only when they have not
// signed in yet today (UTC), as the first use of a key each day counts, so that a key
// used all day writes once.
func recordSignIn(ctx context.Context, tx *Tx, userID string, daily bool) error {
	now := toMicro(tx.now)
	query := `UPDATE users SET last_signed_in_at = ? WHERE id = ?`
	args := []any{now, userID}
	if daily {
		query += ` AND (last_signed_in_at IS NULL OR last_signed_in_at < ?)`
		args = append(args, now-now%microsPerDay)
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	return nil
}

// signedInToday reports whether u's last sign-in is on the UTC day of now (µs).
func signedInToday(u *server.User, now int64) bool {
	return u.LastSignedInAt != nil && toMicro(*u.LastSignedInAt) >= now-now%microsPerDay
}
