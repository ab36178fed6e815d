package postgres_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
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
	db    *postgres.DB
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
	benchFind(b, server.UserFilter{}, server.Page{Limit: 50}, nil)
}

func BenchmarkPG_PageByLastname(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Limit: 50}, []server.UserOrder{{Field: server.SortLastname}})
}

func BenchmarkPG_DeepPage(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Offset: 50_000, Limit: 50}, nil)
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
	benchFind(b, server.UserFilter{Search: &q}, server.Page{Limit: 50}, nil)
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

// BenchmarkPG_BulkDeactivate deactivates every activated user of an organization of
// BENCH_BULK_USERS users (10^5 unless set), in batches of server.MaxBulkBatch, as the
// widget's bulk action does: the target is 30 s for 10^5. Each run has an organization
// of its own, made before the clock starts.
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
	on, off := true, false
	run := 0
	for b.Loop() {
		b.StopTimer()
		run++
		_, _, key, err := db.CreateOrganization(context.Background(), fmt.Sprint("Bulk ", run),
			server.UserCreate{Email: fmt.Sprintf("admin%d@bulk.example", run), Password: "correct horse"})
		if err != nil {
			b.Fatal(err)
		}
		auth, err := postgres.NewAuthService(db).Authenticate(context.Background(), key.Key)
		if err != nil {
			b.Fatal(err)
		}
		ctx := server.NewContextWithAuth(context.Background(), auth)
		if err := db.GenerateUsers(context.Background(), auth.User.OrganizationID, n); err != nil {
			b.Fatal(err)
		}
		want, err := users.CountUsers(ctx, server.UserFilter{Activated: &on})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		changed, after := 0, ""
		for {
			r, err := bulk.ApplyBulk(ctx, server.UserFilter{Activated: &on}, server.BulkChange{Activated: &off}, server.BulkBatch{After: after, Limit: server.MaxBulkBatch})
			if err != nil {
				b.Fatal(err)
			}
			changed += r.Changed
			if r.Done {
				break
			}
			after = r.Next
		}
		if changed != want-1 {
			b.Fatalf("%d users deactivated, want %d", changed, want-1)
		}
		b.ReportMetric(float64(changed), "users/op")
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
