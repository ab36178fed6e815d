package http

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
)

// go-app v9 writes this viewport into every page it renders, and has no option to change
// it: it forbids zooming (maximum-scale=1, user-scalable=0), which fails WCAG 1.4.4 for
// the people who enlarge a page to read it. The pages are rewritten on their way out with
// a viewport that lets them zoom. go-app writes an element's attributes in no fixed order,
// so the tag comes in either order. TestServer_PageAllowsZoom fails if go-app ever writes
// another tag, so that an upgrade cannot bring the old one back unseen.
const (
	goAppViewportContent = `width=device-width, initial-scale=1, maximum-scale=1, user-scalable=0, viewport-fit=cover`
	zoomableViewport     = `<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">`
)

// goAppViewports are the tags go-app writes, in both orders of their attributes.
var goAppViewports = [][]byte{
	[]byte(`<meta name="viewport" content="` + goAppViewportContent + `">`),
	[]byte(`<meta content="` + goAppViewportContent + `" name="viewport">`),
}

// allowZoom serves next, with the viewport of its HTML pages replaced by one that allows
// zooming. Other answers (scripts, the wasm, styles) pass through unbuffered.
func allowZoom(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := &pageBuffer{ResponseWriter: w}
		next.ServeHTTP(b, r)
		b.flush()
	})
}

// pageBuffer holds an HTML answer until it is complete, so that its viewport can be
// replaced and its length set again; any other answer goes straight through.
type pageBuffer struct {
	http.ResponseWriter
	decided bool
	html    bool
	status  int
	body    bytes.Buffer
}

func (b *pageBuffer) decide() {
	if !b.decided {
		b.decided = true
		b.html = strings.HasPrefix(b.Header().Get("Content-Type"), "text/html")
	}
}

func (b *pageBuffer) WriteHeader(status int) {
	b.decide()
	if b.html {
		b.status = status
		return
	}
	b.ResponseWriter.WriteHeader(status)
}

func (b *pageBuffer) Write(p []byte) (int, error) {
	b.decide()
	if b.html {
		return b.body.Write(p)
	}
	return b.ResponseWriter.Write(p)
}

// flush sends a held HTML answer with the zoomable viewport.
func (b *pageBuffer) flush() {
	if !b.html {
		return
	}
	page := b.body.Bytes()
	for _, tag := range goAppViewports {
		page = bytes.Replace(page, tag, []byte(zoomableViewport), 1)
	}
	b.Header().Set("Content-Length", strconv.Itoa(len(page)))
	if b.status != 0 {
		b.ResponseWriter.WriteHeader(b.status)
	}
	b.ResponseWriter.Write(page)
}
