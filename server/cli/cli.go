//go:build !wasm

// Package cli is the server half's command line: flags, wiring and start-up. It is the one
// place that knows every part of the server; the parts themselves never import each other.
package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"useradmin/server"
	"useradmin/server/graphql"
	serverhttp "useradmin/server/http"
	"useradmin/server/live"
	"useradmin/server/mail"
)

// Config is everything the server can be told at start-up.
type Config struct {
	Addr            string
	DB              string
	AdminKey        string
	Seed            bool
	Directory       bool
	Contract        string
	GraphQLEndpoint string
	PublicURL       string
	Assets          string
	AllowedOrigins  []string
	PortalAddr      string
	PortalKey       string
	PathPrefix      string
	TrustProxy      bool

	// Mail: without SMTPAddr, emails are written to the log as "would send" lines. The
	// credentials come from the environment only, never the command line, where any user
	// of the machine can read them.
	SMTPAddr           string
	SMTPFrom           string
	SMTPUsername       string // USERADMIN_SMTP_USERNAME
	SMTPPassword       string // USERADMIN_SMTP_PASSWORD
	InvitationLifetime time.Duration
	AuditRetention     time.Duration
}

// envPrefix is put before a flag's name, upper-cased, to find its environment variable:
// -admin-key is also USERADMIN_ADMIN_KEY.
const envPrefix = "USERADMIN_"

// Main parses args, starts the server and blocks until it is stopped by SIGINT or SIGTERM;
// it returns the process's exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, err := ParseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if os.Getenv("GOGC") == "" {
		// The server's Go heap is small (SQLite's page caches live outside it) against
		// what each request allocates and drops, so at Go's default the collector runs
		// every few milliseconds under load. At 200 a list request takes about 4% less
		// CPU for a heap twice as large. GOGC in the environment still decides.
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "useradmin:", err)
		return 1
	}
	return 0
}

// ParseFlags reads the configuration from args, with environment variables as defaults.
func ParseFlags(args []string, stderr io.Writer) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("useradmin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8000", "`host:port` to listen on (port 0 picks a free port)")
	fs.StringVar(&cfg.DB, "db", "./data/users.db", "the built-in directory's store: the `path` of a SQLite file (its folder is created if missing), or a postgres://user:password@host:port/database URL for PostgreSQL, which several instances can share")
	fs.StringVar(&cfg.AdminKey, "admin-key", "", "on an empty database, give the demo organization's admin this API `key` (for automation)")
	fs.BoolVar(&cfg.Seed, "seed", true, "on an empty database, create a demo organization with an admin and about 50 users")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "take the client's address from X-Forwarded-For (set it behind a reverse proxy, so that the limit on failed sign-ins counts each client, not the proxy)")
	fs.BoolVar(&cfg.Directory, "directory", true, "serve the built-in user directory on /graphql (turn off when the widget calls another endpoint)")
	fs.StringVar(&cfg.Contract, "contract", "full", "which GraphQL schema the built-in directory serves: `full` (core and extensions), core (Kili's core only) or paradime (Paradime's user-management API only)")
	fs.StringVar(&cfg.SMTPAddr, "smtp-addr", "", "`host:port` of the SMTP server that sends invitations and reset links (STARTTLS when it offers it; credentials from "+envPrefix+"SMTP_USERNAME and "+envPrefix+"SMTP_PASSWORD); without it, emails are written to the log")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", "", "the sender `address` of the directory's emails, e.g. \"Users <users@example.com>\" (needed with -smtp-addr)")
	fs.DurationVar(&cfg.InvitationLifetime, "invitation-lifetime", 7*24*time.Hour, "how long an invitation link works, e.g. 168h (7 days)")
	fs.DurationVar(&cfg.AuditRetention, "audit-retention", server.DefaultAuditRetention, "how long the audit trail keeps each event, e.g. 9600h (400 days); older ones are deleted in the background")
	fs.StringVar(&cfg.GraphQLEndpoint, "graphql-endpoint", "", "`URL` of the GraphQL endpoint the widget calls (default: this server's /graphql)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "`URL` people reach the widget at, for password-reset links, including any -path-prefix (default: the listening address)")
	fs.StringVar(&cfg.Assets, "assets", ".", "`folder` that holds web/ with the built widget (web/app.wasm, styles, icons)")
	fs.Func("allowed-origins", "comma-separated `origins` of the admin portals that may frame the widget and call /graphql, e.g. https://admin.example.com", func(v string) error {
		origins, err := parseOrigins(v)
		cfg.AllowedOrigins = origins
		return err
	})
	fs.Func("path-prefix", "serve everything under this `path`, e.g. /admin/users, when a portal's reverse proxy forwards /admin/users/... unchanged (-public-url then includes it)", func(v string) error {
		p, err := parsePathPrefix(v)
		cfg.PathPrefix = p
		return err
	})
	fs.StringVar(&cfg.PortalAddr, "portal-addr", "", "`host:port` of an example admin portal that embeds the widget, on its own origin (add its origin to -allowed-origins); off when empty")
	fs.StringVar(&cfg.PortalKey, "portal-key", "", "an admin's API `key` that the example portal's back end mints embed tokens with (default: the demo admin's, on the run that seeds it, or -admin-key); whoever reaches the portal acts with it")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: useradmin [flags]\n\n")
		fmt.Fprintf(stderr, "Serves the user-administration widget and, by default, a built-in user directory.\n")
		fmt.Fprintf(stderr, "Every flag can also be set in the environment: -admin-key as %sADMIN_KEY.\n\n", envPrefix)
		fs.PrintDefaults()
	}
	if err := applyEnv(fs); err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q: every setting is a flag; see useradmin -h", fs.Arg(0))
	}
	if cfg.Contract != "full" && cfg.Contract != "core" && cfg.Contract != "paradime" {
		return cfg, fmt.Errorf("-contract must be full, core or paradime, not %q", cfg.Contract)
	}
	if cfg.InvitationLifetime <= 0 {
		return cfg, fmt.Errorf("-invitation-lifetime must be positive, such as 168h, not %s", cfg.InvitationLifetime)
	}
	if cfg.AuditRetention < time.Hour {
		return cfg, fmt.Errorf("-audit-retention must be at least an hour, such as 9600h (400 days), not %s", cfg.AuditRetention)
	}
	cfg.SMTPUsername, cfg.SMTPPassword = os.Getenv(envPrefix+"SMTP_USERNAME"), os.Getenv(envPrefix+"SMTP_PASSWORD")
	if cfg.SMTPAddr != "" {
		if err := cfg.smtp().Validate(); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// parseOrigins reads a comma-separated list of origins (scheme://host[:port], no path).
func parseOrigins(v string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if serverhttp.Origin(o) != strings.TrimSuffix(o, "/") {
			return nil, fmt.Errorf("%q is not an origin: write scheme://host[:port], e.g. https://admin.example.com", o)
		}
		origins = append(origins, strings.TrimSuffix(o, "/"))
	}
	return origins, nil
}

// parsePathPrefix reads a path prefix: "/admin/users" (a trailing slash is dropped; "/"
// or "" is the root).
func parsePathPrefix(v string) (string, error) {
	p := strings.TrimSuffix(strings.TrimSpace(v), "/")
	if p == "" {
		return "", nil
	}
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsFunc(p, notPathChar) {
		return "", fmt.Errorf("%q is not a path prefix: write a path such as /admin/users (letters, digits, - . _ ~ and /)", v)
	}
	return p, nil
}

func notPathChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-._~", r))
}

// applyEnv sets each flag from its environment variable, before the command line can
// override it.
func applyEnv(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s=%q is not valid for -%s: %v", name, v, f.Name, e)
			}
		}
	})
	return err
}

// Run opens the directory, seeds it if empty, serves until ctx ends, then shuts down.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &serverhttp.Server{Addr: cfg.Addr, Logger: logger, AllowedOrigins: cfg.AllowedOrigins, PathPrefix: cfg.PathPrefix}
	srv.ConnectOrigins = connectOrigins(cfg.GraphQLEndpoint, cfg.AllowedOrigins)
	if err := srv.Listen(); err != nil {
		return err
	}
	defer srv.Close()

	endpoint := cfg.GraphQLEndpoint
	if endpoint == "" {
		endpoint = cfg.PathPrefix + "/graphql"
	}
	// The widget calls the built-in directory when no other endpoint is named: it is told
	// which contract that serves, so that its first page need not wait for the
	// introspection to know the columns (it checks them with it all the same).
	contract := ""
	if cfg.Directory && cfg.GraphQLEndpoint == "" {
		contract = cfg.Contract
	}
	h, err := newAppHandler(cfg.Assets, cfg.PathPrefix, endpoint, contract, cfg.AllowedOrigins)
	if err != nil {
		return err
	}
	srv.App = h

	if cfg.Directory {
		changes := live.New(server.ChangeLimit{}, 0)
		dir, err := openDirectory(cfg.DB, logger, cfg.InvitationLifetime, cfg.AuditRetention, changes)
		if err != nil {
			return err
		}
		defer dir.Close()
		if dir.sweepAudit != nil {
			sweepCtx, stopSweep := context.WithCancel(ctx)
			defer stopSweep()
			go dir.sweepAudit(sweepCtx)
		}
		if cfg.Seed {
			res, err := dir.seed(ctx, cfg.AdminKey)
			if err != nil {
				return fmt.Errorf("seed the directory: %w", err)
			}
			printSeed(stdout, res)
			if res.Seeded && cfg.PortalKey == "" {
				// The example portal works at once on a new demo directory.
				cfg.PortalKey = res.AdminKey
			}
		}
		srv.GraphQL = &graphql.Handler{
			Changes:        dir.Changes,
			AllowedOrigins: cfg.AllowedOrigins,
			Users:          dir.Users,
			Organizations:  dir.Organizations,
			Auth:           dir.Auth,
			EmbedTokens:    dir.EmbedTokens,
			Invitations:    dir.Invitations,
			Workspaces:     dir.Workspaces,
			Audit:          dir.Audit,
			Bulk:           dir.Bulk,
			Imports:        dir.Imports,
			Exports:        dir.Exports,
			Mailer:         cfg.mailer(logger),
			CoreOnly:       cfg.Contract == "core",
			ParadimeOnly:   cfg.Contract == "paradime",
			TrustProxy:     cfg.TrustProxy,
			ResetURL:       widgetURL(cfg.PublicURL, srv.URL()+cfg.PathPrefix) + "reset-password",
			InvitationURL:  widgetURL(cfg.PublicURL, srv.URL()+cfg.PathPrefix) + "accept-invitation",
			Logger:         logger,
		}
		printMail(stdout, cfg)
		srv.Health = dir.Ping
		srv.Exports = dir.Exports
	}

	srv.Serve()
	if cfg.PortalAddr != "" {
		key := cfg.PortalKey
		if key == "" {
			key = cfg.AdminKey
		}
		portal := &serverhttp.Server{Addr: cfg.PortalAddr, Logger: logger, Handler: serverhttp.PortalHandler(serverhttp.Portal{
			WidgetURL: widgetURL(cfg.PublicURL, srv.URL()+cfg.PathPrefix),
			GraphQL:   srv.URL() + cfg.PathPrefix + "/graphql",
			Key:       key,
		})}
		if err := portal.Open(); err != nil {
			return fmt.Errorf("example portal: %w", err)
		}
		defer portal.Close()
		fmt.Fprintf(stdout, "Example portal on %s\n", portal.URL())
	}
	fmt.Fprintf(stdout, "Listening on %s\n", srv.URL())
	if cfg.PathPrefix != "" {
		fmt.Fprintf(stdout, "The widget is at %s%s/\n", srv.URL(), cfg.PathPrefix)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "Shutting down: letting requests in flight finish.")
	return srv.Close()
}

// auditSweepInterval is how often the audit trail's old events are deleted.
const auditSweepInterval = time.Hour

// connectOrigins are the origins other than its own that the widget may call (the CSP's
// connect-src): the configured endpoint's, and the allowed portals', since a portal may
// hand the widget an endpoint on its own origin.
func connectOrigins(endpoint string, allowed []string) []string {
	var origins []string
	if o := serverhttp.Origin(endpoint); o != "" {
		origins = append(origins, o)
	}
	for _, o := range allowed {
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	return origins
}

// widgetURL is where people reach the widget: the public URL when set, else the listener
// (with the path prefix).
func widgetURL(publicURL, listenURL string) string {
	if publicURL != "" {
		return strings.TrimSuffix(publicURL, "/") + "/"
	}
	return listenURL + "/"
}

// smtp is the SMTP sender the configuration names.
func (cfg Config) smtp() *mail.SMTP {
	return &mail.SMTP{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword}
}

// mailer is the SMTP sender with -smtp-addr, else the log's "would send" lines.
func (cfg Config) mailer(logger *slog.Logger) server.Mailer {
	if cfg.SMTPAddr == "" {
		return mail.Log{Logger: logger}
	}
	return cfg.smtp()
}

// printMail says where the directory's emails go.
func printMail(w io.Writer, cfg Config) {
	if cfg.SMTPAddr == "" {
		fmt.Fprintln(w, "Mail: no -smtp-addr, so invitations and reset links are written to the log as \"would send\" lines.")
		return
	}
	fmt.Fprintf(w, "Mail: sent through %s as %s.\n", cfg.SMTPAddr, cfg.SMTPFrom)
}

// newAppHandler configures go-app's handler for the widget. Its Version is a hash of
// app.wasm and of the start script added to app.js (serverhttp.StartScript): it keys the
// service worker's cache and versions the URLs of styles and icons, so browsers keep them
// until a new build is deployed.
func newAppHandler(assets, prefix, endpoint, contract string, allowedOrigins []string) (*app.Handler, error) {
	wasm, err := os.ReadFile(filepath.Join(assets, "web", "app.wasm"))
	if err != nil {
		return nil, fmt.Errorf("the widget is not built (%v): run `make build` first, or point -assets at the folder that holds web/app.wasm", err)
	}
	h := sha256.New()
	h.Write(wasm)
	h.Write([]byte(serverhttp.StartScript(serverhttp.Assets{Prefix: prefix}.AppWASM())))
	version := hex.EncodeToString(h.Sum(nil)[:8])
	versioned := func(path string) string { return path + "?v=" + version }
	return &app.Handler{
		Name:        "User admin",
		ShortName:   "Users",
		Title:       "Users",
		Description: "Find, count and edit the users of your data platform.",
		Icon: app.Icon{
			Default:    versioned("/web/icon-192.png"),
			Large:      versioned("/web/icon-512.png"),
			SVG:        versioned("/web/icon.svg"),
			AppleTouch: versioned("/web/icon-192.png"),
		},
		Styles: []string{versioned("/web/styles.css")},
		// The page follows the person's light or dark scheme from its first paint. The wasm
		// is asked for as the page is read, rather than once go-app's deferred scripts have
		// loaded and run: app.js's fetch of it (CORS mode, same-origin credentials, as
		// crossorigin says) then takes the preloaded answer.
		RawHeaders: []string{
			`<meta name="color-scheme" content="light dark">`,
			`<link rel="preload" href="` + html.EscapeString(serverhttp.Assets{Prefix: prefix}.AppWASM()) + `" as="fetch" type="application/wasm" crossorigin>`,
		},
		BackgroundColor: "#ffffff",
		ThemeColor:      "#ffffff",
		LoadingLabel:    "Loading users… {progress}%",
		Env: app.Environment{
			"GRAPHQL_ENDPOINT": endpoint,
			"ALLOWED_ORIGINS":  strings.Join(allowedOrigins, ","),
			// full, core or paradime: what the built-in directory at GRAPHQL_ENDPOINT
			// serves; empty when the endpoint is another one.
			"DIRECTORY_CONTRACT": contract,
		},
		Resources:               serverhttp.Assets{Dir: assets, Prefix: prefix},
		WasmContentLengthHeader: serverhttp.WasmLengthHeader,
		Version:                 version,
	}, nil
}

func printSeed(w io.Writer, res *seedResult) {
	if res == nil || !res.Seeded {
		return
	}
	fmt.Fprintf(w, "Created the demo directory with %d users.\n", res.Users)
	fmt.Fprintf(w, "  Admin email:    %s\n", res.AdminEmail)
	fmt.Fprintf(w, "  Admin password: %s\n", res.AdminPassword)
	fmt.Fprintf(w, "  Admin API key:  %s\n", res.AdminKey)
	fmt.Fprintln(w, "  These are shown once: keep them, the directory stores only their hashes.")
}
