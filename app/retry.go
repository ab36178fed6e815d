package app

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// Faults. Reads (the list, a user, the session's capabilities) are retried by the page
// that shows them, with a growing wait, until they succeed or the page is left. Writes
// are never retried by the widget: a write whose answer was lost may have been applied,
// and only the person can tell whether to send it again.

// The waits between automatic retries of a read: retryFirst, doubled each time, at most
// retryMax.
const (
	retryFirst = 500 * time.Millisecond
	retryMax   = 10 * time.Second
)

// backoff is the wait before retry number attempt (1 for the first). r, in [0, 1), spreads
// it by ±20% so that many widgets that lost the directory together do not come back in
// step.
func backoff(attempt int, r float64) time.Duration {
	d := retryFirst
	for i := 1; i < attempt && d < retryMax; i++ {
		d *= 2
	}
	d = min(d, retryMax)
	return time.Duration(float64(d) * (0.8 + 0.4*r))
}

// retryable reports whether a read that failed this way may succeed if asked again: the
// directory did not answer, answered late, was overloaded or broke. Answers about the
// request itself (not found, forbidden, bad input) would come back the same.
func retryable(f *failure) bool {
	if f == nil {
		return false
	}
	switch f.Code {
	case codeUnreachable, codeTimeout, codeUnavailable, codeRateLimited, codeInternal:
		return true
	}
	return false
}

// fault is the first half of a sentence about a failure where the directory gave no
// usable answer, or "" when it answered (then its own sentence says what went wrong).
func fault(f *failure) string {
	switch f.Code {
	case codeUnreachable:
		return "The directory is not answering"
	case codeTimeout:
		return "The directory did not answer in time"
	case codeUnavailable:
		return "The directory answered with an error (" + f.Status + ")"
	case codeRateLimited:
		return "The directory is busy with too many requests"
	case codeInternal:
		return "The directory had an internal error"
	}
	return ""
}

// retryMessage is the sentence shown while a failed read waits to be retried; left is
// the time until the next attempt, zero or less once it is under way.
func retryMessage(f *failure, left time.Duration) string {
	if left <= 0 {
		return fault(f) + "; retrying now…"
	}
	secs := int((left + time.Second - 1) / time.Second)
	return fault(f) + "; retrying in " + strconv.Itoa(secs) + " s…"
}

// The second half of a sentence about a write whose answer did not come, for each kind
// of write.
const (
	unsureSave     = "your change may not have been saved: check the user before saving again."
	unsureCreate   = "the user may have been created: check the list before creating them again."
	unsureDelete   = "the user may have been deleted: check the list before deleting again."
	unsureReset    = "a password reset may have been started: check with the user before starting another."
	unsurePassword = "your password may have been changed: try the new one before changing it again."
)

// writeFailure rewrites the failure of a write for the person at the screen. When the
// directory gave no answer the write may or may not have been applied, and the sentence
// says so with unsure; an answer of the directory (its errors come before anything is
// stored) keeps its own sentence. An internal error of the directory is not retried by
// the widget either, so it says what to do.
func writeFailure(f *failure, unsure string) *failure {
	if f == nil {
		return nil
	}
	switch f.Code {
	case codeUnreachable, codeTimeout, codeUnavailable:
		g := *f
		g.Message = fault(f) + "; " + unsure
		return &g
	case codeInternal:
		g := *f
		g.Message = "The directory had an internal error and did not save this. Try again; if it persists, its operator will find the cause in its log."
		return &g
	}
	return f
}

// retrier drives the automatic retries of one page's read. The page calls failed when
// the read fails and succeeded when it works; the timers are the page's own (ctx.After),
// so they end with the page: go-app drops what a dismounted component dispatches, and
// gen drops what an earlier visit of the same component scheduled.
type retrier struct {
	attempt int       // failed attempts in a row
	at      time.Time // when the next attempt starts
	err     *failure  // the last failure, while retrying
	gen     int
}

// failed records a failed read. A retryable one schedules run after the next wait and
// returns true; the page then shows message.
func (r *retrier) failed(ctx app.Context, f *failure, run func(app.Context)) bool {
	r.gen++
	if !retryable(f) {
		r.attempt, r.err = 0, nil
		return false
	}
	r.attempt++
	r.err = f
	r.at = time.Now().Add(backoff(r.attempt, rand.Float64()))
	r.wait(ctx, r.gen, run)
	return true
}

// wait wakes the page on each whole second left, so that the countdown moves, and runs
// the read when the time is up.
func (r *retrier) wait(ctx app.Context, gen int, run func(app.Context)) {
	left := time.Until(r.at)
	if left <= 0 {
		run(ctx)
		return
	}
	step := left % time.Second
	if step < 50*time.Millisecond {
		step += time.Second
	}
	ctx.After(min(step, left), func(ctx app.Context) {
		if gen == r.gen {
			r.wait(ctx, gen, run)
		}
	})
}

// now cancels the wait and runs the read at once ("Retry now").
func (r *retrier) now(ctx app.Context, run func(app.Context)) {
	r.gen++
	r.at = time.Now()
	run(ctx)
}

// reset forgets the failures: the read worked, or the page asks for something else.
func (r *retrier) reset() {
	r.gen++
	r.attempt, r.err = 0, nil
}

// retrying reports whether a failure is being retried.
func (r *retrier) retrying() bool {
	return r.err != nil
}

// message is the sentence about the failure being retried.
func (r *retrier) message() string {
	return retryMessage(r.err, time.Until(r.at))
}

// unsureRevoke is the second half of a sentence about a revocation whose answer did not come.
const unsureRevoke = "the key may have been revoked: check the list of keys before revoking again."
