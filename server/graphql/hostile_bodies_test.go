package graphql_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"useradmin/server/graphql"
)

// TestHandler_HostileBodies sends, over a real connection, bodies that other servers
// decode or run: gzip (a small one and a bomb), a batch of operations, and a chunked body
// over the limit with no length said. None runs, none is decompressed, and nothing
// stored changes, not even a count of sign-in attempts.
func TestHandler_HostileBodies(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.handler)
	defer srv.Close()
	create := `{"query": "mutation { createUser(data: {email: \"mallory@acme.test\", password: \"a long password\", organizationRole: ADMIN}) { id } }"}`
	signIn := `{"query": "mutation { signIn(email: \"uma@acme.test\", password: \"a guess\") { apiKey } }"}`
	gzipped := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	// 16 MiB of spaces before the JSON: 16 KiB gzipped, a body well under the limit.
	bomb := gzipped(append(bytes.Repeat([]byte(" "), 16<<20), create...))
	chunked := io.MultiReader(strings.NewReader(`{"query": "{ viewer { id } }", "variables": {"pad": "`),
		strings.NewReader(strings.Repeat("x", graphql.MaxBodySize)), strings.NewReader(`"}}`))
	cases := []struct {
		name     string
		body     io.Reader
		encoding string
		want     int
	}{
		{"gzip", bytes.NewReader(gzipped([]byte(signIn))), "gzip", http.StatusBadRequest},
		{"gzip bomb", bytes.NewReader(bomb), "gzip", http.StatusBadRequest},
		{"batch", strings.NewReader("[" + create + "," + signIn + "]"), "", http.StatusBadRequest},
		{"chunked over the limit", chunked, "", http.StatusRequestEntityTooLarge},
	}
	before, attempts := f.snapshot(t), f.attempts(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, c.body)
			req.ContentLength = -1 // sent chunked, with no length to refuse it by
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+f.acmeAdminKey)
			if c.encoding != "" {
				req.Header.Set("Content-Encoding", c.encoding)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want || !strings.Contains(string(body), `"code":"BAD_USER_INPUT"`) {
				t.Fatalf("got %d %s, want %d with a sentence", resp.StatusCode, body, c.want)
			}
		})
	}
	if f.snapshot(t) != before || f.attempts(t) != attempts {
		t.Fatal("a hostile body changed what is stored")
	}
}
