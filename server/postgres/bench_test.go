package postgres_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
	"useradmin/server/postgres"
	"useradmin/server/postgres/pgtest"
	"useradmin/server/storetest"
)

// The benchmarks run on one organization of BENCH_USERS users (10^5 unless set), made
// once per run on the test cluster, or on the database at BENCH_PG_URL, which is reused
// when it has them already.
var pgBench struct {
	once       sync.Once
	err        error
	users      *postgres.UserService
	workspaces *postgres.WorkspaceService
	ctx        context.Context
	db         *postgres.DB
}

const pgBenchAdminKey = "ua_benchmark-admin-key"

func mustPGBench(b *testing.B) {
	b.Helper()
	pgBench.once.Do(func() { pgBench.err = openPGBench(b) })
	if pgBench.err != nil {
		b.Fatal(pgBench.err)
	}
}

func openPGBench(b *testing.B) error {
	n := 100_000
	if s := os.Getenv("BENCH_USERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			return fmt.Errorf("BENCH_USERS: %w", err)
		}
	}
	pgBenchUsers = n
	url := os.Getenv("BENCH_PG_URL")
	if url == "" {
		url = pgtest.NewDatabase(b)
	}
	db := postgres.NewDB(url)
	if err := db.Open(); err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := db.Seed(ctx, postgres.SeedOptions{AdminKey: pgBenchAdminKey}); err != nil {
		return err
	}
	auth, err := postgres.NewAuthService(db).Authenticate(ctx, pgBenchAdminKey)
	if err != nil {
		return err
	}
	pgBench.ctx = server.NewContextWithAuth(ctx, auth)
	pgBench.users, pgBench.db = postgres.NewUserService(db), db
	have, err := pgBench.users.CountUsers(pgBench.ctx, server.UserFilter{})
	if err != nil {
		return err
	}
	if have < n {
		start := time.Now()
		if err := db.GenerateUsers(ctx, auth.User.OrganizationID, n-have); err != nil {
			return err
		}
		fmt.Printf("generated %d users in %s\n", n-have, time.Since(start).Round(time.Millisecond))
	}
	// 10^4 workspaces at 10^6 users: a hundred members each, and "All hands" a fifth.
	start := time.Now()
	if err := db.GenerateWorkspaces(ctx, auth.User.OrganizationID, pgBenchWorkspaces()); err != nil {
		return err
	}
	fmt.Printf("generated workspaces in %s\n", time.Since(start).Round(time.Millisecond))
	pgBench.workspaces = postgres.NewWorkspaceService(db)
	// One user has a username that shares nothing with their email and names.
	if named, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{Username: ptrTo(benchUsername)}, server.Page{Limit: 1}, nil); err != nil {
		return err
	} else if len(named) == 0 {
		some, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{Role: ptrTo(server.RoleUser)}, server.Page{Limit: 1, Offset: n / 2}, nil)
		if err != nil || len(some) == 0 {
			return fmt.Errorf("find a user to name: %v", err)
		}
		if _, err := pgBench.users.UpdateUser(pgBench.ctx, server.UserRef{ID: some[0].ID}, server.UserUpdate{Username: ptrTo(benchUsername)}); err != nil {
			return err
		}
	}
	return nil
}

// benchUsername is the username of one of the benchmark's users.
const benchUsername = "Qwz_bench_7"

func benchFind(b *testing.B, filter server.UserFilter, page server.Page, order []server.UserOrder) {
	mustPGBench(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := pgBench.users.FindUsers(pgBench.ctx, filter, page, order); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCount(b *testing.B, filter server.UserFilter) {
	mustPGBench(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := pgBench.users.CountUsers(pgBench.ctx, filter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPG_FirstPage(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Limit: 100}, nil)
}

func BenchmarkPG_PageByLastname(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Limit: 100}, []server.UserOrder{{Field: server.SortLastname}})
}

func BenchmarkPG_DeepPage(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Offset: 50_000, Limit: 100}, nil)
}

func BenchmarkPG_Count(b *testing.B) {
	benchCount(b, server.UserFilter{})
}

func BenchmarkPG_CountAdminsActive(b *testing.B) {
	role, on := server.RoleAdmin, true
	benchCount(b, server.UserFilter{Role: &role, Activated: &on})
}

func BenchmarkPG_SearchPage(b *testing.B) {
	q := "kowal"
	benchFind(b, server.UserFilter{Search: &q}, server.Page{Limit: 100}, nil)
}

func BenchmarkPG_SearchCount(b *testing.B) {
	q := "kowal"
	benchCount(b, server.UserFilter{Search: &q})
}

func BenchmarkPG_ShortSearchCount(b *testing.B) {
	q := "ma"
	benchCount(b, server.UserFilter{Search: &q})
}

func BenchmarkPG_Update(b *testing.B) {
	mustPGBench(b)
	users, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{Role: ptrTo(server.RoleUser)}, server.Page{Limit: 1}, nil)
	if err != nil || len(users) == 0 {
		b.Fatal(err)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		name := fmt.Sprint("Name ", i)
		if _, err := pgBench.users.UpdateUser(pgBench.ctx, server.UserRef{ID: users[0].ID}, server.UserUpdate{Firstname: &name}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchWorkspace returns the id of the benchmark organization's workspace called name.
func benchWorkspace(b *testing.B, name string) string {
	b.Helper()
	list, err := pgBench.workspaces.FindWorkspaces(pgBench.ctx, server.WorkspaceFilter{Search: &name}, server.Page{Limit: 1})
	if err != nil || len(list) != 1 {
		b.Fatalf("workspace %s: %v %v", name, list, err)
	}
	return list[0].ID
}

// BenchmarkPG_Workspaces measures, at BENCH_USERS users in BENCH_USERS/100 workspaces, a
// page filtered by a workspace and its count, for a workspace of about a hundred members
// and for one of a fifth of the users, and a page of the latter a tenth of the way in;
// pages sorted by last sign-in and by username; the dormant count and page; a search by
// username; a page of workspaces with their member counts, and the workspaces of a page
// of users.
func BenchmarkPG_Workspaces(b *testing.B) {
	mustPGBench(b)
	small := benchWorkspace(b, fmt.Sprintf("Workspace %05d", 4242%pgBenchWorkspaces()))
	large := benchWorkspace(b, "All hands")
	dormant := time.Now().AddDate(0, 0, -90)
	search := "qwz_bench"
	page := server.Page{Limit: 100}
	for _, bc := range []struct {
		name   string
		filter server.UserFilter
		order  []server.UserOrder
		offset int
	}{
		{"SmallWorkspace", server.UserFilter{WorkspaceID: &small}, nil, 0},
		{"LargeWorkspace", server.UserFilter{WorkspaceID: &large}, nil, 0},
		{"LargeWorkspaceByLastname", server.UserFilter{WorkspaceID: &large}, []server.UserOrder{{Field: server.SortLastname}}, 0},
		{"LargeWorkspaceDeepPage", server.UserFilter{WorkspaceID: &large}, []server.UserOrder{{Field: server.SortCreatedAt}}, pgBenchUsers / 50},
		{"BySignIn", server.UserFilter{}, []server.UserOrder{{Field: server.SortLastSignedInAt}}, 0},
		{"BySignInDesc", server.UserFilter{}, []server.UserOrder{{Field: server.SortLastSignedInAt, Desc: true}}, 0},
		{"Dormant90Days", server.UserFilter{SignedInBefore: &dormant}, nil, 0},
		{"NeverSignedIn", server.UserFilter{NeverSignedIn: ptrTo(true)}, nil, 0},
		{"ByUsername", server.UserFilter{}, []server.UserOrder{{Field: server.SortUsername}}, 0},
		{"SearchUsername", server.UserFilter{Search: &search}, nil, 0},
		{"Username", server.UserFilter{Username: ptrTo("QWZ_BENCH_7")}, nil, 0},
	} {
		b.Run("Find/"+bc.name, func(b *testing.B) {
			page := server.Page{Limit: page.Limit, Offset: bc.offset}
			for b.Loop() {
				if users, err := pgBench.users.FindUsers(pgBench.ctx, bc.filter, page, bc.order); err != nil {
					b.Fatal(err)
				} else if len(users) == 0 {
					b.Fatal("empty page")
				}
			}
		})
		if bc.order != nil {
			continue
		}
		b.Run("Count/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if n, err := pgBench.users.CountUsers(pgBench.ctx, bc.filter); err != nil {
					b.Fatal(err)
				} else if n == 0 {
					b.Fatal("none counted")
				}
			}
		})
	}
	b.Run("WorkspacesPage", func(b *testing.B) {
		offset := pgBenchWorkspaces() / 2
		for b.Loop() {
			if list, err := pgBench.workspaces.FindWorkspaces(pgBench.ctx, server.WorkspaceFilter{}, server.Page{Limit: 100, Offset: offset}); err != nil || len(list) == 0 {
				b.Fatal(len(list), err)
			}
		}
	})
	b.Run("CountWorkspaces", func(b *testing.B) {
		for b.Loop() {
			if _, err := pgBench.workspaces.CountWorkspaces(pgBench.ctx, server.WorkspaceFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UsersWorkspaces", func(b *testing.B) {
		users, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{}, page, nil)
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		for b.Loop() {
			if byUser, err := pgBench.workspaces.UsersWorkspaces(pgBench.ctx, ids, 3); err != nil || len(byUser) != len(ids) {
				b.Fatal(len(byUser), err)
			}
		}
	})
}

// pgBenchUsers is how many users the benchmark's organization has (BENCH_USERS).
var pgBenchUsers int

// pgBenchWorkspaces is how many workspaces the benchmark's organization has.
func pgBenchWorkspaces() int { return max(1, pgBenchUsers/100) }

// BenchmarkPG_BulkDeactivate deactivates the BENCH_BULK_USERS users (10^5 unless set)
// of an organization, all activated, in batches of server.MaxBulkBatch, as the widget's
// bulk action does: the target is 30 s for 10^5. Each run has an organization of its
// own, made before the clock starts. Besides the time, it reports the CPU time of the
// database and of the client, which a loaded machine does not inflate.
func BenchmarkPG_BulkDeactivate(b *testing.B) {
	n := 100_000
	if s := os.Getenv("BENCH_BULK_USERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	db := postgres.NewDB(pgtest.NewDatabase(b))
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bulk, users := postgres.NewBulkService(db), postgres.NewUserService(db)
	cpu := newCPUClock(b, db)
	on, off := true, false
	run := 0
	for b.Loop() {
		b.StopTimer()
		run++
		ctx, auth := benchAdmin(b, db, fmt.Sprint("Bulk ", run),
			server.UserCreate{Email: fmt.Sprintf("admin%d@bulk.example", run), Password: "correct horse"})
		if err := db.GenerateUsers(context.Background(), auth.User.OrganizationID, n); err != nil {
			b.Fatal(err)
		}
		// A tenth of the generated users are deactivated: they are activated first, so
		// that the action deactivates all n.
		storetest.RunBulk(b, bulk, ctx, server.UserFilter{Activated: &off}, server.BulkChange{Activated: &on}, server.MaxBulkBatch)
		want, err := users.CountUsers(ctx, server.UserFilter{Activated: &on})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		serverStart, selfStart := cpu.now()
		got, _ := storetest.RunBulk(b, bulk, ctx, server.UserFilter{Activated: &on}, server.BulkChange{Activated: &off}, server.MaxBulkBatch)
		changed := got.Changed
		serverEnd, selfEnd := cpu.now()
		if changed != want-1 {
			b.Fatalf("%d users deactivated, want %d", changed, want-1)
		}
		b.ReportMetric(float64(changed), "users/op")
		b.ReportMetric((serverEnd - serverStart).Seconds(), "db-cpu-s/op")
		b.ReportMetric((selfEnd - selfStart).Seconds(), "go-cpu-s/op")
	}
}

// BenchmarkPG_Export exports all BENCH_USERS users of the benchmark organization (run it
// with BENCH_USERS=1000000 for the 10^6 of the target), sorted by last and first name,
// through the store into the CSV writer: the time, and the rows a second.
func BenchmarkPG_Export(b *testing.B) {
	mustPGBench(b)
	svc := postgres.NewExportService(pgBench.db)
	columns := []exportcsv.Column{exportcsv.Email, exportcsv.Firstname, exportcsv.Lastname, exportcsv.OrganizationRole,
		exportcsv.Activated, exportcsv.CreatedAt, exportcsv.LastSignedInAt}
	create := server.ExportCreate{Order: []server.UserOrder{{Field: server.SortLastname}, {Field: server.SortFirstname}}, Columns: columns}
	for b.Loop() {
		e, err := svc.CreateExport(pgBench.ctx, create)
		if err != nil {
			b.Fatal(err)
		}
		run, err := svc.RedeemExport(pgBench.ctx, e.Token)
		if err != nil {
			b.Fatal(err)
		}
		w := exportcsv.NewWriter(io.Discard, run.Columns)
		rows := 0
		start := time.Now()
		if err := svc.WriteExport(pgBench.ctx, run, func(r *exportcsv.Row) error { rows++; return w.WriteRow(r) }, w.Flush); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
		if rows != e.Total {
			b.Fatalf("%d rows of %d", rows, e.Total)
		}
	}
}

// cpuClock measures the CPU time the database server and this process spend, which,
// unlike the wall time, does not grow with what else the machine runs: the server's
// processes are the postmaster of db's cluster and its children (the finished ones are
// counted in its children's times), read from /proc; none when they cannot be read.
type cpuClock struct {
	postmaster int
}

func newCPUClock(tb testing.TB, db *postgres.DB) *cpuClock {
	raw := mustRaw(tb, db)
	var dir string
	if err := raw.QueryRow(`SHOW data_directory`).Scan(&dir); err != nil {
		tb.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return &cpuClock{}
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(text), "\n", 2)[0])
	return &cpuClock{postmaster: pid}
}

// now returns the CPU time spent so far by the server and by this process.
func (c *cpuClock) now() (server, self time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if c.postmaster == 0 {
		return 0, self
	}
	ticks := func(pid int, withChildren bool) (ppid, t int64) {
		text, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, 0
		}
		f := strings.Fields(string(text[strings.LastIndexByte(string(text), ')')+2:]))
		num := func(i int) int64 { n, _ := strconv.ParseInt(f[i], 10, 64); return n }
		t = num(11) + num(12) // utime, stime
		if withChildren {
			t += num(13) + num(14) // cutime, cstime
		}
		return num(1), t
	}
	_, total := ticks(c.postmaster, true)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if pid, err := strconv.Atoi(d.Name()); err == nil && pid != c.postmaster {
			if ppid, t := ticks(pid, false); ppid == int64(c.postmaster) {
				total += t
			}
		}
	}
	return time.Duration(total) * time.Second / 100, self // USER_HZ is 100 on Linux
}

// benchAdmin creates an organization named name with admin as its first admin, and
// returns a context signed in with the admin's key.
func benchAdmin(b *testing.B, db *postgres.DB, name string, admin server.UserCreate) (context.Context, *server.Auth) {
	b.Helper()
	_, _, key, err := db.CreateOrganization(context.Background(), name, admin)
	if err != nil {
		b.Fatal(err)
	}
	auth, err := postgres.NewAuthService(db).Authenticate(context.Background(), key.Key)
	if err != nil {
		b.Fatal(err)
	}
	return server.NewContextWithAuth(context.Background(), auth), auth
}
