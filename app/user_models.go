package app

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// userModelsPanel is the user page's username (an ADMIN changes it), the exact time of
// the last sign-in, and the workspaces the user belongs to: an ADMIN ticks and unticks
// them, each a change of its own. The user page shows it where the endpoint has the
// usernames, last sign-in and workspaces extension.
type userModelsPanel struct {
	app.Compo

	UserID string // from the user page
	Admin  bool   // the caller is an ADMIN

	st         userModelsState
	workspaces workspacesState // the organization's, to choose from
	saved      result
	write      workspaceWriteState
	baseSeq    int
	writeSeq   int
	loadedID   string
	username   string
	busy       bool
	notice     string
	err        string
}

// OnMount observes what it shows and the outcome of its writes, and loads them.
func (c *userModelsPanel) OnMount(ctx app.Context) {
	ctx.ObserveState(stateUserModels).OnChange(func() { c.onLoaded(ctx) }).Value(&c.st)
	ctx.ObserveState(stateWorkspaces).Value(&c.workspaces)
	ctx.ObserveState(stateUsername).OnChange(func() { c.onSaved(ctx) }).Value(&c.saved)
	ctx.ObserveState(stateWorkspaceWrite).OnChange(func() { c.onWrite(ctx) }).Value(&c.write)
	c.baseSeq, c.writeSeq = c.saved.Seq, c.write.Seq
	c.load(ctx)
}

// OnUpdate loads another user's when the user page moves to one.
func (c *userModelsPanel) OnUpdate(ctx app.Context) { c.load(ctx) }

func (c *userModelsPanel) load(ctx app.Context) {
	if c.UserID == "" || c.UserID == c.loadedID {
		return
	}
	c.loadedID, c.notice, c.err = c.UserID, "", ""
	ctx.NewActionWithValue(actionLoadUserModels, c.UserID)
	if c.Admin {
		ctx.NewActionWithValue(actionLoadWorkspaces, workspacesQuery{Page: 1})
	}
}

func (c *userModelsPanel) onLoaded(ctx app.Context) {
	if c.st.Status == statusReady && c.st.ID == c.UserID {
		c.username = c.st.Username
		setInputs(ctx, map[string]string{"username-edit": c.username})
	}
}

func (c *userModelsPanel) onSaved(ctx app.Context) {
	if c.saved.Seq <= c.baseSeq {
		return
	}
	c.busy = c.saved.Status == statusLoading
	switch c.saved.Status {
	case statusFailed:
		c.notice, c.err = "", c.saved.Err.Message
	case statusReady:
		c.notice, c.err = c.saved.Notice, ""
		ctx.NewActionWithValue(actionLoadUserModels, c.UserID)
	}
}

func (c *userModelsPanel) onWrite(ctx app.Context) {
	if c.write.Seq <= c.writeSeq || (c.write.Write.Kind != "add" && c.write.Write.Kind != "remove") {
		return
	}
	c.busy = c.write.Status == statusLoading
	switch c.write.Status {
	case statusFailed:
		c.notice, c.err = "", c.write.Err.Message
	case statusReady:
		c.notice, c.err = c.write.Notice, ""
		ctx.NewActionWithValue(actionLoadUserModels, c.UserID)
	}
}

func (c *userModelsPanel) onUsername(ctx app.Context, e app.Event) {
	c.username = ctx.JSSrc().Get("value").String()
}

func (c *userModelsPanel) saveUsername(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy {
		return
	}
	c.busy = true
	ctx.NewActionWithValue(actionSaveUsername, usernameChange{ID: c.UserID, Username: c.username})
}

// toggle adds the user to the workspace, or takes them out of it.
func (c *userModelsPanel) toggle(w workspaceItem, member bool) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if c.busy {
			return
		}
		c.busy = true
		kind := "add"
		if member {
			kind = "remove"
		}
		ctx.NewActionWithValue(actionWorkspaceWrite, workspaceWrite{Kind: kind, ID: w.ID, Name: w.Name, UserIDs: []string{c.UserID}})
	}
}

// Render shows the panel.
func (c *userModelsPanel) Render() app.UI {
	if c.st.Status == statusFailed {
		return app.Section().Class("card").Body(app.P().Role("alert").Text(c.st.Err.Message))
	}
	signIn := "Never signed in"
	if c.st.LastSignedInAt != "" {
		signIn = formatTime(c.st.LastSignedInAt)
	}
	return app.Section().Class("card user-models").Aria("labelledby", "user-models-title").Body(
		app.H2().ID("user-models-title").Text("Username and workspaces"),
		banner("error", c.err),
		banner("success", c.notice),
		app.P().ID("last-sign-in").Body(app.Strong().Text("Last sign-in: "), app.Text(signIn)),
		app.If(c.Admin,
			app.Form().Class("inline-form").Aria("label", "Username").OnSubmit(c.saveUsername).Body(
				app.Label().For("username-edit").Text("Username"),
				app.Input().Type("text").ID("username-edit").MaxLength(150).AutoComplete(false).
					Value(c.st.Username).OnInput(c.onUsername),
				app.Button().Type("submit").Class("btn").ID("save-username").Disabled(c.busy || c.st.Status != statusReady).Text("Change username"),
			),
		).Else(
			app.P().Body(app.Strong().Text("Username: "), app.Text(c.st.Username)),
		),
		c.renderMembership(),
	)
}

// renderMembership is the workspaces: for an ADMIN, a checkbox per workspace of the
// organization (the first workspacesPageSize by name); for a USER, the names.
func (c *userModelsPanel) renderMembership() app.UI {
	member := map[string]bool{}
	for _, w := range c.st.Workspaces {
		member[w.ID] = true
	}
	if !c.Admin {
		return app.P().Body(app.Strong().Text("Workspaces: "), app.Text(workspaceNames(c.st.Workspaces)))
	}
	if c.workspaces.Status == statusReady && len(c.workspaces.Items) == 0 && c.workspaces.Query.Search == "" {
		return app.P().Class("muted").Text("The organization has no workspaces yet.")
	}
	boxes := make([]app.UI, len(c.workspaces.Items))
	for i, w := range c.workspaces.Items {
		in := member[w.ID]
		boxes[i] = app.Label().Body(
			app.Input().Type("checkbox").ID("member-"+w.ID).Checked(in).Disabled(c.busy || c.st.Status != statusReady).
				OnChange(c.toggle(w, in), w.ID, in),
			app.Text(w.Name),
		)
	}
	return app.FieldSet().Class("membership").Body(
		app.Legend().Text("Workspaces"),
		workspaceFinder("member-search", c.workspaces, false),
		app.If(len(boxes) == 0, app.P().Class("muted").Text("No workspace has this in its name.")),
		app.Div().Body(boxes...),
	)
}
