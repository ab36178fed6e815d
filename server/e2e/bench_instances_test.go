package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	userserver "useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/postgres/pgtest"
)

// benchPG is the PostgreSQL database behind the benchmarks of several instances:
// BENCH_USERS users (default 1,000,000) in the demo organization, made with the
// benchmarks' admin key on the tests' cluster, once per run, or the database at
// BENCH_PG_URL, used as it is when it has them already (as server/postgres's benchmarks
// do).
var benchPG struct {
	once  sync.Once
	url   string
	users int
	err   error
}

func benchPGDatabase(tb testing.TB) string {
	tb.Helper()
	benchPG.once.Do(func() {
		benchPG.url = os.Getenv("BENCH_PG_URL")
		if benchPG.url == "" {
			benchPG.url = pgtest.NewDatabase(tb)
		}
		benchPG.users, benchPG.err = preparePGBench(benchPG.url)
	})
	if benchPG.err != nil {
		tb.Fatal(benchPG.err)
	}
	return benchPG.url
}

func preparePGBench(url string) (int, error) {
	n := 1_000_000
	if s := os.Getenv("BENCH_USERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			return 0, fmt.Errorf("BENCH_USERS=%q is not a number of users: %w", s, err)
		}
	}
	db := postgres.NewDB(url)
	if err := db.Open(); err != nil {
		return 0, err
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Seed(ctx, postgres.SeedOptions{AdminKey: benchAdminKey}); err != nil {
		return 0, err
	}
	auth, err := postgres.NewAuthService(db).Authenticate(ctx, benchAdminKey)
	if err != nil {
		return 0, fmt.Errorf("the database was not made by the benchmarks (its admin key is not %s): %w", benchAdminKey, err)
	}
	have, err := postgres.NewUserService(db).CountUsers(userserver.NewContextWithAuth(ctx, auth), userserver.UserFilter{})
	if err != nil {
		return 0, err
	}
	if have < n {
		start := time.Now()
		if err := db.GenerateUsers(ctx, auth.User.OrganizationID, n-have); err != nil {
			return 0, err
		}
		fmt.Printf("generated %d users on PostgreSQL in %s\n", n-have, time.Since(start).Round(time.Millisecond))
	}
	return n, nil
}

// startPinnedInstance runs the binary on the PostgreSQL database url with GOMAXPROCS=1,
// all its threads bound to the one core given (taskset), without seeding.
func startPinnedInstance(b *testing.B, url string, core int) *server {
	b.Helper()
	b.Setenv("GOMAXPROCS", "1")
	s := startServerOn(b, url, "-seed=false")
	s.Key = benchAdminKey
	if out, err := exec.Command("taskset", "-a", "-p", "-c", strconv.Itoa(core), strconv.Itoa(s.cmd.Process.Pid)).CombinedOutput(); err != nil {
		b.Fatalf("taskset: %v\n%s", err, out)
	}
	return s
}

// BenchmarkInstances is BenchmarkHTTPList's 64 clients asking for pages of 100 (the page
// alone) through /graphql, on PostgreSQL at BENCH_USERS users: One, to one instance of
// the binary; Two, half of the clients to each of two instances on the same database.
// The target is Two ≥ 1.7 × One, as two instances on two machines would give.
//
// What is measured here is less: on a machine of two cores that everything shares, each
// instance runs with GOMAXPROCS=1 bound to a core of its own (taskset: the one instance
// to core 0, the second to core 1), so that Two has twice the server's CPU of One, but
// PostgreSQL (its backends and their share of every request) and the 64 clients run
// unbound on the same two cores, in both cases. The ratio is therefore what a second
// instance gives while the database and the load do not grow with it; where the time
// goes is reported beside each figure: the CPU the instances, PostgreSQL's processes and
// the clients used per request (instance-cpu-ms, pg-cpu-ms, client-cpu-ms), and how busy
// the machine's cores were (machine-busy-%, other work on the machine included).
func BenchmarkInstances(b *testing.B) {
	url := benchPGDatabase(b)
	pages := int64(max(1, min(100, benchPG.users/100)))
	a := startPinnedInstance(b, url, 0)
	second := startPinnedInstance(b, url, 1)
	postmaster := postmasterPID(b, url)
	for _, bc := range []struct {
		name      string
		instances []*server
	}{{"One", []*server{a}}, {"Two", []*server{a, second}}} {
		b.Run(bc.name, func(b *testing.B) {
			var pids []int
			for _, s := range bc.instances {
				pids = append(pids, s.cmd.Process.Pid)
			}
			before := sampleCPU(pids, postmaster)
			benchList(b, bc.instances, listPageQuery, pages)
			after := sampleCPU(pids, postmaster)
			perRequest := func(ticks float64) float64 { return ticks / clockTicks * 1000 / float64(b.N) }
			b.ReportMetric(perRequest(after.instances-before.instances), "instance-cpu-ms")
			b.ReportMetric(perRequest(after.postgres-before.postgres), "pg-cpu-ms")
			b.ReportMetric(float64(after.client-before.client)/1e6/float64(b.N), "client-cpu-ms")
			if total := after.machineTotal - before.machineTotal; total > 0 {
				b.ReportMetric(100*(1-(after.machineIdle-before.machineIdle)/total), "machine-busy-%")
			}
		})
	}
}

// clockTicks is the kernel's clock ticks a second, the unit of /proc's CPU times
// (USER_HZ, 100 on Linux).
const clockTicks = 100

// cpuSample is CPU used so far: by the instances and by PostgreSQL's server and its
// backends, in clock ticks (none without a postmaster, 0); by this process (the clients),
// in ns; and the machine's idle and total ticks from /proc/stat.
type cpuSample struct {
	instances, postgres, client, machineIdle, machineTotal float64
}

func sampleCPU(instances []int, postmaster int) cpuSample {
	var s cpuSample
	for _, pid := range instances {
		s.instances += procCPU(pid)
	}
	if postmaster > 0 {
		s.postgres = procCPU(postmaster)
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if parent, _ := procStat(pid); parent == postmaster {
				s.postgres += procCPU(pid)
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.client = float64(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if stat, err := os.ReadFile("/proc/stat"); err == nil {
		fields := strings.Fields(strings.SplitN(string(stat), "\n", 2)[0])
		for i, f := range fields[1:] {
			v, _ := strconv.ParseFloat(f, 64)
			s.machineTotal += v
			if i == 3 || i == 4 { // idle, iowait
				s.machineIdle += v
			}
		}
	}
	return s
}

// procStat returns the parent and the user and system CPU ticks of process pid.
func procStat(pid int) (parent int, ticks float64) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// The fields after the command's name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 13 {
		return 0, 0
	}
	parent, _ = strconv.Atoi(fields[1])
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return parent, utime + stime
}

func procCPU(pid int) float64 {
	_, ticks := procStat(pid)
	return ticks
}

// postmasterPID returns the process id of the PostgreSQL server of the database url,
// from the postmaster.pid of its cluster's data folder (the tests' cluster has its socket
// in the folder that holds the data); 0 when it cannot be read, as for a BENCH_PG_URL
// elsewhere, and pg-cpu-ms is then 0.
func postmasterPID(b *testing.B, dbURL string) int {
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	pidFile, err := os.ReadFile(filepath.Join(u.Query().Get("host"), "data", "postmaster.pid"))
	if err != nil {
		b.Logf("PostgreSQL's CPU is not measured: %v", err)
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	return pid
}

// BenchmarkLive is the time from a write to its row changing in the list of another
// browser, as TestLive_ListUpdatesInPlace and TestInstances_LiveInBrowser measure it
// (liveLatencyRuns renames per iteration, each waited for): on SQLite, the write and the
// widget through the same instance, on the SQLite benchmark database; on PostgreSQL, the
// write through one instance and the widget on another, on the PostgreSQL benchmark
// database, so that the change goes through LISTEN/NOTIFY. p50-ms and p99-ms are over all
// the changes of all iterations.
func BenchmarkLive(b *testing.B) {
	for _, store := range []string{"SQLite", "PostgreSQL"} {
		b.Run(store, func(b *testing.B) {
			var view, writer *server
			if store == "SQLite" {
				view = startBenchServer(b)
				writer = view
			} else {
				url := benchPGDatabase(b)
				for _, s := range []**server{&view, &writer} {
					*s = startServerOn(b, url, "-seed=false")
					(*s).Key = benchAdminKey
				}
			}
			browser := newBrowser(b)
			var ms []float64
			for b.Loop() {
				for _, d := range liveListLatencies(b, browser.newTab(b), view, writer) {
					ms = append(ms, float64(d)/1e6)
				}
			}
			b.ReportMetric(percentile(ms, 50), "p50-ms")
			b.ReportMetric(percentile(ms, 99), "p99-ms")
			b.ReportMetric(float64(len(ms)), "changes")
		})
	}
}
