package app

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// signIn is the sign-in page of standalone use: the endpoint, then an email and password
// where the endpoint has signIn, else (or on request) an API key.
type signIn struct {
	app.Compo

	w        *Widget
	endpoint string
	key      string
	email    string
	password string
	useKey   bool
	next     string

	probe   probe
	session sessionState
	embed   embedState
	form
}

func newSignIn(w *Widget) *signIn {
	return &signIn{w: w}
}

// OnMount prefills the endpoint and asks it what it offers. Framed by a portal, it waits
// for the portal's key instead, and leaves once the portal has signed the widget in.
func (c *signIn) OnMount(ctx app.Context) {
	ctx.ObserveState(stateProbe).Value(&c.probe)
	ctx.ObserveState(stateEmbed).Value(&c.embed)
	ctx.ObserveState(stateSession).OnChange(func() {
		if c.session.Status == statusReady && c.session.FromPortal {
			ctx.Navigate(c.next)
		}
	}).Value(&c.session)
	ctx.ObserveState(stateSignIn).OnChange(func() { c.onResult(ctx) }).Value(&c.result)
	c.baseSeq = c.result.Seq
	ctx.NewAction(actionJoinPortal)
	c.endpoint = c.w.session.lastEndpoint()
	if c.endpoint == "" {
		c.endpoint = c.w.defaultEndpoint()
	}
	if c.probe.Endpoint != c.endpoint {
		ctx.NewActionWithValue(actionProbe, c.endpoint)
	}
}

// OnPreRender reads the URL as OnNav does, so that the page the server sends for this
// URL already shows it (the server calls no OnNav; the actions do nothing there).
func (c *signIn) OnPreRender(ctx app.Context) {
	c.OnNav(ctx)
}

// OnNav reads where to go once signed in.
func (c *signIn) OnNav(ctx app.Context) {
	c.next = ctx.Page().URL().Query().Get("next")
	if !strings.HasPrefix(c.next, "/") || strings.HasPrefix(c.next, "//") {
		c.next = c.w.link("/")
	}
	ctx.Page().SetTitle("Sign in")
}

// probing reports whether the form still waits to learn what the endpoint offers; the
// fields may change once it knows.
func (c *signIn) probing() bool {
	return c.probe.Endpoint != c.endpoint || c.probe.Status == statusIdle || c.probe.Status == statusLoading
}

// byPassword reports whether the form asks for an email and password.
func (c *signIn) byPassword() bool {
	return c.probe.Caps.SignIn && c.probe.Endpoint == c.endpoint && !c.useKey
}

func (c *signIn) onEndpointChange(ctx app.Context, e app.Event) {
	c.endpoint = strings.TrimSpace(ctx.JSSrc().Get("value").String())
	ctx.NewActionWithValue(actionProbe, c.endpoint)
}

func (c *signIn) toggleMode(ctx app.Context, e app.Event) {
	c.useKey = !c.useKey
	c.errs, c.formErr = nil, ""
}

func (c *signIn) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy {
		return
	}
	c.errs, c.formErr = c.validate(), ""
	if len(c.errs) > 0 {
		return
	}
	req := signInRequest{Endpoint: c.endpoint}
	if c.byPassword() {
		req.Email, req.Password = c.email, c.password
	} else {
		req.Key = c.key
	}
	c.busy = true
	ctx.NewActionWithValue(actionSignIn, req)
}

// validate checks that what the chosen way of signing in needs is there.
func (c *signIn) validate() fieldErrors {
	errs := fieldErrors{}
	if strings.TrimSpace(c.endpoint) == "" {
		errs["endpoint"] = "Enter the address of the GraphQL endpoint."
	}
	if c.byPassword() {
		if strings.TrimSpace(c.email) == "" {
			errs["email"] = "Enter your email."
		}
		if c.password == "" {
			errs["password"] = "Enter your password."
		}
	} else if strings.TrimSpace(c.key) == "" {
		errs["key"] = "Enter your API key."
	}
	return errs
}

func (c *signIn) onResult(ctx app.Context) {
	r, ok := c.outcome()
	if !ok {
		return
	}
	switch r.Status {
	case statusReady:
		ctx.Navigate(c.next)
	case statusFailed:
		c.errs = fieldErrors{}
		switch {
		case r.Err.Code == codeUnreachable || r.Err.Code == codeNotGraphQL || r.Err.Code == codeTimeout || r.Err.Code == codeUnavailable:
			c.errs["endpoint"] = r.Err.Message
		case r.Err.Code == codeUnauthenticated && c.byPassword():
			c.errs["password"] = r.Err.Message
		case r.Err.Code == codeUnauthenticated:
			c.errs["key"] = r.Err.Message
		default:
			c.formErr = r.Err.Message
		}
	}
}

// Render shows the form, or that the portal is signing the widget in.
func (c *signIn) Render() app.UI {
	if c.embed.Waiting {
		return app.Main().Class("signin").ID("main").Body(
			app.Div().Class("card signin-card").Aria("busy", "true").Body(
				app.Div().Class("signin-head").Body(
					app.Img().Src("/web/icon.svg").Alt("").Width(40).Height(40),
					app.H1().Text("Signing in through your portal…"),
				),
			),
		)
	}
	submit := "Sign in"
	if c.busy {
		submit = "Signing in…"
	}
	return app.Main().Class("signin").ID("main").Body(
		app.Form().Class("card signin-card").Aria("labelledby", "signin-title").
			Aria("busy", strconv.FormatBool(c.probing())).OnSubmit(c.onSubmit).Body(
			app.Div().Class("signin-head").Body(
				app.Img().Src("/web/icon.svg").Alt("").Width(40).Height(40),
				app.H1().ID("signin-title").Text("Sign in"),
				app.P().Class("muted").Text("Manage the users of your organization."),
			),
			banner("info", c.session.Notice),
			banner("error", c.embed.Notice),
			banner("error", c.formErr),
			formRow("endpoint", "GraphQL endpoint", c.errs["endpoint"], c.endpointInput()),
			app.If(c.byPassword(),
				formRow("email", "Email", c.errs["email"],
					textInput("email", "email", "", &c.email, c.errs["email"]).Attr("autocomplete", "username")),
				formRow("password", "Password", c.errs["password"],
					textInput("password", "password", "", &c.password, c.errs["password"]).Attr("autocomplete", "current-password")),
			).Else(
				formRow("key", "API key", c.errs["key"],
					textInput("key", "password", "", &c.key, c.errs["key"]).Attr("autocomplete", "off")),
			),
			app.Button().Type("submit").Class("btn btn-primary btn-block").Disabled(c.busy).Text(submit),
			app.If(c.probe.Caps.SignIn && c.probe.Endpoint == c.endpoint,
				app.Button().Type("button").Class("btn btn-link").ID("toggle-mode").OnClick(c.toggleMode).
					Text(modeLabel(c.useKey)),
			),
		),
	)
}

// endpointInput is the endpoint field: it asks the endpoint what it offers once changed.
func (c *signIn) endpointInput() app.UI {
	in := app.Input().Type("url").ID("endpoint").Name("endpoint").Value(c.endpoint).
		Attr("autocomplete", "url").OnChange(c.onEndpointChange)
	if c.errs["endpoint"] != "" {
		in = in.Aria("invalid", "true").Aria("describedby", "endpoint-error")
	}
	return in
}

func modeLabel(useKey bool) string {
	if useKey {
		return "Sign in with email and password instead"
	}
	return "Use an API key instead"
}
