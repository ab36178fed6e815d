package app

import (
	"bytes"
	"context"
	"net/url"
	"time"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"useradmin/server/exportcsv"
)

// The state and actions of the CSV export.
const (
	stateExport        = "export"       // exportState: the export in progress, or the last one
	actionExport       = "exportRun"    // exportRequest
	actionExportCancel = "exportCancel" // nothing: stop following, or stop reading pages
)

// exportPoll is how often the widget reads the progress of a download the directory
// streams; the directory stores it every few thousand rows.
const exportPoll = 500 * time.Millisecond

// exportStall is how long a download may write nothing before the widget stops following
// it: the browser may have blocked it.
const exportStall = 2 * time.Minute

// exportFallbackPage is how many users a request reads where the widget writes the file
// itself; every page becomes a Blob of its own at once, so the page's memory is freed.
const exportFallbackPage = 100

// exportRequest is one export: the users of the list's filters and sort, the columns
// chosen (exportcsv's names), and whether the widget writes the file itself (an endpoint
// without createExport, or a read-only token, which createExport refuses).
type exportRequest struct {
	Query    listQuery
	Columns  []string
	Fallback bool
}

// exportState is how far an export got: Written of Total rows. Running while the widget
// follows it; Done once the file is whole.
type exportState struct {
	Status   status
	Err      *failure
	Running  bool
	Done     bool
	Fallback bool
	Written  int
	Total    int
	Seq      int
}

func (w *Widget) handleExport(ctx app.Context, a app.Action) {
	req, _ := a.Value.(exportRequest)
	seq := w.seqs.next(stateExport)
	run, cancel := context.WithCancel(ctx)
	defer cancel()
	if !w.export.start(cancel) {
		return
	}
	defer w.export.end()
	ctx.SetState(stateExport, exportState{Status: statusLoading, Running: true, Fallback: req.Fallback, Seq: seq})
	st, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateExport, exportState{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	progress := func(s exportState) {
		s.Status, s.Running, s.Fallback, s.Seq = statusLoading, true, req.Fallback, seq
		ctx.SetState(stateExport, s)
	}
	a2 := w.api(c.Endpoint, c.Key)
	var out exportState
	if req.Fallback {
		out = a2.exportInWidget(run, req, st.Caps, newBlobSink(), progress)
	} else {
		out = a2.exportFromDirectory(run, req, func(href string) { startDownload(href, "") }, progress)
	}
	out.Status, out.Seq, out.Fallback = statusReady, seq, req.Fallback
	if out.Err != nil {
		out.Status, out.Err = statusFailed, w.failed(ctx, c, out.Err)
	}
	ctx.SetState(stateExport, out)
}

// handleExportCancel stops the export in progress: the widget stops reading pages, or
// stops following a download, which the browser's downloads then show.
func (w *Widget) handleExportCancel(ctx app.Context, a app.Action) {
	w.export.stop()
}

// ExportColumn is the contract's ExportColumn enum.
type ExportColumn string

// exportEnum is the contract's name of each column.
var exportEnum = map[string]ExportColumn{
	string(exportcsv.Email): "EMAIL", string(exportcsv.Firstname): "FIRSTNAME", string(exportcsv.Lastname): "LASTNAME",
	string(exportcsv.Username): "USERNAME", string(exportcsv.OrganizationRole): "ORGANIZATION_ROLE",
	string(exportcsv.Activated): "ACTIVATED", string(exportcsv.Workspaces): "WORKSPACES",
	string(exportcsv.CreatedAt): "CREATED_AT", string(exportcsv.LastSignedInAt): "LAST_SIGNED_IN_AT",
}

// exportAnswer is the contract's Export as createExport answers it.
type exportAnswer struct {
	ID    string
	URL   string `graphql:"url"`
	Total int
}

// exportProgressAnswer is the contract's Export as export(id) answers it.
type exportProgressAnswer struct {
	Total   int
	Written int
	Done    bool
}

// exportFromDirectory asks the directory for an export, starts its download with a plain
// link (the link's token is its credential: no cookie or header, so it works in a
// cross-site frame), then follows its progress until the file is whole.
func (a api) exportFromDirectory(ctx context.Context, req exportRequest, download func(href string), progress func(exportState)) exportState {
	e, f := a.createExport(ctx, req)
	if f != nil {
		return exportState{Err: f}
	}
	link, err := resolveLink(a.endpoint, e.URL)
	if err != nil {
		return exportState{Err: &failure{Code: codeInternal, Message: "The directory answered a download link the widget cannot read: try again, or tell its administrator."}}
	}
	download(link)
	s := exportState{Total: e.Total}
	progress(s)
	moved := time.Now()
	for {
		select {
		case <-ctx.Done():
			return s
		case <-time.After(exportPoll):
		}
		p, f := a.exportProgress(ctx, e.ID)
		if f != nil {
			if ctx.Err() == nil {
				s.Err = f
			}
			return s
		}
		if p.Written != s.Written {
			moved = time.Now()
		}
		s.Written, s.Total, s.Done = p.Written, max(p.Total, p.Written), p.Done
		if s.Done {
			return s
		}
		if time.Since(moved) > exportStall {
			s.Err = &failure{Code: codeTimeout, Message: "The download has not moved for two minutes: check your browser's downloads, or export again."}
			return s
		}
		progress(s)
	}
}

// createExport asks the directory for an export of req.
func (a api) createExport(ctx context.Context, req exportRequest) (exportAnswer, *failure) {
	cols := make([]ExportColumn, len(req.Columns))
	for i, c := range req.Columns {
		cols[i] = exportEnum[c]
	}
	order := req.Query.orderBy()
	if order == nil {
		order = []UserOrderBy{}
	}
	var m struct {
		E exportAnswer `graphql:"createExport(where: $where, orderBy: $orderBy, columns: $columns)"`
	}
	f := a.mutate(ctx, &m, map[string]any{"where": req.Query.where(), "orderBy": order, "columns": cols})
	return m.E, f
}

// exportProgress reads how far the download of export id went.
func (a api) exportProgress(ctx context.Context, id string) (exportProgressAnswer, *failure) {
	var q struct {
		E exportProgressAnswer `graphql:"export(id: $id)" json:"export"`
	}
	f := a.query(ctx, &q, map[string]any{"id": graphql.ID(id)})
	return q.E, f
}

// resolveLink makes the directory's link, relative to its GraphQL endpoint, absolute.
func resolveLink(endpoint, link string) (string, error) {
	base, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	return base.ResolveReference(ref).String(), nil
}

// fileSink receives the file the widget writes, a part at a time.
type fileSink interface {
	add(part string)
	finish(filename string)
}

// exportInWidget writes the file itself, for an endpoint without createExport: it reads
// the users a page at a time, as the list does, and hands each page to out at once, so
// that the widget never holds more than a page (see blobSink).
func (a api) exportInWidget(ctx context.Context, req exportRequest, caps capabilities, out fileSink, progress func(exportState)) exportState {
	cols := make([]exportcsv.Column, len(req.Columns))
	for i, c := range req.Columns {
		cols[i] = exportcsv.Column(c)
	}
	var buf bytes.Buffer
	w := exportcsv.NewWriter(&buf, cols)
	w.WriteHeader()
	q := req.Query.supported(caps)
	q.Size = exportFallbackPage
	s := exportState{}
	for q.Page = 1; ; q.Page++ {
		if ctx.Err() != nil {
			return s
		}
		page := a.users(ctx, q, caps)
		if page.Err != nil {
			s.Err = page.Err
			return s
		}
		for i, u := range page.Users {
			r := rowOf(u)
			if i < len(page.Extras) {
				addExtras(&r, page.Extras[i])
			}
			w.WriteRow(&r)
		}
		if err := w.Flush(); err != nil {
			s.Err = &failure{Code: codeInternal, Message: "The file could not be written: try again."}
			return s
		}
		out.add(buf.String())
		buf.Reset()
		s.Written += len(page.Users)
		s.Total = max(page.Total, s.Written)
		if len(page.Users) < q.Size {
			break
		}
		progress(s)
	}
	out.finish(exportcsv.Filename(time.Now()))
	s.Done = true
	return s
}

// blobSink makes each part a Blob at once, which the browser keeps outside the page's
// memory; the file is a Blob of those Blobs, downloaded from an object URL.
type blobSink struct {
	parts app.Value
}

func newBlobSink() *blobSink {
	return &blobSink{parts: app.Window().Get("Array").New()}
}

func (b *blobSink) add(part string) {
	b.parts.Call("push", newBlob([]any{part}))
}

func (b *blobSink) finish(filename string) {
	href := app.Window().Get("URL").Call("createObjectURL", newBlob(b.parts)).String()
	startDownload(href, filename)
	// The browser has the file once the download started; the URL is let go a minute on.
	go func() {
		time.Sleep(time.Minute)
		app.Window().Get("URL").Call("revokeObjectURL", href)
	}()
}

// newBlob returns a Blob of parts, as a CSV file.
func newBlob(parts any) app.Value {
	return app.Window().Get("Blob").New(parts, map[string]any{"type": "text/csv;charset=utf-8"})
}

// rowOf is the row of the file of u.
func rowOf(u user) exportcsv.Row {
	created, _ := time.Parse(time.RFC3339Nano, u.CreatedAt)
	return exportcsv.Row{Email: u.Email, Firstname: u.Firstname, Lastname: u.Lastname, OrganizationRole: u.OrganizationRole,
		Activated: u.Activated, CreatedAt: created}
}

// addExtras adds the username, workspaces and last sign-in the list read with u.
func addExtras(r *exportcsv.Row, x userExtras) {
	r.Username = x.Username
	for _, ws := range x.Workspaces {
		r.Workspaces = append(r.Workspaces, ws.Name)
	}
	if t, err := time.Parse(time.RFC3339Nano, x.LastSignedInAt); err == nil {
		r.LastSignedInAt = &t
	}
}

// startDownload opens href as a download, with a hidden link that has the download
// attribute: for a file of the page (a Blob) it names the file; for the directory's link,
// another origin's, the browser takes the name from Content-Disposition.
func startDownload(href, filename string) {
	doc := app.Window().Get("document")
	link := doc.Call("createElement", "a")
	link.Set("href", href)
	link.Set("download", filename)
	link.Set("rel", "noopener")
	link.Get("style").Set("display", "none")
	doc.Get("body").Call("appendChild", link)
	link.Call("click")
	link.Call("remove")
}

// exportColumnsOf are the columns an export can have on an endpoint with caps, in the
// file's order, with their labels.
func exportColumnsOf(caps capabilities) [][2]string {
	cols := [][2]string{
		{string(exportcsv.Email), "Email"}, {string(exportcsv.Firstname), "First name"}, {string(exportcsv.Lastname), "Last name"},
	}
	if caps.userModels() {
		cols = append(cols, [2]string{string(exportcsv.Username), "Username"})
	}
	cols = append(cols, [2]string{string(exportcsv.OrganizationRole), "Role"}, [2]string{string(exportcsv.Activated), "Active"})
	if caps.userModels() {
		cols = append(cols, [2]string{string(exportcsv.Workspaces), "Workspaces"})
	}
	cols = append(cols, [2]string{string(exportcsv.CreatedAt), "Created"})
	if caps.userModels() {
		cols = append(cols, [2]string{string(exportcsv.LastSignedInAt), "Last sign-in"})
	}
	return cols
}

// exportLabel says how far an export got, for the person at the screen.
func exportLabel(s exportState) string {
	switch {
	case s.Done:
		return "Exported " + countRows(s.Written) + "."
	case s.Total == 0 && s.Written == 0:
		return "Starting the export…"
	}
	return "Exporting: " + groupDigits(s.Written) + " of " + countRows(s.Total)
}

func countRows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return groupDigits(n) + " rows"
}

// chosen returns the columns of cols that on says are chosen, in cols' order.
func chosen(cols [][2]string, on map[string]bool) []string {
	var out []string
	for _, c := range cols {
		if on[c[0]] {
			out = append(out, c[0])
		}
	}
	return out
}
