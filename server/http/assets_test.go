package http_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	serverhttp "useradmin/server/http"
)

// writeAssets makes a web/ folder with the given files; the precompressed ones are
// stand-ins, since the test checks which file is sent, not the compression.
func writeAssets(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "web"), 0o755)
	// One build's files share a time, whatever order they are written in; a file with
	// the nanoseconds of its own write could look older than its compressed forms.
	built := time.Now().Add(-time.Minute).Truncate(time.Second).Add(700 * time.Millisecond)
	old := built.Add(-time.Hour)
	for name, body := range files {
		p := filepath.Join(dir, "web", name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		mtime := built
		switch name {
		case "stale.css.gz":
			mtime = old // older than stale.css: left over from a previous build
		case "app.wasm.br":
			mtime = built.Truncate(time.Second) // as brotli stamps it: the same second
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func fetch(t *testing.T, h http.Handler, url, acceptEncoding string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", url, nil)
	if acceptEncoding != "" {
		r.Header.Set("Accept-Encoding", acceptEncoding)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAssets(t *testing.T) {
	dir := writeAssets(t, map[string]string{
		"app.wasm": "raw wasm", "app.wasm.br": "brotli wasm", "app.wasm.gz": "gzip wasm",
		"styles.css": "body{}", "stale.css": "new", "stale.css.gz": "old",
	})
	a := serverhttp.Assets{Dir: dir}
	for _, tt := range []struct {
		name, url, accept, wantBody, wantEncoding string
	}{
		{"Brotli", "/web/app.wasm", "gzip, deflate, br", "brotli wasm", "br"},
		{"Gzip", "/web/app.wasm", "gzip", "gzip wasm", "gzip"},
		{"BrotliRefused", "/web/app.wasm", "br;q=0, gzip", "gzip wasm", "gzip"},
		{"Identity", "/web/app.wasm", "", "raw wasm", ""},
		{"NoPrecompressed", "/web/styles.css", "br, gzip", "body{}", ""},
		{"StalePrecompressed", "/web/stale.css", "gzip", "new", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := fetch(t, a, tt.url, tt.accept)
			if got := body(t, resp); resp.StatusCode != 200 || got != tt.wantBody {
				t.Fatalf("got %d %q, want %q", resp.StatusCode, got, tt.wantBody)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.wantEncoding {
				t.Errorf("Content-Encoding = %q, want %q", got, tt.wantEncoding)
			}
			if resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q", resp.Header.Get("Vary"))
			}
		})
	}
	t.Run("WasmHeaders", func(t *testing.T) {
		resp := fetch(t, a, "/web/app.wasm", "br")
		if ct := resp.Header.Get("Content-Type"); ct != "application/wasm" {
			t.Errorf("Content-Type = %q", ct)
		}
		if n := resp.Header.Get(serverhttp.WasmLengthHeader); n != "8" {
			t.Errorf("%s = %q, want the raw size 8", serverhttp.WasmLengthHeader, n)
		}
	})
	t.Run("VersionedIsImmutable", func(t *testing.T) {
		resp := fetch(t, a, "/web/styles.css?v=abc", "")
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("Cache-Control = %q", cc)
		}
		resp = fetch(t, a, "/web/styles.css", "")
		if cc := resp.Header.Get("Cache-Control"); cc != "" {
			t.Errorf("an unversioned file got Cache-Control %q", cc)
		}
	})
	t.Run("ErrOutside", func(t *testing.T) {
		for _, url := range []string{"/web/../go.mod", "/web/", "/web/missing.css", "/other/app.wasm"} {
			if resp := fetch(t, a, url, ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: got %d, want 404", url, resp.StatusCode)
			}
		}
	})
}

func TestAssets_Prefix(t *testing.T) {
	dir := writeAssets(t, map[string]string{"app.wasm": "raw wasm", "styles.css": "body{}"})
	a := serverhttp.Assets{Dir: dir, Prefix: "/admin/users"}
	if a.Package() != "/admin/users" || a.Static() != "/admin/users" || a.AppWASM() != "/admin/users/web/app.wasm" {
		t.Fatalf("Package %q, Static %q, AppWASM %q", a.Package(), a.Static(), a.AppWASM())
	}
	// The server strips the prefix from requests; go-app asks for AppWASM() itself.
	for _, url := range []string{"/web/app.wasm", "/admin/users/web/app.wasm"} {
		if resp := fetch(t, a, url, ""); resp.StatusCode != 200 || body(t, resp) != "raw wasm" {
			t.Errorf("%s: got %d", url, resp.StatusCode)
		}
	}
	if resp := fetch(t, a, "/admin/other/web/app.wasm", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another prefix: got %d, want 404", resp.StatusCode)
	}
}
