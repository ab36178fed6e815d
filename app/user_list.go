package app

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// searchDelay is how long the search box waits after the last keystroke before it asks.
const searchDelay = 300 * time.Millisecond

// userList is the users page: the count, filters, a sortable table and pagination. Its
// state is the page URL: every change navigates, and OnNav loads what the URL says.
type userList struct {
	app.Compo

	w *Widget

	query       listQuery
	started     bool   // a page was asked for: the next OnNav with the same query is the widget's own
	search      string // what the search box holds, ahead of the URL while typing
	shown       string // what the program last put in the search box
	searchSeq   int
	searchTimer *time.Timer
	users       usersState
	session     sessionState
	workspaces  workspacesState // the workspace filter's choices
	retry       retrier
	change      liveChange // the last change of a user, by anyone (live updates)
	rows        *userRows  // the rows shown, while the body shows rows

	// Bulk actions (bulk.go).
	sel       selection
	confirm   string    // the bulk action waiting for confirmation
	bulk      bulkState // the run in progress, or the last one
	bulkBase  int       // the Seq of the run that ended before the page opened
	bulkShown bool      // the result of the last run is shown
	bulkWS    string    // the workspace chosen for a membership action

	resets resetLinks // the reset links of the last run, to download (bulk.go)
}

func newUserList(w *Widget) *userList {
	return &userList{w: w, query: parseListQuery(nil)}
}

// OnMount observes the list and the session.
func (c *userList) OnMount(ctx app.Context) {
	ctx.ObserveState(stateUsers).OnChange(func() { c.onUsers(ctx) }).Value(&c.users)
	ctx.ObserveState(stateSession).OnChange(func() { c.onSession(ctx) }).Value(&c.session)
	ctx.ObserveState(stateWorkspaces).Value(&c.workspaces)
	c.loadWorkspaces(ctx)
	ctx.ObserveState(stateLive).OnChange(func() { c.onLive(ctx) }).Value(&c.change)
	startLive(ctx, c.session)
	ctx.ObserveState(stateBulk).OnChange(func() { c.onBulk(ctx) }).Value(&c.bulk)
	if !c.bulk.Running {
		c.bulkBase = c.bulk.Seq
		c.takeResets(ctx) // a run that ended elsewhere: its links are not kept
	}
}

// onLive shows a change made by anyone: a row of the page changed in place; a user added
// or deleted, or changes missed, by reading the page again.
func (c *userList) onLive(ctx app.Context) {
	ch := c.change
	switch ch.Kind {
	case "UPDATED":
		if ch.User == nil || c.users.Status != statusReady {
			return
		}
		for i, u := range c.users.Users {
			if u.ID == ch.UserID {
				if !newer(ch.User.UpdatedAt, u.UpdatedAt) {
					return
				}
				st := c.users
				st.Users = slices.Clone(st.Users)
				st.Users[i] = *ch.User
				ctx.SetState(stateUsers, st)
				return
			}
		}
	case "CREATED", "DELETED", "RESYNC":
		if c.users.Status == statusReady {
			c.load(ctx)
		}
	}
}

// newer reports whether the instant a is after b; an instant that cannot be read is.
func newer(a, b string) bool {
	ta, erra := time.Parse(time.RFC3339Nano, a)
	tb, errb := time.Parse(time.RFC3339Nano, b)
	return erra != nil || errb != nil || ta.After(tb)
}

// loadWorkspaces reads the workspace filter's choices once the session shows the
// endpoint has workspaces, and once the first page is shown: read alongside it, their
// answer would be decoded in the page's way, before the rows.
func (c *userList) loadWorkspaces(ctx app.Context) {
	shown := c.users.Status == statusReady || c.users.Status == statusFailed
	if shown && c.session.Status == statusReady && c.session.Caps.Workspaces && c.workspaces.Status == statusIdle {
		ctx.NewActionWithValue(actionLoadWorkspaces, workspacesQuery{Page: 1})
	}
}

// OnDismount stops the retries of a failed load and a pending search.
func (c *userList) OnDismount() {
	c.retry.reset()
	c.stopSearch()
	c.resets.free()
}

// onSession loads the page again when the session, once open, shows that the endpoint
// offers other extensions than the page was asked with: the first page goes out before
// the session has found them (readSession), and capabilities remembered from an earlier
// visit may have changed since.
func (c *userList) onSession(ctx app.Context) {
	startLive(ctx, c.session)
	c.loadWorkspaces(ctx)
	if c.users.stale(c.query, c.session) {
		c.load(ctx)
	}
}

// onUsers retries a load that failed while the directory does not answer.
func (c *userList) onUsers(ctx app.Context) {
	switch c.users.Status {
	case statusFailed:
		c.retry.failed(ctx, c.users.Err, c.load)
	case statusReady:
		c.retry.reset()
		// The session may have opened while the page was on its way.
		if c.users.stale(c.query, c.session) {
			c.load(ctx)
		}
	}
	c.writeRowsNow()
	c.loadWorkspaces(ctx)
}

// writeRowsNow writes a new page in the rows shown as soon as it arrives. go-app renders
// an updated component at the next tick of its frame timer (120 a second, restarted when
// it has been idle), which would add up to 8 ms to every page turn and search; the
// list's own render at that tick then finds the rows written. Only rows of the same
// columns are written early, so that the table's head never disagrees with its body.
func (c *userList) writeRowsNow() {
	next := c.rowsOf(c.users)
	if c.rows == nil || next == nil || (len(next.Extras) > 0) != (len(c.rows.Extras) > 0) || (next.List != nil) != (c.rows.List != nil) {
		return
	}
	c.rows.Users, c.rows.Extras, c.rows.Prefix, c.rows.Version = next.Users, next.Extras, next.Prefix, next.Version
	c.rows.write()
}

// rowsOf is the body of a list of users u when it shows rows, or nil when it shows a
// state (loading, failed, empty).
func (c *userList) rowsOf(u usersState) *userRows {
	if (c.retry.retrying() && u.Status != statusReady) || u.Status == statusFailed || len(u.Users) == 0 {
		return nil
	}
	rows := &userRows{Users: u.Users, Extras: u.Extras, Prefix: c.w.prefix, Owner: c}
	if c.canBulk() {
		rows.List, rows.Version = c, c.sel.version
	}
	return rows
}

// load asks for the page of users the URL names.
func (c *userList) load(ctx app.Context) {
	ctx.NewActionWithValue(actionLoadUsers, c.query)
}

// OnPreRender reads the URL as OnNav does, so that the page the server sends for this
// URL already shows it (the server calls no OnNav; the actions do nothing there).
func (c *userList) OnPreRender(ctx app.Context) {
	c.OnNav(ctx)
}

// OnNav reads the list state from the URL and loads that page, unless the widget itself
// navigated there and loads it already.
func (c *userList) OnNav(ctx app.Context) {
	q := parseListQuery(ctx.Page().URL().Query())
	if app.IsClient {
		c.w.nav.setList(c.w.listHref(q)) // one browser, one list; the server renders many at once
	}
	ctx.Page().SetTitle("Users")
	if c.started && q == c.query {
		// The search box keeps what was typed since its search went out.
		return
	}
	if !c.started || q.Search != c.query.Search {
		// Back, forward or a link changed the search: show it, and drop a search typed
		// but not sent yet.
		c.stopSearch()
		c.search, c.shown = q.Search, q.Search
		setInputs(ctx, map[string]string{"search": c.search})
	}
	c.show(ctx, q)
}

// show loads the page of state q. Other filters end the selection: "all matching" meant
// the old ones.
func (c *userList) show(ctx app.Context, q listQuery) {
	if q.Search != c.query.Search || q.Role != c.query.Role || q.Status != c.query.Status {
		c.sel.clear()
		c.confirm = ""
	}
	c.query, c.started = q, true
	c.retry.reset()
	c.load(ctx)
}

// navigate shows the list in state q: it asks for the page at once, then puts q in the
// URL (go-app navigates on the next frame), where OnNav finds it loading already.
func (c *userList) navigate(ctx app.Context, q listQuery) {
	c.show(ctx, q)
	ctx.Navigate(c.w.listHref(q))
}

// onSearchInput runs the search once typing pauses for searchDelay.
func (c *userList) onSearchInput(ctx app.Context, e app.Event) {
	// The box shows what is typed by itself: nothing to render until the search goes out.
	ctx.PreventUpdate()
	c.search = ctx.JSSrc().Get("value").String()
	c.stopSearch()
	seq := c.searchSeq
	c.searchTimer = time.AfterFunc(searchDelay, func() {
		ctx.Dispatch(func(ctx app.Context) {
			if seq == c.searchSeq {
				c.applySearch(ctx)
			}
		})
	})
}

// stopSearch cancels a search that waits for typing to pause.
func (c *userList) stopSearch() {
	c.searchSeq++
	if c.searchTimer != nil {
		c.searchTimer.Stop()
	}
}

func (c *userList) onSearchSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.stopSearch()
	c.applySearch(ctx)
}

func (c *userList) applySearch(ctx app.Context) {
	q := c.query
	q.Search = strings.TrimSpace(c.search)
	if q.Search == c.query.Search {
		return
	}
	q.Page = 1
	c.navigate(ctx, q)
}

func (c *userList) onRole(ctx app.Context, e app.Event) {
	q := c.query
	q.Role, q.Page = ctx.JSSrc().Get("value").String(), 1
	c.navigate(ctx, q)
}

func (c *userList) onStatus(ctx app.Context, e app.Event) {
	q := c.query
	q.Status, q.Page = ctx.JSSrc().Get("value").String(), 1
	c.navigate(ctx, q)
}

func (c *userList) onSignIn(ctx app.Context, e app.Event) {
	q := c.query
	q.SignIn, q.Page = ctx.JSSrc().Get("value").String(), 1
	c.navigate(ctx, q)
}

func (c *userList) onWorkspace(ctx app.Context, e app.Event) {
	q := c.query
	q.Workspace, q.Page = ctx.JSSrc().Get("value").String(), 1
	c.navigate(ctx, q)
}

func (c *userList) onSize(ctx app.Context, e app.Event) {
	q := c.query
	q.Size, _ = strconv.Atoi(ctx.JSSrc().Get("value").String())
	q.Page = 1
	c.navigate(ctx, q)
}

// retryNow loads again at once, without waiting for the next automatic retry.
func (c *userList) retryNow(ctx app.Context, e app.Event) {
	c.retry.now(ctx, c.load)
}

// Render shows the page; against an endpoint with Paradime's API alone, Paradime's own
// list (paradime.go).
func (c *userList) Render() app.UI {
	if c.session.Caps.NoCore {
		return app.Div().Class("page").Body(
			newTopBar(c.w),
			app.Main().Class("content").ID("main").Body(&paradimeUsers{w: c.w}),
		)
	}
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content").ID("main").Body(
			app.Div().Class("page-head").Body(
				app.H1().Text("Users"),
				newUserCount(),
				app.Div().Class("head-actions").Body(
					app.If(c.session.Viewer.OrganizationRole == "ADMIN",
						&exportPanel{Query: c.query, Caps: c.session.Caps, ReadOnly: c.session.readOnly()},
					),
					app.If(c.session.Caps.Workspaces && c.session.Viewer.OrganizationRole == "ADMIN",
						app.A().Class("btn btn-ghost").ID("workspaces-link").Href(c.w.link("/workspaces")).Text("Workspaces"),
					),
					app.If(c.session.Caps.AuditEvents && c.session.Viewer.OrganizationRole == "ADMIN",
						app.A().Class("btn btn-ghost").ID("activity").Href(c.w.link("/activity")).Text("Activity"),
					),
					app.If(c.session.Caps.Import && c.session.Viewer.OrganizationRole == "ADMIN" && !c.session.readOnly(),
						app.A().Class("btn btn-ghost").ID("import-csv").Href(c.w.link("/import")).Text("Import CSV"),
					),
					app.If(c.session.Caps.Invitations,
						app.A().Class("btn btn-ghost").ID("pending-invitations").Href(c.w.link("/invitations")).Text("Pending invitations"),
						app.If(!c.session.readOnly(),
							app.A().Class("btn").ID("invite-people").Href(c.w.link("/invite")).Text("Invite people"),
						),
					),
					app.If(!c.session.readOnly(),
						app.A().Class("btn btn-primary").ID("new-user").Href(c.w.link("/users/new")).Text("New user"),
					),
				),
			),
			c.renderToolbar(),
			// The bar's own element, there whether the bar shows or not: the elements after
			// it keep their place among main's children, so that the bar's coming and going
			// does not build the table again, dropping the checks its old checkboxes had
			// received but not yet handed to the list.
			app.Div().Class("bulk-slot").Body(app.If(c.canBulk(), c.renderBulk())),
			c.renderTable(),
			c.renderPager(),
		),
	)
}

func (c *userList) renderToolbar() app.UI {
	caps := c.session.Caps
	return app.Form().Class("toolbar").Aria("label", "Filters").OnSubmit(c.onSearchSubmit).Body(
		app.If(caps.Search,
			app.Div().Class("field field-search").Body(
				app.Label().For("search").Text("Search"),
				app.Input().Type("search").ID("search").Name("q").
					Placeholder("Name or email").AutoComplete(false).
					Value(c.shown).OnInput(c.onSearchInput),
			),
		),
		app.If(caps.RoleFilter,
			app.Div().Class("field").Body(
				app.Label().For("role-filter").Text("Role"),
				selectOf("role-filter", c.query.Role, c.onRole,
					[2]string{"", "All roles"}, [2]string{"ADMIN", "Admin"}, [2]string{"USER", "User"}),
			),
		),
		app.Div().Class("field").Body(
			app.Label().For("status-filter").Text("Status"),
			selectOf("status-filter", c.query.Status, c.onStatus,
				[2]string{"", "Any status"}, [2]string{"active", "Active"}, [2]string{"inactive", "Inactive"}),
		),
		app.If(caps.LastSignIn,
			app.Div().Class("field").Body(
				app.Label().For("signin-filter").Text("Last sign-in"),
				selectOf("signin-filter", c.query.SignIn, c.onSignIn, signInFilters...),
			),
		),
		app.If(caps.Workspaces,
			app.Div().Class("field").Body(
				app.Label().For("workspace-filter").Text("Workspace"),
				selectOf("workspace-filter", c.query.Workspace, c.onWorkspace, c.workspaceOptions()...),
			),
		),
		app.If(caps.Workspaces, workspaceFinder("workspace-filter-search", c.workspaces, true)),
		app.If(c.query.filtered(),
			app.A().Class("btn btn-ghost clear-filters").Href(c.w.listHref(listQuery{Size: c.query.Size})).Text("Clear filters"),
		),
	)
}

// selectOf is a select with options given as value/label pairs.
func selectOf(id, value string, onChange app.EventHandler, options ...[2]string) app.UI {
	return app.Select().ID(id).OnChange(onChange).Body(
		app.Range(options).Slice(func(i int) app.UI {
			return app.Option().Value(options[i][0]).Selected(options[i][0] == value).Text(options[i][1])
		}),
	)
}

// workspaceOptions are the workspace filter's choices: any, then the workspaces by name
// (the first workspacesPageSize), and the one in the URL when it is not among them.
func (c *userList) workspaceOptions() [][2]string {
	opts := [][2]string{{"", "Any workspace"}}
	found := c.query.Workspace == ""
	for _, w := range c.workspaces.Items {
		opts = append(opts, [2]string{w.ID, w.Name})
		found = found || w.ID == c.query.Workspace
	}
	if !found {
		opts = append(opts, [2]string{c.query.Workspace, "The chosen workspace"})
	}
	return opts
}

// columns are the table's columns: key (as in sortColumns) and heading.
var columns = [][2]string{
	{"name", "Name"}, {"email", "Email"}, {"role", "Role"}, {"status", "Status"}, {"created", "Created"},
}

// modelColumns are the table's columns with the usernames, last sign-in and workspaces
// extension (capabilities.userModels).
var modelColumns = [][2]string{
	{"name", "Name"}, {"username", "Username"}, {"email", "Email"}, {"role", "Role"}, {"status", "Status"},
	{"workspaces", "Workspaces"}, {"signin", "Last sign-in"}, {"created", "Created"},
}

// tableColumns are the columns the endpoint can fill.
func (c *userList) tableColumns() [][2]string {
	if c.session.Caps.userModels() {
		return modelColumns
	}
	return columns
}

func (c *userList) renderTable() app.UI {
	busy := c.users.Status == statusLoading || c.users.settling(c.query, c.session)
	return app.Div().Class("table-wrap").Body(
		app.Table().Class("users").Aria("busy", strconv.FormatBool(busy)).Body(
			app.THead().Body(
				app.Tr().Body(
					app.If(c.canBulk(),
						app.Th().Scope("col").Class("col-select").Body(
							app.Input().Type("checkbox").ID("select-page").Checked(c.pageSelected()).
								Aria("label", "Select all users on this page").OnChange(c.onSelectPage),
						),
					),
					app.Range(c.tableColumns()).Slice(func(i int) app.UI {
						cols := c.tableColumns()
						return c.renderHeader(cols[i][0], cols[i][1])
					}),
				),
			),
			c.renderBody(),
		),
	)
}

func (c *userList) renderHeader(key, label string) app.UI {
	th := app.Th().Scope("col").Class("col-" + key)
	if !c.session.Caps.OrderBy || sortColumns[key] == nil {
		return th.Text(label)
	}
	sort, arrow := "none", ""
	if c.query.Sort == key {
		sort, arrow = "ascending", "▲"
		if c.query.Desc {
			sort, arrow = "descending", "▼"
		}
	}
	return th.Aria("sort", sort).Body(
		app.Button().Type("button").Class("sort").
			Title("Sort by "+strings.ToLower(label)).
			OnClick(func(ctx app.Context, e app.Event) { c.navigate(ctx, c.query.withSort(key)) }, key).
			Body(app.Text(label), app.Span().Class("arrow").Aria("hidden", "true").Text(arrow)),
	)
}

// renderBody is the table's body: the users, or a row that says why there are none.
func (c *userList) renderBody() app.UI {
	u := c.users
	if rows := c.rowsOf(u); rows != nil {
		return rows
	}
	var row app.UI
	switch {
	case c.retry.retrying() && u.Status != statusReady:
		row = stateRow(len(c.tableColumns()), "state-error", app.P().Role("status").Text(c.retry.message()),
			app.Button().Type("button").Class("btn").ID("retry-now").Text("Retry now").OnClick(c.retryNow))
	case u.Status == statusFailed:
		row = stateRow(len(c.tableColumns()), "state-error", app.P().Role("alert").Text(u.Err.Message),
			app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.retryNow))
	case len(u.Users) == 0 && u.Status != statusReady:
		row = stateRow(len(c.tableColumns()), "state-loading", app.P().Text("Loading users…"))
	case len(u.Users) == 0 && c.query.Page > 1:
		q := c.query
		q.Page = 1
		row = stateRow(len(c.tableColumns()), "state-empty", app.P().Text("This page is past the end of the list."),
			app.A().Class("btn").Href(c.w.listHref(q)).Text("Go to the first page"))
	case len(u.Users) == 0 && c.query.filtered():
		row = stateRow(len(c.tableColumns()), "state-empty", app.P().Text("No users match these filters."),
			app.A().Class("btn").Href(c.w.listHref(listQuery{Size: c.query.Size})).Text("Clear filters"))
	case len(u.Users) == 0:
		row = stateRow(len(c.tableColumns()), "state-empty", app.P().Text("No users yet."),
			app.A().Class("btn").Href(c.w.link("/users/new")).Text("Create a user"))
	}
	return app.TBody().Body(row)
}

// canBulk reports whether the list offers bulk actions: to an admin, on an endpoint with
// users (one mutation per user where it has no bulk mutations).
func (c *userList) canBulk() bool {
	return c.session.Viewer.OrganizationRole == "ADMIN" && !c.session.Caps.NoCore
}

// workspaceNames lists the first workspaces of a user, and says when there are more.
func workspaceNames(ws []workspaceRef) string {
	if len(ws) == 0 {
		return "—"
	}
	names := make([]string, 0, listedWorkspaces)
	for i, w := range ws {
		if i == listedWorkspaces {
			return strings.Join(names, ", ") + " and more"
		}
		names = append(names, w.Name)
	}
	return strings.Join(names, ", ")
}

// roleBadge is the class of a role's badge, without building a string for the known roles.
func roleBadge(role string) string {
	switch role {
	case "ADMIN":
		return "badge role-admin"
	case "USER":
		return "badge role-user"
	}
	return "badge role-" + strings.ToLower(role)
}

// statusBadge is the class of the status badge.
func statusBadge(activated bool) string {
	if activated {
		return "badge active"
	}
	return "badge inactive"
}

func stateRow(cols int, class string, body ...app.UI) app.UI {
	return app.Tr().Class("state-row").Body(
		app.Td().ColSpan(cols + 1).Body(
			app.Div().Class("state " + class).Body(body...),
		),
	)
}

func (c *userList) renderPager() app.UI {
	q := c.query
	total := c.users.Total
	pages := (total + q.Size - 1) / q.Size
	if pages < 1 {
		pages = 1
	}
	first, last := q.skip()+1, q.skip()+len(c.users.Users)
	summary := ""
	if c.users.Status == statusReady && last >= first {
		summary = groupDigits(first) + "–" + groupDigits(last) + " of " + groupDigits(total)
	}
	prev, next := q, q
	prev.Page, next.Page = q.Page-1, q.Page+1
	sizes := make([][2]string, len(pageSizes))
	for i, s := range pageSizes {
		sizes[i] = [2]string{strconv.Itoa(s), strconv.Itoa(s)}
	}
	return app.Nav().Class("pager").Aria("label", "Pages").Body(
		app.Div().Class("field field-inline").Body(
			app.Label().For("page-size").Text("Rows per page"),
			selectOf("page-size", strconv.Itoa(q.Size), c.onSize, sizes...),
		),
		app.Span().Class("pager-summary").Text(summary),
		app.Span().Class("pager-page").Text("Page "+strconv.Itoa(q.Page)+" of "+strconv.Itoa(pages)),
		pageLink("Previous", "prev", c.w.listHref(prev), q.Page > 1),
		pageLink("Next", "next", c.w.listHref(next), q.Page < pages),
	)
}

// pageLink is a pager link, rendered inert when there is no such page.
func pageLink(label, rel, href string, enabled bool) app.UI {
	if !enabled {
		return app.Span().Class("btn is-disabled").Aria("disabled", "true").Text(label)
	}
	return app.A().Class("btn").Rel(rel).Href(href).Text(label)
}

// classIf returns class when cond holds, else "".
func classIf(cond bool, class string) string {
	if cond {
		return class
	}
	return ""
}
