package sqlite_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
	serverhttp "useradmin/server/http"
	"useradmin/server/sqlite"
)

// BenchmarkExport_Million exports all BENCH_USERS users (default 10^6) of the benchmark
// organization with every column, sorted by last name, through the store into the CSV
// writer: the time, the rows a second, and the most heap in use while it runs (sampled),
// which stays at a page of users whatever the size of the export.
func BenchmarkExport_Million(b *testing.B) {
	mustBench(b)
	svc := sqlite.NewExportService(bench.db)
	create := server.ExportCreate{Order: []server.UserOrder{{Field: server.SortLastname}, {Field: server.SortFirstname}}, Columns: exportcsv.Columns}
	for b.Loop() {
		e, err := svc.CreateExport(bench.ctx, create)
		if err != nil {
			b.Fatal(err)
		}
		run, err := svc.RedeemExport(bench.ctx, e.Token)
		if err != nil {
			b.Fatal(err)
		}
		w := exportcsv.NewWriter(io.Discard, run.Columns)
		rows := 0
		peak := heapPeak()
		start := time.Now()
		if err := svc.WriteExport(bench.ctx, run, func(r *exportcsv.Row) error { rows++; return w.WriteRow(r) }, func() error {
			peak.sample()
			return w.Flush()
		}); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		b.ReportMetric(float64(rows)/d.Seconds(), "rows/s")
		b.ReportMetric(float64(peak.max)/(1<<20), "heap-MiB")
		if rows != e.Total {
			b.Fatalf("%d rows of %d", rows, e.Total)
		}
	}
}

// BenchmarkExport_MillionHTTP downloads the same export over HTTP from the handler the
// server serves at /export/<token>, as a browser does: the rows a second of the stream.
func BenchmarkExport_MillionHTTP(b *testing.B) {
	mustBench(b)
	svc := sqlite.NewExportService(bench.db)
	srv := httptest.NewServer(exportMux(svc))
	defer srv.Close()
	create := server.ExportCreate{Filter: server.UserFilter{Activated: ptr(true)}, Order: []server.UserOrder{{Field: server.SortEmail}},
		Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Firstname, exportcsv.Lastname, exportcsv.OrganizationRole, exportcsv.CreatedAt}}
	for b.Loop() {
		e, err := svc.CreateExport(bench.ctx, create)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		resp, err := http.Get(srv.URL + "/export/" + e.Token)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("download: %s, %v", resp.Status, err)
		}
		d := time.Since(start)
		b.ReportMetric(float64(e.Total)/d.Seconds(), "rows/s")
		b.ReportMetric(float64(n)/(1<<20), "file-MiB")
	}
}

func exportMux(svc *sqlite.ExportService) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /export/{token}", serverhttp.ExportHandler(svc, slog.New(slog.DiscardHandler)))
	return mux
}

// peak keeps the most heap in use of its samples.
type peak struct{ max uint64 }

func heapPeak() *peak {
	runtime.GC()
	p := &peak{}
	p.sample()
	return p
}

func (p *peak) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p.max = max(p.max, m.HeapInuse)
}
