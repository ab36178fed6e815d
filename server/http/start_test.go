package http_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	serverhttp "useradmin/server/http"
)

// TestServer_StartScript checks that app.js is go-app's, still calling the function the
// start script declares again, with the start script after it naming the page's wasm; that
// its length matches; and that a revalidation is still answered 304 with no body.
func TestServer_StartScript(t *testing.T) {
	app.Route("/", &page{})
	s := MustOpenServer(t, &serverhttp.Server{})
	resp, body := get(t, s.URL()+"/app.js")
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(body)) {
		t.Fatalf("got %d with Content-Length %d for %d bytes", resp.StatusCode, resp.ContentLength, len(body))
	}
	wasm := s.App.Resources.AppWASM()
	script := serverhttp.StartScript(wasm)
	goApp, found := strings.CutSuffix(body, script)
	if !found {
		t.Fatalf("app.js does not end with the start script: ...%s", body[max(0, len(body)-300):])
	}
	// go-app calls goappInitWebAssembly as app.js starts and declares it once: the start
	// script's declaration, coming later, is the one that runs.
	for _, want := range []string{"\ngoappInitWebAssembly();", "async function goappInitWebAssembly()", "function goappCanLoadWebAssembly()", "const goappLoadingLabel", "const goappWasmContentLengthHeader"} {
		if !strings.Contains(goApp, want) {
			t.Errorf("go-app's app.js has no %q: has go-app changed how it loads the wasm?", want)
		}
	}
	if !strings.Contains(script, "fetch("+strconv.Quote(wasm)+")") || !strings.Contains(script, "instantiateStreaming(response,") {
		t.Errorf("the start script does not stream the fetch's own answer: %s", script)
	}

	req, _ := http.NewRequest("GET", s.URL()+"/app.js", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating app.js: %d, want 304", again.StatusCode)
	}
}

// TestServer_StartScriptUnderPrefix checks that under a path prefix the start script asks
// for the wasm where go-app's page says it is.
func TestServer_StartScriptUnderPrefix(t *testing.T) {
	app.Route("/", &page{})
	s := MustOpenServer(t, &serverhttp.Server{PathPrefix: "/admin/users", App: &app.Handler{
		Name: "Test", Resources: serverhttp.Assets{Dir: t.TempDir(), Prefix: "/admin/users"}, Version: "test"}})
	_, body := get(t, s.URL()+"/admin/users/app.js")
	if !strings.HasSuffix(body, serverhttp.StartScript("/admin/users/web/app.wasm")) {
		t.Errorf("app.js under /admin/users does not load /admin/users/web/app.wasm: ...%s", body[max(0, len(body)-300):])
	}
}
