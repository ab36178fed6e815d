package app

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// Widget is the user-administration widget: its configuration and everything one browser
// page keeps between two renders (the session, the link with a framing portal, what a
// page hands to the next). main.go makes one with New, routes to its pages and registers
// its actions; the package itself keeps no state between calls.
//
// The server build makes one too, to prerender pages: there nothing is signed in and the
// action handlers do nothing, so it is shared by concurrent requests without harm.
type Widget struct {
	endpoint string   // the configured GraphQL endpoint, as written (GRAPHQL_ENDPOINT)
	contract string   // what the built-in directory there serves, "" for another endpoint (DIRECTORY_CONTRACT)
	allowed  []string // the portals that may frame the widget (ALLOWED_ORIGINS)
	prefix   string   // the path the widget is served under, "" at the root
	http     *http.Client

	session *session
	portal  *portal
	seqs    sequencer
	nav     navigation
	live    liveFeed
	bulk    bulkRun
	imports bulkRun // the CSV import's run: one at a time, cancelled as a bulk action is
	export  bulkRun // the CSV export in progress: one at a time, like a bulk action
}

// New reads the configuration the server put in the page and prepares the page's state.
// In the browser it first makes sure that go-app's own use of storage cannot stop the
// widget (see guardStorage), so it must run before app.RunWhenOnBrowser.
func New() *Widget {
	mark(markMain)
	w := &Widget{
		endpoint: app.Getenv("GRAPHQL_ENDPOINT"),
		contract: app.Getenv("DIRECTORY_CONTRACT"),
		allowed:  splitOrigins(app.Getenv("ALLOWED_ORIGINS")),
		prefix:   pathPrefix(app.Getenv("GOAPP_ROOT_PREFIX")),
		http:     &http.Client{Timeout: requestTimeout},
	}
	framed, remembers := false, false
	if app.IsClient {
		remembers = storageWorks("localStorage")
		guardStorage()
		framed = isFramed()
	}
	w.session = newSession(pageStorage(framed), capsStorage(remembers))
	w.portal = newPortal(w)
	return w
}

// HandleActions registers the widget's action handlers with go-app.
func (w *Widget) HandleActions() {
	for name, h := range map[string]app.ActionHandler{
		actionSession:       w.handleSession,
		actionSignOut:       w.handleSignOut,
		actionProbe:         w.handleProbe,
		actionSignIn:        w.handleSignIn,
		actionLoadUsers:     w.handleLoadUsers,
		actionLoadUser:      w.handleLoadUser,
		actionSaveUser:      w.handleSaveUser,
		actionCreateUser:    w.handleCreateUser,
		actionDeleteUser:    w.handleDeleteUser,
		actionResetPassword: w.handleResetPassword,
		actionLoadAPIKeys:   w.handleLoadAPIKeys,
		actionRevokeAPIKey:  w.handleRevokeAPIKey,
		actionChangePass:    w.handleChangePassword,
		actionCompleteReset: w.handleCompleteReset,
		actionJoinPortal:    w.handleJoinPortal,
		actionPortalInit:    w.handlePortalInit,
		actionLive:          w.handleLive,
		// Invitations and Paradime's API.
		actionInvite:          w.handleInvite,
		actionLoadInvitations: w.handleLoadInvitations,
		actionInvitationWrite: w.handleInvitationWrite,
		actionLoadPreview:     w.handleLoadPreview,
		actionAccept:          w.handleAccept,
		actionLoadParadime:    w.handleLoadParadime,
		actionParadimeWrite:   w.handleParadimeWrite,
		// Workspaces.
		actionLoadWorkspaces: w.handleLoadWorkspaces,
		actionWorkspaceWrite: w.handleWorkspaceWrite,
		actionLoadUserModels: w.handleLoadUserModels,
		actionSaveUsername:   w.handleSaveUsername,
		// The audit trail.
		actionLoadActivity: w.handleLoadActivity,
		// Bulk actions.
		actionBulk:       w.handleBulk,
		actionBulkCancel: w.handleBulkCancel,
		// CSV import.
		actionImport:       w.handleImport,
		actionImportCancel: w.handleImportCancel,
		// CSV export.
		actionExport:       w.handleExport,
		actionExportCancel: w.handleExportCancel,
	} {
		app.Handle(name, browserOnly(h))
	}
}

// browserOnly makes an action handler run only in the browser: prerendering on the
// server and component tests show the loading state and call no endpoint.
func browserOnly(h app.ActionHandler) app.ActionHandler {
	return func(ctx app.Context, a app.Action) {
		if app.IsServer {
			return
		}
		h(ctx, a)
	}
}

// The pages main.go routes to. Paths are relative to the widget's root, so the same
// routes work under a sub-path prefix.

// UsersPage is the user list with its count ("/").
func (w *Widget) UsersPage() app.Composer { return newUserList(w) }

// UserPage creates ("/users/new") or edits ("/users/{id}") a user.
func (w *Widget) UserPage() app.Composer { return newUserEdit(w) }

// SignInPage is the sign-in form ("/sign-in").
func (w *Widget) SignInPage() app.Composer { return newSignIn(w) }

// AccountPage changes the password of the person signed in ("/account").
func (w *Widget) AccountPage() app.Composer { return newAccount(w) }

// ResetPasswordPage completes a password reset from a one-time link ("/reset-password").
func (w *Widget) ResetPasswordPage() app.Composer { return newResetPassword(w) }

// InvitePage invites people ("/invite").
func (w *Widget) InvitePage() app.Composer { return &invitePage{w: w, role: "USER"} }

// InvitationsPage lists the invitations ("/invitations").
func (w *Widget) InvitationsPage() app.Composer { return &invitationsPage{w: w} }

// WorkspacesPage lists the organization's workspaces ("/workspaces").
func (w *Widget) WorkspacesPage() app.Composer { return &workspacesPage{w: w} }

// AcceptInvitationPage accepts an invitation from its link ("/accept-invitation").
func (w *Widget) AcceptInvitationPage() app.Composer { return &acceptInvitation{w: w} }

// ActivityPage is the organization's activity ("/activity").
func (w *Widget) ActivityPage() app.Composer { return &activityPage{w: w} }

// ImportPage imports users from a CSV file ("/import").
func (w *Widget) ImportPage() app.Composer {
	return &importPage{w: w, mode: "CREATE", existing: "SKIP"}
}

// UserPathPattern matches the paths of UserPage.
const UserPathPattern = "^/users/[^/]+$"

// link returns the href of one of the widget's pages (path starts with "/").
func (w *Widget) link(path string) string {
	return w.prefix + path
}

// listHref is the list page's link for state q.
func (w *Widget) listHref(q listQuery) string {
	if v := q.values().Encode(); v != "" {
		return w.link("/?" + v)
	}
	return w.link("/")
}

// defaultEndpoint is the configured GraphQL endpoint, else the widget's own /graphql
// (under its prefix), resolved against the page so that the browser's fetch gets a full URL.
func (w *Widget) defaultEndpoint() string {
	e := w.endpoint
	if e == "" {
		e = w.link("/graphql")
	}
	return resolveEndpoint(e)
}

// api is the I/O with endpoint on behalf of the holder of key.
func (w *Widget) api(endpoint, key string) api {
	return api{endpoint: endpoint, key: key, http: w.http, frameOrigin: w.portal.frameOrigin(endpoint)}
}

// resolveEndpoint makes an endpoint typed by a person or configured as a path absolute.
func resolveEndpoint(e string) string {
	e = strings.TrimSpace(e)
	u, err := url.Parse(e)
	if err != nil || app.IsServer {
		return e
	}
	return app.Window().URL().ResolveReference(u).String()
}

// pathPrefix is the root prefix go-app hands the page, as links must carry it.
func pathPrefix(p string) string {
	p = strings.TrimSuffix(p, "/")
	if !strings.HasPrefix(p, "/") {
		return "" // not a URL path (e.g. "." from a local folder): served at the root
	}
	return p
}

// splitOrigins reads a comma-separated list of origins.
func splitOrigins(list string) []string {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	return origins
}

// sequencer numbers the requests of each state, so that a slow answer to an old request
// never overwrites the answer to a newer one.
type sequencer struct {
	mu sync.Mutex
	n  map[string]int
}

// next numbers a new request for the state key.
func (s *sequencer) next(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[key]++
	return s.n[key]
}

// latest reports whether seq is the newest request for the state key.
func (s *sequencer) latest(key string, seq int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[key] == seq
}

// navigation is what one page hands to the next: a notice to show there ("User created."
// after creating) and the list as the person last saw it, where Cancel and Esc go back to.
// Only the browser writes it: the server renders many pages at once.
type navigation struct {
	mu       sync.Mutex
	flash    string
	listHref string
}

// setFlash keeps a notice for the next page.
func (n *navigation) setFlash(notice string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.flash = notice
}

// takeFlash returns the notice kept for this page, once.
func (n *navigation) takeFlash() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := n.flash
	n.flash = ""
	return f
}

// setList remembers the list the person is on.
func (n *navigation) setList(href string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.listHref = href
}

// list is the list the person was last on, or "" if none.
func (n *navigation) list() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.listHref
}
