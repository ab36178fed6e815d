package http

import (
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WasmLengthHeader carries app.wasm's uncompressed size, so that go-app's loading bar
// counts right when the file is sent compressed (its Content-Length is then smaller).
const WasmLengthHeader = "X-Wasm-Content-Length"

// Assets serves the widget's built files (Dir/web/...) as go-app's resource provider. It
// sends a precompressed sibling (app.wasm.br, app.wasm.gz) when the browser accepts it and
// it is at least as new as the file, and lets browsers keep for a year any file asked for
// with a version (?v=...), since a new build changes that URL.
type Assets struct {
	Dir string
	// Prefix is the path the widget is served under, e.g. "/admin/users" behind a
	// portal's reverse proxy; "" at the root. Every URL go-app writes carries it.
	Prefix string
}

// Package is where go-app's own files live: the widget's root. go-app hands it to the
// widget as GOAPP_ROOT_PREFIX, which its router strips and the widget's links carry.
func (a Assets) Package() string { return a.Prefix }

// Static is where the web/ files are reached: the same.
func (a Assets) Static() string { return a.Prefix }

// AppWASM is the URL of the widget's wasm.
func (a Assets) AppWASM() string { return a.Prefix + "/web/app.wasm" }

// encodings are the precompressed forms, best first, with the suffix of their file.
var encodings = []struct{ name, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// ServeHTTP answers a request for a file under /web/. The server has stripped the prefix
// already, except from the path go-app writes itself for /app.wasm (AppWASM).
func (a Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(r.URL.Path)
	if a.Prefix != "" && strings.HasPrefix(name, a.Prefix+"/web/") {
		name = strings.TrimPrefix(name, a.Prefix)
	}
	if !strings.HasPrefix(name, "/web/") {
		http.NotFound(w, r)
		return
	}
	file := filepath.Join(a.Dir, filepath.FromSlash(name))
	info, err := os.Stat(file)
	if err != nil || info.IsDir() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if r.URL.Query().Get("v") != "" {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	if ct := mime.TypeByExtension(filepath.Ext(file)); ct != "" {
		h.Set("Content-Type", ct)
	}
	if strings.HasSuffix(file, ".wasm") {
		h.Set("Content-Type", "application/wasm")
		h.Set(WasmLengthHeader, strconv.FormatInt(info.Size(), 10))
	}
	h.Add("Vary", "Accept-Encoding")
	if enc, f, ok := precompressed(file, info, r.Header.Get("Accept-Encoding")); ok {
		defer f.Close()
		h.Set("Content-Encoding", enc)
		http.ServeContent(w, r, "", info.ModTime(), f)
		return
	}
	f, err := os.Open(file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// precompressed opens the best precompressed sibling of file that accept allows, if it
// exists and is not older than file (a stale one would serve an old build).
func precompressed(file string, info os.FileInfo, accept string) (string, *os.File, bool) {
	for _, e := range encodings {
		if !accepts(accept, e.name) {
			continue
		}
		ci, err := os.Stat(file + e.suffix)
		// Compared to the second: compressors copy the file's time cut to whole seconds.
		if err != nil || ci.ModTime().Before(info.ModTime().Truncate(time.Second)) {
			continue
		}
		f, err := os.Open(file + e.suffix)
		if err != nil {
			continue
		}
		return e.name, f, true
	}
	return "", nil, false
}

// accepts reports whether an Accept-Encoding header allows the encoding enc (named, and
// not with q=0).
func accepts(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q, found := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !found {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}
