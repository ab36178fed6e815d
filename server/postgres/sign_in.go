package postgres

import (
	"context"
	"fmt"
	"time"

	"useradmin/server"
)

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// recordSignIn sets the last sign-in of the user userID to the transaction's time; daily,
// only when it is not on that UTC day already (the first use of a key each day).
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
