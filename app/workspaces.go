package app

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// workspacesPage lists the organization's workspaces (/workspaces) with their member
// counts, and creates, renames and deletes them; deleting one with members asks first,
// naming how many. A member count links to the user list filtered by the workspace.
type workspacesPage struct {
	app.Compo

	w       *Widget
	session sessionState
	list    workspacesState
	write   workspaceWriteState
	baseSeq int

	newName  string
	renaming string // the id of the workspace being renamed
	rename   string
	confirm  string // the id of the workspace whose deletion waits for confirmation
	busy     bool
	notice   string
	err      string
}

// OnMount observes the session, the list and the outcome of its writes.
func (c *workspacesPage) OnMount(ctx app.Context) {
	ctx.ObserveState(stateSession).Value(&c.session)
	ctx.ObserveState(stateWorkspaces).Value(&c.list)
	ctx.ObserveState(stateWorkspaceWrite).OnChange(func() { c.onWrite(ctx) }).Value(&c.write)
	c.baseSeq = c.write.Seq
}

// OnPreRender loads the page as OnNav does.
func (c *workspacesPage) OnPreRender(ctx app.Context) { c.OnNav(ctx) }

// OnNav loads the first page of workspaces.
func (c *workspacesPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Workspaces")
	c.renaming, c.confirm, c.notice, c.err = "", "", "", ""
	c.load(ctx)
}

func (c *workspacesPage) load(ctx app.Context) {
	ctx.NewActionWithValue(actionLoadWorkspaces, workspacesQuery{Page: 1})
}

func (c *workspacesPage) onWrite(ctx app.Context) {
	if c.write.Seq <= c.baseSeq {
		return
	}
	c.busy = c.write.Status == statusLoading
	switch c.write.Status {
	case statusFailed:
		c.notice, c.err = "", c.write.Err.Message
	case statusReady:
		c.notice, c.err = c.write.Notice, ""
		switch c.write.Write.Kind {
		case "create":
			c.newName = ""
			setInputs(ctx, map[string]string{"workspace-name": ""})
		case "rename":
			id := c.renaming
			c.renaming = ""
			deferOn(ctx, c, func(app.Context) { focusByID("rename-" + id) })
		case "delete":
			c.confirm = ""
			deferOn(ctx, c, func(app.Context) { focusByID("workspace-name") })
		}
		c.load(ctx)
	}
}

func (c *workspacesPage) send(ctx app.Context, req workspaceWrite) {
	if c.busy {
		return
	}
	c.busy = true
	ctx.NewActionWithValue(actionWorkspaceWrite, req)
}

func (c *workspacesPage) onNewName(ctx app.Context, e app.Event) {
	c.newName = ctx.JSSrc().Get("value").String()
}

func (c *workspacesPage) onCreate(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if strings.TrimSpace(c.newName) == "" {
		c.err, c.notice = "Name the workspace first.", ""
		focusByID("workspace-name")
		return
	}
	c.send(ctx, workspaceWrite{Kind: "create", Name: c.newName})
}

func (c *workspacesPage) startRename(w workspaceItem) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.renaming, c.rename, c.confirm = w.ID, w.Name, ""
		deferOn(ctx, c, func(app.Context) { focusByID("rename-input") })
	}
}

func (c *workspacesPage) onRenameInput(ctx app.Context, e app.Event) {
	c.rename = ctx.JSSrc().Get("value").String()
}

func (c *workspacesPage) onRename(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.send(ctx, workspaceWrite{Kind: "rename", ID: c.renaming, Name: c.rename})
}

func (c *workspacesPage) cancel(ctx app.Context, e app.Event) {
	id := c.renaming + c.confirm
	prefix := "rename-"
	if c.confirm != "" {
		prefix = "delete-"
	}
	c.renaming, c.confirm = "", ""
	deferOn(ctx, c, func(app.Context) { focusByID(prefix + id) })
}

func (c *workspacesPage) askDelete(w workspaceItem) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if w.MemberCount != nil && *w.MemberCount == 0 {
			c.send(ctx, workspaceWrite{Kind: "delete", ID: w.ID, Name: w.Name})
			return
		}
		c.confirm, c.renaming = w.ID, ""
		deferOn(ctx, c, func(app.Context) { focusByID("delete-cancel") })
	}
}

func (c *workspacesPage) onKeyDown(ctx app.Context, e app.Event) {
	if isEscape(e) && (c.confirm != "" || c.renaming != "") {
		c.cancel(ctx, e)
	}
}

func (c *workspacesPage) retry(ctx app.Context, e app.Event) { c.load(ctx) }

// Render shows the page.
func (c *workspacesPage) Render() app.UI {
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content").ID("main").OnKeyDown(c.onKeyDown).Body(
			app.A().Class("back").Href(c.w.link("/")).Text("← Users"),
			app.Div().Class("page-head").Body(
				app.H1().Text("Workspaces"),
				app.If(c.list.Status == statusReady,
					app.P().Class("user-count").Text(groupDigits(c.list.Total)+" workspace"+plural(c.list.Total, "s")),
				),
			),
			c.renderCreate(),
			banner("error", c.err),
			banner("success", c.notice),
			c.renderTable(),
		),
	)
}

// renderCreate is the form that makes a workspace; none in a READ_ONLY view, which the
// directory would refuse.
func (c *workspacesPage) renderCreate() app.UI {
	if c.session.readOnly() {
		return app.Text("")
	}
	return app.Form().Class("toolbar").Aria("label", "New workspace").OnSubmit(c.onCreate).Body(
		app.Div().Class("field").Body(
			app.Label().For("workspace-name").Text("New workspace"),
			app.Input().Type("text").ID("workspace-name").Name("name").MaxLength(100).
				AutoComplete(false).Placeholder("e.g. Annotators").OnInput(c.onNewName),
		),
		app.Button().Type("submit").Class("btn btn-primary").ID("create-workspace").Disabled(c.busy).Text("Create"),
	)
}

var workspaceColumns = [][2]string{{"name", "Name"}, {"members", "Members"}, {"created", "Created"}, {"actions", "Actions"}}

// columns are the table's columns: a READ_ONLY view has no actions.
func (c *workspacesPage) columns() [][2]string {
	if c.session.readOnly() {
		return workspaceColumns[:3]
	}
	return workspaceColumns
}

func (c *workspacesPage) renderTable() app.UI {
	l := c.list
	var body app.UI
	switch {
	case l.Status == statusFailed:
		body = c.stateRow(app.P().Role("alert").Text(l.Err.Message),
			app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.retry))
	case len(l.Items) == 0 && l.Status != statusReady:
		body = c.stateRow(app.P().Text("Loading workspaces…"))
	case len(l.Items) == 0 && c.session.readOnly():
		body = c.stateRow(app.P().Text("No workspaces yet."))
	case len(l.Items) == 0:
		body = c.stateRow(app.P().Text("No workspaces yet: name one above to group users."))
	default:
		rows := make([]app.UI, len(l.Items))
		for i, w := range l.Items {
			rows[i] = c.renderWorkspace(w)
		}
		body = app.TBody().Class("workspace-rows").Body(rows...)
	}
	columns := c.columns()
	heads := make([]app.UI, len(columns))
	for i, col := range columns {
		heads[i] = app.Th().Scope("col").Class("col-" + col[0]).Text(col[1])
	}
	more := app.UI(app.Text(""))
	if l.Status == statusReady && l.Total > len(l.Items) {
		more = app.P().Class("muted").Text("The first " + strconv.Itoa(len(l.Items)) + " of " + groupDigits(l.Total) + " workspaces, by name.")
	}
	return app.Div().Class("table-wrap").Body(
		app.Table().Class("users workspaces").Aria("busy", strconv.FormatBool(l.Status == statusLoading)).Body(
			app.THead().Body(app.Tr().Body(heads...)),
			body,
		),
		more,
	)
}

// stateRow is the table's one row when it shows no workspaces.
func (c *workspacesPage) stateRow(body ...app.UI) app.UI {
	return app.TBody().Body(app.Tr().Class("state-row").Body(
		app.Td().ColSpan(len(c.columns())).Body(app.Div().Class("state").Body(body...)),
	))
}

// renderWorkspace is the row of a workspace: its name (or the rename form), its members
// (a link to them in the user list), when it was made, and its actions. The handlers'
// scopes hold what they read of the workspace: go-app keeps a handler while its scope is
// the same, so that after a rename or a change of members, one scoped by id alone would
// act on the workspace as it was.
func (c *workspacesPage) renderWorkspace(w workspaceItem) app.UI {
	name := app.UI(app.Text(w.Name))
	if c.renaming == w.ID {
		name = app.Form().Class("inline-form").Aria("label", "Rename "+w.Name).OnSubmit(c.onRename).Body(
			app.Label().For("rename-input").Class("visually-hidden").Text("New name of "+w.Name),
			app.Input().Type("text").ID("rename-input").MaxLength(100).Value(c.rename).OnInput(c.onRenameInput),
			app.Button().Type("submit").Class("btn btn-primary").ID("rename-save").Disabled(c.busy).Text("Save"),
			app.Button().Type("button").Class("btn").Text("Cancel").OnClick(c.cancel),
		)
	}
	var actions app.UI
	if c.confirm == w.ID {
		label := "Delete “" + w.Name + "” and take its " + w.members() + " out of it? They stay in the directory."
		actions = app.Div().Class("confirm-inline").Role("group").Aria("label", label).Body(
			app.Span().Text("Delete it and its "+w.members()+"?"),
			app.Button().Type("button").Class("btn btn-danger").ID("delete-confirm").Disabled(c.busy).Text("Delete").
				OnClick(func(ctx app.Context, e app.Event) {
					c.send(ctx, workspaceWrite{Kind: "delete", ID: w.ID, Name: w.Name, Force: true})
				}, "force", w.ID, w.Name),
			app.Button().Type("button").Class("btn").ID("delete-cancel").Text("Cancel").OnClick(c.cancel),
		)
	} else {
		actions = app.Div().Class("row-actions").Body(
			app.If(!c.session.readOnly(),
				app.Button().Type("button").Class("btn").ID("rename-"+w.ID).Aria("label", "Rename "+w.Name).
					Disabled(c.busy).Text("Rename").OnClick(c.startRename(w), "rename", w.ID, w.Name),
			),
			// A portal's NO_DELETE or READ_ONLY token may not delete: the directory refuses it.
			app.If(c.session.mayRemove(),
				app.Button().Type("button").Class("btn btn-danger").ID("delete-"+w.ID).Aria("label", "Delete "+w.Name).
					Disabled(c.busy).Text("Delete").OnClick(c.askDelete(w), "delete", w.ID, w.Name, w.members()),
			),
		)
	}
	members := app.UI(app.Text(w.members()))
	if w.MemberCount != nil {
		members = app.A().Href(c.w.listHref(listQuery{Workspace: w.ID})).Aria("label", w.members()+" of "+w.Name).Text(w.members())
	}
	return app.Tr().ID("workspace-"+w.ID).Body(
		app.Td().Class("col-name").Body(name),
		app.Td().Class("col-members").Body(members),
		app.Td().Class("col-created").Title(formatTime(w.CreatedAt)).Text(formatDate(w.CreatedAt)),
		app.If(!c.session.readOnly(), app.Td().Class("col-actions").Body(actions)),
	)
}

// workspaceFinder is the search box of a workspace picker (the list's filter, the bulk
// bar, the user page's membership): the pickers offer the first workspacesPageSize
// workspaces by name, and where the organization has more, typing part of a name reads
// the ones that match, so that every workspace can be reached. It shows only when there
// are more than the picker holds, or a search is on. Compact, it is a field of the
// list's toolbar, its note in the box's title.
func workspaceFinder(id string, ws workspacesState, compact bool) app.UI {
	if ws.Query.Search == "" && ws.Total <= len(ws.Items) {
		return nil
	}
	return &finderBox{ID: id, Search: ws.Query.Search, Shown: len(ws.Items), Total: ws.Total, Ready: ws.Status == statusReady, Compact: compact}
}

// finderBox is workspaceFinder's box: a component, so that what is typed stays as typed
// while the searches it sends come back (the box follows the search only until the
// person types).
type finderBox struct {
	app.Compo

	ID      string
	Search  string // the search the pickers show
	Shown   int
	Total   int
	Ready   bool
	Compact bool

	typed   string
	touched bool
}

func (c *finderBox) onInput(ctx app.Context, e app.Event) {
	c.typed, c.touched = ctx.JSSrc().Get("value").String(), true
	ctx.NewActionWithValue(actionLoadWorkspaces, workspacesQuery{Page: 1, Search: c.typed})
}

func (c *finderBox) Render() app.UI {
	value := c.Search
	if c.touched {
		value = c.typed
	}
	note := ""
	if c.Ready && c.Total > c.Shown {
		note = "Showing " + strconv.Itoa(c.Shown) + " of " + groupDigits(c.Total) + ": type part of a name to find the others."
	}
	return app.Div().Class(classIf(c.Compact, "field")+" workspace-finder").Body(
		app.Label().For(c.ID).Text("Find a workspace"),
		app.Input().Type("search").ID(c.ID).MaxLength(200).AutoComplete(false).
			Placeholder("Part of its name").Title(note).Value(value).OnInput(c.onInput),
		app.If(note != "" && !c.Compact, app.P().Class("muted").Text(note)),
	)
}
