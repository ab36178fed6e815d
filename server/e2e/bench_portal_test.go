package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The first rows are measured as a portal shows them: a portal page on another site
// (http://localhost:Q) frames the page (the widget, or the minimal page, on
// http://127.0.0.1:P) and hands it the key when the page posts useradmin:ready, as the
// README tells portal developers to. Each load is broken down into a waterfall of
// steps, each in ms from the start of the portal's navigation:
//
//	portal-html   the portal's HTML has arrived
//	frame-start   the frame's navigation starts
//	html          the framed page's HTML has arrived
//	wasm-start    the widget's app.wasm is asked for
//	wasm          the widget's app.wasm has arrived (from the network, or the service worker)
//	compiled      app.wasm is compiled and instantiated: go.run starts
//	main          the Go program's main runs (the runtime and package inits are done)
//	rendered      the first render is in the DOM (go-app removes its loader)
//	ready         the page posts useradmin:ready to the portal
//	init          the portal's useradmin:init has reached the page
//	request       the first request to /graphql leaves
//	list-request  the widget asks for the first page of users
//	list-answer   that page has arrived
//	session       the session is open (the widget: viewer and capabilities known), if before the rows
//	answer        the last answer from /graphql before the rows has arrived
//	decoded       the widget has decoded the page of users
//	rows          the first rows are in the DOM
//
// and requests, the number of /graphql requests before the rows. A step the page does not
// have (the minimal page compiles no wasm) is left out. The times in the frame come from
// its own performance timeline (navigation and resource timing, the widget's marks, and
// benchFrameProbe's), moved onto the portal's by the difference of their timeOrigins.

// waterfallSteps are the steps, in their order on the page.
var waterfallSteps = []string{
	"portal-html", "frame-start", "html", "wasm-start", "wasm", "compiled", "main", "rendered",
	"ready", "init", "request", "list-request", "list-answer", "session", "answer", "decoded", "rows",
}

// benchFrameProbe is served as /bench/probe.js on the framed pages' site and loaded by
// them before any other script (the site adds it to their HTML). It records when the wasm
// is instantiated, when go-app's loader goes, and when the first rows are in the DOM
// (as probeJS does); then it posts the page's timeline to the portal as bench:timeline,
// and bench:worker once the page's service worker is active.
const benchFrameProbe = `(() => {
	"use strict";
	const b = window.__bench = {};
	const at = name => { if (!(name in b)) b[name] = performance.now(); };
	for (const name of ["instantiateStreaming", "instantiate"]) {
		const f = WebAssembly[name];
		WebAssembly[name] = async function (...args) {
			const r = await f.apply(this, args);
			at("compiled");
			return r;
		};
	}
	let loader = false;
	const observer = new MutationObserver(() => {
		if (document.getElementById("app-wasm-loader")) loader = true;
		else if (loader) at("rendered");
		const t = document.querySelector("table.users");
		if (!t || t.getAttribute("aria-busy") !== "false" || !t.querySelector("tbody td.col-name a")) return;
		at("rows");
		observer.disconnect();
		post();
	});
	observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
	function post() {
		const steps = {"frame-start": 0};
		for (const k of ["compiled", "rendered", "rows"]) if (k in b) steps[k] = b[k];
		const nav = performance.getEntriesByType("navigation")[0];
		if (nav) steps.html = nav.responseEnd;
		const res = performance.getEntriesByType("resource");
		const wasm = res.find(e => new URL(e.name).pathname.endsWith(".wasm"));
		if (wasm) {
			steps["wasm-start"] = wasm.fetchStart;
			steps.wasm = wasm.responseEnd;
		}
		const gql = res.filter(e => new URL(e.name).pathname.endsWith("/graphql") && e.responseEnd <= b.rows);
		if (gql.length) {
			steps.request = Math.min(...gql.map(e => e.fetchStart));
			steps.answer = Math.max(...gql.map(e => e.responseEnd));
		}
		const marks = {"useradmin:main": "main", "useradmin:ready": "ready", "useradmin:init": "init",
			"useradmin:session": "session", "useradmin:list-request": "list-request", "useradmin:list-decoded": "decoded"};
		for (const m of performance.getEntriesByType("mark")) {
			const k = marks[m.name];
			if (k && !(k in steps)) steps[k] = m.startTime;
		}
		const list = gql.find(e => "list-request" in steps && e.fetchStart >= steps["list-request"]);
		if (list) steps["list-answer"] = list.responseEnd;
		const wasmFetches = res.filter(e => new URL(e.name).pathname.endsWith(".wasm")).length;
		parent.postMessage({type: "bench:timeline", timeOrigin: performance.timeOrigin, steps, requests: gql.length, wasmFetches}, "*");
		if ("serviceWorker" in navigator && document.querySelector("script[src$='app.js']")) {
			navigator.serviceWorker.ready.then(r => {
				const w = r.active;
				const tell = () => parent.postMessage({type: "bench:worker"}, "*");
				if (w.state === "activated") tell();
				else w.addEventListener("statechange", () => { if (w.state === "activated") tell(); });
			});
		}
	}
})()`

// benchPortalPage frames the page at src and answers its useradmin:ready with the key,
// from origin only. window.__portal gathers the frame's timeline, moved onto the portal's.
const benchPortalPage = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Portal</title>
<iframe id="widget" title="Users" src="%[1]s" style="width:100%%;height:800px;border:0"></iframe>
<script>
"use strict";
const origin = %[2]q, key = %[3]q, frame = document.getElementById("widget");
const p = window.__portal = {timeline: null, worker: false};
window.addEventListener("message", e => {
  if (e.origin !== origin || e.source !== frame.contentWindow) return;
  const d = e.data;
  if (d.type === "useradmin:ready") frame.contentWindow.postMessage({type: "useradmin:init", apiKey: key}, origin);
  if (d.type === "bench:timeline") {
    const shift = d.timeOrigin - performance.timeOrigin, steps = {};
    for (const [k, v] of Object.entries(d.steps)) steps[k] = v + shift;
    steps["portal-html"] = performance.getEntriesByType("navigation")[0].responseEnd;
    p.timeline = {steps, requests: d.requests, wasmFetches: d.wasmFetches};
  }
  if (d.type === "bench:worker") p.worker = true;
});
</script>`

// portalBenchSite is a benchSite whose pages are framed by a portal on another site.
type portalBenchSite struct {
	*benchSite
	portal string // the portal's origin
}

// startPortalBenchSite starts the portal, and the site it frames with the binary allowing
// it (-allowed-origins) and the probe in the framed pages.
func startPortalBenchSite(tb testing.TB) *portalBenchSite {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	// localhost and 127.0.0.1 are different sites: the frame runs as a third party.
	portal := "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	site := startBenchSiteWith(tb, true, "-allowed-origins", portal)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/portal" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, benchPortalPage, site.URL+r.URL.Query().Get("page"), site.URL, site.server.Key)
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return &portalBenchSite{benchSite: site, portal: portal}
}

// withProbe adds <script src="/bench/probe.js"> as the first element of an HTML page's
// head, so that it runs before the page's own scripts.
func withProbe(page []byte) []byte {
	i := bytes.Index(page, []byte("<head>"))
	if i < 0 {
		return page
	}
	i += len("<head>")
	return slices.Concat(page[:i], []byte(`<script src="/bench/probe.js"></script>`), page[i:])
}

// probeResponse adds the probe to a proxied HTML page.
func probeResponse(resp *http.Response) error {
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Content-Encoding") != "" {
		return nil
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	page = withProbe(page)
	resp.Body = io.NopCloser(bytes.NewReader(page))
	resp.ContentLength = int64(len(page))
	resp.Header.Set("Content-Length", strconv.Itoa(len(page)))
	return nil
}

// waterfall is one load's steps (ms from the portal's navigation) and its number of
// /graphql requests before the rows.
type waterfall struct {
	Steps       map[string]float64
	Requests    int
	WasmFetches int // how many times the page fetched app.wasm: 1, its preload used
}

// loadInPortal opens the portal framing path in a new tab of browser and returns the
// load's waterfall; with worker, it also waits for the frame's service worker, so that
// the next load goes through it.
func (s *portalBenchSite) loadInPortal(b *testing.B, browser context.Context, path string, worker bool) waterfall {
	tab, closeTab := openTab(b, browser)
	defer closeTab()
	var wf waterfall
	runTab(b, tab, chromedp.Navigate(s.portal+"/portal?page="+path), waitJS(`window.__portal.timeline !== null`),
		chromedp.Evaluate(`(t => ({Steps: t.steps, Requests: t.requests, WasmFetches: t.wasmFetches}))(window.__portal.timeline)`, &wf))
	if _, widget := wf.Steps["compiled"]; widget && wf.WasmFetches != 1 {
		b.Fatalf("the widget fetched app.wasm %d times: the page's preload and app.js's fetch must be one request", wf.WasmFetches)
	}
	if worker {
		runTab(b, tab, waitJS(`window.__portal.worker`))
	}
	return wf
}
