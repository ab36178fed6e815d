package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// invitationsPage lists the organization's invitations (/invitations): a tab per status
// with its count, a search by address, and for each invitation its role, status, age and
// expiry, with resend, revoke and a link to copy. Its state is the URL, as the user
// list's is.
type invitationsPage struct {
	app.Compo

	w       *Widget
	session sessionState
	query   invitationsQuery
	list    invitationsState
	write   invitationWriteState
	baseSeq int

	search  string
	shown   string
	confirm string               // the id of the invitation whose revoking waits for confirmation
	link    invitationWriteState // the last link made, shown to copy until the next write
	busy    bool
	notice  string
	err     string
	clip    clipboard
}

// OnMount observes the list and the outcome of its writes.
func (c *invitationsPage) OnMount(ctx app.Context) {
	ctx.ObserveState(stateInvitations).Value(&c.list)
	ctx.ObserveState(stateSession).Value(&c.session)
	ctx.ObserveState(stateInvitationWrite).OnChange(func() { c.onWrite(ctx) }).Value(&c.write)
	c.baseSeq = c.write.Seq
}

// OnPreRender reads the URL as OnNav does.
func (c *invitationsPage) OnPreRender(ctx app.Context) { c.OnNav(ctx) }

// OnNav reads the state from the URL and loads that page.
func (c *invitationsPage) OnNav(ctx app.Context) {
	c.query = parseInvitationsQuery(ctx.Page().URL().Query())
	c.search, c.shown = c.query.Search, c.query.Search
	setInputs(ctx, map[string]string{"invitation-search": c.search})
	c.confirm, c.link, c.notice, c.err = "", invitationWriteState{}, "", ""
	ctx.Page().SetTitle("Invitations")
	c.load(ctx)
}

func (c *invitationsPage) load(ctx app.Context) {
	ctx.NewActionWithValue(actionLoadInvitations, c.query)
}

func (c *invitationsPage) href(q invitationsQuery) string {
	if v := q.values().Encode(); v != "" {
		return c.w.link("/invitations?" + v)
	}
	return c.w.link("/invitations")
}

func (c *invitationsPage) onWrite(ctx app.Context) {
	if c.write.Seq <= c.baseSeq {
		return
	}
	c.busy = c.write.Status == statusLoading
	switch c.write.Status {
	case statusFailed:
		c.notice, c.err = "", c.write.Err.Message
	case statusReady:
		c.notice, c.err, c.confirm, c.link = c.write.Notice, "", "", c.write
		if c.write.Link != "" {
			deferOn(ctx, c, func(app.Context) { focusByID("new-link-copy") })
		}
		if c.write.Write.Kind != "link" {
			c.load(ctx)
		}
	}
}

func (c *invitationsPage) act(kind string, inv invitationItem) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if c.busy {
			return
		}
		c.busy = true
		ctx.NewActionWithValue(actionInvitationWrite, invitationWrite{Kind: kind, ID: inv.ID, Email: inv.Email})
	}
}

func (c *invitationsPage) askRevoke(id string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.confirm = id
		deferOn(ctx, c, func(app.Context) { focusByID("revoke-cancel") })
	}
}

func (c *invitationsPage) cancelRevoke(ctx app.Context, e app.Event) {
	id := c.confirm
	c.confirm = ""
	deferOn(ctx, c, func(app.Context) { focusByID("revoke-" + id) })
}

func (c *invitationsPage) onKeyDown(ctx app.Context, e app.Event) {
	if isEscape(e) && c.confirm != "" {
		c.cancelRevoke(ctx, e)
	}
}

func (c *invitationsPage) onSearchInput(ctx app.Context, e app.Event) {
	c.search = ctx.JSSrc().Get("value").String()
}

func (c *invitationsPage) onSearch(ctx app.Context, e app.Event) {
	e.PreventDefault()
	q := c.query
	q.Search, q.Page = strings.TrimSpace(c.search), 1
	ctx.Navigate(c.href(q))
}

func (c *invitationsPage) retry(ctx app.Context, e app.Event) { c.load(ctx) }

// Render shows the page.
func (c *invitationsPage) Render() app.UI {
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content").ID("main").OnKeyDown(c.onKeyDown).Body(
			app.A().Class("back").Href(c.w.link("/")).Text("← Users"),
			app.Div().Class("page-head").Body(
				app.H1().Text("Invitations"),
				app.A().Class("btn btn-primary").ID("invite-people").Href(c.w.link("/invite")).Text("Invite people"),
			),
			c.renderTabs(),
			app.Form().Class("toolbar").Aria("label", "Search invitations").OnSubmit(c.onSearch).Body(
				app.Div().Class("field field-search").Body(
					app.Label().For("invitation-search").Text("Search"),
					app.Input().Type("search").ID("invitation-search").Name("q").Placeholder("Email address").
						AutoComplete(false).Value(c.shown).OnInput(c.onSearchInput).OnChange(c.onSearch),
				),
			),
			banner("error", c.err),
			banner("success", c.notice),
			app.If(c.link.Link != "",
				app.Div().Class("card new-link").Body(
					c.clip.field("new-link", "Invitation link for "+c.link.Write.Email, c.link.Link),
				),
			),
			c.renderTable(),
			c.renderPager(),
		),
	)
}

// renderTabs links to each status, with its count.
func (c *invitationsPage) renderTabs() app.UI {
	counts := c.list.Counts
	known := c.list.Status == statusReady || c.list.Items != nil
	tabs := make([]app.UI, len(invitationStatuses))
	for i, s := range invitationStatuses {
		q := invitationsQuery{Status: s[0], Search: c.query.Search, Page: 1}
		label := s[2]
		count := ""
		if known {
			count = groupDigits(counts.of(s[0]))
		}
		a := app.A().Class("tab").ID("tab-"+s[0]).Href(c.href(q)).Body(
			app.Span().Text(label),
			app.Span().Class("tab-count").Text(count),
		)
		if s[0] == c.query.Status {
			a = a.Aria("current", "page")
		}
		tabs[i] = a
	}
	return app.Nav().Class("tabs").Aria("label", "Invitation status").Body(tabs...)
}

var invitationColumns = [][2]string{
	{"email", "Email"}, {"role", "Role"}, {"status", "Status"}, {"invited", "Invited"}, {"expires", "Expires"}, {"actions", "Actions"},
}

func (c *invitationsPage) renderTable() app.UI {
	l := c.list
	var body app.UI
	switch {
	case l.Status == statusFailed:
		body = invitationRow(app.P().Role("alert").Text(l.Err.Message),
			app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.retry))
	case len(l.Items) == 0 && l.Status != statusReady:
		body = invitationRow(app.P().Text("Loading invitations…"))
	case len(l.Items) == 0 && c.query.Search != "":
		body = invitationRow(app.P().Text("No invitation matches this search."))
	case len(l.Items) == 0:
		body = invitationRow(app.P().Text("No "+strings.ToLower(c.tabLabel())+" invitations."),
			app.A().Class("btn").Href(c.w.link("/invite")).Text("Invite people"))
	default:
		now := time.Now()
		rows := make([]app.UI, 0, len(l.Items))
		for _, inv := range l.Items {
			rows = append(rows, c.renderInvitation(inv, now))
		}
		body = app.TBody().Class("invitation-rows").Body(rows...)
	}
	heads := make([]app.UI, len(invitationColumns))
	for i, col := range invitationColumns {
		heads[i] = app.Th().Scope("col").Class("col-" + col[0]).Text(col[1])
	}
	return app.Div().Class("table-wrap").Body(
		app.Table().Class("users invitations").Aria("busy", strconv.FormatBool(l.Status == statusLoading)).Body(
			app.THead().Body(app.Tr().Body(heads...)),
			body,
		),
	)
}

func (c *invitationsPage) tabLabel() string {
	for _, s := range invitationStatuses {
		if s[0] == c.query.Status && s[1] != "" {
			return s[2]
		}
	}
	return ""
}

// invitationRow is the table's one row when it has no invitation to show.
func invitationRow(body ...app.UI) app.UI {
	return app.TBody().Body(app.Tr().Class("state-row").Body(
		app.Td().ColSpan(len(invitationColumns)).Body(app.Div().Class("state").Body(body...)),
	))
}

// renderInvitation is the row of an invitation.
func (c *invitationsPage) renderInvitation(inv invitationItem, now time.Time) app.UI {
	invited := relativeTime(inv.CreatedAt, now)
	if by := inv.inviter(); by != "" {
		invited += " by " + by
	}
	expires := relativeTime(inv.ExpiresAt, now)
	if inv.Status == "ACCEPTED" || inv.Status == "REVOKED" {
		expires = "—"
	}
	open := inv.Status == "PENDING" || inv.Status == "EXPIRED"
	var actions app.UI
	switch {
	case c.confirm == inv.ID:
		actions = app.Div().Class("confirm-inline").Role("group").Aria("label", "Revoke the invitation of "+inv.Email+"?").Body(
			app.Span().Text("Revoke?"),
			app.Button().Type("button").Class("btn btn-danger").ID("revoke-confirm").Disabled(c.busy).Text("Revoke").OnClick(c.act("revoke", inv), "revoke", inv.ID),
			app.Button().Type("button").Class("btn").ID("revoke-cancel").Text("Cancel").OnClick(c.cancelRevoke),
		)
	case open && c.session.readOnly():
		actions = app.Span().Class("muted").Text("—")
	case open:
		actions = app.Div().Class("row-actions").Body(
			app.If(inv.Status == "PENDING",
				app.Button().Type("button").Class("btn").ID("link-"+inv.ID+"-make").Disabled(c.busy).
					Aria("label", "Copy link for "+inv.Email).Text("Copy link").OnClick(c.act("link", inv), "link", inv.ID),
			),
			app.Button().Type("button").Class("btn").ID("resend-"+inv.ID).Disabled(c.busy).
				Aria("label", "Resend to "+inv.Email).Text("Resend").OnClick(c.act("resend", inv), "resend", inv.ID),
			app.If(c.session.mayRemove(),
				app.Button().Type("button").Class("btn btn-danger").ID("revoke-"+inv.ID).Disabled(c.busy).
					Aria("label", "Revoke the invitation of "+inv.Email).Text("Revoke").OnClick(c.askRevoke(inv.ID), "ask", inv.ID),
			),
		)
	default:
		actions = app.Span().Class("muted").Text("—")
	}
	row := app.Tr().ID("invitation-"+inv.ID).Body(
		app.Td().Class("col-email").Title(inv.Email).Text(inv.Email),
		app.Td().Class("col-role").Body(app.Span().Class(roleBadge(inv.OrganizationRole)).Text(roleLabel(inv.OrganizationRole))),
		app.Td().Class("col-status").Body(app.Span().Class(invitationBadge(inv.Status)).Text(invitationStatusLabel(inv.Status))),
		app.Td().Class("col-invited").Title(formatTime(inv.CreatedAt)).Text(invited),
		app.Td().Class("col-expires").Title(formatTime(inv.ExpiresAt)).Text(expires),
		app.Td().Class("col-actions").Body(actions),
	)
	return row
}

// invitationStatusLabel is how an invitation's status reads.
func invitationStatusLabel(s string) string {
	switch s {
	case "PENDING":
		return "Pending"
	case "ACCEPTED":
		return "Accepted"
	case "EXPIRED":
		return "Expired"
	case "REVOKED":
		return "Revoked"
	}
	return s
}

func invitationBadge(s string) string {
	switch s {
	case "PENDING":
		return "badge pending"
	case "ACCEPTED":
		return "badge active"
	}
	return "badge inactive"
}

func (c *invitationsPage) renderPager() app.UI {
	total := c.list.Counts.Matching
	pages := max(1, (total+invitationsPageSize-1)/invitationsPageSize)
	if c.list.Status != statusReady || pages == 1 && c.query.Page == 1 {
		return app.Text("")
	}
	prev, next := c.query, c.query
	prev.Page, next.Page = c.query.Page-1, c.query.Page+1
	return app.Nav().Class("pager").Aria("label", "Pages").Body(
		app.Span().Class("pager-page").Text("Page "+strconv.Itoa(c.query.Page)+" of "+strconv.Itoa(pages)),
		pageLink("Previous", "prev", c.href(prev), c.query.Page > 1),
		pageLink("Next", "next", c.href(next), c.query.Page < pages),
	)
}

// relativeTime writes an RFC 3339 instant relative to now, as people say it: "just now",
// "5 minutes ago", "3 days ago", "in 6 days".
func relativeTime(ts string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ts
	}
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var n int
	var unit string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		n, unit = int(d.Round(time.Minute)/time.Minute), "minute"
	case d < 47*time.Hour:
		n, unit = int(d.Round(time.Hour)/time.Hour), "hour"
	default:
		n, unit = int(d.Round(24*time.Hour)/(24*time.Hour)), "day"
	}
	s := strconv.Itoa(n) + " " + unit + plural(n, "s")
	if future {
		return "in " + s
	}
	return s + " ago"
}
