package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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
// One and Two measure less: on a machine of two cores that everything shares, each
// instance runs with GOMAXPROCS=1 bound to a core of its own (taskset: the one instance
// to core 0, the second to core 1), so that Two has twice the server's CPU of One, but
// PostgreSQL (its backends and their share of every request) and the 64 clients run
// unbound on the same two cores, in both cases. The ratio is therefore what a second
// instance gives while the database and the load do not grow with it.
//
// Capped/One and Capped/Two model the deployment the target is about: each instance on a
// machine of its own, and that machine the bound, while the database and the clients
// have CPU to spare. After One and Two, the same two instances (GOMAXPROCS=1 still) are
// unbound and each put in a cgroup of its own with a CPU quota of BENCH_INSTANCE_CORES
// of a core per 100 ms (cpu.cfs_quota_us on cgroup v1, cpu.max on v2; 0.1 by default),
// so that One serves what its quota allows and Two what twice that allows, with
// PostgreSQL and the clients on the same two cores but far from filling them. The ratio
// is what a second instance's machine adds while neither the database nor the load is
// the bound; it says nothing of a database that is (One and Two show that). A quota too
// large makes the shared cores the bound again: throttled-% tells, near 100 when the
// quota was the bound, and own-busy-% how much of the cores the benchmark's parts took.
// Where no cgroup CPU controller can be written, the output says so in a line
// "BenchmarkInstances/Capped: not measurable: <why>", and the bench table shows the
// ratio as not measurable, with why.
//
// Where the time goes is reported beside each figure: the CPU the instances, PostgreSQL's
// processes and the clients used per request (instance-cpu-ms, pg-cpu-ms, client-cpu-ms),
// and how busy the machine's cores were, with all its work (machine-busy-%, others' too)
// and with these parts' alone (own-busy-%); for Capped, the quota (instance-cores) and
// the share of the quota's periods in which the instances ran out of it (throttled-%).
func BenchmarkInstances(b *testing.B) {
	url := benchPGDatabase(b)
	pages := int64(max(1, min(100, benchPG.users/100)))
	a := startPinnedInstance(b, url, 0)
	second := startPinnedInstance(b, url, 1)
	postmaster := postmasterPID(b, url)
	cases := []struct {
		name      string
		instances []*server
	}{{"One", []*server{a}}, {"Two", []*server{a, second}}}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			benchInstances(b, bc.instances, postmaster, pages)
		})
	}
	cores, err := benchInstanceCores()
	if err != nil {
		b.Fatal(err)
	}
	var groups []*cpuCgroup
	for i, s := range []*server{a, second} {
		pid := s.cmd.Process.Pid
		if out, err := exec.Command("taskset", "-a", "-p", "-c", fmt.Sprintf("0-%d", runtime.NumCPU()-1), strconv.Itoa(pid)).CombinedOutput(); err != nil {
			b.Fatalf("taskset: %v\n%s", err, out)
		}
		g, err := newCPUCgroup(b, fmt.Sprintf("%s%d-%d", cgroupPrefix, os.Getpid(), i), cores)
		if err == nil {
			err = g.add(pid)
		}
		if err != nil {
			fmt.Printf("BenchmarkInstances/Capped: not measurable: %v\n", err)
			return
		}
		groups = append(groups, g)
	}
	b.Run("Capped", func(b *testing.B) {
		for i, bc := range cases {
			b.Run(bc.name, func(b *testing.B) {
				before := throttling(groups[:i+1])
				benchInstances(b, bc.instances, postmaster, pages)
				after := throttling(groups[:i+1])
				if periods := after.periods - before.periods; periods > 0 {
					b.ReportMetric(100*float64(after.throttled-before.throttled)/float64(periods), "throttled-%")
				}
				b.ReportMetric(cores, "instance-cores")
			})
		}
	})
}

// benchInstances runs the clients against instances and reports the CPU each part used.
func benchInstances(b *testing.B, instances []*server, postmaster int, pages int64) {
	var pids []int
	for _, s := range instances {
		pids = append(pids, s.cmd.Process.Pid)
	}
	before := sampleCPU(pids, postmaster)
	benchList(b, instances, listPageQuery, pages)
	after := sampleCPU(pids, postmaster)
	perRequest := func(ticks float64) float64 { return ticks / clockTicks * 1000 / float64(b.N) }
	b.ReportMetric(perRequest(after.instances-before.instances), "instance-cpu-ms")
	b.ReportMetric(perRequest(after.postgres-before.postgres), "pg-cpu-ms")
	b.ReportMetric(float64(after.client-before.client)/1e6/float64(b.N), "client-cpu-ms")
	if total := after.machineTotal - before.machineTotal; total > 0 {
		b.ReportMetric(100*(1-(after.machineIdle-before.machineIdle)/total), "machine-busy-%")
	}
	own := (after.instances-before.instances+after.postgres-before.postgres)/clockTicks + (after.client-before.client)/1e9
	b.ReportMetric(100*own/b.Elapsed().Seconds()/float64(runtime.NumCPU()), "own-busy-%")
}

// benchInstanceCores is the capped instances' CPU quota, in cores: BENCH_INSTANCE_CORES,
// else 0.1. At 0.1 both One's instance and Two's ran out of their quota in nearly every
// period, while Two's parts took less than half of two cores (PostgreSQL needs about
// three times an instance's CPU per request); at 0.2, Two's instances ran out of it in a
// third of the periods only, the shared cores being the bound again; at 0.05 the quota,
// 5 ms a period, is the kernel's slice of it (sched_cfs_bandwidth_slice_us), and a
// short run serves few requests.
func benchInstanceCores() (float64, error) {
	s := os.Getenv("BENCH_INSTANCE_CORES")
	if s == "" {
		return 0.1, nil
	}
	cores, err := strconv.ParseFloat(s, 64)
	if err != nil || cores < 0.01 || cores > float64(runtime.NumCPU()) {
		return 0, fmt.Errorf("BENCH_INSTANCE_CORES=%q is not a share of this machine's %d cores", s, runtime.NumCPU())
	}
	return cores, nil
}

// cpuCgroup is a cgroup made for one instance, with a CPU quota.
type cpuCgroup struct {
	dir, parent string
	v2          bool
}

// cgroupPrefix begins the names of the benchmark's cgroups, followed by the process id of
// the benchmark that made them.
const cgroupPrefix = "useradmin-bench-"

// cgroupPeriod is the quota's period, the kernel's default.
const cgroupPeriod = 100 * time.Millisecond

// newCPUCgroup makes the cgroup name with a quota of cores, in the cgroup of this process
// on cgroup v2 when its cpu controller is there, else on cgroup v1's cpu hierarchy; the
// benchmark's end moves its processes back and removes it. Cgroups that a benchmark
// killed before its end left behind are removed first.
func newCPUCgroup(tb testing.TB, name string, cores float64) (*cpuCgroup, error) {
	parent, v2, err := cpuCgroupParent()
	if err != nil {
		return nil, err
	}
	removeStaleCgroups(parent)
	g := &cpuCgroup{dir: filepath.Join(parent, name), parent: parent, v2: v2}
	if v2 {
		// A child has the cpu controller only when its parent hands it down.
		if err := os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+cpu"), 0); err != nil {
			return nil, fmt.Errorf("cgroup v2 at %s does not hand its cpu controller down: %w", parent, err)
		}
	}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot make a cgroup: %w", err)
	}
	tb.Cleanup(func() {
		if err := g.remove(); err != nil {
			tb.Errorf("remove cgroup %s: %v", g.dir, err)
		}
	})
	period := cgroupPeriod.Microseconds()
	quota := int64(cores * float64(period))
	if v2 {
		err = os.WriteFile(filepath.Join(g.dir, "cpu.max"), fmt.Appendf(nil, "%d %d", quota, period), 0)
	} else if err = os.WriteFile(filepath.Join(g.dir, "cpu.cfs_period_us"), fmt.Appendf(nil, "%d", period), 0); err == nil {
		err = os.WriteFile(filepath.Join(g.dir, "cpu.cfs_quota_us"), fmt.Appendf(nil, "%d", quota), 0)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot set a cgroup's CPU quota: %w", err)
	}
	return g, nil
}

// add moves process pid, all its threads, into the cgroup.
func (g *cpuCgroup) add(pid int) error {
	if err := os.WriteFile(filepath.Join(g.dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("cannot move a process into a cgroup: %w", err)
	}
	return nil
}

// remove moves the processes still in the cgroup back to its parent and removes it.
func (g *cpuCgroup) remove() error {
	procs, _ := os.ReadFile(filepath.Join(g.dir, "cgroup.procs"))
	for _, pid := range strings.Fields(string(procs)) {
		// A process that has just ended cannot be moved, and need not be.
		_ = os.WriteFile(filepath.Join(g.parent, "cgroup.procs"), []byte(pid), 0)
	}
	return os.Remove(g.dir)
}

// removeStaleCgroups removes the benchmark's cgroups in parent whose benchmark has ended.
func removeStaleCgroups(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, cgroupPrefix+"*"))
	for _, dir := range dirs {
		owner, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), cgroupPrefix), "-")
		if _, err := os.Stat(filepath.Join("/proc", owner)); os.IsNotExist(err) {
			_ = (&cpuCgroup{dir: dir, parent: parent}).remove()
		}
	}
}

// cpuCgroupParent returns the folder of this process's cgroup that holds a cpu
// controller, v2's when there is one, and whether it is v2; or why there is none.
func cpuCgroupParent() (string, bool, error) {
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", false, fmt.Errorf("no cgroups: %w", err)
	}
	own, _ := os.ReadFile("/proc/self/cgroup")
	var v1 string
	for _, line := range strings.Split(string(mounts), "\n") {
		// ID parent major:minor root mount-point options [optional fields] - type source super-options
		before, after, ok := strings.Cut(line, " - ")
		fields, fs := strings.Fields(before), strings.Fields(after)
		if !ok || len(fields) < 5 || len(fs) < 3 {
			continue
		}
		root, point := fields[3], fields[4]
		switch {
		case fs[0] == "cgroup2":
			dir := cgroupDir(point, root, ownCgroup(own, func(controllers string) bool { return controllers == "" }))
			if controllers, _ := os.ReadFile(filepath.Join(dir, "cgroup.controllers")); slices.Contains(strings.Fields(string(controllers)), "cpu") {
				return dir, true, nil
			}
		case fs[0] == "cgroup" && slices.Contains(strings.Split(fs[2], ","), "cpu"):
			v1 = cgroupDir(point, root, ownCgroup(own, func(controllers string) bool {
				return slices.Contains(strings.Split(controllers, ","), "cpu")
			}))
		}
	}
	if v1 == "" {
		return "", false, fmt.Errorf("no cgroup cpu controller is mounted (neither cgroup v2's nor v1's)")
	}
	return v1, false, nil
}

// ownCgroup returns this process's path in the hierarchy whose controllers match, from
// /proc/self/cgroup ("id:controllers:path" a line), "/" when none does.
func ownCgroup(own []byte, match func(controllers string) bool) string {
	for _, line := range strings.Split(string(own), "\n") {
		if parts := strings.SplitN(line, ":", 3); len(parts) == 3 && match(parts[1]) {
			return parts[2]
		}
	}
	return "/"
}

// cgroupDir is the folder of cgroup path in the hierarchy mounted at point from root, or
// point itself when that folder is not there.
func cgroupDir(point, root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return point
	}
	dir := filepath.Join(point, rel)
	if _, err := os.Stat(dir); err != nil {
		return point
	}
	return dir
}

// cgroupThrottling counts periods of cgroups' quotas: those in which they ran, and those
// in which they ran out of their quota.
type cgroupThrottling struct{ periods, throttled int64 }

func throttling(groups []*cpuCgroup) cgroupThrottling {
	var t cgroupThrottling
	for _, g := range groups {
		stat, _ := os.ReadFile(filepath.Join(g.dir, "cpu.stat"))
		for _, line := range strings.Split(string(stat), "\n") {
			key, value, _ := strings.Cut(line, " ")
			n, _ := strconv.ParseInt(value, 10, 64)
			switch key {
			case "nr_periods":
				t.periods += n
			case "nr_throttled":
				t.throttled += n
			}
		}
	}
	return t
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
