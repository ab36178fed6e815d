package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// BenchmarkBulk_Deactivate100000 deactivates the 100,000 activated users of an
// organization of about 111,000, in batches of 1,000 as the widget sends them, each a
// transaction; it reports the whole run, its slowest batch, which bounds how often the
// widget's progress moves, and the processor time the run took (cpu-s, user and system
// of the whole process), which a busy machine moves less than the wall time. Each run
// starts from a fresh copy of the organization. BENCH_BULK_BATCH sets the batch size.
func BenchmarkBulk_Deactivate100000(b *testing.B) {
	benchBulk(b, server.BulkChange{Activated: ptr(false)})
}

// BenchmarkBulk_Delete100000 deletes them instead.
func BenchmarkBulk_Delete100000(b *testing.B) {
	benchBulk(b, server.BulkChange{Delete: true})
}

func benchBulk(b *testing.B, change server.BulkChange) {
	activated := 100_000
	if n, err := strconv.Atoi(os.Getenv("BENCH_BULK_USERS")); err == nil {
		activated = n
	}
	batch := server.MaxBulkBatch
	if n, err := strconv.Atoi(os.Getenv("BENCH_BULK_BATCH")); err == nil {
		batch = n
	}
	var slowest, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := sqlite.NewDB(filepath.Join(b.TempDir(), "bulk.db"))
		if err := db.Open(); err != nil {
			b.Fatal(err)
		}
		org, _, key, err := db.CreateOrganization(context.Background(), "Bulk", server.UserCreate{Email: "admin@bulk.example", Password: "correct horse"})
		if err != nil {
			b.Fatal(err)
		}
		// GenerateUsers deactivates about one in ten.
		if err := db.GenerateUsers(context.Background(), org.ID, activated*10/9); err != nil {
			b.Fatal(err)
		}
		auth, err := sqlite.NewAuthService(db).Authenticate(context.Background(), key.Key)
		if err != nil {
			b.Fatal(err)
		}
		ctx := server.NewContextWithAuth(context.Background(), auth)
		bulk := sqlite.NewBulkService(db)
		filter := server.UserFilter{Activated: ptr(true)}
		b.StartTimer()
		cpuStart := processorTime(b)

		changed, after := 0, ""
		for {
			start := time.Now()
			r, err := bulk.ApplyBulk(ctx, filter, change, server.BulkBatch{After: after, Limit: batch})
			if err != nil {
				b.Fatal(err)
			}
			slowest = max(slowest, time.Since(start))
			changed += r.Changed
			if r.Done {
				break
			}
			after = r.Next
		}
		b.StopTimer()
		cpu += processorTime(b) - cpuStart
		if changed < activated*95/100 {
			b.Fatalf("changed %d", changed)
		}
		b.ReportMetric(float64(changed), "users")
		db.Close()
	}
	b.ReportMetric(float64(slowest.Milliseconds()), "ms/slowest-batch")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// processorTime is the user and system time the process has taken so far.
func processorTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
