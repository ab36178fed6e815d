package http

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// contentSecurityPolicy allows what the widget needs and nothing more: go-app's own scripts
// and the wasm ('wasm-unsafe-eval' compiles it), GraphQL calls to this origin and to the
// other origins it may call, and framing by this origin and the portals on the allow-list.
// go-app's service worker (app-worker.js) and manifest are same-origin files, which
// 'self' covers through default-src. Styles need no 'unsafe-inline': go-app writes a style
// attribute only for a component that calls Style(), which none of the widget's does, and
// a portal's theme is set through the CSSOM (style.setProperty), which CSP does not block.
// Checked in Chromium by the end-to-end tests, which fail on any CSP violation.
func contentSecurityPolicy(connect, frameAncestors []string) string {
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'wasm-unsafe-eval'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src " + strings.Join(append([]string{"'self'"}, withWebSockets(connect)...), " "),
		"frame-ancestors " + strings.Join(append([]string{"'self'"}, frameAncestors...), " "),
		"base-uri 'self'",
		"form-action 'self'",
		"object-src 'none'",
	}, "; ")
}

// securityHeaders sets the headers every answer carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	csp := contentSecurityPolicy(s.ConnectOrigins, s.AllowedOrigins)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// cors lets the portals on the allow-list call /graphql from their own origin (a widget
// served from one origin calling a directory on another). Other origins get no CORS
// headers, so browsers refuse them; their preflights are answered 403.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		allowed := origin != "" && slices.Contains(s.AllowedOrigins, origin)
		if allowed {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", "POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, X-API-Secret")
			h.Set("Access-Control-Max-Age", "600")
		}
		if r.Method == http.MethodOptions {
			if allowed {
				w.WriteHeader(http.StatusNoContent)
			} else {
				http.Error(w, "This origin is not allowed to call the directory: add it to -allowed-origins.", http.StatusForbidden)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Origin returns the scheme://host[:port] of an absolute URL, or "" for a relative one.
func Origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// withWebSockets adds to each http(s) origin its ws(s) twin, which live updates open: a
// source of scheme http does not allow ws.
func withWebSockets(origins []string) []string {
	out := make([]string, 0, 2*len(origins))
	for _, o := range origins {
		out = append(out, o)
		if rest, ok := strings.CutPrefix(o, "http"); ok {
			out = append(out, "ws"+rest)
		}
	}
	return out
}
