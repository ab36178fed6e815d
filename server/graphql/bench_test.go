//go:build unix

package graphql_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchUsers is how many made-up users the benchmarks add to Acme: 100 pages of 100.
const benchUsers = 10_000

// The documents the widget sends for a page of the list: the page alone, and the page with
// its count.
const (
	benchPageQuery         = `query ($where: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $where, first: $first, skip: $skip) { id email firstname lastname activated organizationId organizationRole createdAt updatedAt } }`
	benchPageAndCountQuery = `query ($where: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $where, first: $first, skip: $skip) { id email firstname lastname activated organizationId organizationRole createdAt updatedAt } countUsers(where: $where) }`
)

// BenchmarkHandler_ListParallel is 64 clients asking for pages of 100 users at once, at
// offsets spread over 100 pages, as the widget asks them: through ServeHTTP (everything of
// POST /graphql but the network), and through a server on loopback. Besides the requests a
// second, it reports the CPU time a request takes, which other work on the machine
// disturbs much less.
func BenchmarkHandler_ListParallel(b *testing.B) {
	f := newFixture(b)
	if err := f.db.GenerateUsers(b.Context(), f.acme.ID, benchUsers); err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	const clients = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	for _, bc := range []struct{ name, query string }{{"Page", benchPageQuery}, {"PageAndCount", benchPageAndCountQuery}} {
		for _, via := range []struct {
			name string
			post func(body string) ([]byte, error)
		}{
			{"ServeHTTP", f.serve},
			{"Loopback", func(body string) ([]byte, error) { return f.postTo(client, ts.URL, body) }},
		} {
			b.Run(bc.name+"/"+via.name, func(b *testing.B) {
				query := mustJSON(b, bc.query)
				var next atomic.Int64
				b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.ReportAllocs()
				cpu := cpuTime()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						body := fmt.Sprintf(`{"query": %s, "variables": {"where": {}, "first": 100, "skip": %d}}`,
							query, next.Add(1)%100*100)
						if err := checkPage(via.post(body)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// serve hands a list query from the Acme admin to the handler and returns the answer.
func (f *fixture) serve(body string) ([]byte, error) {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "X-API-Key: "+f.acmeAdminKey)
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", w.Code, w.Body.Bytes())
	}
	return w.Body.Bytes(), nil
}

// postTo posts a list query from the Acme admin to url and returns the answer.
func (f *fixture) postTo(client *http.Client, url, body string) ([]byte, error) {
	r, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "X-API-Key: "+f.acmeAdminKey)
	resp, err := client.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, out)
	}
	return out, nil
}

// checkPage checks that an answer holds a page of 100 users and no error. It reads the
// answer's bytes, as the benchmark of the binary does, so that checking costs the client
// little next to answering.
func checkPage(out []byte, err error) error {
	if err != nil {
		return err
	}
	if bytes.Contains(out, []byte(`"errors"`)) || bytes.Count(out, []byte(`"email":`)) != 100 {
		return fmt.Errorf("not a page of 100 users: %.300s", out)
	}
	return nil
}

// cpuTime returns the CPU time the process has used so far, in user and system mode.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
