package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/storetest"
)

// newImportBench makes a new database with one organization, its admin and the
// workspace Team, and returns the import service and the admin's context.
func newImportBench(b *testing.B) (*postgres.DB, *postgres.ImportService, context.Context) {
	b.Helper()
	db := mustOpenDB(b)
	ctx, _ := benchAdmin(b, db, "Acme", server.UserCreate{Email: "ann@acme.example", Password: "correct horse", Firstname: "Ann", Lastname: "Admin"})
	if _, err := postgres.NewWorkspaceService(db).CreateWorkspace(ctx, "Team"); err != nil {
		b.Fatal(err)
	}
	return db, postgres.NewImportService(db), ctx
}

// BenchmarkPG_ImportTenThousandRows does what the SQLite store's
// BenchmarkImportService_TenThousandRows does: it previews, then imports, 10,000 new
// people (a third of them into a workspace) in batches of 500, each run on a new
// database made before the clock starts. It reports the preview and the import apart,
// and the CPU time of the database and of this process for both.
func BenchmarkPG_ImportTenThousandRows(b *testing.B) {
	rows := storetest.ImportRows(10_000)
	var preview, imported, dbCPU, goCPU time.Duration
	for b.Loop() {
		b.StopTimer()
		db, svc, ctx := newImportBench(b)
		cpu := newCPUClock(b, db)
		b.StartTimer()
		serverStart, selfStart := cpu.now()
		start := time.Now()
		_, counts := storetest.RunImport(b, svc, ctx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip, DryRun: true})
		if counts[server.ImportCreated] != len(rows) {
			b.Fatalf("preview: %v", counts)
		}
		previewed := time.Now()
		_, counts = storetest.RunImport(b, svc, ctx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
		if counts[server.ImportCreated] != len(rows) {
			b.Fatalf("import: %v", counts)
		}
		preview += previewed.Sub(start)
		imported += time.Since(previewed)
		serverEnd, selfEnd := cpu.now()
		dbCPU += serverEnd - serverStart
		goCPU += selfEnd - selfStart
	}
	b.ReportMetric(preview.Seconds()/float64(b.N), "preview-s/op")
	b.ReportMetric(imported.Seconds()/float64(b.N), "import-s/op")
	b.ReportMetric(dbCPU.Seconds()/float64(b.N), "db-cpu-s/op")
	b.ReportMetric(goCPU.Seconds()/float64(b.N), "go-cpu-s/op")
}

// BenchmarkPG_ImportTenThousandRowsAgain imports the same 10,000 rows a second time,
// updating existing users: every row UNCHANGED.
func BenchmarkPG_ImportTenThousandRowsAgain(b *testing.B) {
	rows := storetest.ImportRows(10_000)
	_, svc, ctx := newImportBench(b)
	storetest.RunImport(b, svc, ctx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
	for b.Loop() {
		_, counts := storetest.RunImport(b, svc, ctx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
		if counts[server.ImportUnchanged] != len(rows) {
			b.Fatalf("again: %v", counts)
		}
	}
}

// BenchmarkPG_ImportTenThousandRowsChanged imports the same 10,000 people again with a
// new last name on every row, updating existing users: every row UPDATED, each run with
// other names than the last. It reports the CPU time of the database and of this process.
func BenchmarkPG_ImportTenThousandRowsChanged(b *testing.B) {
	rows := storetest.ImportRows(10_000)
	db, svc, ctx := newImportBench(b)
	storetest.RunImport(b, svc, ctx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
	cpu := newCPUClock(b, db)
	var dbCPU, goCPU time.Duration
	run := 0
	for b.Loop() {
		run++
		for i := range rows {
			rows[i].Lastname = fmt.Sprintf("Changed %d %d", run, i)
		}
		serverStart, selfStart := cpu.now()
		_, counts := storetest.RunImport(b, svc, ctx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
		if counts[server.ImportUpdated] != len(rows) {
			b.Fatalf("changed: %v", counts)
		}
		serverEnd, selfEnd := cpu.now()
		dbCPU += serverEnd - serverStart
		goCPU += selfEnd - selfStart
	}
	b.ReportMetric(dbCPU.Seconds()/float64(b.N), "db-cpu-s/op")
	b.ReportMetric(goCPU.Seconds()/float64(b.N), "go-cpu-s/op")
}
