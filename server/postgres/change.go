package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"useradmin/server"
	"useradmin/server/live"
)

// Live updates across instances: every write of a user is recorded in the change log
// (migration 001) in the transaction of the write, and announced with NOTIFY when it
// commits. Each instance listens on a connection of its own, reads the log after the
// last change it handed on, and hands what it reads to its process's subscribers (a
// live.Hub). The log's numbers are the cursors: a subscriber dropped by one instance
// resumes on any other.

// changeChannel is the channel of the NOTIFY that announces new changes.
const changeChannel = "user_changes"

// Timings of the listener.
const (
	// changePoll is how long the listener waits for a notification before it reads the
	// log anyway, and checks that its connection still answers.
	changePoll = 5 * time.Second
	// changePrune is how often an instance deletes the changes older than ChangeRetention.
	changePrune = time.Minute
	// changeRetry is the longest the listener waits before it connects again.
	changeRetry = 5 * time.Second
	// changeBatch is how many changes the listener reads at a time.
	changeBatch = 1000
)

// DefaultChangeRetention is how long the change log keeps a change: a subscriber that
// comes back later is told to read again what it shows (a resync).
const DefaultChangeRetention = time.Hour

// changed records that tx wrote the user id of organization orgID, on behalf of the
// caller in ctx. The primitives that write the users table call it (insertUser,
// writeUser, deleteUserRow), so that every path that writes a user records it; Commit
// writes the records to the change log.
func (tx *Tx) changed(ctx context.Context, kind server.ChangeKind, orgID, id string) {
	tx.changes = server.AddChange(ctx, tx.changes, kind, orgID, id, tx.now)
}

// Commit writes the changes of users tx recorded to the change log, then commits: the
// changes are stored, and announced, exactly when the writes are. The log is numbered
// under a lock held until the commit, so that the changes become visible in the order of
// their numbers: a listener that has read change n has read, or will never see, every
// change before it.
func (tx *Tx) Commit() error {
	if tx.tx == nil {
		return nil // a view wrote nothing
	}
	if len(tx.changes) > 0 {
		if err := recordChanges(context.Background(), tx.tx, tx.changes); err != nil {
			tx.tx.Rollback()
			return err
		}
		tx.changes = nil
	}
	return tx.tx.Commit()
}

// recordChanges writes changes to the change log and announces them, in tx.
func recordChanges(ctx context.Context, tx *sql.Tx, changes []server.UserChange) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(changeLock)); err != nil {
		return fmt.Errorf("lock the change log: %w", err)
	}
	n := len(changes)
	orgs, users, kinds, byIDs, byNames := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ats := make([]int64, n)
	for i, c := range changes {
		orgs[i], users[i], kinds[i], byIDs[i], byNames[i], ats[i] = c.OrganizationID, c.UserID, string(c.Kind), c.ByID, c.ByName, toMicro(c.At)
	}
	_, err := tx.ExecContext(ctx, `
		WITH added AS (
			INSERT INTO user_changes (organization_id, user_id, kind, by_id, by_name, at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
			RETURNING seq)
		SELECT pg_notify('`+changeChannel+`', max(seq)::text) FROM added`,
		orgs, users, kinds, byIDs, byNames, ats)
	if err != nil {
		return fmt.Errorf("record the changes of users: %w", err)
	}
	return nil
}

// Changes is the fan-out of the writes of users across the instances on one database:
// a server.Changes whose cursors are the change log's numbers. Start it with
// ListenChanges; Close stops it.
type Changes struct {
	db     *DB
	hub    *live.Hub
	buffer int
	logger *slog.Logger

	retention time.Duration // how long the log keeps a change

	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	last int64 // the number of the last change handed to hub
}

var _ server.Changes = (*Changes)(nil)

// ListenChanges starts listening to the change log, from its last change, and handing
// the changes to hub's subscribers; a subscriber's replay after a cursor holds at most
// limit's Buffer changes (more: a resync). It returns once it listens.
func (db *DB) ListenChanges(hub *live.Hub, limit server.ChangeLimit) (*Changes, error) {
	c := &Changes{db: db, hub: hub, buffer: limit.OrDefault().Buffer, logger: db.Logger,
		retention: DefaultChangeRetention, done: make(chan struct{})}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	conn, err := c.connect(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	if err := c.db.db.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) FROM user_changes`).Scan(&c.last); err != nil {
		conn.Close(ctx)
		cancel()
		return nil, fmt.Errorf("read the change log: %w", err)
	}
	go c.run(ctx, conn)
	return c, nil
}

// Close stops listening.
func (c *Changes) Close() error {
	c.cancel()
	<-c.done
	return nil
}

// connect opens the listener's connection of its own, LISTENing.
func (c *Changes) connect(ctx context.Context) (*pgx.Conn, error) {
	config, err := pgx.ParseConfig(c.db.URL)
	if err != nil {
		return nil, fmt.Errorf("connect to listen to changes: %w", err)
	}
	// Named, for whoever looks at the database's connections.
	config.RuntimeParams["application_name"] = "useradmin live updates"
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return nil, fmt.Errorf("connect to listen to changes: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+changeChannel); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("listen to changes: %w", err)
	}
	return conn, nil
}

// run listens on conn until ctx ends; when the connection drops, it connects again and
// reads on from the last change it handed on, so that none is missed.
func (c *Changes) run(ctx context.Context, conn *pgx.Conn) {
	defer close(c.done)
	retry := 100 * time.Millisecond
	for {
		if conn != nil {
			err := c.listen(ctx, conn)
			conn.Close(context.Background())
			if ctx.Err() != nil {
				return
			}
			c.logger.Warn("live updates: the connection that listens to changes dropped; connecting again", "error", err)
			retry = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		var err error
		if conn, err = c.connect(ctx); err != nil {
			c.logger.Warn("live updates: cannot listen to changes", "error", err, "retry", retry)
			retry = min(2*retry, changeRetry)
		}
	}
}

// listen reads the log at once, then after every notification of a change it has not
// read yet, and every changePoll, until conn fails or ctx ends.
func (c *Changes) listen(ctx context.Context, conn *pgx.Conn) error {
	pruned := time.Time{}
	for {
		if err := c.catchUp(ctx, conn); err != nil {
			return err
		}
		if time.Since(pruned) > changePrune {
			if err := c.prune(ctx, conn); err != nil {
				return err
			}
			pruned = time.Now()
		}
		if err := c.wait(ctx, conn); err != nil {
			return err
		}
	}
}

// wait returns after a notification of a change not read yet, or after changePoll (a
// poll, which also checks the connection), or with conn's error.
func (c *Changes) wait(ctx context.Context, conn *pgx.Conn) error {
	wait, cancel := context.WithTimeout(ctx, changePoll)
	defer cancel()
	for {
		n, err := conn.WaitForNotification(wait)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			return nil
		case err != nil:
			return err
		}
		if seq, err := strconv.ParseInt(n.Payload, 10, 64); err != nil || seq > c.lastSeq() {
			return nil
		}
		// Read already, with an earlier notification's change.
	}
}

func (c *Changes) lastSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// catchUp hands the changes after the last one handed on to the hub, in order.
func (c *Changes) catchUp(ctx context.Context, conn *pgx.Conn) error {
	for {
		rows, err := conn.Query(ctx, `
			SELECT `+changeColumns+` FROM user_changes
			WHERE seq > $1 ORDER BY seq LIMIT $2`, c.lastSeq(), changeBatch)
		if err != nil {
			return err
		}
		changes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (loggedChange, error) { return scanChange(row) })
		if err != nil {
			return err
		}
		c.mu.Lock()
		for _, ch := range changes {
			c.hub.Deliver(ch.UserChange)
			c.last = ch.seq
		}
		c.mu.Unlock()
		if len(changes) < changeBatch {
			return nil
		}
	}
}

// prune deletes the changes older than the retention; every instance does it now and then.
func (c *Changes) prune(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `DELETE FROM user_changes WHERE at < $1`, toMicro(c.db.now().Add(-c.retention)))
	return err
}

// loggedChange is a change as the log holds it.
type loggedChange struct {
	seq int64
	server.UserChange
}

// changeColumns are the columns scanChange reads.
const changeColumns = `seq, organization_id, user_id, kind, by_id, by_name, at`

func scanChange(row scanner) (loggedChange, error) {
	var c loggedChange
	var kind string
	var at int64
	if err := row.Scan(&c.seq, &c.OrganizationID, &c.UserID, &kind, &c.ByID, &c.ByName, &at); err != nil {
		return c, err
	}
	c.Kind, c.At, c.Cursor = server.ChangeKind(kind), fromMicro(at), cursorOf(c.seq)
	return c, nil
}

// A cursor is "pg-<number in the log>".
const cursorPrefix = "pg-"

func cursorOf(seq int64) string { return cursorPrefix + strconv.FormatInt(seq, 10) }

func parseCursor(cursor string) (int64, error) {
	n, ok := strings.CutPrefix(cursor, cursorPrefix)
	seq, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || seq < 0 {
		return 0, server.FieldErrorf("since", "since must be the cursor of a change received from userChanged: send one back as it came, or none.")
	}
	return seq, nil
}

// Publish records a change written outside the store's transactions, as a write of the
// store would: in the log, for every instance.
func (c *Changes) Publish(change server.UserChange) {
	ctx := context.Background()
	tx, err := c.db.db.BeginTx(ctx, nil)
	if err == nil {
		if err = recordChanges(ctx, tx, []server.UserChange{change}); err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
	}
	if err != nil {
		c.logger.Error("live updates: cannot record a change", "error", err)
	}
}

// Subscribe returns the changes of sub's organization: first those after sub.Since read
// from the log (or a resync when they are no longer kept or more than a buffer holds),
// then those the listener hands on, without one twice.
func (c *Changes) Subscribe(ctx context.Context, sub server.ChangeSubscriber) (<-chan server.UserChange, error) {
	if err := sub.Validate(); err != nil {
		return nil, err
	}
	since := sub.Since
	sub.Since = ""
	if since == "" {
		return c.hub.Subscribe(ctx, sub)
	}
	after, err := parseCursor(since)
	if err != nil {
		return nil, err
	}
	// Subscribed first, read after: a change is either in what is read, or comes after.
	ctx, cancel := context.WithCancel(ctx)
	in, err := c.hub.Subscribe(ctx, sub)
	if err != nil {
		cancel()
		return nil, err
	}
	missed, upTo, err := c.missed(ctx, sub.OrganizationID, after)
	if err != nil {
		cancel()
		return nil, err
	}
	out := make(chan server.UserChange, c.buffer)
	for _, m := range missed {
		out <- m
	}
	go forward(in, out, upTo, cancel)
	return out, nil
}

// missed reads the changes of organization orgID after the change numbered after, up to
// the log's last, upTo; or a resync, when after is not in what the log keeps or more
// changes than a buffer holds came since.
func (c *Changes) missed(ctx context.Context, orgID string, after int64) (missed []server.UserChange, upTo int64, err error) {
	tx, err := c.db.beginReadTx(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var first int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(min(seq), 1), COALESCE(max(seq), 0) FROM user_changes`).Scan(&first, &upTo); err != nil {
		return nil, 0, fmt.Errorf("read the change log: %w", err)
	}
	resync := []server.UserChange{{Kind: server.ChangeResync, OrganizationID: orgID, At: c.db.now(), Cursor: cursorOf(upTo)}}
	if after < first-1 || after > upTo {
		return resync, upTo, nil
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT `+changeColumns+` FROM user_changes
		WHERE organization_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`, orgID, after, upTo, c.buffer+1)
	if err != nil {
		return nil, 0, fmt.Errorf("read the change log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		ch, err := scanChange(rows)
		if err != nil {
			return nil, 0, err
		}
		missed = append(missed, ch.UserChange)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(missed) > c.buffer {
		return resync, upTo, nil
	}
	return missed, upTo, nil
}

// forward hands the changes from in numbered after upTo to out, until in closes or out is
// full (a subscriber that falls behind is dropped); then it closes out and ends the
// subscription to the hub.
func forward(in <-chan server.UserChange, out chan<- server.UserChange, upTo int64, cancel context.CancelFunc) {
	defer cancel()
	defer close(out)
	for ch := range in {
		if seq, err := parseCursor(ch.Cursor); err == nil && seq <= upTo {
			continue
		}
		select {
		case out <- ch:
		default:
			return
		}
	}
}
