package app

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// exportPanel is the list's "Export CSV" button and the panel it opens: the columns to
// export, the download, and its progress. The file has the users of the list's filters,
// in its sort. The list hands it its query and what the endpoint offers.
type exportPanel struct {
	app.Compo

	Query    listQuery
	Caps     capabilities
	ReadOnly bool // a read-only token: createExport is a write, so the widget writes the file

	open bool
	off  map[string]bool // the columns the person unchecked; all are chosen at first
	st   exportState
}

// OnMount observes the export's state.
func (c *exportPanel) OnMount(ctx app.Context) {
	ctx.ObserveState(stateExport).Value(&c.st)
}

// fallback reports whether the widget writes the file itself.
func (c *exportPanel) fallback() bool { return !c.Caps.Export || c.ReadOnly }

func (c *exportPanel) columns() [][2]string { return exportColumnsOf(c.Caps) }

func (c *exportPanel) chosen() []string {
	on := map[string]bool{}
	for _, col := range c.columns() {
		on[col[0]] = !c.off[col[0]]
	}
	return chosen(c.columns(), on)
}

// Render shows the button, and the panel when open.
func (c *exportPanel) Render() app.UI {
	return app.Div().Class("export").Body(
		app.Button().Type("button").Class("btn btn-ghost").ID("export-csv").
			Aria("expanded", c.open).Aria("controls", "export-panel").Text("Export CSV").OnClick(c.toggle),
		app.If(c.open, c.renderPanel()),
	)
}

func (c *exportPanel) renderPanel() app.UI {
	cols := c.columns()
	n := len(c.chosen())
	return app.Section().Class("export-panel").ID("export-panel").Aria("labelledby", "export-title").Body(
		app.H2().ID("export-title").Text("Export CSV"),
		app.P().Class("hint").Text("The users of the current filters, in the list's order, as a CSV file (UTF-8)."),
		app.FieldSet().Class("export-columns").Body(
			app.Legend().Text("Columns"),
			app.Range(cols).Slice(func(i int) app.UI {
				key := cols[i][0]
				id := "export-col-" + key
				return app.Label().Class("check").For(id).Body(
					app.Input().Type("checkbox").ID(id).Checked(!c.off[key]).
						OnChange(func(ctx app.Context, e app.Event) { c.setColumn(key, ctx.JSSrc().Get("checked").Bool()) }, key),
					app.Text(cols[i][1]),
				)
			}),
		),
		app.If(n == 0, app.P().Class("hint").ID("export-none").Text("Choose at least one column.")),
		app.Div().Class("action-row").Body(
			app.Button().Type("button").Class("btn btn-primary").ID("export-start").Disabled(n == 0 || c.st.Running).
				Text("Download CSV").OnClick(c.start),
			app.If(c.st.Running, app.Button().Type("button").Class("btn").ID("export-stop").Text(c.stopLabel()).OnClick(c.cancel)),
			app.Button().Type("button").Class("btn btn-ghost").ID("export-close").Text("Close").OnClick(c.toggle),
		),
		c.renderProgress(),
	)
}

func (c *exportPanel) stopLabel() string {
	if c.st.Fallback {
		return "Cancel"
	}
	return "Stop following"
}

func (c *exportPanel) renderProgress() app.UI {
	s := c.st
	switch {
	case s.Seq == 0:
		return nil
	case s.Err != nil:
		return app.P().Class("error").ID("export-error").Role("alert").Text(s.Err.Message)
	}
	return app.Div().Class("export-progress").Body(
		app.P().ID("export-status").Role("status").Text(exportLabel(s)),
		app.Progress().ID("export-meter").Aria("labelledby", "export-status").Max(max(s.Total, s.Written, 1)).Value(s.Written),
	)
}

func (c *exportPanel) toggle(ctx app.Context, e app.Event) {
	c.open = !c.open
}

func (c *exportPanel) setColumn(key string, on bool) {
	if c.off == nil {
		c.off = map[string]bool{}
	}
	c.off[key] = !on
}

func (c *exportPanel) start(ctx app.Context, e app.Event) {
	cols := c.chosen()
	if len(cols) == 0 || c.st.Running {
		return
	}
	ctx.NewActionWithValue(actionExport, exportRequest{Query: c.Query, Columns: cols, Fallback: c.fallback()})
}

func (c *exportPanel) cancel(ctx app.Context, e app.Event) {
	ctx.NewAction(actionExportCancel)
}
