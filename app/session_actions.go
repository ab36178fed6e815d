package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// currentSession returns the signed-in session and its credential, opening the session
// from storage after a reload. Without a usable key it signs out (the top bar then leads
// to the sign-in page) and returns an UNAUTHENTICATED failure. Framed by a portal, it
// first waits for the credential the portal hands over.
func (w *Widget) currentSession(ctx app.Context) (sessionState, credential, *failure) {
	w.portal.wait(ctx)
	if st, c, ok := w.session.signedIn(); ok {
		return st, c, nil
	}
	w.session.opening.Lock()
	defer w.session.opening.Unlock()
	if st, c, ok := w.session.signedIn(); ok {
		return st, c, nil
	}
	c := w.session.stored()
	if c.Key == "" {
		w.session.signedOutQuietly(ctx)
		return sessionState{}, c, &failure{Code: codeUnauthenticated, Message: "Sign in to continue."}
	}
	if c.Endpoint == "" {
		c.Endpoint = w.defaultEndpoint()
	}
	st, f := w.api(c.Endpoint, c.Key).openSession(ctx)
	if f != nil {
		if f.Code == codeUnauthenticated {
			w.session.end(ctx, sessionEnded)
		}
		return st, c, f
	}
	w.session.cacheCaps(c.Endpoint, st.Caps)
	st = w.session.start(ctx, st, c)
	_, c, _ = w.session.signedIn()
	return st, c, nil
}

// readSession is the session to read a list page with. After a reload, or framed by a
// portal, the page need not wait for the session to open: with the stored key, or the one
// the portal handed over, it goes out at once, alongside the session's request, when the
// capabilities the page depends on are known (knownCaps). Without them it waits
// for the session (one request, see openSession): read without the endpoint's extensions,
// the page would be read again once they are known, a second page's worth of time before
// the rows. A key that no longer works fails the page, which ends the session as any read
// does.
func (w *Widget) readSession(ctx app.Context) (sessionState, credential, *failure) {
	if st, c, ok := w.session.signedIn(); ok {
		return st, c, nil
	}
	// Framed, the portal's credential goes out with the page while its session opens.
	if c, ok := w.portal.credential(ctx); ok {
		if caps, known := w.knownCaps(c.Endpoint); known {
			return sessionState{Endpoint: c.Endpoint, Caps: caps}, c, nil
		}
	}
	w.portal.wait(ctx)
	c := w.session.stored()
	if c.Key == "" {
		return w.currentSession(ctx)
	}
	if c.Endpoint == "" {
		c.Endpoint = w.defaultEndpoint()
	}
	caps, known := w.knownCaps(c.Endpoint)
	if !known {
		return w.currentSession(ctx)
	}
	ctx.Async(func() { w.currentSession(ctx) })
	return sessionState{Endpoint: c.Endpoint, Caps: caps}, c, nil
}

// knownCaps is what endpoint offers as far as the widget knows before asking it: what it
// offered when this browser last opened a session on it, else, for the built-in directory
// the page comes from, what its contract offers (DIRECTORY_CONTRACT). The session's
// introspection checks them all the same: a page read with others is read again.
func (w *Widget) knownCaps(endpoint string) (capabilities, bool) {
	if caps, ok := w.session.cachedCaps(endpoint); ok {
		return caps, true
	}
	if endpoint != w.defaultEndpoint() {
		return capabilities{}, false
	}
	return contractCaps(w.contract)
}

// failed reports f and, when the credential c stopped working, ends the session.
func (w *Widget) failed(ctx app.Context, c credential, f *failure) *failure {
	if f != nil && f.Code == codeUnauthenticated {
		w.session.revoked(ctx, c)
	}
	return f
}

// handleSession opens the session for pages that load nothing else, so that they show
// who is signed in, or lead to the sign-in page.
func (w *Widget) handleSession(ctx app.Context, a app.Action) {
	w.currentSession(ctx)
}

// handleSignOut forgets the key at once, then revokes it on the endpoint: a directory
// that does not answer must not keep the person signed in on this screen. A key the
// portal handed over is the portal's: it is forgotten, not revoked.
func (w *Widget) handleSignOut(ctx app.Context, a app.Action) {
	st, c, ok := w.session.signedIn()
	w.session.end(ctx, "You are signed out.")
	if ok && st.Caps.SignOut && !st.FromPortal {
		if f := w.api(c.Endpoint, c.Key).signOut(ctx); f != nil {
			app.Log("signing out on the endpoint failed:", f.Message)
		}
	}
}
