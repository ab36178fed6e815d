package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// account is the page where the person signed in changes their own password.
type account struct {
	app.Compo

	w *Widget

	old       string
	password  string
	password2 string

	notice string
	form
}

func newAccount(w *Widget) *account {
	return &account{w: w}
}

// OnMount observes the outcome of the change.
func (c *account) OnMount(ctx app.Context) {
	ctx.ObserveState(stateAccount).OnChange(func() { c.onResult(ctx) }).Value(&c.result)
	c.baseSeq = c.result.Seq
}

// OnPreRender reads the URL as OnNav does, so that the page the server sends for this
// URL already shows it (the server calls no OnNav; the actions do nothing there).
func (c *account) OnPreRender(ctx app.Context) {
	c.OnNav(ctx)
}

// OnNav sets the title.
func (c *account) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Account")
}

func (c *account) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy {
		return
	}
	c.errs, c.formErr, c.notice = fieldErrors{}, "", ""
	if c.old == "" {
		c.errs["oldPassword"] = "Enter your current password."
	}
	checkNewPassword(c.errs, c.password, c.password2)
	if len(c.errs) > 0 {
		return
	}
	c.busy = true
	ctx.NewActionWithValue(actionChangePass, UpdatePasswordData{
		OldPassword: c.old, NewPassword1: c.password, NewPassword2: c.password2,
	})
}

func (c *account) onKeyDown(ctx app.Context, e app.Event) {
	if isEscape(e) {
		ctx.Navigate(c.w.link("/"))
	}
}

func (c *account) onResult(ctx app.Context) {
	r, ok := c.outcome()
	if !ok {
		return
	}
	switch r.Status {
	case statusReady:
		c.old, c.password, c.password2 = "", "", ""
		setInputs(ctx, map[string]string{"oldPassword": "", "password": "", "password2": ""})
		c.notice = r.Notice
	case statusFailed:
		c.showFailure(r.Err, "oldPassword", "password", "password2")
	}
}

// Render shows the form.
func (c *account) Render() app.UI {
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content content-narrow").ID("main").Body(
			app.A().Class("back").Href(c.w.link("/")).Text("← Users"),
			app.Div().Class("page-head").Body(app.H1().Text("Your account")),
			banner("error", c.formErr),
			banner("success", c.notice),
			app.Form().Class("card form").Aria("label", "Change your password").
				OnSubmit(c.onSubmit).OnKeyDown(c.onKeyDown).Body(
				app.H2().Text("Change your password"),
				app.Div().Class("form-grid").Body(
					formRow("oldPassword", "Current password", c.errs["oldPassword"],
						textInput("oldPassword", "password", "", &c.old, c.errs["oldPassword"]).Attr("autocomplete", "current-password")),
					app.Div().Class("grid-gap").Aria("hidden", "true"),
					formRow("password", "New password", c.errs["password"],
						textInput("password", "password", "", &c.password, c.errs["password"]).Attr("autocomplete", "new-password")),
					formRow("password2", "Repeat new password", c.errs["password2"],
						textInput("password2", "password", "", &c.password2, c.errs["password2"]).Attr("autocomplete", "new-password")),
				),
				app.Div().Class("form-actions").Body(
					app.Button().Type("submit").Class("btn btn-primary").Disabled(c.busy).Text("Change password"),
				),
			),
		),
	)
}
