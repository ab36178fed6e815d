package app

import (
	"context"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The widget inside an admin portal. The portal frames the widget in an iframe; the
// widget posts useradmin:ready to its parent, which answers useradmin:init with a
// credential (a short-lived token from the portal's back end, with its expiresAt, or an
// API key) and, optionally, an endpoint and a theme. Shortly before the token expires the
// widget posts useradmin:token-expiring, and the portal answers with a new init, which
// swaps the credential and leaves the page as it is. Messages count only when they come
// from window.parent and from an origin on the server's allow-list (ALLOWED_ORIGINS); the
// widget writes only to that origin, never to "*". Without an allow-list, embedding is off
// and the widget shows its own sign-in form, framed or not.

// The messages between the widget and the portal, in their "type" field.
const (
	msgReady         = "useradmin:ready"          // widget → portal: send init
	msgInit          = "useradmin:init"           // portal → widget: {token, expiresAt} or {apiKey}, endpoint?, theme?
	msgTokenExpiring = "useradmin:token-expiring" // widget → portal: {expiresAt}: send a new init
	msgHeight        = "useradmin:height"         // widget → portal: {height} in CSS pixels
	msgUserUpdated   = "useradmin:user-updated"   // widget → portal: {id, change}
	msgSignedOut     = "useradmin:signed-out"     // widget → portal: the session ended
	msgError         = "useradmin:error"          // widget → portal: {message}, an init refused
)

// portalWait is how long the widget waits for the portal's init before it offers its own
// sign-in form; a later init still signs it in.
const portalWait = 5 * time.Second

// renewalLead is how long before a token expires the widget asks for a new one; a token
// that lives less than twice as long is asked for at half its life.
const renewalLead = 60 * time.Second

// portalInit is what a portal's useradmin:init carries.
type portalInit struct {
	Origin    string
	Token     string // a token from the portal's back end; else APIKey
	APIKey    string
	ExpiresAt string // RFC 3339, when Token expires
	Endpoint  string
	Theme     map[string]string
}

// embedState is where the handshake with a framing portal stands, for the sign-in page.
type embedState struct {
	Waiting bool   // framed by an allowed portal whose init has not come yet
	Notice  string // why the portal's init did not sign in
}

// portal is the link with the portal that frames the widget: one per page. It answers
// the portal's messages, and tells the portal what happens by observing the page's state
// (the session, the users changed), never by being called from other handlers.
type portal struct {
	w       *Widget
	join    sync.Once
	settle  sync.Once
	settled chan struct{} // closed once the first init is handled, or the wait is over
	give    sync.Once
	given   chan struct{} // closed once the first init's credential is read, before its session opens
	handed  credential    // that credential, set before given is closed

	mu     sync.Mutex
	origin string // where messages go: the portal's origin, once known
	height int    // the height last reported

	// Observed state, and what was last told about it.
	session    sessionState
	change     userChange
	signedIn   bool
	toldChange int
	warnedGen  int
	expiring   *time.Timer // posts token-expiring for the current token
}

func newPortal(w *Widget) *portal {
	return &portal{w: w, settled: make(chan struct{}), given: make(chan struct{})}
}

// start begins the handshake once per page, if the widget is framed by an allowed portal;
// otherwise it settles at once.
func (p *portal) start(ctx app.Context) {
	p.join.Do(func() {
		if !p.open(ctx) {
			p.settle.Do(func() { close(p.settled) })
		}
	})
}

// wait returns once the portal's first init is handled or the wait is over, so that the
// session is not declared signed out while the portal is handing over a credential.
func (p *portal) wait(ctx app.Context) {
	p.start(ctx)
	<-p.settled
}

// credential returns the credential of the portal's first init as soon as it is read,
// while its session is still opening, so that the first page can be asked for at the same
// time as the viewer and the capabilities; ok is false when the widget is not framed by
// an allowed portal, or the wait ended with no usable credential.
func (p *portal) credential(ctx app.Context) (c credential, ok bool) {
	p.start(ctx)
	select {
	case <-p.given:
	case <-p.settled:
		select {
		case <-p.given:
		default:
			return credential{}, false
		}
	}
	return p.handed, p.handed.Key != ""
}

// hand makes c, the first init's credential, known to credential.
func (p *portal) hand(c credential) {
	p.give.Do(func() {
		p.handed = c
		close(p.given)
	})
}

func (w *Widget) handleJoinPortal(ctx app.Context, a app.Action) {
	w.portal.start(ctx)
}

// open listens to the parent, posts it useradmin:ready and observes the page's state; it
// reports whether the widget is framed by a portal it may talk to. ctx is an action's, so
// the observers last as long as the page.
func (p *portal) open(ctx app.Context) bool {
	w := app.Window()
	if app.IsServer || !isFramed() {
		return false
	}
	allowed := p.w.allowed
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
	p.mu.Lock()
	if len(targets) == 1 {
		p.origin = targets[0]
	}
	p.mu.Unlock()

	// Framed, the page is as tall as its content, not as the frame: the portal sizes the
	// frame from the height the widget reports.
	w.Get("document").Get("documentElement").Get("classList").Call("add", "ua-embedded")
	ctx.SetState(stateEmbed, embedState{Waiting: true})
	ctx.ObserveState(stateSession).OnChange(func() { p.onSession(ctx) }).Value(&p.session)
	ctx.ObserveState(stateUserChanged).OnChange(p.onUserChanged).Value(&p.change)
	p.toldChange = p.change.Seq
	w.Call("addEventListener", "message", app.FuncOf(p.onMessage(ctx)))
	mark(markReady)
	for _, o := range targets {
		w.Get("parent").Call("postMessage", app.ValueOf(map[string]any{"type": msgReady}), o)
	}
	p.watchHeight()
	ctx.After(portalWait, func(ctx app.Context) {
		select {
		case <-p.settled:
		default:
			p.settleWith(ctx, "")
		}
	})
	return true
}

// onSession tells the portal when the session ends, and asks it for a new token shortly
// before the one it handed over expires.
func (p *portal) onSession(ctx app.Context) {
	st := p.session
	was := p.signedIn
	p.signedIn = st.Status == statusReady
	if was && !p.signedIn {
		p.tell(map[string]any{"type": msgSignedOut})
	}
	if !p.signedIn || !st.FromPortal || st.ExpiresAt.IsZero() || st.Gen == p.warnedGen {
		return
	}
	p.warnedGen = st.Gen
	if p.expiring != nil {
		p.expiring.Stop()
	}
	left := time.Until(st.ExpiresAt)
	p.expiring = time.AfterFunc(left-min(renewalLead, left/2), func() {
		ctx.Dispatch(func(ctx app.Context) {
			if p.session.Gen == st.Gen && p.session.Status == statusReady {
				p.tell(map[string]any{"type": msgTokenExpiring, "expiresAt": st.ExpiresAt.UTC().Format(time.RFC3339)})
			}
		})
	})
}

// onUserChanged tells the portal that a user was saved, created or deleted.
func (p *portal) onUserChanged() {
	if c := p.change; c.Seq > p.toldChange {
		p.toldChange = c.Seq
		p.tell(map[string]any{"type": msgUserUpdated, "id": c.ID, "change": c.Change})
	}
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

// onMessage hands a useradmin:init from the parent, on an allowed origin, to
// handlePortalInit; it ignores every other message.
func (p *portal) onMessage(ctx app.Context) func(this app.Value, args []app.Value) any {
	return func(this app.Value, args []app.Value) any {
		ev := args[0]
		origin := ev.Get("origin").String()
		if !ev.Get("source").Equal(app.Window().Get("parent")) || !p.accepts(origin) {
			return nil
		}
		data := ev.Get("data")
		if data.Type() != app.TypeObject || data.Get("type").String() != msgInit {
			return nil
		}
		mark(markInit)
		ctx.NewActionWithValue(actionPortalInit, readInit(origin, data))
		return nil
	}
}

// accepts reports whether a message from origin may come from the portal: the origin is
// allowed and, once the portal's origin is known, is that one.
func (p *portal) accepts(origin string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.w.allowed, origin) && (p.origin == "" || p.origin == origin)
}

// readInit copies an init message out of JavaScript. Theme values that are not strings
// read as "<number: 4>" and the like, which sanitizeTheme refuses.
func readInit(origin string, data app.Value) portalInit {
	in := portalInit{
		Origin:    origin,
		Token:     stringOf(data.Get("token")),
		APIKey:    stringOf(data.Get("apiKey")),
		ExpiresAt: stringOf(data.Get("expiresAt")),
		Endpoint:  stringOf(data.Get("endpoint")),
	}
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

// handlePortalInit applies the portal's theme and signs in with its credential, on its
// endpoint or the configured one. The credential is kept in memory only, never in
// storage or a URL. An init while signed in through the portal is a renewal: for the same
// person it swaps the credential and leaves the page as it is; for another person the
// page starts over.
func (w *Widget) handlePortalInit(ctx app.Context, a app.Action) {
	in, _ := a.Value.(portalInit)
	p := w.portal
	p.mu.Lock()
	p.origin = in.Origin
	p.height = 0 // report the height again, to the origin now known
	p.mu.Unlock()
	p.reportHeight()

	theme, scheme, refused := sanitizeTheme(in.Theme)
	if len(refused) > 0 {
		app.Log("useradmin:init: theme entries ignored: " + strings.Join(refused, ", "))
	}
	applyTheme(theme, scheme)

	c, msg := w.initCredential(in)
	if msg != "" {
		p.refuse(ctx, msg)
		return
	}
	cur, curCred, signedIn := w.session.signedIn()
	if signedIn && cur.FromPortal && curCred.Endpoint == c.Endpoint {
		scope := cur.Scope
		if curCred.Key != c.Key {
			dir := w.api(c.Endpoint, c.Key)
			v, f := dir.viewer(ctx)
			if f == nil && cur.Caps.EmbedGrant {
				scope, f = dir.embedGrant(ctx, &c)
			}
			if f != nil {
				p.refuse(ctx, f.Message)
				return
			}
			if v.ID != cur.Viewer.ID || scope != cur.Scope {
				// Another person, or other rights: the page shown so far is not theirs.
				app.Window().Get("location").Call("reload")
				return
			}
		}
		w.session.renew(ctx, c, scope)
		mark(markRenewed)
		p.settleWith(ctx, "")
		return
	}
	p.hand(c)
	dir := w.api(c.Endpoint, c.Key)
	st, f := dir.openPortalSession(ctx, &c)
	if f != nil {
		p.refuse(ctx, f.Message)
		return
	}
	st.FromPortal = true
	// Remembered, the capabilities let the next page framed by the portal be read at once
	// with the columns they offer (readSession).
	w.session.cacheCaps(c.Endpoint, st.Caps)
	w.session.start(ctx, st, c)
	p.settleWith(ctx, "")
}

// initCredential is the credential an init hands over, or a sentence saying why it
// cannot be used.
func (w *Widget) initCredential(in portalInit) (credential, string) {
	c := credential{Endpoint: w.defaultEndpoint(), Key: strings.TrimSpace(in.Token)}
	if c.Key == "" {
		c.Key = strings.TrimSpace(in.APIKey)
	}
	if strings.TrimSpace(in.Endpoint) != "" {
		c.Endpoint = resolveEndpoint(in.Endpoint)
		if !endpointAllowed(c.Endpoint, app.Window().URL().String(), w.defaultEndpoint(), w.allowed) {
			return c, "The endpoint " + in.Endpoint + " is not allowed: use the widget's own origin, its configured endpoint, or an origin on -allowed-origins."
		}
	}
	if c.Key == "" {
		return c, "The portal sent no credential: put the token from your back end in the token field of useradmin:init (or an API key in apiKey)."
	}
	if in.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(in.ExpiresAt))
		if err != nil {
			return c, "The expiresAt of useradmin:init is not an RFC 3339 time (such as 2025-01-31T12:00:00Z): send the one your back end received with the token."
		}
		if !time.Now().Before(t) {
			return c, "The token the portal sent expired at " + t.Local().Format("15:04:05") + ": ask your back end for a new one."
		}
		c.ExpiresAt = t
	}
	return c, ""
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

// refuse tells the portal, and the person through the sign-in page, why its init did not
// sign in. A session already open stays open until its own credential expires.
func (p *portal) refuse(ctx app.Context, msg string) {
	app.Log("useradmin:init refused: " + msg)
	p.tell(map[string]any{"type": msgError, "message": msg})
	p.settleWith(ctx, "Your portal could not sign you in. "+msg)
}

// settleWith ends the wait for the portal's init and shows notice on the sign-in page.
func (p *portal) settleWith(ctx app.Context, notice string) {
	p.settle.Do(func() { close(p.settled) })
	ctx.SetState(stateEmbed, embedState{Notice: notice})
}

// tell posts msg to the portal's origin; it does nothing when the widget is not framed by
// an allowed portal, or before the portal's origin is known.
func (p *portal) tell(msg map[string]any) {
	if app.IsServer {
		return
	}
	p.mu.Lock()
	origin := p.origin
	p.mu.Unlock()
	if origin == "" {
		return
	}
	app.Window().Get("parent").Call("postMessage", app.ValueOf(msg), origin)
}

// watchHeight reports the page's height to the portal whenever it changes.
func (p *portal) watchHeight() {
	ro := app.Window().Get("ResizeObserver")
	if !ro.Truthy() {
		return
	}
	observer := ro.New(app.FuncOf(func(this app.Value, args []app.Value) any {
		p.reportHeight()
		return nil
	}))
	observer.Call("observe", app.Window().Get("document").Get("body"))
}

// reportHeight posts the body's height when it differs from the one last posted.
func (p *portal) reportHeight() {
	if app.IsServer {
		return
	}
	body := app.Window().Get("document").Get("body")
	h := int(math.Ceil(body.Call("getBoundingClientRect").Get("height").Float()))
	p.mu.Lock()
	changed := h != p.height && p.origin != ""
	if changed {
		p.height = h
	}
	p.mu.Unlock()
	if changed {
		p.tell(map[string]any{"type": msgHeight, "height": h})
	}
}

// frameOrigin is the portal's origin, for requests to an endpoint on the widget's own
// origin while the widget is framed by that portal; "" otherwise.
func (p *portal) frameOrigin(endpoint string) string {
	p.mu.Lock()
	origin := p.origin
	p.mu.Unlock()
	if origin == "" || app.IsServer || originOf(endpoint) != originOf(app.Window().URL().String()) {
		return ""
	}
	return origin
}

// embedGrant is the scope of the portal's token the request is sent with: "" for another
// credential, such as an API key. A token handed over without its expiresAt gets the
// directory's, so that the widget asks for the next one in time.
func (a api) embedGrant(ctx context.Context, c *credential) (string, *failure) {
	var q struct {
		Grant *embedGrantAnswer `graphql:"embedGrant" json:"embedGrant"`
	}
	if f := a.query(ctx, &q, nil); f != nil {
		return "", f
	}
	return q.Grant.scope(c), nil
}

// embedGrantAnswer is what embedGrant answers: null for a credential that is not a
// portal's token.
type embedGrantAnswer struct {
	Scope     string
	ExpiresAt string
}

// scope is the token's scope, "" without a grant; c gets the grant's expiry when it has
// none.
func (g *embedGrantAnswer) scope(c *credential) string {
	if g == nil {
		return ""
	}
	if t, err := time.Parse(time.RFC3339, g.ExpiresAt); err == nil && c.ExpiresAt.IsZero() {
		c.ExpiresAt = t
	}
	return g.Scope
}
