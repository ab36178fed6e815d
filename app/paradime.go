package app

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// paradimeUsers is the users page against an endpoint with Paradime's API alone: its
// active users and invitations as listUsers lists them, with what Paradime's mutations do
// (invite, change the account type, disable). Paradime's API has no search, sort, pages or
// names to edit, so the page has none either; the count is the list's length.
type paradimeUsers struct {
	app.Compo

	w      *Widget
	list   paradimeState
	result result
	seq    int // the write outcome's Seq at mount

	types   map[string]string // the account type picked in each row, by uid
	confirm string            // the uid whose disabling waits for confirmation
	busy    bool
	notice  string
	err     string
}

// OnMount observes the list and the writes, and loads the list.
func (c *paradimeUsers) OnMount(ctx app.Context) {
	ctx.ObserveState(stateParadime).Value(&c.list)
	ctx.ObserveState(stateParadimeWrite).OnChange(c.onResult).Value(&c.result)
	c.seq, c.types = c.result.Seq, map[string]string{}
	ctx.NewAction(actionLoadParadime)
}

func (c *paradimeUsers) onResult() {
	if c.result.Seq <= c.seq {
		return
	}
	c.busy = c.result.Status == statusLoading
	switch c.result.Status {
	case statusReady:
		c.notice, c.err, c.confirm = c.result.Notice, "", ""
	case statusFailed:
		c.notice, c.err = "", c.result.Err.Message
	}
}

func (c *paradimeUsers) pick(uid string) app.EventHandler {
	return func(ctx app.Context, e app.Event) { c.types[uid] = ctx.JSSrc().Get("value").String() }
}

func (c *paradimeUsers) apply(u paradimeUser) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		t := c.types[u.UID]
		if c.busy || t == "" || t == u.AccountType {
			return
		}
		c.busy = true
		ctx.NewActionWithValue(actionParadimeWrite, paradimeWrite{UID: u.UID, Name: paradimeName(u), AccountType: t})
	}
}

func (c *paradimeUsers) askDisable(uid string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.confirm = uid
		deferOn(ctx, c, func(app.Context) { focusByID("disable-cancel") })
	}
}

func (c *paradimeUsers) disable(u paradimeUser) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if c.busy {
			return
		}
		c.busy = true
		ctx.NewActionWithValue(actionParadimeWrite, paradimeWrite{UID: u.UID, Name: paradimeName(u)})
	}
}

func (c *paradimeUsers) cancelDisable(ctx app.Context, e app.Event) {
	uid := c.confirm
	c.confirm = ""
	deferOn(ctx, c, func(app.Context) { focusByID("disable-" + uid) })
}

func (c *paradimeUsers) onKeyDown(ctx app.Context, e app.Event) {
	if isEscape(e) && c.confirm != "" {
		c.cancelDisable(ctx, e)
	}
}

func (c *paradimeUsers) retry(ctx app.Context, e app.Event) {
	ctx.NewAction(actionLoadParadime)
}

// Render shows the count, the two lists and the invite link. Each row's handlers carry the
// row's user as their scope: go-app keeps an element's handler when a new one comes from the
// same function literal, and rows shift when a user is disabled.
func (c *paradimeUsers) Render() app.UI {
	l := c.list
	count := ""
	if l.Status == statusReady || len(l.Active) > 0 {
		count = formatCount(len(l.Active)) + " · " + strconv.Itoa(len(l.Invited)) + " invited"
	}
	return app.Div().Class("paradime").OnKeyDown(c.onKeyDown).Body(
		app.Div().Class("page-head").Body(
			app.H1().Text("Users"),
			app.Span().Class("count").ID("user-count").Aria("live", "polite").Text(count),
			app.A().Class("btn btn-primary").ID("invite-people").Href(c.w.link("/invite")).Text("Invite people"),
		),
		banner("error", c.err),
		banner("success", c.notice),
		c.renderActive(),
		c.renderInvited(),
	)
}

func (c *paradimeUsers) renderActive() app.UI {
	l := c.list
	var body app.UI
	switch {
	case l.Status == statusFailed && len(l.Active) == 0:
		body = paradimeEmptyRow("state-error", app.P().Role("alert").Text(l.Err.Message),
			app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.retry))
	case len(l.Active) == 0 && l.Status != statusReady:
		body = paradimeEmptyRow("state-loading", app.P().Text("Loading users…"))
	case len(l.Active) == 0:
		body = paradimeEmptyRow("state-empty", app.P().Text("No active users."))
	default:
		rows := make([]app.UI, len(l.Active))
		for i, u := range l.Active {
			rows[i] = c.renderUser(u)
		}
		body = app.TBody().Body(rows...)
	}
	return app.Div().Class("table-wrap").Body(
		app.Table().Class("users paradime-users").Aria("busy", strconv.FormatBool(l.Status == statusLoading)).Body(
			app.Caption().Text("Active users"),
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Class("col-name").Text("Name"),
				app.Th().Scope("col").Class("col-email").Text("Email"),
				app.Th().Scope("col").Class("col-role").Text("Account type"),
				app.Th().Scope("col").Class("col-actions").Text("Actions"),
			)),
			body,
		),
	)
}

func (c *paradimeUsers) renderUser(u paradimeUser) app.UI {
	picked := c.types[u.UID]
	if picked == "" {
		picked = u.AccountType
	}
	selectID := "type-" + u.UID
	var actions app.UI
	if c.confirm == u.UID {
		actions = app.Div().Class("confirm-inline").Role("group").Aria("label", "Disable "+paradimeName(u)+"?").Body(
			app.Span().Text("Disable "+paradimeName(u)+"?"),
			app.Button().Type("button").Class("btn btn-danger").ID("disable-confirm").Disabled(c.busy).Text("Disable").OnClick(c.disable(u), "disable", u.UID),
			app.Button().Type("button").Class("btn").ID("disable-cancel").Text("Cancel").OnClick(c.cancelDisable),
		)
	} else {
		actions = app.Button().Type("button").Class("btn").ID("disable-"+u.UID).Disabled(c.busy).
			Aria("label", "Disable "+paradimeName(u)).Text("Disable").OnClick(c.askDisable(u.UID), "ask", u.UID)
	}
	return app.Tr().Body(
		app.Td().Class("col-name").Text(paradimeName(u)),
		app.Td().Class("col-email").Text(u.Email),
		app.Td().Class("col-role").Body(
			app.Div().Class("type-picker").Body(
				app.Label().For(selectID).Class("visually-hidden").Text("Account type of "+paradimeName(u)),
				app.Select().ID(selectID).OnChange(c.pick(u.UID), u.UID).Body(
					app.Option().Value("ADMIN").Selected(picked == "ADMIN").Text("Admin"),
					app.Option().Value("DEVELOPER").Selected(picked == "DEVELOPER").Text("Developer"),
				),
				app.Button().Type("button").Class("btn").ID("apply-"+u.UID).Disabled(c.busy || picked == u.AccountType).
					Aria("label", "Change the account type of "+paradimeName(u)).Text("Change").OnClick(c.apply(u), u.UID, u.AccountType),
			),
		),
		app.Td().Class("col-actions").Body(actions),
	)
}

func (c *paradimeUsers) renderInvited() app.UI {
	l := c.list
	if l.Status != statusReady && len(l.Invited) == 0 {
		return app.Text("")
	}
	var body app.UI
	if len(l.Invited) == 0 {
		body = paradimeEmptyRow("state-empty", app.P().Text("No pending invitations."))
	} else {
		rows := make([]app.UI, len(l.Invited))
		for i, inv := range l.Invited {
			status, class := "Pending", "badge active"
			if inv.InviteStatus == "EXPIRED" {
				status, class = "Expired", "badge inactive"
			}
			rows[i] = app.Tr().Body(
				app.Td().Class("col-email").Text(inv.Email),
				app.Td().Class("col-role").Text(accountTypeLabel(inv.AccountType)),
				app.Td().Class("col-status").Body(app.Span().Class(class).Text(status)),
			)
		}
		body = app.TBody().Body(rows...)
	}
	return app.Div().Class("table-wrap").Body(
		app.Table().Class("users paradime-invited").Body(
			app.Caption().Text("Invited"),
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Class("col-email").Text("Email"),
				app.Th().Scope("col").Class("col-role").Text("Account type"),
				app.Th().Scope("col").Class("col-status").Text("Invitation"),
			)),
			body,
		),
	)
}

// paradimeEmptyRow is a row of a Paradime table that says why it has no rows.
func paradimeEmptyRow(class string, body ...app.UI) app.UI {
	return app.TBody().Body(app.Tr().Class("state-row").Body(
		app.Td().ColSpan(4).Body(app.Div().Class("state " + class).Body(body...)),
	))
}

// paradimeName is how a Paradime user reads: their name, else their email.
func paradimeName(u paradimeUser) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}
