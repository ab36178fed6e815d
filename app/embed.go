package app

import (
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The widget inside an admin portal. The portal frames the widget in an iframe; the
// widget posts useradmin:ready to its parent, which answers useradmin:init with an API
// key and, optionally, an endpoint and a theme. Messages count only when they come from
// window.parent and from an origin on the server's allow-list (ALLOWED_ORIGINS); the
// widget writes only to that origin, never to "*". Without an allow-list, embedding is off
// and the widget shows its own sign-in form, framed or not.

// The messages between the widget and the portal, in their "type" field.
const (
	msgReady       = "useradmin:ready"        // widget → portal: send init
	msgInit        = "useradmin:init"         // portal → widget: {apiKey, endpoint?, theme?}
	msgHeight      = "useradmin:height"       // widget → portal: {height} in CSS pixels
	msgUserUpdated = "useradmin:user-updated" // widget → portal: {id, change}
	msgSignedOut   = "useradmin:signed-out"   // widget → portal: the session ended
	msgError       = "useradmin:error"        // widget → portal: {message}, an init refused
)

// portalWait is how long the widget waits for the portal's init before it offers its own
// sign-in form; a later init still signs it in.
const portalWait = 5 * time.Second

// portalInit is what a portal's useradmin:init carries.
type portalInit struct {
	Origin   string
	Key      string
	Endpoint string
	Theme    map[string]string
}

// embedState is where the handshake with a framing portal stands, for the sign-in page.
type embedState struct {
	Waiting bool   // framed by an allowed portal whose init has not come yet
	Notice  string // why the portal's init did not sign in
}

// portal is the link with the portal that frames the widget: one per page.
var portal struct {
	join    sync.Once
	settle  sync.Once
	settled chan struct{} // closed once the first init is handled, or the wait is over

	mu      sync.Mutex
	allowed []string
	origin  string // where messages go: the portal's origin, once known
	height  int    // the height last reported
}

// allowedOrigins are the portals the server allows (-allowed-origins).
var allowedOrigins = sync.OnceValue(func() []string {
	var origins []string
	for _, o := range strings.Split(app.Getenv("ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	return origins
})

// joinPortal starts the handshake once per page, if the widget is framed by an allowed
// portal; otherwise it settles at once.
func joinPortal(ctx app.Context) {
	portal.join.Do(func() {
		portal.settled = make(chan struct{})
		if !startPortal(ctx) {
			portal.settle.Do(func() { close(portal.settled) })
		}
	})
}

// waitForPortal returns once the portal's first init is handled or the wait is over, so
// that the session is not declared signed out while the portal is handing over a key.
func waitForPortal(ctx app.Context) {
	joinPortal(ctx)
	<-portal.settled
}

func handleJoinPortal(ctx app.Context, a app.Action) {
	joinPortal(ctx)
}

// startPortal listens to the parent and posts it useradmin:ready; it reports whether the
// widget is framed by a portal it may talk to.
func startPortal(ctx app.Context) bool {
	w := app.Window()
	if app.IsServer || w.Get("parent").Equal(w.Get("self")) {
		return false
	}
	allowed := allowedOrigins()
	if len(allowed) == 0 {
		app.Log("The widget is framed, but the server allows no portal (-allowed-origins): messages from the parent are ignored.")
		return false
	}
	// Where ready goes: the parent's origin when the browser tells it (Chromium and Safari
	// through location.ancestorOrigins, others through the referrer), else each allowed
	// origin, which the browser delivers only to the one the parent really has.
	targets := allowed
	if o := parentOrigin(); o != "" {
		if !slices.Contains(allowed, o) {
			app.Log("The widget is framed by " + o + ", which is not on -allowed-origins: its messages are ignored.")
			return false
		}
		targets = []string{o}
	}
	portal.mu.Lock()
	portal.allowed = allowed
	if len(targets) == 1 {
		portal.origin = targets[0]
	}
	portal.mu.Unlock()

	// Framed, the page is as tall as its content, not as the frame: the portal sizes the
	// frame from the height the widget reports.
	w.Get("document").Get("documentElement").Get("classList").Call("add", "ua-embedded")
	ctx.SetState(stateEmbed, embedState{Waiting: true})
	w.Call("addEventListener", "message", app.FuncOf(onPortalMessage(ctx)))
	for _, o := range targets {
		w.Get("parent").Call("postMessage", app.ValueOf(map[string]any{"type": msgReady}), o)
	}
	watchHeight()
	ctx.After(portalWait, func(ctx app.Context) {
		select {
		case <-portal.settled:
		default:
			settlePortal(ctx, "")
		}
	})
	return true
}

// parentOrigin is the origin of the page that frames the widget, or "" when the browser
// does not tell it.
func parentOrigin() string {
	w := app.Window()
	if ao := w.Get("location").Get("ancestorOrigins"); ao.Truthy() && ao.Length() > 0 {
		if o := ao.Index(0).String(); o != "null" {
			return o
		}
	}
	return originOf(w.Get("document").Get("referrer").String())
}

// originOf returns the scheme://host[:port] of an absolute URL, or "".
func originOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// onPortalMessage hands a useradmin:init from the parent, on an allowed origin, to
// handlePortalInit; it ignores every other message.
func onPortalMessage(ctx app.Context) func(this app.Value, args []app.Value) any {
	return func(this app.Value, args []app.Value) any {
		ev := args[0]
		origin := ev.Get("origin").String()
		if !ev.Get("source").Equal(app.Window().Get("parent")) || !portalAccepts(origin) {
			return nil
		}
		data := ev.Get("data")
		if data.Type() != app.TypeObject || data.Get("type").String() != msgInit {
			return nil
		}
		ctx.NewActionWithValue(actionPortalInit, readInit(origin, data))
		return nil
	}
}

// portalAccepts reports whether a message from origin may come from the portal: the
// origin is allowed and, once the portal's origin is known, is that one.
func portalAccepts(origin string) bool {
	portal.mu.Lock()
	defer portal.mu.Unlock()
	return slices.Contains(portal.allowed, origin) && (portal.origin == "" || portal.origin == origin)
}

// readInit copies an init message out of JavaScript. Theme values that are not strings
// read as "<number: 4>" and the like, which sanitizeTheme refuses.
func readInit(origin string, data app.Value) portalInit {
	in := portalInit{Origin: origin, Key: stringOf(data.Get("apiKey")), Endpoint: stringOf(data.Get("endpoint"))}
	theme := data.Get("theme")
	if theme.Type() == app.TypeObject {
		in.Theme = map[string]string{}
		keys := app.Window().Get("Object").Call("keys", theme)
		for i := 0; i < keys.Length() && i < 2*len(themeVars); i++ {
			k := keys.Index(i).String()
			in.Theme[k] = theme.Get(k).String()
		}
	}
	return in
}

// stringOf is v when it is a string, else "".
func stringOf(v app.Value) string {
	if v.Type() != app.TypeString {
		return ""
	}
	return v.String()
}

// handlePortalInit applies the portal's theme and signs in with its key, on its
// endpoint or the configured one. The key is kept like a key typed on the sign-in form:
// in memory and sessionStorage, never in a URL.
func handlePortalInit(ctx app.Context, a app.Action) {
	in, _ := a.Value.(portalInit)
	portal.mu.Lock()
	portal.origin = in.Origin
	portal.height = 0 // report the height again, to the origin now known
	portal.mu.Unlock()
	reportHeight()

	theme, refused := sanitizeTheme(in.Theme)
	if len(refused) > 0 {
		app.Log("useradmin:init: theme variables ignored: " + strings.Join(refused, ", "))
	}
	applyTheme(theme)

	endpoint := defaultEndpoint()
	if strings.TrimSpace(in.Endpoint) != "" {
		endpoint = resolveEndpoint(in.Endpoint)
		if !endpointAllowed(endpoint, app.Window().URL().String(), defaultEndpoint(), allowedOrigins()) {
			refusePortal(ctx, "The endpoint "+in.Endpoint+" is not allowed: use the widget's own origin, its configured endpoint, or an origin on -allowed-origins.")
			return
		}
	}
	key := strings.TrimSpace(in.Key)
	if key == "" {
		refusePortal(ctx, "The portal sent no API key: put it in the apiKey field of useradmin:init.")
		return
	}
	var cur session
	ctx.GetState(stateSession, &cur)
	if cur.Status == statusReady && cur.Key == key && cur.Endpoint == endpoint {
		settlePortal(ctx, "")
		return
	}
	s, f := openSession(ctx, endpoint, key)
	if f != nil {
		refusePortal(ctx, f.Message)
		return
	}
	s.FromPortal = true
	sessionMu.Lock()
	ctx.SessionStorage().Set(storageKey, key)
	ctx.SessionStorage().Set(storageEndpoint, endpoint)
	ctx.SessionStorage().Set(storagePortal, true)
	ctx.SetState(stateSession, s)
	sessionMu.Unlock()
	settlePortal(ctx, "")
}

// endpointAllowed reports whether the widget may send a key to endpoint: on the page's
// own origin, the configured endpoint's, or one on the allow-list, so that a key never
// goes to a server the widget's operator did not name.
func endpointAllowed(endpoint, page, configured string, allowed []string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return false
	}
	o := originOf(endpoint)
	return o == originOf(page) || o == originOf(configured) || slices.Contains(allowed, o)
}

// refusePortal tells the portal, and the person through the sign-in page, why its init
// did not sign in.
func refusePortal(ctx app.Context, msg string) {
	app.Log("useradmin:init refused: " + msg)
	tellPortal(map[string]any{"type": msgError, "message": msg})
	settlePortal(ctx, "Your portal could not sign you in. "+msg)
}

// settlePortal ends the wait for the portal's init and shows notice on the sign-in page.
func settlePortal(ctx app.Context, notice string) {
	portal.settle.Do(func() { close(portal.settled) })
	ctx.SetState(stateEmbed, embedState{Notice: notice})
}

// tellPortal posts msg to the portal's origin; it does nothing when the widget is not
// framed by an allowed portal, or before the portal's origin is known.
func tellPortal(msg map[string]any) {
	if app.IsServer {
		return
	}
	portal.mu.Lock()
	origin := portal.origin
	portal.mu.Unlock()
	if origin == "" {
		return
	}
	app.Window().Get("parent").Call("postMessage", app.ValueOf(msg), origin)
}

// portalUserChanged tells the portal that a user was saved, created or deleted.
func portalUserChanged(id, change string) {
	tellPortal(map[string]any{"type": msgUserUpdated, "id": id, "change": change})
}

// portalSignedOut tells the portal that the session ended.
func portalSignedOut() {
	tellPortal(map[string]any{"type": msgSignedOut})
}

// watchHeight reports the page's height to the portal whenever it changes.
func watchHeight() {
	ro := app.Window().Get("ResizeObserver")
	if !ro.Truthy() {
		return
	}
	observer := ro.New(app.FuncOf(func(this app.Value, args []app.Value) any {
		reportHeight()
		return nil
	}))
	observer.Call("observe", app.Window().Get("document").Get("body"))
}

// reportHeight posts the body's height when it differs from the one last posted.
func reportHeight() {
	if app.IsServer {
		return
	}
	body := app.Window().Get("document").Get("body")
	h := int(math.Ceil(body.Call("getBoundingClientRect").Get("height").Float()))
	portal.mu.Lock()
	changed := h != portal.height && portal.origin != ""
	if changed {
		portal.height = h
	}
	portal.mu.Unlock()
	if changed {
		tellPortal(map[string]any{"type": msgHeight, "height": h})
	}
}
