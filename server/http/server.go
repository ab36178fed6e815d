// Package http is the server's HTTP side: the widget's assets through go-app's handler,
// the directory's POST /graphql, GET /export/<token> (CSV exports) and GET /healthz.
package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"useradmin/server"
)

// Timeouts that keep a slow or idle client from holding a connection for ever.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
)

// Server owns the HTTP listener and routes requests to the widget and the directory.
type Server struct {
	// Addr is the host:port to listen on; port 0 picks a free one (see URL).
	Addr string
	// App serves the widget: its pages, app.wasm, the service worker and web/ files.
	App *app.Handler
	// GraphQL serves the directory's POST /graphql; nil when the built-in directory is off.
	GraphQL http.Handler
	// Exports serves the downloads of CSV exports, GET /export/<token>; nil: none.
	Exports server.ExportService
	// Health reports whether the server can answer; nil means it always can.
	Health func(ctx context.Context) error
	// AllowedOrigins are the portals that may frame the widget and call /graphql from
	// their own origin, e.g. "https://admin.example.com".
	AllowedOrigins []string
	// ConnectOrigins are the other origins the widget may call: a GraphQL endpoint that is
	// not this server.
	ConnectOrigins []string
	// PathPrefix is the path everything is served under, e.g. "/admin/users" when a
	// portal's reverse proxy forwards /admin/users/... unchanged; "" serves at the root.
	// GET /healthz answers at the root as well, for health checks of the server itself.
	// App's resources must carry the same prefix (see Assets.Prefix).
	PathPrefix string
	// Handler, when set, is served instead of the widget and the directory: the example
	// portal runs on a Server of its own this way.
	Handler http.Handler
	// Logger receives what goes wrong; nil discards it.
	Logger *slog.Logger

	ln  net.Listener
	srv *http.Server
}

// Open starts listening and serving in the background.
func (s *Server) Open() error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.Serve()
	return nil
}

// Listen opens the listener without serving yet, so that URL is known (with port 0) before
// the handlers that need it are configured; Serve then starts answering.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	s.ln = ln
	return nil
}

// Serve answers requests on the listener opened by Listen, in the background.
func (s *Server) Serve() {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	handler := s.Handler
	if handler == nil {
		handler = s.routes()
	}
	s.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("serve", "err", err)
		}
	}()
}

// URL is the address the server listens on, e.g. "http://127.0.0.1:8000".
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting connections and waits for requests in flight to finish.
func (s *Server) Close() error {
	if s.srv == nil {
		if s.ln != nil {
			return s.ln.Close()
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	if s.GraphQL != nil {
		mux.Handle("POST /graphql", s.cors(s.GraphQL))
		mux.Handle("OPTIONS /graphql", s.cors(s.GraphQL))
		mux.Handle("GET /graphql", webSocketOnly(s.GraphQL))
		mux.HandleFunc("/graphql", handleGraphQLMethod)
	}
	if s.Exports != nil {
		mux.HandleFunc("/export/{token}", s.handleExport)
	}
	mux.Handle("/", allowZoom(withStartScript(s.App, s.wasmURL())))
	if s.PathPrefix == "" {
		return s.securityHeaders(mux)
	}
	// Under a prefix, /admin/users redirects to /admin/users/ (ServeMux does that for a
	// subtree pattern) and any other path outside the prefix is not found.
	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", s.handleHealthz)
	root.Handle(s.PathPrefix+"/", http.StripPrefix(s.PathPrefix, mux))
	return s.securityHeaders(root)
}

// wasmURL is where the page asks for app.wasm: the URL go-app writes for it.
func (s *Server) wasmURL() string {
	if s.App != nil && s.App.Resources != nil {
		return s.App.Resources.AppWASM()
	}
	return s.PathPrefix + "/web/app.wasm"
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	if s.Health != nil {
		if err := s.Health(r.Context()); err != nil {
			s.Logger.Error("health check", "err", err)
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// webSocketOnly passes on the GET that opens a WebSocket for subscriptions (the
// directory checks its Origin against AllowedOrigins itself); any other GET is answered
// as handleGraphQLMethod answers.
func webSocketOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			handleGraphQLMethod(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleGraphQLMethod answers any method but POST on /graphql with a sentence saying how
// to call it, rather than the widget's not-found page.
func handleGraphQLMethod(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "POST")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusMethodNotAllowed)
	w.Write([]byte(`{"errors":[{"message":"Send GraphQL requests with POST and a JSON body.","extensions":{"code":"BAD_USER_INPUT"}}]}` + "\n"))
}
