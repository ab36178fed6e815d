package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// BenchmarkImportService_TenThousandRows imports 10,000 new people (a third of them into
// a workspace) in batches of 500, as the widget sends them, after their dry run: what
// the page does from preview to result. It reports the preview and the import apart.
func BenchmarkImportService_TenThousandRows(b *testing.B) {
	rows := importRows(10_000)
	var preview, imported time.Duration
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		svc := sqlite.NewImportService(f.db)
		if _, err := sqlite.NewWorkspaceService(f.db).CreateWorkspace(f.adminCtx, "Team"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		_, counts := runImport(b, svc, f.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip, DryRun: true})
		if counts[server.ImportCreated] != len(rows) {
			b.Fatalf("preview: %v", counts)
		}
		previewed := time.Now()
		_, counts = runImport(b, svc, f.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
		if counts[server.ImportCreated] != len(rows) {
			b.Fatalf("import: %v", counts)
		}
		preview += previewed.Sub(start)
		imported += time.Since(previewed)
	}
	b.ReportMetric(preview.Seconds()/float64(b.N), "preview-s/op")
	b.ReportMetric(imported.Seconds()/float64(b.N), "import-s/op")
}

// importedTenThousand makes a new directory with the workspace Team and 10,000 people
// imported into it, and returns the import service and the rows it imported.
func importedTenThousand(b *testing.B) (*fixture, *sqlite.ImportService, []server.ImportRow) {
	b.Helper()
	rows := importRows(10_000)
	f := newFixture(b)
	svc := sqlite.NewImportService(f.db)
	if _, err := sqlite.NewWorkspaceService(f.db).CreateWorkspace(f.adminCtx, "Team"); err != nil {
		b.Fatal(err)
	}
	runImport(b, svc, f.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
	return f, svc, rows
}

// BenchmarkImportService_TenThousandRowsAgain imports the same 10,000 rows a second time,
// updating existing users: every row UNCHANGED.
func BenchmarkImportService_TenThousandRowsAgain(b *testing.B) {
	f, svc, rows := importedTenThousand(b)
	for b.Loop() {
		_, counts := runImport(b, svc, f.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
		if counts[server.ImportUnchanged] != len(rows) {
			b.Fatalf("again: %v", counts)
		}
	}
}

// BenchmarkImportService_TenThousandRowsChanged imports the same 10,000 people again with
// a new last name on every row, updating existing users: every row UPDATED, each run with
// other names than the last.
func BenchmarkImportService_TenThousandRowsChanged(b *testing.B) {
	f, svc, rows := importedTenThousand(b)
	run := 0
	for b.Loop() {
		run++
		for i := range rows {
			rows[i].Lastname = fmt.Sprintf("Changed %d %d", run, i)
		}
		_, counts := runImport(b, svc, f.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
		if counts[server.ImportUpdated] != len(rows) {
			b.Fatalf("changed: %v", counts)
		}
	}
}
