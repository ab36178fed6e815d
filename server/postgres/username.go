package postgres

import (
	"context"
	"fmt"
	"strings"

	"useradmin/server"
)

func errUsernameTaken() error {
	return &server.Error{Code: server.ECONFLICT, Field: "username", Message: "Username is already taken: choose another."}
}

// isUsernameTaken reports whether err is the unique index on usernames refusing a write:
// another user, of any organization, took the name since it was checked.
func isUsernameTaken(err error) bool {
	code, name := constraint(err)
	return code == uniqueViolation && name == "users_username_key"
}

// checkUsernameFree answers CONFLICT when another user than exceptID has name, in any
// case. The unique index holds it against writers of other organizations meanwhile.
func checkUsernameFree(ctx context.Context, tx *Tx, name, exceptID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE lower(username) = lower($1) AND id != $2`,
		name, exceptID).Scan(&n); err != nil {
		return fmt.Errorf("check username: %w", err)
	}
	if n > 0 {
		return errUsernameTaken()
	}
	return nil
}

// uniqueUsername returns base, or base-N with the smallest N from 2 that no one has. The
// names base-… are read in one range of the unique index (in byte order, '-' is followed
// by '.'), however many there are.
func uniqueUsername(ctx context.Context, tx *Tx, base string) (string, error) {
	lower := strings.ToLower(base)
	rows, err := tx.QueryContext(ctx, `
		SELECT lower(username) FROM users
		WHERE lower(username) = $1 OR (lower(username) >= $2 AND lower(username) < $3)`,
		lower, lower+"-", lower+".")
	if err != nil {
		return "", fmt.Errorf("choose username: %w", err)
	}
	defer rows.Close()
	taken := map[string]bool{}
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

// usernameAttempts is how many times a new user's username is made from their email
// again when other instances take each name made between its check and its insert.
const usernameAttempts = 5

// insertWithUsername runs insert, the statement that stores u, under a savepoint. When u
// has no username, it is given one made from its email; if another transaction stores
// that name first (the unique index waits for it, then refuses), the name is made again
// and the insert tried again, instead of failing a request that chose no name. A name
// the request gave is CONFLICT when taken.
func insertWithUsername(ctx context.Context, tx *Tx, u *server.User, insert func() error) error {
	derived := u.Username == ""
	for attempt := 1; ; attempt++ {
		if derived {
			name, err := uniqueUsername(ctx, tx, server.UsernameFromEmail(u.Email))
			if err != nil {
				return err
			}
			u.Username = name
		} else if err := checkUsernameFree(ctx, tx, u.Username, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT username`); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		err := insert()
		if !isUsernameTaken(err) {
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT username`); err != nil {
				return fmt.Errorf("insert user: %w", err)
			}
			return nil
		}
		if !derived || attempt == usernameAttempts {
			return errUsernameTaken()
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT username`); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
	}
}

// findLogin returns the condition that finds the user a sign-in names, and its argument:
// by username when it has no @, else by email.
func findLogin(login string) (string, string) {
	if server.IsUsername(login) {
		return "lower(username) = lower($1)", strings.TrimSpace(login)
	}
	return "email = $1", server.NormalizeEmail(login)
}
