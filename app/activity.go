package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// activityTimeline is the edit page's "Activity" of one user: who changed what of them,
// when, and each field's old and new value, newest first, a page at a time. The edit page
// shows it only where the endpoint keeps an audit trail.
type activityTimeline struct {
	app.Compo

	UserID  string // from the edit page
	Version string // the user's updatedAt: a save shows its events at once

	list   activityState
	loaded string // the UserID and Version asked for
	page   int
}

// OnMount observes the events and loads the first page.
func (c *activityTimeline) OnMount(ctx app.Context) {
	ctx.ObserveState(stateActivity).Value(&c.list)
	c.load(ctx)
}

// OnUpdate loads the events again when the edit page moves to another user, or saved.
func (c *activityTimeline) OnUpdate(ctx app.Context) { c.load(ctx) }

func (c *activityTimeline) load(ctx app.Context) {
	if c.UserID == "" || c.UserID+" "+c.Version == c.loaded {
		return
	}
	c.loaded, c.page = c.UserID+" "+c.Version, 1
	ctx.NewActionWithValue(actionLoadActivity, activityQuery{UserID: c.UserID, Page: 1})
}

func (c *activityTimeline) turn(delta int) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.page = max(1, c.page+delta)
		ctx.NewActionWithValue(actionLoadActivity, activityQuery{UserID: c.UserID, Page: c.page})
	}
}

// Render shows the timeline, or why it is not shown.
func (c *activityTimeline) Render() app.UI {
	l := c.list
	if l.Query.UserID != c.UserID {
		l = activityState{Status: statusLoading}
	}
	pages := max(1, (l.Total+activityPageSize-1)/activityPageSize)
	return app.Section().Class("card activity").Aria("labelledby", "activity-title").Body(
		app.H2().ID("activity-title").Text("Activity"),
		renderEvents(l, false, "No activity is recorded for this user yet."),
		app.If(l.Status == statusReady && pages > 1,
			app.Nav().Class("pager").Aria("label", "Activity pages").Body(
				app.Span().Class("pager-page").Text("Page "+strconv.Itoa(c.page)+" of "+strconv.Itoa(pages)),
				app.Button().Type("button").Class("btn").ID("activity-newer").Disabled(c.page <= 1).Text("Newer").OnClick(c.turn(-1)),
				app.Button().Type("button").Class("btn").ID("activity-older").Disabled(c.page >= pages).Text("Older").OnClick(c.turn(1)),
			),
		),
	)
}

// activityPage is the organization's activity (/activity), for an ADMIN: every recorded
// write, newest first, filtered by action, a page at a time. Its state is the URL.
type activityPage struct {
	app.Compo

	w     *Widget
	query activityQuery
	list  activityState
}

// OnMount observes the events.
func (c *activityPage) OnMount(ctx app.Context) {
	ctx.ObserveState(stateActivity).Value(&c.list)
}

// OnPreRender reads the URL as OnNav does.
func (c *activityPage) OnPreRender(ctx app.Context) { c.OnNav(ctx) }

// OnNav reads the state from the URL and loads that page.
func (c *activityPage) OnNav(ctx app.Context) {
	c.query = parseActivityQuery(ctx.Page().URL().Query())
	ctx.Page().SetTitle("Activity")
	c.load(ctx)
}

func (c *activityPage) load(ctx app.Context) {
	ctx.NewActionWithValue(actionLoadActivity, c.query)
}

func (c *activityPage) href(q activityQuery) string {
	if v := q.values().Encode(); v != "" {
		return c.w.link("/activity?" + v)
	}
	return c.w.link("/activity")
}

func (c *activityPage) onAction(ctx app.Context, e app.Event) {
	q := c.query
	q.Action, q.Page = ctx.JSSrc().Get("value").String(), 1
	ctx.Navigate(c.href(q))
}

func (c *activityPage) retry(ctx app.Context, e app.Event) { c.load(ctx) }

// Render shows the page.
func (c *activityPage) Render() app.UI {
	l := c.list
	if l.Query.UserID != "" {
		l = activityState{Status: statusLoading}
	}
	options := append([][2]string{{"", "All actions"}}, activityActions...)
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content").ID("main").Body(
			app.A().Class("back").Href(c.w.link("/")).Text("← Users"),
			app.Div().Class("page-head").Body(
				app.H1().Text("Activity"),
				app.If(l.Status == statusReady, app.Span().Class("count").Text(groupDigits(l.Total)+" event"+plural(l.Total, "s"))),
			),
			app.Form().Class("toolbar").Aria("label", "Filter activity").OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(
				app.Div().Class("field").Body(
					app.Label().For("activity-action").Text("Action"),
					selectOf("activity-action", c.query.Action, c.onAction, options...),
				),
			),
			c.renderFailure(l),
			app.Section().Class("card activity").Aria("label", "Events").Body(
				renderEvents(l, true, c.emptyText()),
			),
			c.renderPager(l),
		),
	)
}

// renderFailure says what to do when the events could not be read, with Retry.
func (c *activityPage) renderFailure(l activityState) app.UI {
	if l.Status != statusFailed {
		return app.Text("")
	}
	msg := "The activity could not be loaded: this endpoint may keep no audit trail."
	if l.Err != nil {
		msg = l.Err.Message
		if l.Err.Code == codeForbidden {
			msg = "Only an admin can see the organization's activity: ask an admin of your organization."
		}
	}
	return banner("error", msg, app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.retry))
}

func (c *activityPage) emptyText() string {
	if c.query.Action != "" {
		return "No event of this action is recorded."
	}
	return "No activity is recorded yet."
}

func (c *activityPage) renderPager(l activityState) app.UI {
	pages := max(1, (l.Total+activityPageSize-1)/activityPageSize)
	if l.Status != statusReady || pages == 1 && c.query.Page == 1 {
		return app.Text("")
	}
	prev, next := c.query, c.query
	prev.Page, next.Page = c.query.Page-1, c.query.Page+1
	return app.Nav().Class("pager").Aria("label", "Pages").Body(
		app.Span().Class("pager-page").Text("Page "+strconv.Itoa(c.query.Page)+" of "+strconv.Itoa(pages)),
		pageLink("Newer", "prev", c.href(prev), c.query.Page > 1),
		pageLink("Older", "next", c.href(next), c.query.Page < pages),
	)
}

// renderEvents is the list of a page of events; withUser names the user each is about
// (the organization's activity), and empty is what an empty page says.
func renderEvents(l activityState, withUser bool, empty string) app.UI {
	switch {
	case l.Status == statusFailed && !withUser:
		msg := "The activity could not be loaded."
		if l.Err != nil {
			msg = l.Err.Message
		}
		return app.P().Class("muted").Role("alert").Text(msg)
	case len(l.Items) == 0 && l.Status == statusLoading:
		return app.P().Class("muted").Text("Loading activity…")
	case len(l.Items) == 0 && l.Status == statusReady:
		return app.P().Class("muted").Text(empty)
	case len(l.Items) == 0:
		return app.Text("")
	}
	now := time.Now()
	items := make([]app.UI, len(l.Items))
	for i, e := range l.Items {
		items[i] = renderEvent(e, withUser, now)
	}
	return app.Ul().Class("timeline").Aria("busy", strconv.FormatBool(l.Status == statusLoading)).Body(items...)
}

// renderEvent is one event: what, by whom, about whom, when, from where, and its changes.
func renderEvent(e auditEvent, withUser bool, now time.Time) app.UI {
	who := e.ActorEmail
	if who == "" {
		who = "The directory"
	}
	head := []app.UI{
		app.Span().Class("event-action").Text(actionLabel(e.Action)),
		app.If(withUser && e.UserEmail != "", app.Span().Class("event-user").Text(e.UserEmail)),
	}
	meta := "by " + who
	if e.ClientAddress != "" {
		meta += " from " + e.ClientAddress
	}
	changes := make([]app.UI, 0, len(e.Changes))
	for _, ch := range e.Changes {
		changes = append(changes, app.Li().Body(
			app.Span().Class("change-field").Text(fieldLabel(ch.Field)+": "),
			app.Span().Class("change-old").Text(changeValue(ch.Field, ch.Old)),
			app.Span().Class("change-arrow").Aria("label", "changed to").Text(" → "),
			app.Span().Class("change-new").Text(changeValue(ch.Field, ch.New)),
		))
	}
	return app.Li().Class("event").ID("event-"+e.ID).Body(
		app.Div().Class("event-head").Body(head...),
		app.Div().Class("event-meta muted").Body(
			app.Text(meta+" · "),
			app.Span().Title(formatTime(e.At)).Text(relativeTime(e.At, now)),
		),
		app.If(len(changes) > 0, app.Ul().Class("changes").Body(changes...)),
	)
}

// fieldLabel is how a changed field reads.
func fieldLabel(field string) string {
	switch field {
	case "email":
		return "Email"
	case "firstname":
		return "First name"
	case "lastname":
		return "Last name"
	case "username":
		return "Username"
	case "organizationRole":
		return "Role"
	case "activated":
		return "Status"
	case "name":
		return "Key name"
	}
	return field
}

// changeValue is how a field's old or new value reads: "—" for none or empty.
func changeValue(field string, v *string) string {
	if v == nil || strings.TrimSpace(*v) == "" {
		return "—"
	}
	switch field {
	case "organizationRole":
		return roleLabel(*v)
	case "activated":
		return statusLabel(*v == "true")
	}
	return *v
}
