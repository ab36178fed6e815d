package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// resetPassword is the page a one-time reset link opens (/reset-password?token=...): the
// person chooses a new password without signing in.
type resetPassword struct {
	app.Compo

	w *Widget

	token     string
	password  string
	password2 string

	done bool
	form
}

func newResetPassword(w *Widget) *resetPassword {
	return &resetPassword{w: w}
}

// OnMount observes the outcome of the reset.
func (c *resetPassword) OnMount(ctx app.Context) {
	ctx.ObserveState(stateReset).OnChange(c.onResult).Value(&c.result)
	c.baseSeq = c.result.Seq
}

// OnPreRender reads the URL as OnNav does, so that the page the server sends for this
// URL already shows it (the server calls no OnNav; the actions do nothing there).
func (c *resetPassword) OnPreRender(ctx app.Context) {
	c.OnNav(ctx)
}

// OnNav reads the token from the link.
func (c *resetPassword) OnNav(ctx app.Context) {
	c.token = strings.TrimSpace(ctx.Page().URL().Query().Get("token"))
	ctx.Page().SetTitle("Choose a new password")
}

func (c *resetPassword) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.token == "" {
		return
	}
	c.errs, c.formErr = fieldErrors{}, ""
	checkNewPassword(c.errs, c.password, c.password2)
	if len(c.errs) > 0 {
		return
	}
	c.busy = true
	ctx.NewActionWithValue(actionCompleteReset, resetRequest{Token: c.token, Password: c.password})
}

func (c *resetPassword) onResult() {
	r, ok := c.outcome()
	if !ok {
		return
	}
	switch r.Status {
	case statusReady:
		c.done = true
	case statusFailed:
		c.showFailure(r.Err, "password")
	}
}

// Render shows the form, or what to do next.
func (c *resetPassword) Render() app.UI {
	var body app.UI
	switch {
	case c.done:
		body = app.Div().Body(
			banner("success", "Your password is set."),
			app.A().Class("btn btn-primary btn-block").Href(c.w.link("/sign-in")).Text("Sign in"),
		)
	case c.token == "":
		body = banner("error", "This link has no reset token. Open the link you were sent again, or ask an admin for a new one.")
	default:
		body = app.Div().Body(
			banner("error", c.formErr),
			formRow("password", "New password", c.errs["password"],
				textInput("password", "password", "", &c.password, c.errs["password"]).Attr("autocomplete", "new-password")),
			formRow("password2", "Repeat new password", c.errs["password2"],
				textInput("password2", "password", "", &c.password2, c.errs["password2"]).Attr("autocomplete", "new-password")),
			app.Button().Type("submit").Class("btn btn-primary btn-block").Disabled(c.busy).Text("Set password"),
		)
	}
	return app.Main().Class("signin").ID("main").Body(
		app.Form().Class("card signin-card").Aria("labelledby", "reset-title").OnSubmit(c.onSubmit).Body(
			app.Div().Class("signin-head").Body(
				app.Img().Src("/web/icon.svg").Alt("").Width(40).Height(40),
				app.H1().ID("reset-title").Text("Choose a new password"),
			),
			body,
		),
	)
}
