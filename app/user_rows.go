package app

import (
	"html"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// userRows is the table's body when it shows users. It is a component of its own so that
// what else changes on the page (loading the next page, the count, the session, the
// search box) does not build and compare its rows again: go-app renders a component only
// when its exported fields change.
//
// Its rows are written as HTML rather than built as go-app elements. Each element go-app
// mounts or updates is one or more calls from the wasm into JavaScript (create, set an
// attribute, set a text, append): about 80 per row, 8,000 for a page of 100, which made a
// page's rows take 80–130 ms to appear. Written as HTML, a page is one call and the
// browser's own parser. After the first write only the cells that changed are written
// again, so a live update of one user leaves the focus and the other rows alone.
type userRows struct {
	app.Compo

	Users  []user
	Extras []userExtras // with the usernames, last sign-in and workspaces extension
	Prefix string       // the widget's path prefix, which the links carry
	// List, when set, gives each row a checkbox for its selection; Version is the
	// selection's, so that the checkboxes follow it when it changes.
	List    *userList
	Version int
	// Owner is the list that shows these rows: it writes a new page in them as soon as
	// the page arrives (userList.writeRowsNow).
	Owner *userList

	shown   [][]string // per row, its class and its cells as last written
	checked []bool     // per row, the state last given to its checkbox
}

// Render is the table's body; OnMount and OnUpdate write its rows.
func (r *userRows) Render() app.UI {
	return app.TBody().Class("user-rows").OnChange(r.onChange)
}

// OnMount writes the first rows, and tells the list they are shown.
func (r *userRows) OnMount(ctx app.Context) {
	if r.Owner != nil {
		r.Owner.rows = r
	}
	r.write()
}

// OnDismount tells the list the rows are gone.
func (r *userRows) OnDismount() {
	if r.Owner != nil && r.Owner.rows == r {
		r.Owner.rows = nil
	}
}

// OnUpdate writes what changed in the rows.
func (r *userRows) OnUpdate(ctx app.Context) { r.write() }

// write brings the DOM's rows to what the fields say: all of them when the rows are new
// (another page, another search), else the cells that differ; then the checkboxes.
func (r *userRows) write() {
	if app.IsServer {
		return
	}
	rows := r.rows(time.Now())
	body := r.JSValue()
	if changed := changedRows(r.shown, rows); changed == len(rows) || len(rows) != len(r.shown) {
		body.Set("innerHTML", rowsHTML(rows))
		r.checked = make([]bool, len(rows))
	} else if changed > 0 {
		r.writeChangedCells(body.Get("rows"), rows)
	}
	r.shown = rows
	r.writeChecked(body.Get("rows"))
}

// writeChecked sets the checkboxes whose state differs from the selection's.
func (r *userRows) writeChecked(trs app.Value) {
	if r.List == nil {
		return
	}
	for i, u := range r.Users {
		if on := r.List.sel.all || r.List.sel.has(u.ID); on != r.checked[i] {
			trs.Index(i).Get("cells").Index(0).Get("firstElementChild").Set("checked", on)
			r.checked[i] = on
		}
	}
}

// onChange is a row's checkbox, heard on the body: the list changes its selection and
// shows its bar.
func (r *userRows) onChange(ctx app.Context, e app.Event) {
	box := e.Get("target")
	id, ok := strings.CutPrefix(box.Get("id").String(), "select-")
	if !ok || r.List == nil {
		return
	}
	for i, u := range r.Users {
		if u.ID == id {
			on := box.Get("checked").Bool()
			r.checked[i] = on
			r.List.onSelectRow(u.ID, u.Email, on)
			r.List.Update()
			return
		}
	}
}

// rows is each row's class and cells, in the order of the table's columns.
func (r *userRows) rows(now time.Time) [][]string {
	rows := make([][]string, len(r.Users))
	for i, u := range r.Users {
		row := make([]string, 0, 11)
		row = append(row, classIf(!u.Activated, "inactive"))
		if r.List != nil {
			row = append(row, selectCell(u.ID, u.displayName()))
		}
		if i < len(r.Extras) {
			rows[i] = modelCells(row, r.Prefix, u, r.Extras[i], now)
		} else {
			rows[i] = userCells(row, r.Prefix, u)
		}
	}
	return rows
}

// userCells appends the cells of one user; the name's link carries the widget's prefix.
func userCells(row []string, prefix string, u user) []string {
	return append(row,
		nameCell(prefix, u),
		textCell("col-email", "", u.Email),
		badgeCell("col-role", roleBadge(u.OrganizationRole), roleLabel(u.OrganizationRole)),
		badgeCell("col-status", statusBadge(u.Activated), statusLabel(u.Activated)),
		textCell("col-created", u.CreatedAt, formatDate(u.CreatedAt)),
	)
}

// modelCells appends the cells of one user with the usernames, last sign-in and
// workspaces extension.
func modelCells(row []string, prefix string, u user, x userExtras, now time.Time) []string {
	signIn, exact := "Never", "Never signed in"
	if x.LastSignedInAt != "" {
		signIn, exact = relativeTime(x.LastSignedInAt, now), formatTime(x.LastSignedInAt)
	}
	return append(row,
		nameCell(prefix, u),
		textCell("col-username", "", x.Username),
		textCell("col-email", "", u.Email),
		badgeCell("col-role", roleBadge(u.OrganizationRole), roleLabel(u.OrganizationRole)),
		badgeCell("col-status", statusBadge(u.Activated), statusLabel(u.Activated)),
		textCell("col-workspaces", "", workspaceNames(x.Workspaces)),
		textCell("col-signin", exact, signIn),
		textCell("col-created", u.CreatedAt, formatDate(u.CreatedAt)),
	)
}

// writeRow writes one row: its class, then its cells.
func writeRow(b *strings.Builder, row []string) {
	b.WriteString("<tr")
	if row[0] != "" {
		b.WriteString(` class="` + html.EscapeString(row[0]) + `"`)
	}
	b.WriteString(">")
	for _, cell := range row[1:] {
		b.WriteString(cell)
	}
	b.WriteString("</tr>")
}

// changedRows counts the rows of b that differ from the same row of a.
func changedRows(a, b [][]string) int {
	n := 0
	for i, row := range b {
		if i >= len(a) || !slices.Equal(a[i], row) {
			n++
		}
	}
	return n
}

// writeChangedCells writes the classes and cells of rows that differ from what is shown;
// rows has as many rows as are shown. A checkbox keeps its element, and so its focus:
// its id and label are set on it.
func (r *userRows) writeChangedCells(trs app.Value, rows [][]string) {
	for i, row := range rows {
		shown := r.shown[i]
		if slices.Equal(shown, row) {
			continue
		}
		tr := trs.Index(i)
		if len(shown) != len(row) {
			tr.Set("outerHTML", rowHTML(row))
			r.checked[i] = false
			continue
		}
		if row[0] != shown[0] {
			tr.Set("className", row[0])
		}
		for j := 1; j < len(row); j++ {
			switch {
			case row[j] == shown[j]:
			case j == 1 && r.List != nil:
				u := r.Users[i]
				box := tr.Get("cells").Index(0).Get("firstElementChild")
				box.Set("id", "select-"+u.ID)
				box.Call("setAttribute", "aria-label", "Select "+u.displayName())
			default:
				tr.Get("cells").Index(j-1).Set("outerHTML", row[j])
			}
		}
	}
}

// rowHTML is one row as HTML.
func rowHTML(row []string) string {
	var b strings.Builder
	writeRow(&b, row)
	return b.String()
}

// rowsHTML is the rows as HTML, one after the other.
func rowsHTML(rows [][]string) string {
	var b strings.Builder
	for _, row := range rows {
		writeRow(&b, row)
	}
	return b.String()
}

// selectCell is a row's checkbox; its state is set apart (writeChecked), so that a
// change of selection does not write the cell again and take its focus.
func selectCell(id, name string) string {
	return `<td class="col-select"><input type="checkbox" class="row-select" id="select-` + html.EscapeString(id) +
		`" aria-label="Select ` + html.EscapeString(name) + `"></td>`
}

// nameCell links to the user's page.
func nameCell(prefix string, u user) string {
	return `<td class="col-name"><a href="` + html.EscapeString(prefix+"/users/"+url.PathEscape(u.ID)) + `">` +
		html.EscapeString(u.displayName()) + `</a></td>`
}

// textCell is a cell of text, with a title when title is not empty.
func textCell(class, title, text string) string {
	t := ""
	if title != "" {
		t = ` title="` + html.EscapeString(title) + `"`
	}
	return `<td class="` + class + `"` + t + `>` + html.EscapeString(text) + `</td>`
}

// badgeCell is a cell holding one badge.
func badgeCell(class, badge, label string) string {
	return `<td class="` + class + `"><span class="` + html.EscapeString(badge) + `">` + html.EscapeString(label) + `</span></td>`
}
