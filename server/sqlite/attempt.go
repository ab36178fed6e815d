package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"useradmin/server"
)

// An attempt subject is what failed credential checks are counted against: an account
// (by its normalized email, known or not), or a client (by its address, see
// server.NewContextWithClient). A client has two counts: one for passwords, which a
// person can guess, and one for secrets the directory made (API and session keys, reset
// tokens), which no one can, so that a mistyped password never locks a client's keys out,
// nor a stale key its sign-ins. Each is one row of credential_attempts, keyed by a hash,
// so that the table holds no email and any text takes the same room.
type attemptSubject struct {
	kind  string // subjectAccount, subjectClient or subjectClientSecret
	value string
}

// The kinds of attempt subjects.
const (
	subjectAccount      = "account"
	subjectClient       = "client"
	subjectClientSecret = "client-secret"
)

// accountSubject counts the passwords tried for the account with email.
func accountSubject(email string) attemptSubject {
	return attemptSubject{subjectAccount, server.NormalizeEmail(email)}
}

// clientSubject counts the passwords tried by the client of ctx.
func clientSubject(ctx context.Context) attemptSubject {
	return attemptSubject{subjectClient, server.ClientFromContext(ctx)}
}

// secretClientSubject counts the keys and reset tokens tried by the client of ctx.
func secretClientSubject(ctx context.Context) attemptSubject {
	return attemptSubject{subjectClientSecret, server.ClientFromContext(ctx)}
}

func (s attemptSubject) key() string { return hashSecret(s.kind + ":" + s.value) }

// errTooManyFailures is the answer when subject is over the limit for wait.
func errTooManyFailures(subject attemptSubject, wait time.Duration) *server.Error {
	switch subject.kind {
	case subjectAccount:
		return server.RateLimitedf(wait, "Too many wrong passwords were tried for this account: wait %s and try again.")
	case subjectClient:
		return server.RateLimitedf(wait, "Too many wrong passwords were tried from your address: wait %s and try again.")
	}
	return server.RateLimitedf(wait, "Too many keys or reset links that do not work were sent from your address: wait %s and try again.")
}

// cleanupBatch is how many rows of ended windows each new attempt deletes: more than
// the at most two rows an attempt adds, so the table holds about the windows in progress.
const cleanupBatch = 16

// reservation is attempts counted before a check, to give back if the credential is right.
type reservation struct {
	keys    []string
	resetAt []int64 // the window of each key, so that a refund never lands in a later one
}

// reserveAttempt counts a failed attempt against each subject before a credential is
// checked, in one transaction: when that makes any of them go over the limit, nothing is
// counted and the answer is RATE_LIMITED with the longest wait. The check comes after,
// so that however many requests run at once, at most the limit of them are checked; call
// refund when the credential was right, or was never checked.
func (db *DB) reserveAttempt(ctx context.Context, subjects ...attemptSubject) (*reservation, error) {
	tx, err := db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	limit := db.CredentialLimit.OrDefault()
	res := &reservation{}
	var over *server.Error
	var reached []attemptSubject
	for _, s := range subjects {
		failures, resetAt, err := countFailure(ctx, tx, s.key(), limit)
		if err != nil {
			return nil, err
		}
		if failures > limit.Failures {
			if e := errTooManyFailures(s, fromMicro(resetAt).Sub(tx.now)); over == nil || e.RetryAfter > over.RetryAfter {
				over = e
			}
			continue
		}
		if failures == limit.Failures {
			reached = append(reached, s)
		}
		res.keys, res.resetAt = append(res.keys, s.key()), append(res.resetAt, resetAt)
	}
	if over != nil {
		return nil, over // the rollback gives back what was counted
	}
	if err := deleteEndedWindows(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("reserve attempt: %w", err)
	}
	for _, s := range reached {
		db.logLimitReached(s, limit)
	}
	return res, nil
}

// refund gives back a reservation: the credential was right, or it was never checked.
// It uses a context of its own, so that a request that ends does not keep its attempt.
func (db *DB) refund(ctx context.Context, res *reservation) error {
	ctx = context.WithoutCancel(ctx)
	tx, err := db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, key := range res.keys {
		if _, err := tx.ExecContext(ctx, `
			UPDATE credential_attempts SET failures = failures - 1 WHERE key = ? AND reset_at = ? AND failures > 0`,
			key, res.resetAt[i]); err != nil {
			return fmt.Errorf("refund attempt: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("refund attempt: %w", err)
	}
	return nil
}

// checkReserved checks password against hash, an attempt having been reserved for it:
// the attempt is given back when the password is right, or could not be checked (the
// hasher stayed busy). An empty or malformed hash matches nothing, in the time a real one
// takes.
func (db *DB) checkReserved(ctx context.Context, res *reservation, hash, password string) (bool, error) {
	ok, err := db.Hasher.Check(ctx, hash, password)
	if err != nil || ok {
		if rerr := db.refund(ctx, res); rerr != nil {
			return false, rerr
		}
	}
	return ok, err
}

// checkNotLimited answers RATE_LIMITED when subject already failed as often as the limit
// allows, for checks cheap enough to make first and count after (see recordFailure).
func (db *DB) checkNotLimited(ctx context.Context, tx *Tx, subject attemptSubject) error {
	var failures, resetAt sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT failures, reset_at FROM credential_attempts WHERE key = ? AND reset_at > ?`,
		subject.key(), toMicro(tx.now)).Scan(&failures, &resetAt)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("read attempts: %w", err)
	}
	return db.limited(subject, failures, resetAt, tx.now)
}

// limited answers RATE_LIMITED when subject's failures of the window that ends at resetAt
// (both NULL: none) reached the limit.
func (db *DB) limited(subject attemptSubject, failures, resetAt sql.NullInt64, now time.Time) error {
	if failures.Valid && failures.Int64 >= int64(db.CredentialLimit.OrDefault().Failures) {
		return errTooManyFailures(subject, fromMicro(resetAt.Int64).Sub(now))
	}
	return nil
}

// recordFailure counts a failed check that was made before it was counted (an API key, a
// session key). It returns RATE_LIMITED when this failure is over the limit, so that
// however many requests fail at once, at most the limit of them are told that the
// credential is wrong: the others learn only that they must wait.
func (db *DB) recordFailure(ctx context.Context, subject attemptSubject) error {
	ctx = context.WithoutCancel(ctx)
	tx, err := db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	limit := db.CredentialLimit.OrDefault()
	failures, resetAt, err := countFailure(ctx, tx, subject.key(), limit)
	if err != nil {
		return err
	}
	if err := deleteEndedWindows(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record failure: %w", err)
	}
	if failures == limit.Failures {
		db.logLimitReached(subject, limit)
	}
	if failures > limit.Failures {
		return errTooManyFailures(subject, fromMicro(resetAt).Sub(tx.now))
	}
	return nil
}

// countFailure adds one failure to key's window, starting a new window when the last one
// ended, and returns the failures of the window and when it ends. It is one statement, so
// that concurrent attempts each see their own count.
func countFailure(ctx context.Context, tx *Tx, key string, limit server.CredentialLimit) (failures int, resetAt int64, err error) {
	now := toMicro(tx.now)
	next := toMicro(tx.now.Add(limit.Window))
	err = tx.QueryRowContext(ctx, `
		INSERT INTO credential_attempts (key, failures, reset_at) VALUES (?1, 1, ?3)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN reset_at <= ?2 THEN 1 ELSE failures + 1 END,
			reset_at = CASE WHEN reset_at <= ?2 THEN ?3 ELSE reset_at END
		RETURNING failures, reset_at`, key, now, next).Scan(&failures, &resetAt)
	if err != nil {
		return 0, 0, fmt.Errorf("count attempt: %w", err)
	}
	return failures, resetAt, nil
}

// deleteEndedWindows deletes a few rows whose window ended: they count nothing any more.
func deleteEndedWindows(ctx context.Context, tx *Tx) error {
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM credential_attempts WHERE key IN (
			SELECT key FROM credential_attempts WHERE reset_at <= ? ORDER BY reset_at LIMIT ?)`,
		toMicro(tx.now), cleanupBatch); err != nil {
		return fmt.Errorf("delete ended attempts: %w", err)
	}
	return nil
}

// logLimitReached says, once per window, that a subject used up its failures. The log
// names a client by its address; an account only by that word, never by the email typed.
func (db *DB) logLimitReached(s attemptSubject, limit server.CredentialLimit) {
	if db.Logger == nil {
		return
	}
	args := []any{"kind", s.kind, "failures", limit.Failures, "window", limit.Window.String()}
	if s.kind != subjectAccount {
		args = append(args, "client", s.value)
	}
	db.Logger.Warn("too many failed credential checks", args...)
}
