package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// benchAdminKey is the demo admin's key in benchmark databases, so that a cached file
// can be used again.
const benchAdminKey = "ua_benchmark-admin-key"

// bench is the database the benchmarks share: BENCH_USERS users (default 1,000,000) in
// the demo organization of the file BENCH_DB (default in the temporary folder). A file
// that has them already is used as it is; building one takes about a minute.
var bench struct {
	once  sync.Once
	err   error
	n     int
	db    *sqlite.DB
	users *sqlite.UserService
	ctx   context.Context
}

func mustBench(b *testing.B) {
	b.Helper()
	bench.once.Do(func() { bench.err = openBench() })
	if bench.err != nil {
		b.Fatal(bench.err)
	}
}

func openBench() error {
	bench.n = 1_000_000
	if s := os.Getenv("BENCH_USERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("BENCH_USERS: %w", err)
		}
		bench.n = n
	}
	path := os.Getenv("BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("useradmin-bench-%d.db", bench.n))
	}
	bench.db = sqlite.NewDB(path)
	if err := bench.db.Open(); err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := bench.db.Seed(ctx, sqlite.SeedOptions{AdminKey: benchAdminKey}); err != nil {
		return err
	}
	auth, err := sqlite.NewAuthService(bench.db).Authenticate(ctx, benchAdminKey)
	if err != nil {
		return fmt.Errorf("%s was not made by these benchmarks: %w", path, err)
	}
	bench.ctx = server.NewContextWithAuth(ctx, auth)
	bench.users = sqlite.NewUserService(bench.db)
	have, err := bench.users.CountUsers(bench.ctx, server.UserFilter{})
	if err != nil {
		return err
	}
	if have < bench.n {
		start := time.Now()
		if err := bench.db.GenerateUsers(ctx, auth.User.OrganizationID, bench.n-have); err != nil {
			return err
		}
		fmt.Printf("generated %d users in %s\n", bench.n-have, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	if err := bench.db.GenerateWorkspaces(ctx, auth.User.OrganizationID, benchWorkspaces); err != nil {
		return err
	}
	if d := time.Since(start); d > time.Second {
		fmt.Printf("generated %d workspaces in %s\n", benchWorkspaces, d.Round(time.Millisecond))
	}
	return nil
}

// benchWorkspaces is how many workspaces the benchmark organization has (see
// sqlite.DB.GenerateWorkspaces): about a hundred members each at a million users, and one,
// "All hands", with a fifth of them.
const benchWorkspaces = 10_000

func BenchmarkFindUsers(b *testing.B) {
	mustBench(b)
	for _, bc := range []struct {
		name   string
		filter server.UserFilter
		page   server.Page
		order  []server.UserOrder
	}{
		{"FirstPage", server.UserFilter{}, server.Page{Limit: 100}, nil},
		{"Offset10000", server.UserFilter{}, server.Page{Limit: 100, Offset: 10_000}, nil},
		{"OffsetHalf", server.UserFilter{}, server.Page{Limit: 100, Offset: bench.n / 2}, nil},
		{"Role", server.UserFilter{Role: ptr(server.RoleAdmin)}, server.Page{Limit: 100, Offset: 1000}, nil},
		{"Deactivated", server.UserFilter{Activated: ptr(false)}, server.Page{Limit: 100, Offset: 1000}, nil},
		{"OrderByLastnameDesc", server.UserFilter{}, server.Page{Limit: 100, Offset: 1000}, []server.UserOrder{{Field: server.SortLastname, Desc: true}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				users, err := bench.users.FindUsers(bench.ctx, bc.filter, bc.page, bc.order)
				if err != nil {
					b.Fatal(err)
				} else if len(users) != 100 {
					b.Fatalf("page has %d users", len(users))
				}
			}
		})
	}
}

func BenchmarkCountUsers(b *testing.B) {
	mustBench(b)
	for _, bc := range []struct {
		name   string
		filter server.UserFilter
	}{
		{"Org", server.UserFilter{}},
		{"OrgRole", server.UserFilter{Role: ptr(server.RoleUser)}},
		{"OrgRoleActivated", server.UserFilter{Role: ptr(server.RoleUser), Activated: ptr(true)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if n, err := bench.users.CountUsers(bench.ctx, bc.filter); err != nil {
					b.Fatal(err)
				} else if n == 0 {
					b.Fatal("no users counted")
				}
			}
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	mustBench(b)
	for _, text := range []string{"okafor", "lindqvist.a", "ma", "zoë", "ı", "zz"} {
		b.Run("Find/"+text, func(b *testing.B) {
			for b.Loop() {
				if _, err := bench.users.FindUsers(bench.ctx, server.UserFilter{Search: &text}, server.Page{Limit: 100}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Count/"+text, func(b *testing.B) {
			for b.Loop() {
				if _, err := bench.users.CountUsers(bench.ctx, server.UserFilter{Search: &text}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUpdateUser(b *testing.B) {
	mustBench(b)
	page, err := bench.users.FindUsers(bench.ctx, server.UserFilter{Role: ptr(server.RoleUser)}, server.Page{Limit: 100, Offset: bench.n / 2}, nil)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		u := page[i%len(page)]
		name := fmt.Sprintf("Bench %d", i)
		if _, err := bench.users.UpdateUser(bench.ctx, server.UserRef{ID: u.ID}, server.UserUpdate{Firstname: &name}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkFindUsersParallel is 64 clients asking for pages at once (SetParallelism
// times GOMAXPROCS goroutines), each a page alone or a page and its count as the widget
// asks them, at offsets spread over the first 100 pages. Besides the requests a second it
// reports the CPU a request took (cpu-ms), which BenchmarkHTTPList's server-cpu-ms is
// compared with: what the HTTP path costs around the store.
func BenchmarkFindUsersParallel(b *testing.B) {
	mustBench(b)
	const clients = 64
	for _, bc := range []struct {
		name  string
		count bool
	}{
		{"Page", false},
		{"PageAndCount", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			var next atomic.Int64
			cpu := processorTime(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					page := server.Page{Limit: 100, Offset: int(next.Add(1)%100) * 100}
					if users, err := bench.users.FindUsers(bench.ctx, server.UserFilter{}, page, nil); err != nil {
						b.Error(err)
						return
					} else if len(users) != 100 {
						b.Errorf("page has %d users", len(users))
						return
					}
					if bc.count {
						if _, err := bench.users.CountUsers(bench.ctx, server.UserFilter{}); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(processorTime(b)-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms")
		})
	}
}
