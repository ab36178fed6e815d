package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// faultProxy stands between the browser and the server on loopback and forwards
// everything, the widget included, so that the widget and its directory share the
// proxy's origin. The test switches what it does to POST /graphql: pass it on, answer
// 500, or forward it and never answer (the answer lost on the way back). down and up stop
// and restart its listener on the same port: the browser then finds nothing listening.
type faultProxy struct {
	addr string
	rp   *httputil.ReverseProxy

	mode      atomic.Int32
	requests  atomic.Int32 // POST /graphql received
	mutations atomic.Int32 // of which mutations

	mu      sync.Mutex
	srv     *http.Server
	release chan struct{} // closed at the end of the test: hung requests return
}

// The proxy's modes for POST /graphql.
const (
	passThrough int32 = iota
	answer500
	hangAfterForwarding
)

// startProxy runs a proxy to target on a free loopback port until the end of the test.
func startProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{rp: httputil.NewSingleHostReverseProxy(u), release: make(chan struct{})}
	p.rp.ErrorLog = nil
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = l.Addr().String()
	p.serve(l)
	t.Cleanup(func() {
		close(p.release)
		p.down()
	})
	return p
}

// URL is where the browser reaches the widget through the proxy.
func (p *faultProxy) URL() string { return "http://" + p.addr }

func (p *faultProxy) serve(l net.Listener) {
	srv := &http.Server{Handler: p, ErrorLog: nil}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// set switches what the proxy does to POST /graphql.
func (p *faultProxy) set(mode int32) { p.mode.Store(mode) }

// down closes the listener and every connection: the directory is gone for the browser.
func (p *faultProxy) down() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// up listens again on the same port.
func (p *faultProxy) up(t *testing.T) {
	t.Helper()
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to be free again
		if l, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(l)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the proxy cannot listen on %s again: %v", p.addr, err)
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" {
		p.rp.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.requests.Add(1)
	if isMutation(body) {
		p.mutations.Add(1)
	}
	switch p.mode.Load() {
	case answer500:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	case hangAfterForwarding:
		p.rp.ServeHTTP(httptest.NewRecorder(), r) // the directory does the work...
		select {                                  // ...and its answer never comes back
		case <-r.Context().Done():
		case <-p.release:
		}
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// isMutation reports whether a GraphQL request body holds a mutation.
func isMutation(body []byte) bool {
	var req struct{ Query string }
	_ = json.Unmarshal(body, &req)
	return strings.HasPrefix(strings.TrimSpace(req.Query), "mutation")
}

// stop stops the server (as an operator would, with SIGINT) and waits until it exited.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("stop the server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("wait for the server: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the server did not stop within 10s\nstderr:\n%s", s.logs())
	}
}

// signInAt signs in on the sign-in page at base with key and waits for the list.
func (tb *tab) signInAt(base, key string) {
	tb.t.Helper()
	tb.run(
		chromedp.Navigate(base+"/sign-in"),
		waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
	)
	var hasToggle bool
	tb.run(chromedp.Evaluate(`!!document.querySelector("#toggle-mode")`, &hasToggle))
	if hasToggle {
		tb.run(chromedp.Click("#toggle-mode"))
	}
	tb.run(
		setValue("#key", key),
		chromedp.Click(`form.signin-card button[type=submit]`),
		chromedp.WaitVisible(`#user-count`),
		rowsLoaded(),
	)
}

// inputValues reads the values of the inputs with these ids.
func (tb *tab) inputValues(ids ...string) map[string]string {
	tb.t.Helper()
	out := map[string]string{}
	for _, id := range ids {
		var v string
		tb.run(chromedp.Value("#"+id, &v))
		out[id] = v
	}
	return out
}
