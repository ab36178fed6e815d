package app

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// importPage imports users from a CSV file (/import), for an ADMIN: the file is read in
// the browser (import_parse.go), every row is checked by the directory in a dry run and
// the preview shows each row it would refuse and why; then the rows are imported, a
// batch per request, with progress, and the result of every row can be downloaded as CSV.
// Changing a choice previews again.
type importPage struct {
	app.Compo

	w       *Widget
	session sessionState
	run     importState
	baseSeq int

	fileName string
	fileErr  string
	reading  bool
	rows     []ImportRow
	ignored  []string
	mode     string // CREATE or INVITE
	existing string // SKIP or UPDATE
	download string // the object URL of the result's CSV
}

// importListed is how many results the page lists: those that failed first.
const importListed = 200

// OnMount observes the session and the run.
func (c *importPage) OnMount(ctx app.Context) {
	ctx.ObserveState(stateSession).Value(&c.session)
	ctx.ObserveState(stateImport).OnChange(func() { c.onRun(ctx) }).Value(&c.run)
	c.baseSeq = c.run.Seq
}

// OnNav titles the page.
func (c *importPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Import users")
}

// OnDismount frees the download; a run in progress goes on, and its state is there on return.
func (c *importPage) OnDismount() {
	c.freeDownload()
}

func (c *importPage) ours() bool { return c.run.Seq > c.baseSeq }

func (c *importPage) onRun(ctx app.Context) {
	if !c.ours() || c.run.Running {
		return
	}
	if !c.run.DryRun && c.run.Status == statusReady {
		c.makeDownload()
		deferOn(ctx, c, func(app.Context) { focusByID("import-result") })
	}
	if c.run.DryRun && c.run.Status == statusReady {
		deferOn(ctx, c, func(app.Context) { focusByID("import-preview") })
	}
}

// onFile reads the file chosen: its size first, then its bytes, parsed off the UI's turn.
func (c *importPage) onFile(ctx app.Context, e app.Event) {
	files := ctx.JSSrc().Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	file := files.Index(0)
	c.reset()
	c.fileName = file.Get("name").String()
	if msg := checkImportSize(int64(file.Get("size").Float())); msg != "" {
		c.fileErr = msg
		return
	}
	c.reading = true
	var done, failed app.Func
	release := func() { done.Release(); failed.Release() }
	done = app.FuncOf(func(this app.Value, args []app.Value) any {
		defer release()
		buf := app.Window().Get("Uint8Array").New(args[0])
		data := make([]byte, buf.Length())
		app.CopyBytesToGo(data, buf)
		ctx.Async(func() {
			f, msg := parseImport(data)
			ctx.Dispatch(func(ctx app.Context) { c.onParsed(ctx, f, msg) })
		})
		return nil
	})
	failed = app.FuncOf(func(this app.Value, args []app.Value) any {
		defer release()
		ctx.Dispatch(func(ctx app.Context) {
			c.reading, c.fileErr = false, "This file could not be read: choose it again, or save a copy and choose that."
		})
		return nil
	})
	file.Call("arrayBuffer").Call("then", done, failed)
}

func (c *importPage) onParsed(ctx app.Context, f importFile, msg string) {
	c.reading = false
	if msg != "" {
		c.fileErr = msg
		deferOn(ctx, c, func(app.Context) { focusByID("import-file") })
		return
	}
	c.rows, c.ignored = f.Rows, f.Ignored
	c.preview(ctx)
}

func (c *importPage) reset() {
	c.fileErr, c.rows, c.ignored = "", nil, nil
	c.freeDownload()
	c.baseSeq = c.run.Seq
}

func (c *importPage) preview(ctx app.Context) {
	c.freeDownload()
	ctx.NewActionWithValue(actionImport, importRequest{Rows: c.rows, Mode: c.mode, Existing: c.existing, DryRun: true})
}

func (c *importPage) choose(field *string, value string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if *field == value || c.run.Running {
			return
		}
		*field = value
		if len(c.rows) > 0 {
			c.preview(ctx)
		}
	}
}

func (c *importPage) onImport(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.run.Running || len(c.rows) == 0 {
		return
	}
	ctx.NewActionWithValue(actionImport, importRequest{Rows: c.rows, Mode: c.mode, Existing: c.existing})
}

func (c *importPage) onCancel(ctx app.Context, e app.Event) { ctx.NewAction(actionImportCancel) }

func (c *importPage) onKeyDown(ctx app.Context, e app.Event) {
	if isEscape(e) && c.run.Running {
		c.onCancel(ctx, e)
	}
}

// makeDownload makes the result's CSV a file to download; an object URL works in a
// portal's frame, where a navigation to a data: URL may be refused.
func (c *importPage) makeDownload() {
	c.freeDownload()
	if app.IsServer {
		return
	}
	blob := app.Window().Get("Blob").New([]any{importResultsCSV(c.run.Results)}, map[string]any{"type": "text/csv;charset=utf-8"})
	c.download = app.Window().Get("URL").Call("createObjectURL", blob).String()
}

func (c *importPage) freeDownload() {
	if c.download != "" && !app.IsServer {
		app.Window().Get("URL").Call("revokeObjectURL", c.download)
	}
	c.download = ""
}

// Render shows the page.
func (c *importPage) Render() app.UI {
	allowed := c.session.Status != statusReady || c.session.Caps.Import && c.session.Viewer.OrganizationRole == "ADMIN" && !c.session.readOnly()
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content content-narrow").ID("main").OnKeyDown(c.onKeyDown).Body(
			app.A().Class("back").Href(c.w.link("/")).Text("← Users"),
			app.Div().Class("page-head").Body(app.H1().Text("Import users")),
			app.If(!allowed, banner("error", "This directory does not import users, or you are not an admin of it: add people one at a time, or invite them.")),
			app.If(allowed, c.renderForm(), c.renderRun()),
		),
	)
}

func (c *importPage) renderForm() app.UI {
	busy := c.run.Running && c.ours() || c.reading
	return app.Form().Class("card form import-form").Aria("label", "Import users from a CSV file").OnSubmit(c.onImport).Body(
		app.Div().Class("field").Body(
			app.Label().For("import-file").Text("CSV file"),
			app.Input().Type("file").ID("import-file").Name("file").Accept(".csv,text/csv").Disabled(busy).
				Aria("describedby", "import-file-hint").Aria("invalid", strconv.FormatBool(c.fileErr != "")).OnChange(c.onFile),
			app.P().Class("field-hint").ID("import-file-hint").Text(
				"A header line, then one line per person: email (required), firstname, lastname, username, organizationRole (ADMIN or USER), "+
					"activated (true or false), workspaces (names separated by ;). A file exported from the user list imports as it is. UTF-8, up to 10 MB."),
		),
		app.If(c.fileErr != "", app.P().Class("error").Role("alert").ID("import-file-error").Text(c.fileErr)),
		app.If(c.reading, app.P().Role("status").Text("Reading "+c.fileName+"…")),
		app.FieldSet().Class("import-choice").Body(
			app.Legend().Text("People not in the directory"),
			radio("import-mode", "mode-create", "CREATE", c.mode, "Create their accounts (each gets a link to choose a password)", busy, c.choose(&c.mode, "CREATE")),
			radio("import-mode", "mode-invite", "INVITE", c.mode, "Invite them by email (an invitation keeps the address and role)", busy, c.choose(&c.mode, "INVITE")),
		),
		app.FieldSet().Class("import-choice").Body(
			app.Legend().Text("People already in your organization"),
			radio("import-existing", "existing-skip", "SKIP", c.existing, "Leave them as they are", busy, c.choose(&c.existing, "SKIP")),
			radio("import-existing", "existing-update", "UPDATE", c.existing, "Update them to the file (workspaces are added, none removed)", busy, c.choose(&c.existing, "UPDATE")),
		),
	)
}

// radio is one choice of a group.
func radio(name, id, value, current, label string, disabled bool, onChange app.EventHandler) app.UI {
	return app.Div().Class("radio").Body(
		app.Input().Type("radio").ID(id).Name(name).Value(value).Checked(current == value).Disabled(disabled).OnChange(onChange, current),
		app.Label().For(id).Text(label),
	)
}

func (c *importPage) renderRun() app.UI {
	r := c.run
	if !c.ours() || len(c.rows) == 0 && r.Status != statusFailed {
		return app.Text("")
	}
	verb := "Importing"
	if r.DryRun {
		verb = "Checking"
	}
	if r.Running {
		return app.Section().Class("card import-progress").ID("import-progress").Aria("label", verb+" the file").Body(
			app.Label().For("import-meter").Role("status").Text(verb+" "+c.fileName+": "+groupDigits(r.Done)+" of "+groupDigits(r.Total)+" rows"),
			app.Progress().ID("import-meter").Max(max(r.Total, 1)).Value(r.Done),
			app.Button().Type("button").Class("btn").ID("import-cancel").Text("Cancel").OnClick(c.onCancel),
		)
	}
	if r.DryRun {
		return c.renderPreview()
	}
	return c.renderResult()
}

// outcomeOrder and outcomeWords are how the summaries count the outcomes, for a preview
// (what would happen) and for the import.
var (
	outcomeOrder = []string{"CREATED", "INVITED", "UPDATED", "UNCHANGED", "SKIPPED", "FAILED"}
	outcomeWords = map[string][2]string{
		"CREATED": {"to create", "created"}, "INVITED": {"to invite", "invited"}, "UPDATED": {"to update", "updated"},
		"UNCHANGED": {"already as the file says", "already as the file says"}, "SKIPPED": {"to leave as they are", "left as they were"},
		"FAILED": {"with an error", "not imported"},
	}
)

func (r importState) summary() string {
	tense := 1
	if r.DryRun {
		tense = 0
	}
	var parts []string
	for _, o := range outcomeOrder {
		if n := r.Counts[o]; n > 0 {
			parts = append(parts, groupDigits(n)+" "+outcomeWords[o][tense])
		}
	}
	return strings.Join(parts, " · ")
}

func (c *importPage) renderPreview() app.UI {
	r := c.run
	head := "Preview of " + c.fileName + ": " + groupDigits(r.Done) + " rows"
	n := r.importable()
	return app.Section().Class("card import-preview").ID("import-preview").TabIndex(-1).Aria("labelledby", "import-preview-title").Body(
		app.H2().ID("import-preview-title").Text(head),
		app.P().Role("status").ID("import-summary").Text(r.summary()+". Nothing is written until you import."),
		app.If(len(c.ignored) > 0, app.P().Class("muted").Text("Columns not read: "+strings.Join(c.ignored, ", ")+".")),
		app.If(r.Err != nil, app.P().Class("error").Role("alert").Text(errText(r.Err))),
		app.If(r.Cancelled, app.P().Class("muted").Text("Preview stopped: choose the file again to check every row.")),
		c.renderTable(r.Results, "Rows with errors", true),
		app.Div().Class("form-actions").Body(
			app.Button().Type("button").Class("btn btn-primary").ID("import-run").Disabled(n == 0 || r.Err != nil || r.Cancelled).
				Text("Import "+groupDigits(n)+" row"+plural(n, "s")).OnClick(c.onImport),
			app.If(r.Counts["FAILED"] > 0, app.Span().Class("muted").Text("Rows with an error are left out: fix them in the file and import it again.")),
		),
	)
}

func (c *importPage) renderResult() app.UI {
	r := c.run
	status := "Imported " + c.fileName + ": " + r.summary() + "."
	if r.Cancelled {
		status += " Cancelled after " + groupDigits(r.Done) + " of " + groupDigits(r.Total) + " rows: the others were not imported."
	}
	return app.Section().Class("card import-result").ID("import-result").TabIndex(-1).Aria("labelledby", "import-result-title").Body(
		app.H2().ID("import-result-title").Text("Result"),
		app.P().Role("status").ID("import-result-summary").Text(status),
		app.If(r.Err != nil, app.P().Class("error").Role("alert").Text(errText(r.Err))),
		app.If(c.download != "",
			app.A().Class("btn").ID("import-download").Href(c.download).Attr("download", "import-result.csv").
				Text("Download the result of every row (CSV)"),
		),
		app.If(r.Counts["CREATED"] > 0, app.P().Class("muted").Text(
			"The result holds each new user's link to choose a password: hand it over, and keep the file safe. Once a link expires, issue a new one from the user's page.")),
		c.renderTable(r.Results, "Rows", false),
	)
}

// renderTable lists up to importListed results, those that failed first; onlyFailed
// lists those alone.
func (c *importPage) renderTable(results []importResult, caption string, onlyFailed bool) app.UI {
	var listed []importResult
	for _, r := range results {
		if r.Outcome == "FAILED" && len(listed) < importListed {
			listed = append(listed, r)
		}
	}
	if !onlyFailed {
		for _, r := range results {
			if r.Outcome != "FAILED" && len(listed) < importListed {
				listed = append(listed, r)
			}
		}
	}
	if len(listed) == 0 {
		return app.Text("")
	}
	more := app.UI(app.Text(""))
	if total := c.run.Counts["FAILED"]; onlyFailed && total > len(listed) || !onlyFailed && len(results) > len(listed) {
		more = app.P().Class("muted").Text("The first " + groupDigits(len(listed)) + " are listed; the downloaded result has every row.")
	}
	// The region scrolls sideways on a narrow screen: it takes the focus, so that the
	// keyboard scrolls it too.
	return app.Div().Class("table-wrap").TabIndex(0).Role("region").Aria("label", caption).Body(
		app.Table().Class("users import-rows").Body(
			app.Caption().Class("visually-hidden").Text(caption),
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text("Line"), app.Th().Scope("col").Text("Email"),
				app.Th().Scope("col").Text("Outcome"), app.Th().Scope("col").Text("Message"),
			)),
			app.TBody().Body(app.Range(listed).Slice(func(i int) app.UI {
				r := listed[i]
				return app.Tr().Class("import-row").Body(
					app.Td().Text(strconv.Itoa(r.Line)), app.Td().Class("col-email").Text(r.Email),
					app.Td().Body(app.Span().Class(outcomeBadge(r.Outcome)).Text(strings.ToLower(r.Outcome))),
					app.Td().Class("import-message").Text(r.Message),
				)
			})),
		),
		more,
	)
}

func outcomeBadge(o string) string {
	switch o {
	case "CREATED", "INVITED", "UPDATED":
		return "badge active"
	case "FAILED":
		return "badge failed"
	}
	return "badge"
}
