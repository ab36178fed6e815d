module useradmin

go 1.26.8

require (
	github.com/chromedp/cdproto v0.0.0-20250724212937-08a3db8b4327
	github.com/chromedp/chromedp v0.14.2
	// Pinned: every release from v0.6.4 to v0.16.0 fails to compile for GOOS=js GOARCH=wasm
	// (its subscription code sets websocket dial options that the browser build of the
	// websocket library lacks), and v0.6.3 has all the widget needs: NewClient, Query,
	// NamedQuery, Mutate, NamedMutate, WithRequestModifier and errors with Extensions.
	github.com/hasura/go-graphql-client v0.6.3
	github.com/maxence-charriere/go-app/v9 v9.8.0 // the last v9
	github.com/vektah/gqlparser/v2 v2.5.64 // the GraphQL layer's parser and validator; the widget's tests check its documents with it
	golang.org/x/crypto v0.46.0
	modernc.org/sqlite v1.44.0
)

require github.com/99designs/gqlgen v0.17.98

// The WebSocket library of gqlgen's transport, for live updates (server/graphql/live_socket.go).
require github.com/coder/websocket v1.8.15

require (
	github.com/agnivade/levenshtein v1.2.2 // indirect
	github.com/chromedp/sysutil v1.1.0 // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/go-json-experiment/json v0.0.0-20250725192818-e39067aee2d2 // indirect
	github.com/go-viper/mapstructure/v2 v2.5.0 // indirect
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/gobwas/pool v0.2.1 // indirect
	github.com/gobwas/ws v1.4.0 // indirect
	github.com/goccy/go-yaml v1.19.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.12.0 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/klauspost/compress v1.10.3 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.0.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	github.com/sosodev/duration v1.4.0 // indirect
	github.com/urfave/cli/v3 v3.14.0 // indirect
	golang.org/x/exp v0.0.0-20251023183803-a4bb9ffd2546 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
	modernc.org/libc v1.67.4 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.11.0 // indirect
	nhooyr.io/websocket v1.8.7 // the WebSocket of the widget's live updates (go-graphql-client's, the browser's own under wasm)
)

tool github.com/99designs/gqlgen
