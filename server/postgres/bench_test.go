package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/postgres/pgtest"
)

// The benchmarks run on one organization of BENCH_USERS users (10^5 unless set), made
// once per run on the test cluster, or on the database at BENCH_PG_URL, which is reused
// when it has them already.
var pgBench struct {
	once  sync.Once
	err   error
	users *postgres.UserService
	ctx   context.Context
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
	pgBench.users = postgres.NewUserService(db)
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
	return nil
}

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
