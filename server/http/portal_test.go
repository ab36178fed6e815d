package http_test

import (
	"net/http"
	"strings"
	"testing"

	serverhttp "useradmin/server/http"
)

func TestPortalHandler(t *testing.T) {
	s := MustOpenServer(t, &serverhttp.Server{Handler: serverhttp.PortalHandler("http://127.0.0.1:8000/")})
	resp, page := get(t, s.URL()+"/")
	if resp.StatusCode != http.StatusOK ||
		!strings.Contains(page, `data-src="http://127.0.0.1:8000/"`) ||
		!strings.Contains(page, `data-origin="http://127.0.0.1:8000"`) {
		t.Fatalf("got %d:\n%s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src http://127.0.0.1:8000") {
		t.Errorf("CSP = %q, want frame-src for the widget's origin", csp)
	}
	resp, script := get(t, s.URL()+"/portal.js")
	if resp.StatusCode != http.StatusOK || !strings.Contains(script, `"useradmin:init"`) {
		t.Fatalf("portal.js: %d", resp.StatusCode)
	}
}
