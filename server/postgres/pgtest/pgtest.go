// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb into a temporary
// folder, the server on a free port with its socket in that folder, one new database per
// test. Run as root (CI), the server runs as the postgres user, since initdb refuses root.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	Dir  string // data folder, log and socket
	Port int
	bin  string
	as   string // the OS user the server runs as; "" for the current one
}

var (
	shared     *Cluster
	sharedErr  error
	sharedOnce sync.Once
	databases  atomic.Int64
)

// Main runs the tests of m and stops the shared cluster, if a test started it; call it
// from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// NewDatabase returns the URL of a new, empty database on the shared cluster, which the
// first call starts. The test fails when PostgreSQL is not installed: `make test-deps`
// installs it.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		tb.Fatalf("start PostgreSQL: %v", sharedErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), databases.Add(1))
	if err := shared.CreateDatabase(name); err != nil {
		tb.Fatal(err)
	}
	return shared.URL(name)
}

// NewDatabaseFrom returns the URL of a new database made as a copy of the database
// template, which the first call for that name makes empty and hands to prepare (to
// apply migrations once rather than for every test); prepare must close its
// connections, since a database is copied only when none are open.
func NewDatabaseFrom(tb testing.TB, template string, prepare func(url string) error) string {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		tb.Fatalf("start PostgreSQL: %v", sharedErr)
	}
	templatesMu.Lock()
	t, ok := templates[template]
	if !ok {
		t = &templateDB{}
		templates[template] = t
	}
	templatesMu.Unlock()
	t.once.Do(func() {
		if t.err = shared.CreateDatabase(template); t.err == nil {
			t.err = prepare(shared.URL(template))
		}
	})
	if t.err != nil {
		tb.Fatalf("prepare database %s: %v", template, t.err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), databases.Add(1))
	if err := shared.exec("CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{template}.Sanitize()); err != nil {
		tb.Fatal(err)
	}
	return shared.URL(name)
}

type templateDB struct {
	once sync.Once
	err  error
}

var (
	templatesMu sync.Mutex
	templates   = map[string]*templateDB{}
)

// Bin returns the folder of the newest PostgreSQL's server programs, from Debian's
// /usr/lib/postgresql/<version>/bin, or where pg_ctl is on the PATH.
func Bin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): run `make test-deps`, or apt-get install postgresql")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start makes a cluster in a new temporary folder and starts it.
func Start() (*Cluster, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "useradmin-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		c.as = "postgres"
		u, err := user.Lookup(c.as)
		if err != nil {
			return nil, fmt.Errorf("running as root, the server runs as the postgres user, which is missing: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if c.Port, err = freePort(); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// Tests need no durability against a crash of the machine: fsync off spares the disk.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200", c.Port, dir)
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return c, nil
}

// run runs one of the server's programs, as the cluster's user, with no standard input.
func (c *Cluster) run(program string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, program)
	var cmd *exec.Cmd
	if c.as != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.as, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.Dir
	return cmd.CombinedOutput()
}

// Stop stops the server at once and removes its folder.
func (c *Cluster) Stop() error {
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	if rerr := os.RemoveAll(c.Dir); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// URL returns the address of the database name, through the cluster's socket.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", name, c.Dir, c.Port)
}

// CreateDatabase creates an empty database.
func (c *Cluster) CreateDatabase(name string) error {
	return c.exec("CREATE DATABASE " + pgx.Identifier{name}.Sanitize())
}

// exec runs a statement on the cluster's postgres database.
func (c *Cluster) exec(statement string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
