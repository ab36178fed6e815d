package app

import (
	"net/url"
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

	query     listQuery
	search    string // what the search box holds, ahead of the URL while typing
	shown     string // what the program last put in the search box
	searchSeq int
	users     usersState
	session   session
	retry     retrier
}

func newUserList() *userList {
	return &userList{query: parseListQuery(nil)}
}

// OnMount observes the list and the session.
func (c *userList) OnMount(ctx app.Context) {
	ctx.ObserveState(stateUsers).OnChange(func() { c.onUsers(ctx) }).Value(&c.users)
	ctx.ObserveState(stateSession).Value(&c.session)
}

// OnDismount stops the retries of a failed load.
func (c *userList) OnDismount() {
	c.retry.reset()
}

// onUsers retries a load that failed while the directory does not answer.
func (c *userList) onUsers(ctx app.Context) {
	switch c.users.Status {
	case statusFailed:
		c.retry.failed(ctx, c.users.Err, c.load)
	case statusReady:
		c.retry.reset()
	}
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

// OnNav reads the list state from the URL and loads that page.
func (c *userList) OnNav(ctx app.Context) {
	c.query = parseListQuery(ctx.Page().URL().Query())
	if c.query.Search != strings.TrimSpace(c.search) {
		// Back, forward or a link changed the search: show it. After the search box's
		// own navigation, the box keeps what is typed.
		c.search, c.shown = c.query.Search, c.query.Search
		setInputs(ctx, map[string]string{"search": c.search})
	}
	if app.IsClient {
		listHref = c.query.href() // one browser, one list; the server renders many at once
	}
	ctx.Page().SetTitle("Users")
	c.retry.reset()
	c.load(ctx)
}

// navigate shows the list in state q; OnNav then loads it.
func (c *userList) navigate(ctx app.Context, q listQuery) {
	ctx.Navigate(q.href())
}

func (c *userList) onSearchInput(ctx app.Context, e app.Event) {
	c.search = ctx.JSSrc().Get("value").String()
	c.searchSeq++
	seq := c.searchSeq
	ctx.After(searchDelay, func(ctx app.Context) {
		// Typing ahead of the delay, or having left the list since, cancels this search.
		if seq == c.searchSeq && c.Mounted() {
			c.applySearch(ctx)
		}
	})
}

func (c *userList) onSearchSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.searchSeq++
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

// Render shows the page.
func (c *userList) Render() app.UI {
	return app.Div().Class("page").Body(
		newTopBar(),
		app.Main().Class("content").ID("main").Body(
			app.Div().Class("page-head").Body(
				app.H1().Text("Users"),
				newUserCount(),
				app.A().Class("btn btn-primary").Href(link("/users/new")).Text("New user"),
			),
			c.renderToolbar(),
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
		app.If(c.query.filtered(),
			app.A().Class("btn btn-ghost clear-filters").Href(listQuery{Size: c.query.Size}.href()).Text("Clear filters"),
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

// columns are the table's columns: key (as in sortColumns) and heading.
var columns = [][2]string{
	{"name", "Name"}, {"email", "Email"}, {"role", "Role"}, {"status", "Status"}, {"created", "Created"},
}

func (c *userList) renderTable() app.UI {
	busy := c.users.Status == statusLoading
	return app.Div().Class("table-wrap").Body(
		app.Table().Class("users").Aria("busy", strconv.FormatBool(busy)).Body(
			app.THead().Body(
				app.Tr().Body(
					app.Range(columns).Slice(func(i int) app.UI {
						return c.renderHeader(columns[i][0], columns[i][1])
					}),
				),
			),
			app.TBody().Class(classIf(busy && len(c.users.Users) > 0, "is-loading")).Body(
				c.renderRows()...,
			),
		),
	)
}

func (c *userList) renderHeader(key, label string) app.UI {
	th := app.Th().Scope("col").Class("col-" + key)
	if !c.session.Caps.OrderBy {
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

func (c *userList) renderRows() []app.UI {
	u := c.users
	switch {
	case c.retry.retrying() && u.Status != statusReady:
		return []app.UI{stateRow("state-error", app.P().Role("status").Text(c.retry.message()),
			app.Button().Type("button").Class("btn").ID("retry-now").Text("Retry now").OnClick(c.retryNow))}
	case u.Status == statusFailed:
		return []app.UI{stateRow("state-error", app.P().Role("alert").Text(u.Err.Message),
			app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.retryNow))}
	case len(u.Users) == 0 && u.Status != statusReady:
		return []app.UI{stateRow("state-loading", app.P().Text("Loading users…"))}
	case len(u.Users) == 0 && c.query.Page > 1:
		q := c.query
		q.Page = 1
		return []app.UI{stateRow("state-empty", app.P().Text("This page is past the end of the list."),
			app.A().Class("btn").Href(q.href()).Text("Go to the first page"))}
	case len(u.Users) == 0 && c.query.filtered():
		return []app.UI{stateRow("state-empty", app.P().Text("No users match these filters."),
			app.A().Class("btn").Href(listQuery{Size: c.query.Size}.href()).Text("Clear filters"))}
	case len(u.Users) == 0:
		return []app.UI{stateRow("state-empty", app.P().Text("No users yet."),
			app.A().Class("btn").Href(link("/users/new")).Text("Create a user"))}
	}
	rows := make([]app.UI, len(u.Users))
	for i, usr := range u.Users {
		rows[i] = userRow(usr)
	}
	return rows
}

// userRow is one user of the table: plain elements, no component, so a page of 100 rows
// stays light.
func userRow(u user) app.UI {
	return app.Tr().Class(classIf(!u.Activated, "inactive")).Body(
		app.Td().Class("col-name").Body(
			app.A().Href(link("/users/"+url.PathEscape(u.ID))).Text(u.displayName()),
		),
		app.Td().Class("col-email").Text(u.Email),
		app.Td().Class("col-role").Body(
			app.Span().Class("badge role-"+strings.ToLower(u.OrganizationRole)).Text(roleLabel(u.OrganizationRole)),
		),
		app.Td().Class("col-status").Body(
			app.Span().Class("badge "+strings.ToLower(statusLabel(u.Activated))).Text(statusLabel(u.Activated)),
		),
		app.Td().Class("col-created").Title(u.CreatedAt).Text(formatDate(u.CreatedAt)),
	)
}

func stateRow(class string, body ...app.UI) app.UI {
	return app.Tr().Class("state-row").Body(
		app.Td().ColSpan(len(columns)).Body(
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
		pageLink("Previous", "prev", prev, q.Page > 1),
		pageLink("Next", "next", next, q.Page < pages),
	)
}

// pageLink is a pager link, rendered inert when there is no such page.
func pageLink(label, rel string, q listQuery, enabled bool) app.UI {
	if !enabled {
		return app.Span().Class("btn is-disabled").Aria("disabled", "true").Text(label)
	}
	return app.A().Class("btn").Rel(rel).Href(q.href()).Text(label)
}

// classIf returns class when cond holds, else "".
func classIf(cond bool, class string) string {
	if cond {
		return class
	}
	return ""
}
