package app

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// invitePage is the page that invites people (/invite): many addresses at once, pasted as
// they come (separated by commas, semicolons, spaces or lines), one role for all, and the
// answer for each address with the link to copy. Against Paradime's API it invites them
// one by one with inviteUser, which gives no links.
type invitePage struct {
	app.Compo

	w       *Widget
	session sessionState
	state   inviteState
	baseSeq int

	emails   string // what is typed
	shown    string // what the program last put in the box
	role     string
	err      string
	busy     bool
	clip     clipboard
	lastSent []string // the addresses of the last request, in order
}

// OnMount observes the session and the outcome of invitations.
func (c *invitePage) OnMount(ctx app.Context) {
	ctx.ObserveState(stateSession).Value(&c.session)
	ctx.ObserveState(stateInvite).OnChange(func() { c.onResult(ctx) }).Value(&c.state)
	c.baseSeq = c.state.Seq
}

// OnNav starts with an empty form.
func (c *invitePage) OnNav(ctx app.Context) {
	c.emails, c.shown, c.role, c.err, c.busy = "", "", "USER", "", false
	c.baseSeq = c.state.Seq
	ctx.Page().SetTitle("Invite people")
	ctx.Defer(func(app.Context) { focusByID("invite-emails") })
}

// OnPreRender renders the page the server sends as OnNav does.
func (c *invitePage) OnPreRender(ctx app.Context) { c.OnNav(ctx) }

// splitAddresses reads the addresses in text: separated by commas, semicolons, spaces or
// lines. An entry written as mail clients write it, "Ann Lee <ann@x.org>", is its address
// alone; every other word is kept, so that a mistyped address gets its answer.
func splitAddresses(text string) []string {
	var out []string
	for _, entry := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		if open, end := strings.Index(entry, "<"), strings.LastIndex(entry, ">"); open >= 0 && end > open {
			entry = entry[open+1 : end]
		}
		for _, word := range strings.Fields(entry) {
			if word = strings.Trim(word, `<>"'()`); word != "" {
				out = append(out, word)
			}
		}
	}
	return out
}

func (c *invitePage) addresses() []string { return splitAddresses(c.emails) }

func (c *invitePage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.send(ctx)
}

func (c *invitePage) send(ctx app.Context) {
	if c.busy {
		return
	}
	emails := c.addresses()
	switch {
	case len(emails) == 0:
		c.err = "Enter at least one email address."
		return
	case len(emails) > maxInvitees:
		c.err = "Invite at most " + strconv.Itoa(maxInvitees) + " people at once: this list has " + strconv.Itoa(len(emails)) + "."
		return
	}
	c.err, c.busy, c.lastSent = "", true, emails
	ctx.NewActionWithValue(actionInvite, inviteRequest{Emails: emails, Role: c.role})
}

// onResult shows the answers, and leaves in the box only the addresses to try again: the
// invalid and the rate-limited ones.
func (c *invitePage) onResult(ctx app.Context) {
	if c.state.Seq <= c.baseSeq {
		return
	}
	c.busy = c.state.Status == statusLoading
	switch c.state.Status {
	case statusFailed:
		c.err = c.state.Err.Message
	case statusReady:
		var again []string
		for _, r := range c.state.Results {
			if r.Status == "INVALID" || r.Status == "RATE_LIMITED" || r.Status == "FAILED" {
				again = append(again, r.Email)
			}
		}
		c.emails = strings.Join(again, "\n")
		c.shown = c.emails
		setInputs(ctx, map[string]string{"invite-emails": c.emails})
	}
}

func (c *invitePage) onEmails(ctx app.Context, e app.Event) {
	c.emails = ctx.JSSrc().Get("value").String()
}

// onKeyDown sends with Ctrl+Enter (Enter alone starts a new line in the box) and leaves
// with Esc.
func (c *invitePage) onKeyDown(ctx app.Context, e app.Event) {
	switch {
	case isEscape(e):
		ctx.Navigate(c.back())
	case e.Get("key").String() == "Enter" && (e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool()):
		e.PreventDefault()
		c.send(ctx)
	}
}

func (c *invitePage) back() string {
	if href := c.w.nav.list(); href != "" {
		return href
	}
	return c.w.link("/")
}

// Render shows the form and the answers of the last invitation.
func (c *invitePage) Render() app.UI {
	paradime := c.session.Caps.NoCore
	roles := [][2]string{{"USER", "User"}, {"ADMIN", "Admin"}}
	if paradime {
		roles = [][2]string{{"USER", "Developer"}, {"ADMIN", "Admin"}}
	}
	n := len(c.addresses())
	count := ""
	if n > 0 {
		count = strconv.Itoa(n) + " address" + plural(n, "es")
	}
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content content-narrow").ID("main").Body(
			app.A().Class("back").Href(c.back()).Text("← Users"),
			app.Div().Class("page-head").Body(
				app.H1().Text("Invite people"),
				app.If(c.session.Caps.Invitations,
					app.A().Class("btn btn-ghost head-link").ID("to-invitations").Href(c.w.link("/invitations")).Text("Pending invitations"),
				),
			),
			app.Form().Class("card form invite-form").Aria("label", "Invite people").OnSubmit(c.onSubmit).OnKeyDown(c.onKeyDown).Body(
				banner("error", c.err),
				app.Div().Class("field").Body(
					app.Label().For("invite-emails").Text("Email addresses"),
					app.Textarea().ID("invite-emails").Name("emails").Rows(5).Attr("autocomplete", "off").
						Aria("describedby", "invite-emails-hint").Text(c.shown).OnInput(c.onEmails),
					app.P().Class("field-hint").ID("invite-emails-hint").Text(
						"Paste up to 100 addresses, separated by commas, spaces or new lines; names written as Name <address> are left out."),
				),
				app.Div().Class("field invite-role").Body(
					app.Label().For("invite-role").Text("Role"),
					selectInput("invite-role", &c.role, "", roles...),
				),
				app.Div().Class("form-actions").Body(
					app.Button().Type("submit").Class("btn btn-primary").ID("send-invitations").Disabled(c.busy).
						Aria("busy", strconv.FormatBool(c.busy)).Text(busyText(c.busy, "Send invitations", "Inviting…")),
					app.Span().Class("muted").Aria("live", "polite").Text(count),
					app.Span().Class("hint").Text("Ctrl+Enter sends · Esc goes back"),
				),
			),
			c.renderResults(),
		),
	)
}

// renderResults is the answer for each address of the last invitation.
func (c *invitePage) renderResults() app.UI {
	if c.state.Seq <= c.baseSeq || c.state.Status != statusReady {
		return app.Text("")
	}
	results := c.state.Results
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	var parts []string
	for _, k := range []string{"INVITED", "ALREADY_USER", "ALREADY_INVITED", "INVALID", "RATE_LIMITED", "FAILED"} {
		if counts[k] > 0 {
			parts = append(parts, strconv.Itoa(counts[k])+" "+strings.ToLower(inviteStatusLabel(k)))
		}
	}
	rows := make([]app.UI, len(results))
	for i, r := range results {
		rows[i] = c.renderResult(i, r)
	}
	return app.Section().Class("card invite-results").Aria("labelledby", "invite-results-title").Body(
		app.H2().ID("invite-results-title").Text("Results"),
		app.P().Class("muted").Role("status").ID("invite-summary").Text(strings.Join(parts, " · ")+"."),
		app.Ul().Class("result-list").Body(rows...),
	)
}

func (c *invitePage) renderResult(i int, r inviteResult) app.UI {
	id := "invite-link-" + strconv.Itoa(i)
	detail := r.Message
	if r.Status == "INVITED" && r.Link != "" {
		if r.Mailed {
			detail = "Emailed. The link works once, until " + formatTime(r.ExpiresAt) + "."
		} else {
			detail = "Not emailed: copy the link and send it yourself. It works once, until " + formatTime(r.ExpiresAt) + "."
		}
	}
	return app.Li().Class("result result-"+strings.ToLower(r.Status)).Body(
		app.Div().Class("result-head").Body(
			app.Span().Class("result-email").Text(r.Email),
			app.Span().Class(inviteBadge(r.Status)).Text(inviteStatusLabel(r.Status)),
		),
		app.P().Class("result-detail").Text(detail),
		app.If(r.Link != "", c.clip.field(id, "Invitation link for "+r.Email, r.Link)),
	)
}

// inviteStatusLabel is how the answer for an address reads.
func inviteStatusLabel(s string) string {
	switch s {
	case "INVITED":
		return "Invited"
	case "ALREADY_USER":
		return "Already a user"
	case "ALREADY_INVITED":
		return "Already invited"
	case "INVALID":
		return "Invalid"
	case "RATE_LIMITED":
		return "Not sent yet"
	}
	return "Not invited"
}

func inviteBadge(s string) string {
	switch s {
	case "INVITED":
		return "badge active"
	case "ALREADY_USER", "ALREADY_INVITED":
		return "badge"
	}
	return "badge failed"
}

// plural returns suffix when n is not 1.
func plural(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}
