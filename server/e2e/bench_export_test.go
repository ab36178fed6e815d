package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"
)

// exportSample is the memory of the exporting page at one moment, in MB: its JavaScript
// heap in use (Performance.getMetrics' JSHeapUsedSize), its wasm instance's memory, the
// resident memory of the largest renderer process (the page's) and of the browser
// process (which receives the download).
type exportSample struct {
	heap, wasm, renderer, browser float64
}

// exportRun is one export measured: the seconds from the click on Download to the whole
// file on disk, its rows, and the memory before, at its peak and after (after a garbage
// collection of the JavaScript heap).
type exportRun struct {
	seconds             float64
	rows                int
	before, peak, after exportSample
}

// BenchmarkExport exports every user of the benchmark database from the widget's list, as
// an admin does, in headless Chromium, and measures the time to the whole file on disk and
// the memory of the page while and after the file is written, sampled every 200 ms:
// Directory, the directory's streamed download (GET /export/<token>, written to disk by
// the browser's download manager); Widget, where the endpoint has no createExport (Kili's
// core: -contract core), the widget reading the list's pages of 100 and making each a
// Blob at once. The core can only filter by status and pages by skip, so the Widget case
// exports the deactivated users, a tenth of the database. Each figure is the median of
// the iterations (-benchtime Nx).
func BenchmarkExport(b *testing.B) {
	for _, c := range []struct{ name, contract, path string }{
		{"Directory", "full", "/"},
		{"Widget", "core", "/?status=inactive"},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := startBenchServer(b, "-contract", c.contract)
			browser, closeBrowser := launchBrowser(b)
			defer closeBrowser()
			var runs []exportRun
			for b.Loop() {
				runs = append(runs, exportOnce(b, browser, s, c.path))
			}
			metric := func(f func(exportRun) float64) float64 {
				v := make([]float64, len(runs))
				for i, r := range runs {
					v[i] = f(r)
				}
				return median(v)
			}
			b.ReportMetric(metric(func(r exportRun) float64 { return r.seconds }), "s")
			b.ReportMetric(metric(func(r exportRun) float64 { return float64(r.rows) }), "rows")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.before.heap }), "before-js-heap-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.peak.heap }), "peak-js-heap-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.after.heap }), "after-js-heap-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.peak.wasm }), "peak-wasm-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.before.renderer }), "before-renderer-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.peak.renderer }), "peak-renderer-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.after.renderer }), "after-renderer-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.peak.renderer - r.before.renderer }), "renderer-growth-MB")
			b.ReportMetric(metric(func(r exportRun) float64 { return r.peak.browser }), "peak-browser-MB")
		})
	}
}

// exportOnce opens the list at path in a new tab, signed in with s's key, and downloads
// the export of every column, sampling the memory until the file is whole.
func exportOnce(b *testing.B, browser context.Context, s *server, path string) exportRun {
	tab, closeTab := openTab(b, browser)
	defer closeTab()
	dir := b.TempDir()
	done := make(chan *cdpbrowser.EventDownloadProgress, 1)
	chromedp.ListenTarget(tab, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State != cdpbrowser.DownloadProgressStateInProgress {
			select {
			case done <- e:
			default:
			}
		}
	})
	runTab(b, tab,
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		performance.Enable(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(fmt.Sprintf(probeJS, jsString(s.Key))).Do(ctx)
			return err
		}),
		chromedp.Navigate(s.URL+path), waitJS(`window.__bench.rows > 0`),
		// chromedp turns on DevTools' Network domain, which keeps the body of every
		// response for the inspector (100 MB of them at most): it would count the
		// widget's pages of the core against the page.
		network.Disable(),
		chromedp.Click("#export-csv"), chromedp.WaitVisible("#export-start"),
	)
	var run exportRun
	run.before = sampleExport(b, tab, true)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			m := sampleExport(b, tab, false)
			mu.Lock()
			run.peak = exportSample{max(run.peak.heap, m.heap), max(run.peak.wasm, m.wasm), max(run.peak.renderer, m.renderer), max(run.peak.browser, m.browser)}
			mu.Unlock()
		}
	})
	start := time.Now()
	runTab(b, tab, chromedp.Click("#export-start"))
	var file *cdpbrowser.EventDownloadProgress
	select {
	case file = <-done:
	case <-time.After(15 * time.Minute):
		b.Fatal("the export's file was not whole after 15 minutes")
	}
	run.seconds = time.Since(start).Seconds()
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	if err := chromedp.Run(ctx, waitText("#export-status", func(s string) bool { return strings.HasPrefix(s, "Exported ") })); err != nil {
		b.Fatalf("the widget did not say the export was done: %v", err)
	}
	close(stop)
	wg.Wait()
	if file.State != cdpbrowser.DownloadProgressStateCompleted {
		b.Fatalf("the download ended %s", file.State)
	}
	run.after = sampleExport(b, tab, true)
	data, err := os.ReadFile(filepath.Join(dir, file.GUID))
	if err != nil {
		b.Fatal(err)
	}
	run.rows = bytes.Count(data, []byte("\n")) - 1
	var status string
	runTab(b, tab, chromedp.Text("#export-status", &status))
	if want := "Exported " + groupDigitsOf(run.rows) + " rows."; status != want {
		b.Fatalf("the widget says %q, the file has %d rows", status, run.rows)
	}
	return run
}

// sampleExport reads the page's memory now; with collect, after a garbage collection of
// its JavaScript heap. A sample the page cannot answer (it is busy navigating) is zero.
func sampleExport(b *testing.B, tab context.Context, collect bool) exportSample {
	var m exportSample
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	actions := []chromedp.Action{}
	if collect {
		actions = append(actions, heapprofiler.CollectGarbage())
	}
	var metrics []*performance.Metric
	actions = append(actions,
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			metrics, err = performance.GetMetrics().Do(ctx)
			return err
		}),
		chromedp.Evaluate(`window.__bench.wasm ? window.__bench.wasm.exports.mem.buffer.byteLength : 0`, &m.wasm),
	)
	if err := chromedp.Run(ctx, actions...); err != nil && collect {
		b.Fatalf("browser: %v", err)
	}
	for _, metric := range metrics {
		if metric.Name == "JSHeapUsedSize" {
			m.heap = metric.Value / 1e6
		}
	}
	m.wasm /= 1e6
	if p := chromedp.FromContext(tab).Browser.Process(); p != nil {
		m.renderer, m.browser = rendererMemory(p.Pid)
	}
	return m
}

// rendererMemory returns the resident memory, in MB, of the largest renderer process
// under the browser process pid, and of the browser process itself (Linux's /proc).
func rendererMemory(pid int) (renderer, browser float64) {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after its ')'.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 {
			if ppid, err := strconv.Atoi(fields[1]); err == nil {
				children[ppid] = append(children[ppid], child)
			}
		}
	}
	browser = residentMB(pid)
	todo := append([]int(nil), children[pid]...)
	for len(todo) > 0 {
		p := todo[0]
		todo = append(todo[1:], children[p]...)
		cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "cmdline"))
		if bytes.Contains(cmd, []byte("--type=renderer")) {
			renderer = max(renderer, residentMB(p))
		}
	}
	return renderer, browser
}

// residentMB is the resident memory of process pid in MB (VmRSS), 0 if it is gone.
func residentMB(pid int) float64 {
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1e3
		}
	}
	return 0
}

// groupDigitsOf writes n with a comma between groups of three digits, as the widget does.
func groupDigitsOf(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
