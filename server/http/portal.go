package http

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

// portalFiles is an example admin portal that embeds the widget in an iframe, as a portal
// developer would: the page, its script, and nothing else.
//
//go:embed portal
var portalFiles embed.FS

var portalPage = template.Must(template.ParseFS(portalFiles, "portal/index.html"))

// PortalHandler serves the example portal on its own origin. widgetURL is where the widget
// is reached, e.g. "http://127.0.0.1:8000/".
func PortalHandler(widgetURL string) http.Handler {
	static, _ := fs.Sub(portalFiles, "portal")
	files := http.FileServerFS(static)
	data := struct{ WidgetURL, WidgetOrigin string }{widgetURL, Origin(widgetURL)}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; frame-src " + data.WidgetOrigin +
		"; connect-src 'self' " + data.WidgetOrigin + "; object-src 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if r.URL.Path != "/" {
			files.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		portalPage.Execute(w, data)
	})
}
