package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// acceptInvitation is the page an invitation link opens (/accept-invitation?token=...):
// it says who invites the person where, and they choose their name and password; they are
// then signed in. A link that no longer works says why in a sentence, and nothing else.
type acceptInvitation struct {
	app.Compo

	w       *Widget
	token   string
	preview previewState

	firstname string
	lastname  string
	password  string
	password2 string
	form
}

// OnMount observes what the link opened and the outcome of accepting.
func (c *acceptInvitation) OnMount(ctx app.Context) {
	ctx.ObserveState(stateInvitationPreview).Value(&c.preview)
	ctx.ObserveState(stateAccept).OnChange(func() { c.onResult(ctx) }).Value(&c.result)
	c.baseSeq = c.result.Seq
}

// OnPreRender reads the URL as OnNav does.
func (c *acceptInvitation) OnPreRender(ctx app.Context) { c.OnNav(ctx) }

// OnNav reads the token from the link and asks what it invites to.
func (c *acceptInvitation) OnNav(ctx app.Context) {
	c.token = strings.TrimSpace(ctx.Page().URL().Query().Get("token"))
	ctx.Page().SetTitle("Accept your invitation")
	if c.token != "" {
		ctx.NewActionWithValue(actionLoadPreview, c.token)
	}
}

func (c *acceptInvitation) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.preview.Status != statusReady {
		return
	}
	c.errs, c.formErr = fieldErrors{}, ""
	if strings.TrimSpace(c.firstname) == "" {
		c.errs["firstname"] = "Enter your first name."
	} else if m := checkName("First name", c.firstname); m != "" {
		c.errs["firstname"] = m
	}
	if m := checkName("Last name", c.lastname); m != "" {
		c.errs["lastname"] = m
	}
	checkNewPassword(c.errs, c.password, c.password2)
	if len(c.errs) > 0 {
		return
	}
	c.busy = true
	ctx.NewActionWithValue(actionAccept, acceptRequest{
		Token: c.token, Firstname: strings.TrimSpace(c.firstname), Lastname: strings.TrimSpace(c.lastname), Password: c.password,
	})
}

func (c *acceptInvitation) onResult(ctx app.Context) {
	r, ok := c.outcome()
	if !ok {
		return
	}
	switch r.Status {
	case statusReady:
		ctx.Navigate(c.w.link("/"))
	case statusFailed:
		if r.Err.Field == "token" {
			// The link stopped working meanwhile: the page says so, and nothing else.
			c.preview = previewState{Status: statusFailed, Token: c.token, Err: r.Err}
			return
		}
		c.showFailure(r.Err, "firstname", "lastname", "password")
	}
}

// Render shows the form, or why the link does not work.
func (c *acceptInvitation) Render() app.UI {
	p := c.preview
	var body app.UI
	title := "Accept your invitation"
	switch {
	case c.token == "":
		body = banner("error", "This link has no invitation token. Open the link of your invitation email again.")
	case p.Token != c.token || p.Status == statusLoading || p.Status == statusIdle:
		body = app.P().Class("muted").Aria("busy", "true").Text("Checking your invitation…")
	case p.Status == statusFailed:
		body = app.Div().Class("banner banner-error").Role("alert").ID("invitation-dead").Body(app.P().Text(p.Err.Message))
	default:
		title = "Join " + p.Preview.OrganizationName
		body = c.renderForm()
	}
	return app.Main().Class("signin").ID("main").Body(
		app.Form().Class("card signin-card accept-card").Aria("labelledby", "accept-title").OnSubmit(c.onSubmit).Body(
			app.Div().Class("signin-head").Body(
				app.Img().Src("/web/icon.svg").Alt("").Width(40).Height(40),
				app.H1().ID("accept-title").Text(title),
			),
			body,
		),
	)
}

func (c *acceptInvitation) renderForm() app.UI {
	p := c.preview.Preview
	who := "You are invited"
	if p.InvitedBy != nil && *p.InvitedBy != "" {
		who = *p.InvitedBy + " invited you"
	}
	return app.Div().Class("accept-form").Body(
		app.P().Class("muted").ID("invitation-intro").Text(who+" as "+strings.ToLower(roleLabel(p.OrganizationRole))+
			". Your account's email is "+p.Email+". Choose your name and password; the link works until "+formatTime(p.ExpiresAt)+"."),
		banner("error", c.formErr),
		formRow("firstname", "First name", c.errs["firstname"],
			textInput("firstname", "text", "", &c.firstname, c.errs["firstname"]).Attr("autocomplete", "given-name").Required(true)),
		formRow("lastname", "Last name (optional)", c.errs["lastname"],
			textInput("lastname", "text", "", &c.lastname, c.errs["lastname"]).Attr("autocomplete", "family-name")),
		formRow("password", "Password", c.errs["password"],
			textInput("password", "password", "", &c.password, c.errs["password"]).Attr("autocomplete", "new-password")),
		formRow("password2", "Repeat password", c.errs["password2"],
			textInput("password2", "password", "", &c.password2, c.errs["password2"]).Attr("autocomplete", "new-password")),
		app.Button().Type("submit").Class("btn btn-primary btn-block").ID("accept").Disabled(c.busy).
			Text(busyText(c.busy, "Create my account", "Creating your account…")),
	)
}
