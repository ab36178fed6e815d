package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and actions of the import page.
const (
	stateImport        = "import"       // importState: the preview or import in progress, or the last one
	actionImport       = "importRun"    // importRequest
	actionImportCancel = "importCancel" // nothing: stop after the current batch
)

// importBatch is how many rows one importUsers request holds: the directory's most,
// which it imports in well under a second.
const importBatch = 500

// ImportMode and ImportExisting are the contract's enums of importUsers.
type (
	ImportMode     string
	ImportExisting string
)

// importRequest is a preview (DryRun) or an import of the file's rows.
type importRequest struct {
	Rows     []ImportRow
	Mode     string // CREATE or INVITE
	Existing string // SKIP or UPDATE
	DryRun   bool
	Batch    int // rows per request; 0: importBatch
}

// importResult is what one row came to, as importUsers answers it.
type importResult struct {
	Line    int     `graphql:"line"`
	Email   string  `graphql:"email"`
	Outcome string  `graphql:"outcome"`
	Message string  `graphql:"message"`
	Link    *string `graphql:"link"`
	Mailed  bool    `graphql:"mailed"`
}

// importState is how far a preview or an import got: Done of Total rows answered, each
// result in the order of the file. Cancelled when the person stopped it, with the
// batches sent until then imported.
type importState struct {
	Status    status
	Err       *failure
	DryRun    bool
	Running   bool
	Cancelled bool
	Done      int
	Total     int
	Results   []importResult
	Counts    map[string]int // results by outcome
	Seq       int
}

func (w *Widget) handleImport(ctx app.Context, a app.Action) {
	req, _ := a.Value.(importRequest)
	seq := w.seqs.next(stateImport)
	run, cancel := context.WithCancel(ctx)
	defer cancel()
	if !w.imports.start(cancel) {
		return
	}
	defer w.imports.end()
	ctx.SetState(stateImport, importState{Status: statusLoading, DryRun: req.DryRun, Running: true, Total: len(req.Rows), Seq: seq})
	_, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateImport, importState{Status: statusFailed, Err: f, DryRun: req.DryRun, Seq: seq})
		return
	}
	last := time.Time{}
	out := w.api(c.Endpoint, c.Key).runImport(run, req, func(s importState) {
		if time.Since(last) >= 200*time.Millisecond {
			last = time.Now()
			s.Status, s.Running, s.Seq = statusLoading, true, seq
			ctx.SetState(stateImport, s)
		}
	})
	out.Status, out.Seq = statusReady, seq
	if out.Err != nil {
		unsure := "the rows above were answered; the last batch may have been imported: preview the file again to see."
		if req.DryRun {
			unsure = "nothing was imported."
		}
		out.Status, out.Err = statusFailed, writeFailure(w.failed(ctx, c, out.Err), unsure)
	}
	ctx.SetState(stateImport, out)
}

// handleImportCancel stops the run in progress after its current batch.
func (w *Widget) handleImportCancel(ctx app.Context, a app.Action) {
	w.imports.stop()
}

// runImport sends req's rows a batch at a time, calling progress after each; cancelling
// ctx stops it between two batches.
func (a api) runImport(ctx context.Context, req importRequest, progress func(importState)) importState {
	s := importState{DryRun: req.DryRun, Total: len(req.Rows), Counts: map[string]int{}}
	if req.Batch <= 0 {
		req.Batch = importBatch
	}
	for start := 0; start < len(req.Rows) && ctx.Err() == nil; start += req.Batch {
		rows := req.Rows[start:min(start+req.Batch, len(req.Rows))]
		results, f := a.importStep(ctx, rows, req)
		if f != nil {
			if ctx.Err() == nil {
				s.Err = f
			}
			break
		}
		for _, r := range results {
			s.Counts[r.Outcome]++
		}
		s.Results = append(s.Results, results...)
		s.Done += len(rows)
		progress(s)
	}
	s.Cancelled = ctx.Err() != nil
	return s
}

// importStep sends one batch to importUsers.
func (a api) importStep(ctx context.Context, rows []ImportRow, req importRequest) ([]importResult, *failure) {
	var m struct {
		Results []importResult `graphql:"importUsers(rows: $rows, mode: $mode, existing: $existing, dryRun: $dryRun)"`
	}
	vars := map[string]any{"rows": rows, "mode": ImportMode(req.Mode), "existing": ImportExisting(req.Existing),
		"dryRun": graphql.Boolean(req.DryRun)}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return nil, f
	}
	return m.Results, nil
}

// importResultsCSV is the per-row result to download: line, email, outcome, message and
// link, in the order of the file. Cells a spreadsheet would take for a formula are made
// inert, as the export makes them.
func importResultsCSV(results []importResult) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"line", "email", "outcome", "message", "link"})
	for _, r := range results {
		link := ""
		if r.Link != nil {
			link = *r.Link
		}
		w.Write([]string{strconv.Itoa(r.Line), inert(r.Email), r.Outcome, inert(r.Message), inert(link)})
	}
	w.Flush()
	return "\ufeff" + b.String()
}

// inert puts a quote before a cell that starts as a formula would.
func inert(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// importable is how many rows of a preview the import would write or leave as they are:
// every row but the failed ones.
func (s importState) importable() int {
	return s.Done - s.Counts["FAILED"]
}
