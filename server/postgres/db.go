// Package postgres implements the directory's services on PostgreSQL (github.com/jackc/pgx),
// for several instances of the server on one database. It answers as the SQLite store
// does (the same tests run against both, see server/storetest); what differs is how
// concurrent writers are kept apart: SQLite has one writer at a time, here every write of
// an organization's users, keys or invitations first locks that organization's row, and
// what spans organizations (unique emails, invitations of a user's address) is held by
// constraints and triggers. Limits, sessions and single-use tokens live in the database,
// so that they hold across instances.
package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"useradmin/server"
	"useradmin/server/password"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// DB is the directory's PostgreSQL database.
type DB struct {
	db *sql.DB

	// URL is the database's connection string: postgres://user:password@host:port/name?….
	URL string

	// Now returns the current time; tests replace it to control time.
	Now func() time.Time

	// CredentialLimit bounds failed credential checks per account and per client; the
	// zero value is the default, 10 a minute.
	CredentialLimit server.CredentialLimit

	// InvitationLifetime is how long invitation links work; 0 means
	// server.DefaultInvitationLifetime (7 days).
	InvitationLifetime time.Duration

	// InvitationLimit bounds the invitation emails each organization sends; the zero
	// value is the default, 200 an hour.
	InvitationLimit server.InvitationLimit

	// AuditRetention is how long audit events are kept; 0 means
	// server.DefaultAuditRetention.
	AuditRetention time.Duration

	// Hasher hashes and checks passwords, a bounded number at once.
	Hasher *password.Hasher

	// Logger says when a client or an account reaches the limit; nil: no log.
	Logger *slog.Logger
}

// NewDB returns a DB for the database at url; call Open before use.
func NewDB(url string) *DB {
	return &DB{URL: url, Now: time.Now, Hasher: password.NewDefaultHasher()}
}

// IsURL reports whether dsn names a PostgreSQL database rather than a SQLite file.
func IsURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database and applies the migrations it has not applied yet;
// several instances may open one database at once.
func (db *DB) Open() error {
	if db.URL == "" {
		return fmt.Errorf("open database: the URL is empty")
	}
	config, err := pgx.ParseConfig(db.URL)
	if err != nil {
		return fmt.Errorf("open database: the URL is not valid: %w", err)
	}
	// Every query is planned for its own arguments: a statement prepared once and run
	// with a generic plan reads a page of one organization as if LIMIT were unknown, tens
	// of times slower. Describing each statement once is kept; the statements of every
	// request that gain from a plan made once say so (everyRequest).
	config.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	sqlDB := stdlib.OpenDB(*config)
	// A few connections per core: more would only queue for the database's cores, and
	// each instance of the server has its own.
	conns := max(8, 4*runtime.GOMAXPROCS(0))
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db.db = sqlDB
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return err
	}
	return nil
}

// Ping checks that the database answers, for the server's health check.
func (db *DB) Ping(ctx context.Context) error {
	if db.db == nil {
		return fmt.Errorf("ping database: not open")
	}
	return db.db.PingContext(ctx)
}

// Close closes the database.
func (db *DB) Close() error {
	if db.db == nil {
		return nil
	}
	return db.db.Close()
}

// Keys of the advisory locks that instances take around work that one of them must do
// alone: migrating the schema, seeding an empty database.
const (
	migrateLock = 0x75736572_61646d31 // "useradm1"
	seedLock    = 0x75736572_61646d32
	changeLock  = 0x75736572_61646d33 // numbering the change log, see Tx.Commit
)

// migrate applies, in name order, each migration file not yet recorded in the
// migrations table, each in its own transaction. An instance holds an advisory lock
// while it migrates: others starting at the same moment wait, then find the migrations
// applied.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := migrateFile(ctx, conn, name); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

func migrateFile(ctx context.Context, conn *sql.Conn, name string) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = $1`, name).Scan(&n); err != nil {
		return err
	} else if n != 0 {
		return nil
	}
	text, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	// Without arguments, the file is sent as one simple query: all its statements run.
	if _, err := tx.ExecContext(ctx, string(text)); err != nil {
		return err
	}
	if step := migrationSteps[name]; step != nil {
		if err := step(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name) VALUES ($1)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is a transaction that knows the time it started at, or a view (see beginReadView):
// statements on the pool, outside any transaction.
type Tx struct {
	querier         // tx, or the pool for a view
	tx      *sql.Tx // nil for a view
	db      *DB
	now     time.Time
	changes []server.UserChange // the writes of users to record in the change log at commit
	write   bool                // a write transaction, which a read-only embed token may not use
}

// beginTx starts a write transaction of the caller in ctx: it first locks the caller's
// organization (see lockOrganization), so that what it reads of the organization stays
// as read until it commits. Without a caller, the transaction locks what it needs itself.
func (db *DB) beginTx(ctx context.Context) (*Tx, error) {
	tx, err := db.begin(ctx, nil)
	if err != nil {
		return nil, err
	}
	if me := server.UserFromContext(ctx); me != nil {
		if err := tx.lockOrganization(ctx, me.OrganizationID); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	return tx, nil
}

// beginUnlockedTx starts a write transaction that locks nothing first: its statements
// are each atomic on their own (the counts of failed credential checks).
func (db *DB) beginUnlockedTx(ctx context.Context) (*Tx, error) {
	return db.begin(ctx, nil)
}

// beginReadTx starts a read-only transaction, which sees one snapshot and never waits.
func (db *DB) beginReadTx(ctx context.Context) (*Tx, error) {
	return db.begin(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
}

// beginReadView starts a read whose statements each see the database as it is when they
// run, outside any transaction: for the reads that need no snapshot across statements
// (the caller checked, then one read scoped to them), which every request makes. A
// transaction would cost two more round trips, BEGIN and ROLLBACK, each time.
func (db *DB) beginReadView() *Tx {
	return &Tx{querier: db.db, db: db, now: db.now()}
}

func (db *DB) begin(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &Tx{querier: tx, tx: tx, db: db, now: db.now(), write: opts == nil || !opts.ReadOnly}, nil
}

// querier runs statements: a transaction or the pool.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Rollback ends the transaction without its writes; a view has nothing to end.
func (tx *Tx) Rollback() error {
	if tx.tx == nil {
		return nil
	}
	return tx.tx.Rollback()
}

// lockOrganization takes the row lock of the organization orgID until the transaction
// ends: every transaction that writes an organization's users, keys or invitations takes
// it first, on any instance, so that they run one after the other, and a check made in
// one (the last admin, an updatedAt precondition, a pending invitation) still holds when
// it commits. Reads never wait for it, nor do inserts of users (the foreign key's lock
// does not conflict with it).
func (tx *Tx) lockOrganization(ctx context.Context, orgID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, orgID).Scan(&one)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("lock organization: %w", err)
	}
	return nil
}

// now returns the current time as stored: UTC, to the microsecond.
func (db *DB) now() time.Time {
	return db.Now().UTC().Truncate(time.Microsecond)
}

// toMicro and fromMicro convert times to and from how they are stored: unix microseconds.
func toMicro(t time.Time) int64 { return t.UnixMicro() }

func fromMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicro stores an optional time: NULL for nil.
func nullMicro(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: toMicro(*t), Valid: true}
}

// nullString stores an optional text: NULL for "".
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// newID returns a random identifier: 20 lower-case letters and digits (100 bits).
func newID() string {
	return strings.ToLower(rand.Text()[:20])
}

// constraint returns the name of the constraint that err broke, with its SQLSTATE class
// (unique_violation 23505, check_violation 23514 from the triggers), or "" when err is
// no such error.
func constraint(err error) (code, name string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

// SQLSTATE codes the store tells apart.
const (
	uniqueViolation = "23505"
	checkViolation  = "23514"
)

// foldText folds text as searches compare it, as the SQLite store does.
func foldText(text string) string {
	return strings.ToLower(text)
}

// searchText is what the search column holds for a user: what a search matches, folded.
func searchText(u *server.User) string {
	return foldText(u.Email) + "\n" + foldText(u.Firstname) + "\n" + foldText(u.Lastname) + "\n" + foldText(u.Username)
}
