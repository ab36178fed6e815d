// Package sqlite implements the directory's services on an embedded SQLite database
// (modernc.org/sqlite, no cgo).
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"useradmin/server"
	"useradmin/server/password"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// DB is the directory's SQLite database.
type DB struct {
	db *sql.DB

	// Path is the database file.
	Path string

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
	// server.DefaultAuditRetention (400 days). RunAuditSweep deletes older ones.
	AuditRetention time.Duration

	// Hasher hashes and checks passwords, a bounded number at once.
	Hasher *password.Hasher

	// Logger says when a client or an account reaches the limit; nil: no log.
	Logger *slog.Logger

	// Changes receives each committed write of a user (see Tx.Commit); nil: none is
	// published.
	Changes server.Changes

	// shared holds the statements of sharedStatements, prepared by Open and only read
	// after (see Tx.prepared).
	shared map[string]*sql.Stmt
}

// NewDB returns a DB for the file at path; call Open before use.
func NewDB(path string) *DB {
	return &DB{Path: path, Now: time.Now, Hasher: password.NewDefaultHasher()}
}

// Open opens the database, creating its folder and file if missing, and applies the
// migrations it has not applied yet.
func (db *DB) Open() error {
	if db.Path == "" {
		return fmt.Errorf("open database: the path is empty")
	}
	if err := os.MkdirAll(filepath.Dir(db.Path), 0o700); err != nil {
		return fmt.Errorf("create database folder: %w", err)
	}
	sqlDB, err := sql.Open("sqlite", dsn(db.Path))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	// database/sql keeps only 2 idle connections by default: under many clients it closes
	// and opens connections all the time, and each new one starts with an empty page
	// cache. A fixed set, kept open, keeps its caches warm; more connections than a few
	// per core would only queue for the cores and multiply the caches.
	conns := max(8, 2*runtime.GOMAXPROCS(0))
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	db.db = sqlDB
	if err := db.migrate(); err != nil {
		sqlDB.Close()
		return err
	}
	if err := db.prepareShared(); err != nil {
		db.Close()
		return err
	}
	return nil
}

// sharedStatements are the fixed statements that (nearly) every request runs: the key's
// check, the caller's and their key's. SQLite would parse and plan each again on every
// run; prepared once, database/sql prepares each on every connection the first time it
// runs there, and keeps it.
var sharedStatements = []string{authenticateKey, findUserQuery, callerKeyQuery}

// prepareShared prepares sharedStatements. It runs before any transaction can: a
// statement prepared for the database takes a connection of its own, which a transaction
// holding one of the last could wait for forever.
func (db *DB) prepareShared() error {
	db.shared = make(map[string]*sql.Stmt, len(sharedStatements))
	for _, q := range sharedStatements {
		st, err := db.db.Prepare(q)
		if err != nil {
			return fmt.Errorf("prepare statements: %w", err)
		}
		db.shared[q] = st
	}
	return nil
}

// cacheSizeKiB is the page cache of each connection: 64 MiB, so that the hot part of the
// indexes of a million users stays in memory.
const cacheSizeKiB = 65536

// dsn returns the connection string for the file at path. Every connection gets:
//   - journal_mode WAL, so readers never wait for the writer;
//   - synchronous NORMAL: in WAL mode a commit is in the log before it returns, so it
//     survives the process being killed (only a power cut may lose the last commits),
//     without an fsync on every write;
//   - foreign_keys, which SQLite leaves off by default;
//   - busy_timeout, so a writer waits for another instead of failing at once;
//   - _txlock=immediate: write transactions take the write lock when they begin, never
//     by upgrading a read lock midway, which SQLite can only answer with SQLITE_BUSY.
//     Read-only transactions (sql.TxOptions.ReadOnly) still begin deferred.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheSizeKiB))
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
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
	// The shared statements end with the connections they were prepared on.
	return db.db.Close()
}

// migrate applies, in name order, each migration file not yet recorded in the
// migrations table, each in its own transaction.
func (db *DB) migrate() error {
	if _, err := db.db.Exec(`CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateFile(name); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// migrationFills are what some migrations need done by the program after their SQL, in
// the same transaction: filling a new table from the rows already stored. The user_grams
// that migration 001 made are counted by 011, which counts usernames too (and reads the
// username column, which 001 comes before).
var migrationFills = map[string]func(ctx context.Context, tx *Tx) error{
	"migration/006_usernames_sign_in.sql": fillUsernames,
	"migration/011_search_usernames.sql":  func(ctx context.Context, tx *Tx) error { return fillUserGrams(ctx, tx, 0) },
}

func (db *DB) migrateFile(name string) error {
	tx, err := db.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	} else if n != 0 {
		return nil
	}
	text, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(string(text)); err != nil {
		return err
	}
	if fill := migrationFills[name]; fill != nil {
		if err := fill(context.Background(), &Tx{Tx: tx, db: db, now: db.now()}); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`INSERT INTO migrations (name) VALUES (?)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is a transaction that knows the time it started at.
type Tx struct {
	*sql.Tx
	db      *DB
	now     time.Time
	changes []server.UserChange  // the writes of users to publish once committed
	write   bool                 // a write transaction, which a read-only embed token may not use
	stmts   map[string]*sql.Stmt // the statements of prepared, closed with the transaction
}

// prepared returns query prepared for tx, once for the transaction: a statement run for
// each row of a batch, such as an import's update of each user, is parsed only once, and
// one of sharedStatements is not parsed at all.
func (tx *Tx) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if shared := tx.db.shared[query]; shared != nil {
		st = tx.StmtContext(ctx, shared)
	} else {
		var err error
		if st, err = tx.PrepareContext(ctx, query); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// beginTx starts a write transaction; it holds the database's write lock until it ends.
func (db *DB) beginTx(ctx context.Context) (*Tx, error) {
	return db.begin(ctx, nil)
}

// beginReadTx starts a read-only transaction, which sees one snapshot and never waits.
func (db *DB) beginReadTx(ctx context.Context) (*Tx, error) {
	return db.begin(ctx, &sql.TxOptions{ReadOnly: true})
}

func (db *DB) begin(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &Tx{Tx: tx, db: db, now: db.now(), write: opts == nil || !opts.ReadOnly}, nil
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
