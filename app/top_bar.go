package app

import (
	"net/url"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// topBar is the header of the signed-in pages: the title, who is signed in, the account
// page and sign-out. It also leads to the sign-in page once the session ends.
type topBar struct {
	app.Compo

	w       *Widget
	session sessionState
}

func newTopBar(w *Widget) *topBar {
	return &topBar{w: w}
}

// OnMount observes the session, and opens it if the page was just loaded.
func (c *topBar) OnMount(ctx app.Context) {
	ctx.ObserveState(stateSession).
		OnChange(func() { c.leaveIfSignedOut(ctx) }).
		Value(&c.session)
	if c.session.Status != statusReady {
		ctx.NewAction(actionSession)
	}
	c.leaveIfSignedOut(ctx)
}

// leaveIfSignedOut goes to the sign-in page, which comes back here once signed in.
func (c *topBar) leaveIfSignedOut(ctx app.Context) {
	if c.session.Status != statusFailed {
		return
	}
	u := ctx.Page().URL()
	next := u.Path
	if u.RawQuery != "" {
		next += "?" + u.RawQuery
	}
	ctx.Navigate(c.w.link("/sign-in?next=" + url.QueryEscape(next)))
}

func (c *topBar) signOut(ctx app.Context, e app.Event) {
	ctx.NewAction(actionSignOut)
}

// Render shows the bar.
func (c *topBar) Render() app.UI {
	return app.Div().Class("topbar-wrap").Body(app.Header().Class("topbar").Body(
		app.A().Class("brand").Href(c.w.link("/")).Body(
			app.Img().Src("/web/icon.svg").Alt("").Width(20).Height(20),
			app.Span().Text("User admin"),
		),
		app.Nav().Class("topbar-nav").Aria("label", "Account").Body(
			app.If(c.session.Status == statusReady,
				app.Span().Class("viewer").Title(c.session.Viewer.Email).Text(c.session.Viewer.displayName()),
				app.If(!c.session.Caps.NoCore && !c.session.readOnly(), app.A().Href(c.w.link("/account")).Text("Account")),
				app.Button().Type("button").Class("btn btn-ghost").Text("Sign out").OnClick(c.signOut),
			),
		),
	),
		app.If(c.session.Status == statusReady && c.session.scopeNote() != "",
			app.P().Class("scope-note").ID("scope-note").Role("status").Text(c.session.scopeNote()),
		),
	)
}
