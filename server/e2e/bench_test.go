package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"
)

// The browser benchmarks measure the widget and, side by side, testdata/minimal.html: a
// hand-written page that asks the same /graphql for the same page and renders the same
// table, the least a browser can do for it. Run them with -benchtime Nx: each iteration
// is one measurement, and each figure is the median of the iterations.
//
// Times come from the page itself. probeJS, installed before any script of the page,
// watches the table with a MutationObserver and writes down performance.now() (time since
// the navigation started) each time the table, not busy, shows other rows than before
// (their number, first and last link): the first time is when the first rows appear. The
// callback runs right after the DOM update that put them in, before the frame is painted.
// Rows are compared rather than aria-busy watched, because go-app renders once per frame:
// a fast answer can turn "loading" into "ready" with no busy state ever in the DOM.

// probeJS signs in (the key in sessionStorage, where the widget keeps it after signing
// in), keeps the page's wasm instance to read its memory, and records the times.
const probeJS = `(() => {
	try { sessionStorage.setItem("useradmin.key", JSON.stringify(%s)); } catch (e) {}
	const b = window.__bench = {rows: 0, updates: [], shown: "", input: 0, wasm: null};
	performance.setResourceTimingBufferSize(10000);
	for (const name of ["instantiateStreaming", "instantiate"]) {
		const f = WebAssembly[name];
		WebAssembly[name] = async function (...args) {
			const r = await f.apply(this, args);
			b.wasm = r.instance || r;
			return r;
		};
	}
	const signature = t => {
		const a = t.querySelectorAll("tbody td.col-name a");
		return a.length ? a.length + " " + a[0].getAttribute("href") + " " + a[a.length - 1].getAttribute("href") : "";
	};
	new MutationObserver(() => {
		const t = document.querySelector("table.users");
		if (!t || t.getAttribute("aria-busy") !== "false") return;
		const s = signature(t);
		if (!s || s === b.shown) return;
		b.shown = s;
		b.updates.push(performance.now());
		if (!b.rows) b.rows = b.updates[0];
	}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
	document.addEventListener("input", e => { if (e.target.id === "search") b.input = performance.now(); }, true);
})()`

// searchDebounce is how long both pages wait after the last keystroke before they ask.
const searchDebounce = 300

// searchTerms are typed one after the other into the search box; each one changes the list
// of generated users.
var searchTerms = []string{"okafor", "lindqvist", "amara", "tanaka", "dubois"}

// pages are the two pages measured, by the name of their sub-benchmark.
var pages = []struct{ name, path string }{{"Widget", "/"}, {"Minimal", "/minimal.html"}}

// BenchmarkFirstRows is the time from the portal's navigation to the first rows of the
// list in its frame (see bench_portal_test.go), with the waterfall of each load: cold (a
// fresh browser profile each iteration) and warm (a new tab of the same browser, its
// assets cached and, for the widget, its service worker active). Each figure is the
// median over the iterations: cold-ms and warm-ms the rows, cold-STEP-ms and warm-STEP-ms
// each step, cold-requests and warm-requests the /graphql requests before the rows.
func BenchmarkFirstRows(b *testing.B) {
	site := startPortalBenchSite(b)
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			loads := map[string][]waterfall{}
			for b.Loop() {
				browser, closeBrowser := launchBrowser(b)
				widget := p.name == "Widget"
				loads["cold"] = append(loads["cold"], site.loadInPortal(b, browser, p.path, widget))
				loads["warm"] = append(loads["warm"], site.loadInPortal(b, browser, p.path, false))
				closeBrowser()
			}
			for _, cache := range []string{"cold", "warm"} {
				reportWaterfall(b, cache, loads[cache])
			}
		})
	}
}

// reportWaterfall reports the median of each step over the loads, as cache-STEP-ms, the
// rows also as cache-ms, and the median number of requests as cache-requests.
func reportWaterfall(b *testing.B, cache string, loads []waterfall) {
	for _, step := range waterfallSteps {
		var v []float64
		for _, l := range loads {
			if t, ok := l.Steps[step]; ok {
				v = append(v, t)
			}
		}
		if len(v) == 0 {
			continue
		}
		b.ReportMetric(median(v), cache+"-"+step+"-ms")
		if step == "rows" {
			b.ReportMetric(median(v), cache+"-ms")
		}
	}
	var n []float64
	for _, l := range loads {
		n = append(n, float64(l.Requests))
	}
	b.ReportMetric(median(n), cache+"-requests")
}

// BenchmarkBrowse uses the list of 100 rows a page as a person would, in a tab of one
// browser: it turns 10 pages (render-ms: from the page's /graphql response to its rows in
// the DOM, per page), reads the memory (after a garbage collection), then types searches
// (search-ms: from the last keystroke to the updated list, less the 300 ms debounce).
func BenchmarkBrowse(b *testing.B) {
	site := startBenchSite(b)
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			browser, closeBrowser := launchBrowser(b)
			defer closeBrowser()
			var render, search, heap, wasm []float64
			for b.Loop() {
				tab, closeTab := openTab(b, browser)
				runTab(b, tab, probe(site), chromedp.Navigate(site.URL+p.path+"?size=100"), waitJS(`window.__bench.rows > 0`))
				for range 10 {
					render = append(render, nextPage(b, tab))
				}
				h, w := memory(b, tab)
				heap, wasm = append(heap, h), append(wasm, w)
				for _, term := range searchTerms {
					search = append(search, typeSearch(b, tab, term))
				}
				closeTab()
			}
			b.ReportMetric(median(render), "render-ms")
			b.ReportMetric(median(search), "search-ms")
			b.ReportMetric(median(heap), "js-heap-MB")
			b.ReportMetric(median(wasm), "wasm-MB")
		})
	}
}

// nextPage follows the pager's Next link and returns the time from the end of the
// /graphql response to the new rows in the DOM.
func nextPage(b *testing.B, tab context.Context) float64 {
	var n int
	runTab(b, tab, chromedp.Evaluate(`window.__bench.updates.length`, &n))
	runTab(b, tab, chromedp.Evaluate(`document.querySelector("a[rel=next]").click()`, nil))
	waitUpdate(b, tab, fmt.Sprintf(`window.__bench.updates.length > %d`, n), "turning the page")
	var ms float64
	runTab(b, tab,
		chromedp.Evaluate(fmt.Sprintf(`(() => {
			const t = window.__bench.updates[%d];
			const done = performance.getEntriesByType("resource").filter(e => e.name.endsWith("/graphql") && e.responseEnd <= t);
			return done.length ? t - done[done.length - 1].responseEnd : -1;
		})()`, n), &ms),
	)
	if ms < 0 {
		b.Fatal("the list changed with no /graphql response before it")
	}
	return ms
}

// typeSearch types term into the search box (replacing what it holds) and returns the
// time from the last keystroke to the updated list, less the debounce.
func typeSearch(b *testing.B, tab context.Context, term string) float64 {
	var n int
	runTab(b, tab, chromedp.Evaluate(`document.getElementById("search").value = ""; window.__bench.updates.length`, &n))
	runTab(b, tab, chromedp.SendKeys("#search", term))
	waitUpdate(b, tab, fmt.Sprintf(`window.__bench.updates.slice(%d).some(t => t > window.__bench.input)`, n), "searching "+term)
	var ms float64
	runTab(b, tab, chromedp.Evaluate(`window.__bench.updates.find(t => t > window.__bench.input) - window.__bench.input`, &ms))
	return ms - searchDebounce
}

// waitUpdate waits until the JavaScript expression cond about the list's updates is
// true; after 30s it fails the benchmark with what the page shows.
func waitUpdate(b *testing.B, tab context.Context, cond, doing string) {
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, waitJS(cond)); err != nil {
		var state string
		runTab(b, tab, chromedp.Evaluate(`JSON.stringify({url: location.href, busy: document.querySelector("table.users")?.getAttribute("aria-busy"),
			search: document.getElementById("search")?.value, input: window.__bench.input, updates: window.__bench.updates,
			table: document.querySelector("table.users tbody")?.innerText.slice(0, 300)})`, &state))
		b.Fatalf("%s: the list did not change: %v\n%s", doing, err, state)
	}
}

// memory returns the JavaScript heap in use and the wasm instance's memory, in MB, after
// a garbage collection of the JavaScript heap.
func memory(b *testing.B, tab context.Context) (heap, wasm float64) {
	var metrics []*performance.Metric
	runTab(b, tab,
		performance.Enable(),
		heapprofiler.CollectGarbage(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			metrics, err = performance.GetMetrics().Do(ctx)
			return err
		}),
		chromedp.Evaluate(`window.__bench.wasm ? window.__bench.wasm.exports.mem.buffer.byteLength : 0`, &wasm),
	)
	for _, m := range metrics {
		if m.Name == "JSHeapUsedSize" {
			heap = m.Value
		}
	}
	return heap / 1e6, wasm / 1e6
}

// probe installs probeJS for every document the tab loads from now on.
func probe(site *benchSite) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(fmt.Sprintf(probeJS, jsString(site.server.Key))).Do(ctx)
		return err
	})
}

// listQuery is the document the widget sends for a page of the list; listPageQuery is
// the page alone.
const (
	listQuery     = `query ($where: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $where, first: $first, skip: $skip) { id email firstname lastname activated organizationId organizationRole createdAt updatedAt } countUsers(where: $where) }`
	listPageQuery = `query ($where: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $where, first: $first, skip: $skip) { id email firstname lastname activated organizationId organizationRole createdAt updatedAt } }`
)

// BenchmarkHTTPList is 64 clients posting list queries (pages of 100 at offsets spread
// over the first 100 pages, or all of them in a smaller directory) to the binary's /graphql on loopback, for -benchtime: the
// page alone, and the page with its count as the widget asks it. Besides the requests a
// second, it reports the CPU a request took in the server (server-cpu-ms, to compare with
// the store's own, BenchmarkFindUsersParallel's cpu-ms) and in the clients, which share
// the machine's cores with it (client-cpu-ms), and how busy the cores were.
func BenchmarkHTTPList(b *testing.B) {
	s := startBenchServer(b)
	pages := int64(max(1, min(100, benchDB.users/100)))
	for _, bc := range []struct{ name, query string }{{"Page", listPageQuery}, {"PageAndCount", listQuery}} {
		b.Run(bc.name, func(b *testing.B) {
			before := sampleCPU([]int{s.cmd.Process.Pid}, 0)
			benchList(b, []*server{s}, bc.query, pages)
			after := sampleCPU([]int{s.cmd.Process.Pid}, 0)
			b.ReportMetric((after.instances-before.instances)/clockTicks*1000/float64(b.N), "server-cpu-ms")
			b.ReportMetric((after.client-before.client)/1e6/float64(b.N), "client-cpu-ms")
			if total := after.machineTotal - before.machineTotal; total > 0 {
				b.ReportMetric(100*(1-(after.machineIdle-before.machineIdle)/total), "machine-busy-%")
			}
		})
	}
}

// listClients is how many clients the HTTP benchmarks run at once.
const listClients = 64

// benchList runs listClients clients posting query for pages of 100 at offsets spread
// over the first pages, each client to one of targets in turn (client i to target i mod
// len(targets)), and reports the requests a second and the latency's p50 and p99.
func benchList(b *testing.B, targets []*server, query string, pages int64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: listClients}}
	defer client.CloseIdleConnections()
	var (
		next, clients atomic.Int64
		mu            sync.Mutex
		latencies     []float64
	)
	b.SetParallelism((listClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	// The clients share the machine's cores with the server: each keeps its buffer, and
	// the query's JSON is made once, so that they take as little of them as they can.
	prefix := `{"query": ` + jsString(query) + `, "variables": {"where": {}, "first": 100, "skip": `
	b.RunParallel(func(pb *testing.PB) {
		s := targets[int(clients.Add(1))%len(targets)]
		var mine []float64
		var body, answer bytes.Buffer
		for pb.Next() {
			body.Reset()
			body.WriteString(prefix)
			body.WriteString(strconv.FormatInt(next.Add(1)%pages*100, 10))
			body.WriteString("}}")
			start := time.Now()
			if err := postList(client, s, &body, &answer); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, float64(time.Since(start))/1e6)
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(percentile(latencies, 50), "p50-ms")
	b.ReportMetric(percentile(latencies, 99), "p99-ms")
}

// postList posts body to s's /graphql and reads the answer into answer, which it checks
// is a page of users.
func postList(client *http.Client, s *server, body, answer *bytes.Buffer) error {
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body.Bytes()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "X-API-Key: "+s.Key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer.Reset()
	if _, err := answer.ReadFrom(resp.Body); err != nil {
		return err
	}
	out := answer.Bytes()
	if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) || !bytes.Contains(out, []byte(`"email"`)) {
		return fmt.Errorf("POST /graphql: status %d: %.300s", resp.StatusCode, out)
	}
	return nil
}

func median(v []float64) float64 { return percentile(v, 50) }

// percentile returns the p-th percentile of v (nearest rank), 0 for none.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
