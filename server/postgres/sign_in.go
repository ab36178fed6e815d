package postgres

import (
	"context"
	"fmt"
	"time"

	"useradmin/server"
)

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// recordSignIn sets the last sign-in of the user userID to the transaction's time; daily,
// only when it is not on that UTC day already (the first use of a key each day). tx must
// hold the user's organization's lock (taken first, before any other lock), as every
// writer of user_sign_in_days does (migration 007).
func recordSignIn(ctx context.Context, tx *Tx, userID string, daily bool) error {
	now := toMicro(tx.now)
	query := `UPDATE users SET last_signed_in_at = $1 WHERE id = $2`
	args := []any{now, userID}
	if daily {
		query += ` AND (last_signed_in_at IS NULL OR last_signed_in_at < $3)`
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

// recordDailySignIn sets user's last sign-in to now, unless a request that ran at the
// same time, on any instance, did so today already, and updates user to match.
func (s *AuthService) recordDailySignIn(ctx context.Context, user *server.User) error {
	tx, err := s.db.beginUnlockedTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.lockOrganization(ctx, user.OrganizationID); err != nil {
		return err
	}
	if err := recordSignIn(ctx, tx, user.ID, true); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	now := tx.now
	user.LastSignedInAt = &now
	return nil
}

// signInCounted reports whether f is an organization, a role, an activation and a
// sign-in filter ("signed in before", "never signed in"), which user_sign_in_days counts.
func signInCounted(f server.UserFilter) bool {
	g := f
	g.SignedInBefore, g.NeverSignedIn = nil, nil
	return (f.SignedInBefore != nil || f.NeverSignedIn != nil) && onlyCounted(g)
}

// countSignIns counts the users of a filter for which signInCounted holds: the days
// before the one of SignedInBefore from user_sign_in_days, and the users of that day
// itself who signed in before the instant from the index of sign-ins.
func countSignIns(ctx context.Context, tx *Tx, f server.UserFilter) (int, error) {
	never := f.NeverSignedIn != nil && *f.NeverSignedIn
	if never && f.SignedInBefore != nil {
		return 0, nil // who never signed in did not sign in before anything
	}
	var a queryArgs
	where := countedWhere(&a, f)
	var partial int
	switch {
	case never:
		where += ` AND day = -1`
	case f.SignedInBefore == nil:
		where += ` AND day >= 0`
	default:
		before := toMicro(*f.SignedInBefore)
		day := floorDiv(before, microsPerDay)
		where += ` AND day >= 0 AND day < ` + a.add(day)
		var b queryArgs
		rest := countedWhere(&b, f)
		if err := tx.QueryRowContext(ctx, `
			SELECT COUNT(*) FROM users WHERE `+rest+` AND last_signed_in_at >= `+b.add(day*microsPerDay)+
			` AND last_signed_in_at < `+b.add(before), b...).Scan(&partial); err != nil {
			return 0, fmt.Errorf("count sign-ins: %w", err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0)::bigint FROM user_sign_in_days WHERE `+where, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count sign-ins: %w", err)
	}
	return n + partial, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
