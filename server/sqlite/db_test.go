package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/sqlite"
)

func TestDB_Open(t *testing.T) {
	t.Run("CreatesFolder", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a", "b", "users.db")
		db := sqlite.NewDB(path)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("database file: %v", err)
		}
	})

	t.Run("Pragmas", func(t *testing.T) {
		db := MustOpenDB(t)
		for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "10000"} {
			if got, err := db.Pragma(pragma); err != nil {
				t.Fatal(err)
			} else if got != want {
				t.Errorf("%s = %q, want %q", pragma, got, want)
			}
		}
	})

	t.Run("MigrationsOnce", func(t *testing.T) {
		db := MustOpenDB(t)
		org, _, _, err := db.CreateOrganization(context.Background(), "Acme", server.UserCreate{Email: "ann@acme.example", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		MustCloseDB(t, db)
		for range 2 {
			if err := db.Open(); err != nil {
				t.Fatalf("reopen: %v", err)
			}
			MustCloseDB(t, db)
		}
		raw := mustRawDB(t, db)
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob("migration/*.sql")
		if n != len(files) || n == 0 {
			t.Fatalf("migrations = %d, want %d", n, len(files))
		}
		var name string
		if err := raw.QueryRow(`SELECT name FROM organizations WHERE id = ?`, org.ID).Scan(&name); err != nil || name != "Acme" {
			t.Fatalf("organization after reopen: %q, %v", name, err)
		}
	})
}

// TestDB_SurvivesKill checks that a write acknowledged to the caller is on disk even
// when the process is killed right after: a child process (this test binary again)
// creates an organization, says so, and is killed with SIGKILL.
func TestDB_SurvivesKill(t *testing.T) {
	if path := os.Getenv("SQLITE_TEST_KILL_DB"); path != "" {
		db := sqlite.NewDB(path)
		if err := db.Open(); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		org, _, _, err := db.CreateOrganization(context.Background(), "Killed Inc", server.UserCreate{Email: "kim@killed.example", Password: "correct horse"})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("created", org.ID)
		time.Sleep(time.Minute)
		os.Exit(1)
	}

	path := filepath.Join(t.TempDir(), "users.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDB_SurvivesKill$")
	cmd.Env = append(os.Environ(), "SQLITE_TEST_KILL_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	cmd.Process.Kill()
	cmd.Wait()
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "created ")
	if !ok {
		t.Fatalf("child said %q", line)
	}

	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var name string
	if err := mustRawDB(t, db).QueryRow(`SELECT name FROM organizations WHERE id = ?`, id).Scan(&name); err != nil {
		t.Fatalf("organization written before the kill: %v", err)
	}
}

// MustOpenDB opens a new database in a temporary folder and closes it at the end of the test.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "users.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustCloseDB closes db.
func MustCloseDB(tb testing.TB, db *sqlite.DB) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
}

// mustRawDB opens a second, plain connection to db's file, to look at what is stored.
func mustRawDB(tb testing.TB, db *sqlite.DB) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("sqlite", db.Path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

// dump returns everything stored, as text, to compare before and after a call.
func dump(tb testing.TB, db *sqlite.DB) string {
	tb.Helper()
	raw := mustRawDB(tb, db)
	var b strings.Builder
	for _, table := range []string{"organizations", "users", "api_keys", "password_resets", "user_counts",
		"invitations", "invitation_links", "invitation_mail_counts", "user_sign_in_days", "workspaces", "workspace_members", "workspace_counts", "embed_tokens", "audit_events"} {
		order := ` ORDER BY 1, 2, 3`
		if table == "workspace_members" {
			order = ` ORDER BY 1, 2` // its only columns
		}
		rows, err := raw.Query(`SELECT * FROM ` + table + order)
		if err != nil {
			tb.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

// clock is a time that tests move by hand.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time      { return c.t }
func (c *clock) Add(d time.Duration) { c.t = c.t.Add(d) }
func newClock(db *sqlite.DB) *clock {
	c := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return c
}

// TestDB_ConcurrentWrites checks that writers queue for the write lock instead of failing
// with SQLITE_BUSY, while readers go on.
func TestDB_ConcurrentWrites(t *testing.T) {
	p := newPeople(t)
	errs := make(chan error, 40)
	for i := range 4 {
		go func() {
			for j := range 10 {
				var err error
				if i%2 == 0 {
					_, err = p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Firstname: ptr(fmt.Sprint("C", i, j))})
				} else {
					_, err = p.users.FindUsers(p.adminCtx, server.UserFilter{}, server.Page{Limit: 10}, nil)
				}
				errs <- err
			}
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
