// Command benchtable reads the output of `go test -bench` for server/sqlite,
// server/postgres and server/e2e on its standard input, with `go test -list` of the
// stores' benchmarks, and prints the performance figures as tables: figure, target,
// measured, and the ratio against the minimal hand-written page; the directory's figures
// with SQLite and PostgreSQL side by side. It exits with 1 when a benchmark failed or a
// figure is missing, never because of a timing: the targets are there to be read.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// results maps a benchmark's name (without its -GOMAXPROCS suffix) to its metrics by unit.
type results map[string]map[string]float64

// row is one line of the table.
type row struct {
	figure   string
	target   string  // as printed; empty when the figure is only reported
	limit    float64 // the target as a maximum in the measured unit; 0: none
	atLeast  float64 // the target as a minimum of value; 0: none
	value    float64
	unit     string
	minimal  float64 // the minimal page's figure, 0 when there is none
	ratio    float64 // the target as a maximum of value/minimal; 0: none
	decimals int
	note     string // printed instead of the value, when there is none (why)
}

func main() {
	wasm := flag.String("wasm", "web/app.wasm", "the widget's wasm, with its .br and .gz beside it")
	flag.Parse()
	run, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	res, listed, failed := run.res, run.listed, run.failed
	rows, missing := table(res, run.notMeasurable, *wasm)
	print(os.Stdout, rows)
	fmt.Fprintln(os.Stdout)
	stores, missingStores := storeTable(res, listed)
	printStores(os.Stdout, stores)
	fmt.Fprintln(os.Stdout)
	missing = append(missing, missingStores...)
	missing = append(missing, printWaterfall(os.Stdout, res)...)
	for _, m := range missing {
		fmt.Fprintf(os.Stderr, "benchtable: no figure for %s: did its benchmark run?\n", m)
	}
	if failed {
		fmt.Fprintln(os.Stderr, "benchtable: a benchmark failed: see its output above.")
	}
	if failed || len(missing) > 0 {
		os.Exit(1)
	}
}

var (
	benchLine  = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)
	listLine   = regexp.MustCompile(`^Benchmark(\w+)$`)
	failLine   = regexp.MustCompile(`^(--- FAIL|FAIL\s|panic:)`)
	unmeasLine = regexp.MustCompile(`^Benchmark(\S+): not measurable: (.*)$`)
)

// runOutput is what parse reads of a run: the figures, the benchmarks listed, whether
// anything failed, and why a benchmark could not measure what it says it measures on
// this machine, by its name.
type runOutput struct {
	res           results
	listed        map[string]bool
	failed        bool
	notMeasurable map[string]string
}

// parse reads benchmark lines ("BenchmarkX-2  5  123 ns/op  4.5 cold-ms"), the
// benchmarks `go test -list` listed ("BenchmarkX" alone) and the lines of those that
// could not measure ("BenchmarkX: not measurable: why"), and reports whether any test or
// benchmark failed.
func parse(r io.Reader) (runOutput, error) {
	out := runOutput{res: results{}, listed: map[string]bool{}, notMeasurable: map[string]string{}}
	res := out.res
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if failLine.MatchString(line) {
			out.failed = true
		}
		if m := listLine.FindStringSubmatch(line); m != nil {
			out.listed[m[1]] = true
		}
		if m := unmeasLine.FindStringSubmatch(line); m != nil {
			out.notMeasurable[m[1]] = m[2]
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err == nil {
				metrics[fields[i+1]] = v
			}
		}
		res[strings.TrimPrefix(m[1], "Benchmark")] = metrics
	}
	return out, sc.Err()
}

// table builds the rows from the results, the figures that could not be measured and the
// wasm files, and lists what is missing.
func table(res results, notMeasurable map[string]string, wasm string) ([]row, []string) {
	var rows []row
	var missing []string
	need := func(name, unit string) (float64, bool) {
		v, ok := res[name][unit]
		if !ok {
			missing = append(missing, name+" ("+unit+")")
		}
		return v, ok
	}
	fileMB := func(path string) float64 {
		info, err := os.Stat(path)
		if err != nil {
			missing = append(missing, path)
			return 0
		}
		return float64(info.Size()) / 1e6
	}

	rows = append(rows,
		row{figure: "web/app.wasm, brotli (what browsers download)", target: "≤ 2.0 MB", limit: 2.0, value: fileMB(wasm + ".br"), unit: "MB", decimals: 3},
		row{figure: "web/app.wasm, gzip -9", value: fileMB(wasm + ".gz"), unit: "MB", decimals: 3},
		row{figure: "web/app.wasm, raw", value: fileMB(wasm), unit: "MB", decimals: 2},
	)
	browser := []struct {
		figure, bench, unit, target string
		limit, ratio                float64
		decimals                    int
	}{
		{"First rows in a portal's frame, cold cache", "FirstRows", "cold-ms", "≤ 4× minimal", 0, 4, 0},
		{"First rows in a portal's frame, warm (cached, service worker)", "FirstRows", "warm-ms", "≤ 3× minimal", 0, 3, 0},
		{"Page of 100 rows: response to rows in the DOM", "Browse", "render-ms", "≤ 50 ms", 50, 0, 1},
		{"Search: last keystroke to updated list, less 300 ms debounce", "Browse", "search-ms", "≤ 300 ms", 300, 0, 1},
		{"JS heap after 10 pages (after GC)", "Browse", "js-heap-MB", "", 0, 0, 2},
		{"wasm memory after 10 pages", "Browse", "wasm-MB", "", 0, 0, 1},
	}
	for _, b := range browser {
		v, _ := need(b.bench+"/Widget", b.unit)
		r := row{figure: b.figure, target: b.target, limit: b.limit, ratio: b.ratio, value: v, unit: b.unit[strings.LastIndex(b.unit, "-")+1:], decimals: b.decimals}
		if b.unit != "wasm-MB" {
			r.minimal, _ = need(b.bench+"/Minimal", b.unit)
		}
		rows = append(rows, r)
	}

	for _, name := range sortedNames(res) {
		if strings.HasPrefix(name, "FindUsersParallel/") {
			rows = append(rows, row{figure: "Directory: 64 clients, " + strings.TrimPrefix(name, "FindUsersParallel/"), value: res[name]["req/s"], unit: "req/s"})
		}
	}
	rows = append(rows, exportRows(need)...)
	rows = append(rows, importRows(need)...)
	rows = append(rows, httpRows(need)...)
	rows = append(rows, instanceRows(need)...)
	rows = append(rows, cappedInstanceRows(need, notMeasurable["Instances/Capped"])...)
	rows = append(rows, liveRows(need)...)
	return rows, missing
}

// httpRows are BenchmarkHTTPList's figures: 64 clients' pages through the binary's
// /graphql on loopback, and their throughput against the store's alone
// (BenchmarkFindUsersParallel, SQLite), the target. The clients run on the same cores as
// the server, which the store's benchmark has no need of, so the CPU each took per request
// is shown beside it, and the ratio the server's CPU alone would allow: the store's CPU
// per request over the server's.
func httpRows(need func(name, unit string) (float64, bool)) []row {
	var rows []row
	percent := func(part, whole float64) float64 {
		if whole <= 0 {
			return 0
		}
		return 100 * part / whole
	}
	for _, sub := range []string{"Page", "PageAndCount"} {
		name := "HTTPList/" + sub
		rps, _ := need(name, "req/s")
		p50, _ := need(name, "p50-ms")
		p99, _ := need(name, "p99-ms")
		server, _ := need(name, "server-cpu-ms")
		clients, _ := need(name, "client-cpu-ms")
		storeRPS, _ := need("FindUsersParallel/"+sub, "req/s")
		storeCPU, _ := need("FindUsersParallel/"+sub, "cpu-ms")
		prefix := "HTTP /graphql, 64 clients, " + sub + ": "
		rows = append(rows,
			row{figure: prefix + "throughput", value: rps, unit: "req/s"},
			row{figure: prefix + "throughput vs the directory's alone", target: "≥ 70%", atLeast: 70, value: percent(rps, storeRPS), unit: "%"},
			row{figure: "  the same as the server's CPU per request bounds it (clients apart)", value: percent(storeCPU, server), unit: "%"},
			row{figure: "  CPU per request: the server", value: server, unit: "ms", decimals: 2},
			row{figure: "  CPU per request: the directory alone", value: storeCPU, unit: "ms", decimals: 2},
			row{figure: "  CPU per request: the clients, on the same cores", value: clients, unit: "ms", decimals: 2},
			row{figure: prefix + "p50 latency", value: p50, unit: "ms", decimals: 1},
			row{figure: prefix + "p99 latency", value: p99, unit: "ms", decimals: 1},
		)
	}
	return rows
}

// instanceRows are BenchmarkInstances's figures: 64 clients' pages through one instance
// and through two on one PostgreSQL database, each instance on a core of its own, and
// the CPU each part used per request (server/e2e/bench_instances_test.go says what this
// machine can and cannot show of the target).
func instanceRows(need func(name, unit string) (float64, bool)) []row {
	one, _ := need("Instances/One", "req/s")
	two, _ := need("Instances/Two", "req/s")
	ratio := 0.0
	if one > 0 {
		ratio = two / one
	}
	rows := []row{
		{figure: "HTTP /graphql on PostgreSQL, 64 clients, Page: 1 instance (1 core)", value: one, unit: "req/s"},
		{figure: "HTTP /graphql on PostgreSQL, 64 clients, Page: 2 instances, 1 database (1 core each)", value: two, unit: "req/s"},
		{figure: "HTTP /graphql on PostgreSQL: 2 instances vs 1, all on the same 2 cores", target: "≥ 1.7×", atLeast: 1.7, value: ratio, unit: "×", decimals: 2},
	}
	// What the instances alone would allow, were PostgreSQL and the clients on cores of
	// their own: each instance's core divided by its CPU per request.
	cpuOne, _ := need("Instances/One", "instance-cpu-ms")
	cpuTwo, _ := need("Instances/Two", "instance-cpu-ms")
	bound := 0.0
	if cpuTwo > 0 {
		bound = 2 * cpuOne / cpuTwo
	}
	rows = append(rows, row{figure: "  2 vs 1 as the instances' CPU per request bounds it (database and clients apart)", value: bound, unit: "×", decimals: 2})
	for _, sub := range []string{"One", "Two"} {
		for _, m := range []struct{ unit, what string }{{"instance-cpu-ms", "the instances"}, {"pg-cpu-ms", "PostgreSQL"}, {"client-cpu-ms", "the clients"}} {
			v, _ := need("Instances/"+sub, m.unit)
			rows = append(rows, row{figure: fmt.Sprintf("  %s: CPU of %s per request", sub, m.what), value: v, unit: "ms", decimals: 2})
		}
		busy, _ := need("Instances/"+sub, "machine-busy-%")
		own, _ := need("Instances/"+sub, "own-busy-%")
		rows = append(rows,
			row{figure: fmt.Sprintf("  %s: the machine's cores busy (all its work)", sub), value: busy, unit: "%"},
			row{figure: fmt.Sprintf("  %s: the machine's cores busy with the instances, PostgreSQL and the clients", sub), value: own, unit: "%"},
		)
	}
	return rows
}

// cappedInstanceRows are BenchmarkInstances's Capped figures: the same clients through
// one instance and through two, each in a cgroup whose CPU quota makes the instances the
// bound while PostgreSQL and the clients have CPU to spare, as on machines of their own;
// or, where the benchmark could not make such cgroups, why (notMeasurable).
func cappedInstanceRows(need func(name, unit string) (float64, bool), notMeasurable string) []row {
	const figure = "HTTP /graphql on PostgreSQL: 2 instances vs 1, each instance's CPU capped (cgroup), the database not the bound"
	if notMeasurable != "" {
		return []row{
			{figure: figure, target: "≥ 1.7×", note: "not measurable"},
			{figure: "  not measurable on this machine: " + notMeasurable, note: "–"},
		}
	}
	cores, _ := need("Instances/Capped/One", "instance-cores")
	one, _ := need("Instances/Capped/One", "req/s")
	two, _ := need("Instances/Capped/Two", "req/s")
	ratio := 0.0
	if one > 0 {
		ratio = two / one
	}
	quota := strconv.FormatFloat(cores, 'f', -1, 64) + " core"
	rows := []row{
		{figure: "HTTP /graphql on PostgreSQL, 64 clients, Page: 1 instance capped at " + quota, value: one, unit: "req/s"},
		{figure: "HTTP /graphql on PostgreSQL, 64 clients, Page: 2 instances capped at " + quota + " each, 1 database", value: two, unit: "req/s"},
		{figure: figure, target: "≥ 1.7×", atLeast: 1.7, value: ratio, unit: "×", decimals: 2},
	}
	for _, sub := range []string{"One", "Two"} {
		name := "Instances/Capped/" + sub
		for _, m := range []struct{ unit, what string }{{"instance-cpu-ms", "the instances"}, {"pg-cpu-ms", "PostgreSQL"}, {"client-cpu-ms", "the clients"}} {
			v, _ := need(name, m.unit)
			rows = append(rows, row{figure: fmt.Sprintf("  capped %s: CPU of %s per request", sub, m.what), value: v, unit: "ms", decimals: 2})
		}
		busy, _ := need(name, "machine-busy-%")
		own, _ := need(name, "own-busy-%")
		throttled, _ := need(name, "throttled-%")
		rows = append(rows,
			row{figure: fmt.Sprintf("  capped %s: the machine's cores busy (all its work)", sub), value: busy, unit: "%"},
			row{figure: fmt.Sprintf("  capped %s: the machine's cores busy with the instances, PostgreSQL and the clients", sub), value: own, unit: "%"},
			row{figure: fmt.Sprintf("  capped %s: the instances' quota periods spent to the end (throttled)", sub), value: throttled, unit: "%"},
		)
	}
	return rows
}

// liveRows are BenchmarkLive's figures: from a write to the row changing in another
// browser's list, on SQLite through the same instance, on PostgreSQL from one instance
// to another; the promise is within 1 s.
func liveRows(need func(name, unit string) (float64, bool)) []row {
	var rows []row
	for _, l := range []struct{ bench, how string }{{"Live/SQLite", "SQLite, same instance"}, {"Live/PostgreSQL", "PostgreSQL, across instances"}} {
		p50, _ := need(l.bench, "p50-ms")
		p99, _ := need(l.bench, "p99-ms")
		rows = append(rows,
			row{figure: "Live update, write to the other browser's DOM, " + l.how + ": p50", target: "≤ 1000 ms", limit: 1000, value: p50, unit: "ms", decimals: 0},
			row{figure: "Live update, write to the other browser's DOM, " + l.how + ": p99", target: "≤ 1000 ms", limit: 1000, value: p99, unit: "ms", decimals: 0},
		)
	}
	return rows
}

// exportRows are the CSV export's figures (BenchmarkExport): by the directory's streamed
// download, and written by the widget itself against Kili's core, which exports the
// deactivated users only (its list has no other filter), so its time has no target.
func exportRows(need func(name, unit string) (float64, bool)) []row {
	var rows []row
	for _, e := range []struct{ bench, how string }{{"Export/Directory", "streamed download"}, {"Export/Widget", "widget's pages (core)"}} {
		n, _ := need(e.bench, "rows")
		secs, _ := need(e.bench, "s")
		heap, _ := need(e.bench, "peak-js-heap-MB")
		wasm, _ := need(e.bench, "peak-wasm-MB")
		growth, _ := need(e.bench, "renderer-growth-MB")
		renderer, _ := need(e.bench, "peak-renderer-MB")
		took := row{figure: fmt.Sprintf("CSV export of %s users, %s: click to the whole file", strconv.FormatFloat(n, 'f', 0, 64), e.how), value: secs, unit: "s", decimals: 1}
		if e.bench == "Export/Directory" {
			took.target, took.limit = "≤ 60 s", 60
		}
		rows = append(rows, took,
			row{figure: "CSV export, " + e.how + ": page's JS heap at its peak", target: "≤ 100 MB", limit: 100, value: heap, unit: "MB", decimals: 1},
			row{figure: "CSV export, " + e.how + ": page's wasm memory at its peak", value: wasm, unit: "MB", decimals: 1},
			row{figure: "CSV export, " + e.how + ": page's renderer, growth to its peak", target: "≤ 100 MB", limit: 100, value: growth, unit: "MB", decimals: 1},
			row{figure: "CSV export, " + e.how + ": page's renderer at its peak (resident)", value: renderer, unit: "MB", decimals: 0},
		)
	}
	return rows
}

// importRows are the CSV import's figures: 10,000 new people through the page
// (BenchmarkWidget_ImportTenThousand), and the directory's part of it on each store
// (BenchmarkImportService_TenThousandRows, BenchmarkPG_ImportTenThousandRows).
func importRows(need func(name, unit string) (float64, bool)) []row {
	preview, _ := need("Widget_ImportTenThousand", "preview-s")
	imported, _ := need("Widget_ImportTenThousand", "import-s")
	storePreview, _ := need("ImportService_TenThousandRows", "preview-s/op")
	storeImport, _ := need("ImportService_TenThousandRows", "import-s/op")
	pgPreview, _ := need("PG_ImportTenThousandRows", "preview-s/op")
	pgImport, _ := need("PG_ImportTenThousandRows", "import-s/op")
	storeChanged, _ := need("ImportService_TenThousandRowsChanged", "ns/op")
	pgChanged, _ := need("PG_ImportTenThousandRowsChanged", "ns/op")
	return []row{
		{figure: "CSV import of 10,000 rows through the page: preview and import", target: "≤ 60 s", limit: 60, value: preview + imported, unit: "s", decimals: 1},
		{figure: "CSV import of 10,000 rows through the page: preview", value: preview, unit: "s", decimals: 1},
		{figure: "CSV import of 10,000 rows, directory only, SQLite: preview", value: storePreview, unit: "s", decimals: 2},
		{figure: "CSV import of 10,000 rows, directory only, SQLite: import", value: storeImport, unit: "s", decimals: 1},
		{figure: "CSV import of 10,000 rows, directory only, PostgreSQL: preview", value: pgPreview, unit: "s", decimals: 2},
		{figure: "CSV import of 10,000 rows, directory only, PostgreSQL: import", value: pgImport, unit: "s", decimals: 1},
		{figure: "CSV import of the same 10,000 people, each row changed, directory only, SQLite", value: storeChanged / 1e9, unit: "s", decimals: 1},
		{figure: "CSV import of the same 10,000 people, each row changed, directory only, PostgreSQL", value: pgChanged / 1e9, unit: "s", decimals: 1},
	}
}

// sortedNames lists the benchmarks by name.
func sortedNames(res results) []string {
	names := make([]string, 0, len(res))
	for n := range res {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func print(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\ttarget\tmeasured\tmet\tvs minimal page")
	for _, r := range rows {
		met := ""
		if r.limit > 0 || r.atLeast > 0 || (r.ratio > 0 && r.minimal > 0) {
			met = "yes"
			if (r.limit > 0 && r.value > r.limit) || (r.atLeast > 0 && r.value < r.atLeast) || (r.ratio > 0 && r.value > r.ratio*r.minimal) {
				met = "NO"
			}
		}
		ratio := ""
		if r.minimal > 0 {
			ratio = fmt.Sprintf("%.1f×", r.value/r.minimal)
		}
		measured := strconv.FormatFloat(r.value, 'f', r.decimals, 64) + " " + r.unit
		if r.note != "" {
			measured, met = r.note, ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.figure, r.target, measured, met, ratio)
	}
	tw.Flush()
}

// waterfallSteps are the steps of BenchmarkFirstRows's waterfall, in their order on the
// page (server/e2e/bench_portal_test.go says what each one is).
var waterfallSteps = []string{
	"portal-html", "frame-start", "html", "wasm-start", "wasm", "compiled", "main", "rendered",
	"ready", "init", "request", "list-request", "list-answer", "session", "answer", "decoded", "rows",
}

// printWaterfall prints the first rows' waterfall: each step in ms from the portal's
// navigation, for the widget and the minimal page, cold and warm; the requests before the
// rows last. It returns the steps of the widget that are missing; the session is not one
// of them when it opened after the rows.
func printWaterfall(w io.Writer, res results) []string {
	var missing []string
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "first rows in a portal's frame, ms from navigation\twidget cold\tminimal cold\twidget warm\tminimal warm\t")
	cell := func(bench, metric string, decimals int) string {
		v, ok := res["FirstRows/"+bench][metric]
		if !ok {
			// The session may open after the rows, which the page reports at once.
			if bench == "Widget" && metric != "cold-session-ms" && metric != "warm-session-ms" {
				missing = append(missing, "FirstRows/Widget ("+metric+")")
			}
			return "–"
		}
		return strconv.FormatFloat(v, 'f', decimals, 64)
	}
	for _, step := range waterfallSteps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", step,
			cell("Widget", "cold-"+step+"-ms", 0), cell("Minimal", "cold-"+step+"-ms", 0),
			cell("Widget", "warm-"+step+"-ms", 0), cell("Minimal", "warm-"+step+"-ms", 0))
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", "/graphql requests before the rows",
		cell("Widget", "cold-requests", 0), cell("Minimal", "cold-requests", 0),
		cell("Widget", "warm-requests", 0), cell("Minimal", "warm-requests", 0))
	tw.Flush()
	return missing
}
