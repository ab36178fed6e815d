package http

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
)

// StartScript is added at the end of go-app's app.js. It declares goappInitWebAssembly
// again, which app.js calls as it starts: a later declaration of a function replaces the
// earlier one before any code runs, so go-app's file is kept as it is and only the way
// the wasm is loaded changes. go-app hands WebAssembly.instantiateStreaming a Response it
// makes itself, from a stream, to count the bytes for its loading bar: that Response has
// no URL, so Chromium can keep no compiled code for it and compiles the whole wasm again
// on every load. This one hands it the fetch's own Response, which comes from the HTTP
// cache or the service worker's cache under app.wasm's URL, so that a warm load can start
// from V8's code cache; the loading bar counts the bytes of a clone.
//
// %[1]s is the wasm's URL as a JavaScript string.
const startScript = `
// useradmin: load the wasm from the fetch's own answer (see server/http/start.go).
async function goappInitWebAssembly() {
  const loader = document.getElementById("app-wasm-loader");
  if (!goappCanLoadWebAssembly()) {
    loader.remove();
    return;
  }
  const loaderIcon = document.getElementById("app-wasm-loader-icon");
  const loaderLabel = document.getElementById("app-wasm-loader-label");
  const showProgress = (progress) => {
    loaderLabel.innerText = goappLoadingLabel.replace("{progress}", progress);
  };
  try {
    showProgress(0);
    const go = new Go();
    const response = await fetch(%[1]s);
    if (!response.ok) {
      throw new Error("app.wasm: " + response.status + " " + response.statusText);
    }
    useradminCountBytes(response.clone(), showProgress);
    const wasm = WebAssembly.instantiateStreaming
      ? await WebAssembly.instantiateStreaming(response, go.importObject)
      : await WebAssembly.instantiate(await response.arrayBuffer(), go.importObject);
    go.run(wasm.instance);
    loader.remove();
  } catch (err) {
    loaderIcon.className = "goapp-logo";
    loaderLabel.innerText = err;
    console.error("loading wasm failed: ", err);
  }
}

// useradminCountBytes reads response to its end, showing the share of the wasm arrived.
async function useradminCountBytes(response, progress) {
  const total = parseInt(response.headers.get(goappWasmContentLengthHeader) || response.headers.get("Content-Length"), 10);
  const reader = response.body.getReader();
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      progress(100);
      return;
    }
    loaded += value.byteLength;
    if (total > 0) {
      progress(Math.min(100, Math.round((loaded * 100) / total)));
    }
  }
}
`

// StartScript is the script added to app.js for a widget whose wasm is at wasmURL.
func StartScript(wasmURL string) string {
	return strings.ReplaceAll(startScript, "%[1]s", strconv.Quote(wasmURL))
}

// withStartScript serves next, with StartScript added to go-app's app.js (its path
// /app.js, or /goapp.js, which go-app serves the same). Other answers pass through.
func withStartScript(next http.Handler, wasmURL string) http.Handler {
	script := []byte(StartScript(wasmURL))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/app.js" && r.URL.Path != "/goapp.js" {
			next.ServeHTTP(w, r)
			return
		}
		b := &scriptBuffer{ResponseWriter: w}
		next.ServeHTTP(b, r)
		b.flush(script)
	})
}

// scriptBuffer holds app.js until it is complete, to add the start script and set its
// length again; any answer other than a 200 (a 304 to a revalidation) goes through.
type scriptBuffer struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (b *scriptBuffer) WriteHeader(status int) {
	if b.status != 0 {
		return
	}
	b.status = status
	if status != http.StatusOK {
		b.ResponseWriter.WriteHeader(status)
	}
}

func (b *scriptBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.WriteHeader(http.StatusOK)
	}
	if b.status != http.StatusOK {
		return b.ResponseWriter.Write(p)
	}
	return b.body.Write(p)
}

// flush sends a held app.js with script after it.
func (b *scriptBuffer) flush(script []byte) {
	if b.status != http.StatusOK {
		return
	}
	if b.Header().Get("Content-Encoding") == "" { // go-app sends app.js as it is
		b.body.Write(script)
	}
	b.Header().Set("Content-Length", strconv.Itoa(b.body.Len()))
	b.ResponseWriter.WriteHeader(http.StatusOK)
	b.ResponseWriter.Write(b.body.Bytes())
}
