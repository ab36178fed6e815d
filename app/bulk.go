package app

import (
	"bytes"
	"encoding/csv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// selection is the users chosen on the list for a bulk action: some by id (with their
// emails, for the result), or all users matching the filters. The list owns it; its rows
// read it.
type selection struct {
	ids     map[string]string
	order   []string // ids in the order they were chosen
	all     bool     // all matching users, however many pages they fill
	version int      // moves on with every change, so that the rows render again
}

func (s *selection) clear() {
	s.ids, s.order, s.all = nil, nil, false
	s.version++
}

func (s *selection) has(id string) bool {
	_, ok := s.ids[id]
	return ok
}

func (s *selection) set(id, email string, on bool) {
	if s.ids == nil {
		s.ids = map[string]string{}
	}
	s.all = false
	switch {
	case on && !s.has(id):
		s.ids[id] = email
		s.order = append(s.order, id)
	case !on && s.has(id):
		delete(s.ids, id)
		for i, x := range s.order {
			if x == id {
				s.order = append(s.order[:i], s.order[i+1:]...)
				break
			}
		}
	}
	s.version++
}

// count is how many users are chosen, total being how many match.
func (s *selection) count(total int) int {
	if s.all {
		return total
	}
	return len(s.ids)
}

// bulkLabels are what each action is called on its button and in the confirmation.
var bulkLabels = map[string]string{
	bulkMakeAdmin: "Make admin", bulkMakeUser: "Make user",
	bulkActivate: "Activate", bulkDeactivate: "Deactivate", bulkDelete: "Delete",
	bulkAddToWorkspace: "Add to workspace", bulkRemoveFromWorkspace: "Remove from workspace",
	bulkResetLinks: "Send reset links",
}

// onBulk shows the end of a run: the list is read again, and the selection ends.
func (c *userList) onBulk(ctx app.Context) {
	if c.bulk.Seq <= c.bulkBase || c.bulk.Running {
		return
	}
	c.bulkBase = c.bulk.Seq
	c.bulkShown = true
	c.resets.free()
	if links := c.takeResets(ctx); len(links) > 0 {
		c.resets.make(links)
	}
	c.sel.clear()
	c.load(ctx)
	ctx.Defer(func(ctx app.Context) { focusByID("bulk-result") })
}

// onSelectRow is a row's checkbox, on when checked.
func (c *userList) onSelectRow(id, email string, on bool) {
	c.sel.set(id, email, on)
	c.confirm = ""
}

// onSelectPage is the header's checkbox: all the rows of the page, or none.
func (c *userList) onSelectPage(ctx app.Context, e app.Event) {
	on := ctx.JSSrc().Get("checked").Bool()
	for _, u := range c.users.Users {
		c.sel.set(u.ID, u.Email, on)
	}
	c.confirm = ""
}

func (c *userList) selectAllMatching(ctx app.Context, e app.Event) {
	c.sel.all = true
	c.sel.version++
	c.confirm = ""
}

func (c *userList) clearSelection(ctx app.Context, e app.Event) {
	c.sel.clear()
	c.confirm = ""
}

// askBulk starts an action, after a confirmation that names the count for a delete.
func (c *userList) askBulk(ctx app.Context, action string) {
	if action == bulkDelete && c.confirm != bulkDelete {
		c.confirm = bulkDelete
		ctx.Defer(func(ctx app.Context) { focusByID("bulk-cancel-confirm") })
		return
	}
	c.confirm, c.bulkShown = "", false
	req := bulkRequest{Action: action, Total: c.sel.count(c.users.Total), ViewerID: c.session.Viewer.ID, Emails: map[string]string{}}
	if action == bulkAddToWorkspace || action == bulkRemoveFromWorkspace {
		if c.bulkWS == "" {
			return
		}
		req.Workspace = c.bulkWS
	}
	if c.sel.all {
		req.Where = c.users.Query.where()
	} else {
		req.IDs = append([]string{}, c.sel.order...)
		for id, email := range c.sel.ids {
			req.Emails[id] = email
		}
	}
	ctx.NewActionWithValue(actionBulk, req)
}

func (c *userList) cancelBulk(ctx app.Context, e app.Event) {
	ctx.NewAction(actionBulkCancel)
}

// pageSelected reports whether every row of the page is chosen.
func (c *userList) pageSelected() bool {
	if len(c.users.Users) == 0 {
		return false
	}
	for _, u := range c.users.Users {
		if !c.sel.all && !c.sel.has(u.ID) {
			return false
		}
	}
	return true
}

// renderBulk is the bar of bulk actions while users are chosen, the progress of a run,
// or the result of the last one.
func (c *userList) renderBulk() app.UI {
	switch {
	case c.bulk.Running:
		return c.renderBulkProgress()
	case c.sel.count(c.users.Total) > 0:
		return c.renderBulkBar()
	case c.bulkShown && c.bulk.Seq > 0:
		return c.renderBulkResult()
	}
	return nil
}

func (c *userList) renderBulkBar() app.UI {
	n := c.sel.count(c.users.Total)
	page := c.pageSelected()
	actions := []string{bulkMakeAdmin, bulkMakeUser, bulkActivate, bulkDeactivate}
	if c.session.Caps.BulkResets {
		actions = append(actions, bulkResetLinks)
	}
	if c.session.Caps.DeleteUser && c.session.mayRemove() {
		actions = append(actions, bulkDelete)
	}
	return app.Section().Class("bulk-bar").ID("bulk-bar").Aria("label", "Bulk actions").Body(
		app.P().Class("bulk-count").Role("status").Text(countUsers(n)+" selected"),
		app.If(page && !c.sel.all && c.users.Total > len(c.users.Users),
			app.Button().Type("button").Class("btn btn-link").ID("select-all-matching").
				Text("Select all "+groupDigits(c.users.Total)+" matching").OnClick(c.selectAllMatching),
		),
		app.Button().Type("button").Class("btn btn-link").ID("clear-selection").Text("Clear selection").OnClick(c.clearSelection),
		app.Div().Class("bulk-actions").Body(
			app.Range(actions).Slice(func(i int) app.UI {
				action := actions[i]
				class := "btn"
				if action == bulkDelete {
					class = "btn btn-danger"
				}
				return app.Button().Type("button").Class(class).ID("bulk-"+action).Text(bulkLabels[action]).
					OnClick(func(ctx app.Context, e app.Event) { c.askBulk(ctx, action) }, action)
			}),
		),
		app.If(c.session.Caps.BulkMembership, c.renderBulkMembership()),
		app.If(c.confirm == bulkDelete,
			app.Div().Class("confirm").Role("alertdialog").Aria("labelledby", "bulk-delete-title").Body(
				app.P().ID("bulk-delete-title").Text("Delete "+countUsers(n)+"? This cannot be undone."),
				app.Div().Class("action-row").Body(
					app.Button().Type("button").Class("btn btn-danger").ID("bulk-delete-confirm").Text("Delete "+countUsers(n)).
						OnClick(func(ctx app.Context, e app.Event) { c.askBulk(ctx, bulkDelete) }),
					app.Button().Type("button").Class("btn").ID("bulk-cancel-confirm").Text("Cancel").
						OnClick(func(ctx app.Context, e app.Event) { c.confirm = "" }),
				),
			),
		),
	)
}

// renderBulkMembership picks a workspace and adds the selected users to it or removes
// them from it.
func (c *userList) renderBulkMembership() app.UI {
	opts := [][2]string{{"", "Choose a workspace"}}
	for _, w := range c.workspaces.Items {
		opts = append(opts, [2]string{w.ID, w.Name})
	}
	none := c.bulkWS == ""
	return app.Div().Class("bulk-actions bulk-membership").Body(
		app.Label().For("bulk-workspace").Text("Workspace"),
		selectOf("bulk-workspace", c.bulkWS, func(ctx app.Context, e app.Event) {
			c.bulkWS = ctx.JSSrc().Get("value").String()
		}, opts...),
		app.Button().Type("button").Class("btn").ID("bulk-"+bulkAddToWorkspace).Disabled(none).
			Text(bulkLabels[bulkAddToWorkspace]).OnClick(func(ctx app.Context, e app.Event) { c.askBulk(ctx, bulkAddToWorkspace) }),
		app.Button().Type("button").Class("btn").ID("bulk-"+bulkRemoveFromWorkspace).Disabled(none).
			Text(bulkLabels[bulkRemoveFromWorkspace]).OnClick(func(ctx app.Context, e app.Event) { c.askBulk(ctx, bulkRemoveFromWorkspace) }),
		workspaceFinder("bulk-workspace-search", c.workspaces, false),
	)
}

func (c *userList) renderBulkProgress() app.UI {
	b := c.bulk
	total := max(b.Total, b.Done, 1)
	return app.Section().Class("bulk-bar bulk-progress").ID("bulk-progress").Aria("label", "Bulk action in progress").Body(
		app.Label().For("bulk-meter").Role("status").Text(bulkLabels[b.Action]+": "+groupDigits(b.Done)+" of "+groupDigits(b.Total)+" done"),
		app.Progress().ID("bulk-meter").Max(total).Value(b.Done),
		app.Button().Type("button").Class("btn").ID("bulk-stop").Text("Cancel").OnClick(c.cancelBulk),
	)
}

func (c *userList) renderBulkResult() app.UI {
	b := c.bulk
	summary := bulkLabels[b.Action] + ": " + countUsers(b.Changed) + " changed"
	if b.Action == bulkResetLinks {
		summary = bulkLabels[b.Action] + ": " + countLinks(b.Changed) + " issued"
		if b.Mailed > 0 {
			summary += ", " + groupDigits(b.Mailed) + " sent by email"
		}
	}
	if b.Unchanged > 0 {
		summary += ", " + groupDigits(b.Unchanged) + " already so"
	}
	switch {
	case len(b.Failures) > 0 && b.Action == bulkResetLinks:
		summary += ", " + groupDigits(len(b.Failures)) + " without a link"
	case len(b.Failures) > 0:
		summary += ", " + groupDigits(len(b.Failures)) + " not changed"
	}
	summary += "."
	if b.Cancelled {
		summary += " Cancelled after " + groupDigits(b.Done) + " of " + groupDigits(b.Total) + ": the others were not looked at."
	}
	return app.Section().Class("bulk-bar bulk-result").ID("bulk-result").TabIndex(-1).Aria("label", "Result of the bulk action").Body(
		app.P().Role("status").Text(summary),
		app.If(b.Err != nil, app.P().Class("error").Role("alert").Text(errText(b.Err))),
		app.If(c.resets.url != "",
			app.P().Class("muted").ID("bulk-reset-note").Text(countLinks(c.resets.n)+" to hand over: download the file now, the links are not kept. Each works once, until the time in the file; give each only to its user."),
			app.A().Class("btn").ID("bulk-reset-csv").Href(c.resets.url).Attr("download", "reset-links.csv").
				Text("Download the links (CSV)"),
		),
		app.If(len(b.Failures) > 0,
			app.Ul().Class("bulk-failures").Body(
				app.Range(b.Failures).Slice(func(i int) app.UI {
					f := b.Failures[i]
					who := f.Email
					if who == "" {
						who = f.ID
					}
					return app.Li().Body(app.Strong().Text(who), app.Text(": "+f.Message))
				}),
			),
		),
		app.Button().Type("button").Class("btn btn-link").ID("bulk-dismiss").Text("Dismiss").
			OnClick(func(ctx app.Context, e app.Event) { c.bulkShown = false; c.resets.free() }),
	)
}

func errText(f *failure) string {
	if f == nil {
		return ""
	}
	return f.Message
}

// countLinks writes "1 link" or "1,234 links".
func countLinks(n int) string {
	if n == 1 {
		return "1 link"
	}
	return groupDigits(n) + " links"
}

// takeResets takes the reset links of the last run out of the widget's state, where
// they would outlive the page, and returns them.
func (c *userList) takeResets(ctx app.Context) []issuedReset {
	links := c.bulk.Resets
	if len(links) == 0 {
		return nil
	}
	st := c.bulk
	st.Resets = nil
	c.bulk.Resets = nil
	ctx.SetState(stateBulk, st)
	return links
}

// resetLinks is the file of the reset links of the last run: an object URL, which works
// in a portal's frame where a data: URL may be refused, freed when the result is
// dismissed or the list closes. The links themselves are kept nowhere else.
type resetLinks struct {
	url string
	n   int
}

func (r *resetLinks) make(links []issuedReset) {
	r.free()
	if app.IsServer {
		return
	}
	blob := app.Window().Get("Blob").New([]any{resetLinksCSV(links)}, map[string]any{"type": "text/csv;charset=utf-8"})
	r.url, r.n = app.Window().Get("URL").Call("createObjectURL", blob).String(), len(links)
}

func (r *resetLinks) free() {
	if r.url != "" && !app.IsServer {
		app.Window().Get("URL").Call("revokeObjectURL", r.url)
	}
	r.url, r.n = "", 0
}

// resetLinksCSV is the file of reset links: email, link and when it expires, each cell a
// spreadsheet would take for a formula made inert.
func resetLinksCSV(links []issuedReset) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"email", "link", "expires"})
	for _, l := range links {
		w.Write([]string{inert(l.Email), inert(l.Link), inert(l.ExpiresAt)})
	}
	w.Flush()
	return "\ufeff" + b.String()
}

// countUsers writes "1 user" or "1,234 users".
func countUsers(n int) string {
	if n == 1 {
		return "1 user"
	}
	return groupDigits(n) + " users"
}
