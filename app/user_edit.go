package app

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// userForm is what the person typed on the edit page.
type userForm struct {
	Firstname      string
	Lastname       string
	Email          string
	Role           string
	OrganizationID string
	Password       string
	Password2      string
	Username       string // a new user's, where the endpoint has usernames; empty: made from the email
}

// formOf is the form filled from a stored user.
func formOf(u user) userForm {
	return userForm{
		Firstname:      u.Firstname,
		Lastname:       u.Lastname,
		Email:          u.Email,
		Role:           u.OrganizationRole,
		OrganizationID: u.OrganizationID,
	}
}

// merge takes the stored values of next for the fields the person has not changed since
// the form was filled from prev, and keeps what they typed in the others.
func (f userForm) merge(prev, next user) userForm {
	p, n := formOf(prev), formOf(next)
	keep := func(typed *string, was, now string) {
		if *typed == was {
			*typed = now
		}
	}
	keep(&f.Firstname, p.Firstname, n.Firstname)
	keep(&f.Lastname, p.Lastname, n.Lastname)
	keep(&f.Email, p.Email, n.Email)
	keep(&f.Role, p.Role, n.Role)
	keep(&f.OrganizationID, p.OrganizationID, n.OrganizationID)
	return f
}

// changes is the UserData holding only what differs from the stored user.
func (f userForm) changes(u user) (UserData, bool) {
	var d UserData
	changed := false
	set := func(dst **string, typed, stored string) {
		if typed != stored {
			v := typed
			*dst, changed = &v, true
		}
	}
	set(&d.Firstname, strings.TrimSpace(f.Firstname), u.Firstname)
	set(&d.Lastname, strings.TrimSpace(f.Lastname), u.Lastname)
	set(&d.Email, strings.TrimSpace(f.Email), u.Email)
	set(&d.OrganizationRole, f.Role, u.OrganizationRole)
	set(&d.OrganizationID, strings.TrimSpace(f.OrganizationID), u.OrganizationID)
	return d, changed
}

// validate checks the form before it is sent; the server checks again and has the last
// word. isNew adds the password of a new user.
func (f userForm) validate(isNew bool) fieldErrors {
	errs := fieldErrors{}
	if m := checkEmail(f.Email); m != "" {
		errs["email"] = m
	}
	if m := checkName("First name", f.Firstname); m != "" {
		errs["firstname"] = m
	}
	if m := checkName("Last name", f.Lastname); m != "" {
		errs["lastname"] = m
	}
	if isNew {
		if f.Role == "" {
			errs["role"] = "Choose a role."
		}
		checkNewPassword(errs, f.Password, f.Password2)
	} else if strings.TrimSpace(f.OrganizationID) == "" {
		errs["organization"] = "Organization cannot be empty."
	}
	return errs
}

// userEdit is the page that creates a user (/users/new) or edits one (/users/{id}):
// the fields, activation, password reset and deletion, the conflict view, and the user's
// API keys (a child component, apiKeyList). Its writes go through the shared form: the
// outcome in stateSave, field messages, busy while a write is under way.
type userEdit struct {
	app.Compo
	form

	w       *Widget
	id      string
	session sessionState
	loaded  userState
	orgs    []organization

	original      user
	typed         userForm // what is typed
	shown         userForm // what the program last put in the inputs
	notice        string
	conflict      *user    // the user as stored now, after a save based on an older version
	sent          UserData // what the last save sent
	unsure        bool     // the last write got no answer: it may have been applied
	checking      bool     // the stored user is being read again to see whether it was
	retry         retrier
	confirmDelete bool
	resetLink     string
	change        liveChange // the last change of a user, by anyone (live updates)
	changedNote   string     // "Changed by … just now.": someone else changed the user
	deletedNote   string     // "This user was deleted by … just now."
}

func newUserEdit(w *Widget) *userEdit {
	return &userEdit{w: w}
}

// OnMount observes the user, the outcome of writes, the session and organizations.
func (c *userEdit) OnMount(ctx app.Context) {
	ctx.ObserveState(stateSession).OnChange(func() { startLive(ctx, c.session) }).Value(&c.session)
	ctx.ObserveState(stateLive).OnChange(func() { c.onLive(ctx) }).Value(&c.change)
	startLive(ctx, c.session)
	ctx.ObserveState(stateOrganizations).Value(&c.orgs)
	ctx.ObserveState(stateUser).OnChange(func() { c.fill(ctx) }).Value(&c.loaded)
	ctx.ObserveState(stateSave).OnChange(func() { c.onResult(ctx) }).Value(&c.result)
	c.baseSeq = c.result.Seq
}

// OnPreRender reads the URL as OnNav does, so that the page the server sends for this
// URL already shows it (the server calls no OnNav; the actions do nothing there).
func (c *userEdit) OnPreRender(ctx app.Context) {
	c.OnNav(ctx)
}

// OnNav starts over for the user in the URL and loads it.
func (c *userEdit) OnNav(ctx app.Context) {
	path := strings.TrimPrefix(ctx.Page().URL().Path, c.w.prefix)
	c.id = strings.TrimPrefix(path, "/users/")
	if c.id == "new" {
		c.id = ""
	}
	c.original, c.typed = user{}, userForm{}
	if c.isNew() {
		c.typed.Role = "USER"
	}
	c.show(ctx)
	c.errs, c.formErr, c.conflict = nil, "", nil
	c.sent, c.unsure, c.checking = UserData{}, false, false
	c.retry.reset()
	c.confirmDelete, c.resetLink, c.busy = false, "", false
	c.changedNote, c.deletedNote = "", ""
	if app.IsClient {
		c.notice = c.w.nav.takeFlash()
	}
	c.loaded = userState{Status: statusLoading}
	ctx.Page().SetTitle(c.title())
	c.load(ctx)
}

// OnDismount stops the retries of a failed load.
func (c *userEdit) OnDismount() {
	c.retry.reset()
}

// load reads the user (or, for a new user, what the form needs).
func (c *userEdit) load(ctx app.Context) {
	ctx.NewActionWithValue(actionLoadUser, c.id)
}

func (c *userEdit) isNew() bool { return c.id == "" }

func (c *userEdit) title() string {
	if c.isNew() {
		return "New user"
	}
	if c.original.ID != "" {
		return c.original.displayName()
	}
	return "User"
}

// fill takes a newly loaded or saved user into the form, keeping what was typed. A load
// that failed is retried while the directory does not answer; the form stays as it is.
func (c *userEdit) fill(ctx app.Context) {
	if c.loaded.ID != c.id {
		return
	}
	switch c.loaded.Status {
	case statusFailed:
		c.checking = false
		c.retry.failed(ctx, c.loaded.Err, c.load)
		return
	case statusReady:
		c.retry.reset()
	default:
		return
	}
	if c.isNew() {
		return
	}
	c.typed = c.typed.merge(c.original, c.loaded.User)
	c.original = c.loaded.User
	c.show(ctx)
	if c.checking {
		c.checking, c.unsure, c.formErr = false, false, ""
		if _, changed := c.typed.changes(c.original); changed {
			c.notice = "The directory does not have your change: it is not saved. Save again when ready."
		} else {
			c.notice = "The directory has your change: it is saved."
		}
	}
}

// onLive shows a change of this user by anyone else: the form takes it, or, when the
// person has unsaved changes, the conflict view opens with it; a deletion takes the page.
// While a save is under way its own answer says what happened.
func (c *userEdit) onLive(ctx app.Context) {
	ch := c.change
	if c.isNew() || c.original.ID == "" || c.deletedNote != "" {
		return
	}
	if ch.Kind == "RESYNC" {
		if !c.busy {
			c.load(ctx)
		}
		return
	}
	if ch.UserID != c.id {
		return
	}
	by := ""
	if ch.ChangedBy != "" {
		by = " by " + ch.ChangedBy
	}
	switch ch.Kind {
	case "DELETED":
		c.deletedNote = "This user was deleted" + by + " just now."
		c.confirmDelete = false
	case "UPDATED":
		if ch.User == nil || c.busy || !newer(ch.User.UpdatedAt, c.original.UpdatedAt) {
			return
		}
		c.changedNote, c.notice = "Changed"+by+" just now.", ""
		theirs := *ch.User
		if _, dirty := c.typed.changes(c.original); dirty || c.conflict != nil {
			c.onConflict(ctx, theirs)
		} else {
			c.rebase(ctx, theirs)
		}
		ctx.Page().SetTitle(c.title())
	}
}

// show puts the form's values into its inputs.
func (c *userEdit) show(ctx app.Context) {
	c.shown = c.typed
	setInputs(ctx, map[string]string{
		"firstname":    c.typed.Firstname,
		"lastname":     c.typed.Lastname,
		"email":        c.typed.Email,
		"organization": c.typed.OrganizationID,
		"password":     c.typed.Password,
		"password2":    c.typed.Password2,
	})
}

// onResult shows the outcome of a write.
func (c *userEdit) onResult(ctx app.Context) {
	r, ok := c.outcome()
	if !ok {
		return
	}
	switch r.Status {
	case statusFailed:
		c.showFailure(ctx, r.Err)
	case statusReady:
		c.notice, c.formErr, c.conflict, c.unsure = r.Notice, "", nil, false
		c.resetLink = r.ResetLink
		switch {
		case r.CreatedID != "":
			c.w.nav.setFlash(r.Notice)
			ctx.Navigate(c.w.link("/users/" + url.PathEscape(r.CreatedID)))
		case r.Deleted:
			ctx.Navigate(c.backHref())
		}
	}
}

// showFailure puts the server's sentence next to the field it names, or above the form.
func (c *userEdit) showFailure(ctx app.Context, f *failure) {
	c.notice, c.unsure = "", false
	switch {
	case f.Code == codeConflict && f.Current != nil:
		c.onConflict(ctx, *f.Current)
	case c.hasField(f.Field):
		c.errs = fieldErrors{f.Field: f.Message}
	default:
		c.formErr = f.Message
		c.unsure = fault(f) != "" && f.Code != codeInternal && f.Code != codeRateLimited
	}
}

// onConflict shows the conflict view, unless the stored version already holds all the
// person changed (a save whose answer was lost went through): then it is simply saved.
func (c *userEdit) onConflict(ctx app.Context, theirs user) {
	if alreadyStored(c.conflictFields(theirs)) {
		c.rebase(ctx, theirs)
		c.notice = "Saved: the directory already had your change."
		return
	}
	c.conflict = &theirs
}

func (c *userEdit) conflictFields(theirs user) []conflictField {
	return conflictFields(c.original, c.typed, c.sent.Activated, theirs, c.orgName)
}

// rebase makes theirs the version the form is based on, keeping what the person typed
// and taking theirs for every field the person left alone.
func (c *userEdit) rebase(ctx app.Context, theirs user) {
	c.typed = c.typed.merge(c.original, theirs)
	c.original, c.conflict = theirs, nil
	c.show(ctx)
}

// applyMine saves the person's changes again on top of the version stored now: only the
// fields they changed, with that version's updatedAt as the precondition.
func (c *userEdit) applyMine(ctx app.Context, e app.Event) {
	if c.conflict == nil || c.busy {
		return
	}
	theirs := *c.conflict
	activated := c.sent.Activated
	c.rebase(ctx, theirs)
	data, changed := c.typed.changes(theirs)
	if activated != nil && *activated != theirs.Activated {
		data.Activated, changed = activated, true
	}
	if !changed {
		c.notice = "Nothing to apply: the stored version already has your values."
		return
	}
	c.send(ctx, data, "Saved: your changes are applied on top of theirs.")
}

// discardMine drops the person's changes and shows the version stored now.
func (c *userEdit) discardMine(ctx app.Context, e app.Event) {
	if c.conflict == nil || c.busy {
		return
	}
	c.original, c.typed, c.conflict = *c.conflict, formOf(*c.conflict), nil
	c.errs, c.formErr, c.sent = nil, "", UserData{}
	c.show(ctx)
	c.notice = "Your changes are discarded: the form shows the version stored now."
}

// send saves the changed fields, based on the version the form was filled from.
func (c *userEdit) send(ctx app.Context, data UserData, notice string) {
	c.sent, c.busy = data, true
	ctx.NewActionWithValue(actionSaveUser, saveRequest{
		ID: c.id, Data: data, UpdatedAt: c.original.UpdatedAt, Notice: notice,
	})
}

// check reads the stored user again after a write that got no answer, keeping the
// inputs, and says whether the write went through.
func (c *userEdit) check(ctx app.Context, e app.Event) {
	c.checking = true
	c.load(ctx)
}

// orgName is how an organization reads: its name where the endpoint lists them.
func (c *userEdit) orgName(id string) string {
	for _, o := range c.orgs {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}

// hasField reports whether the page shows a field of that name.
func (c *userEdit) hasField(name string) bool {
	switch name {
	case "firstname", "lastname", "email", "role":
		return true
	case "organization":
		return !c.isNew()
	case "password", "password2":
		return c.isNew()
	}
	return false
}

func (c *userEdit) backHref() string {
	if href := c.w.nav.list(); href != "" {
		return href
	}
	return c.w.link("/")
}

func (c *userEdit) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.conflict != nil {
		return
	}
	c.notice, c.formErr = "", ""
	c.errs = c.typed.validate(c.isNew())
	if len(c.errs) > 0 {
		return
	}
	if c.isNew() {
		c.busy = true
		ctx.NewActionWithValue(actionCreateUser, CreateUserData{
			Email:            strings.TrimSpace(c.typed.Email),
			Password:         c.typed.Password,
			OrganizationRole: c.typed.Role,
			Firstname:        strings.TrimSpace(c.typed.Firstname),
			Lastname:         strings.TrimSpace(c.typed.Lastname),
			Username:         strings.TrimSpace(c.typed.Username),
		})
		return
	}
	data, changed := c.typed.changes(c.original)
	if !changed {
		c.notice = "Nothing to save: no field was changed."
		return
	}
	c.send(ctx, data, "Saved.")
}

func (c *userEdit) onKeyDown(ctx app.Context, e app.Event) {
	if !isEscape(e) {
		return
	}
	if c.confirmDelete {
		c.confirmDelete = false
		return
	}
	c.cancel(ctx, e)
}

func (c *userEdit) cancel(ctx app.Context, e app.Event) {
	ctx.Navigate(c.backHref())
}

func (c *userEdit) toggleActivated(ctx app.Context, e app.Event) {
	if c.busy || c.conflict != nil {
		return
	}
	active := !c.original.Activated
	notice := "User deactivated: their keys stop working."
	if active {
		notice = "User activated."
	}
	c.send(ctx, UserData{Activated: &active}, notice)
}

// retryNow loads again at once, without waiting for the next automatic retry.
func (c *userEdit) retryNow(ctx app.Context, e app.Event) {
	c.retry.now(ctx, c.load)
}

func (c *userEdit) resetPassword(ctx app.Context, e app.Event) {
	if c.busy {
		return
	}
	c.busy = true
	ctx.NewActionWithValue(actionResetPassword, c.id)
}

func (c *userEdit) askDelete(ctx app.Context, e app.Event) {
	c.confirmDelete = true
	ctx.Defer(func(ctx app.Context) { focusByID("delete-cancel") })
}

func (c *userEdit) closeDelete(ctx app.Context, e app.Event) {
	c.confirmDelete = false
}

func (c *userEdit) deleteUser(ctx app.Context, e app.Event) {
	if c.busy {
		return
	}
	c.confirmDelete, c.busy = false, true
	ctx.NewActionWithValue(actionDeleteUser, c.id)
}

// Render shows the page.
func (c *userEdit) Render() app.UI {
	return app.Div().Class("page").Body(
		newTopBar(c.w),
		app.Main().Class("content content-narrow").ID("main").Body(
			app.A().Class("back").Href(c.backHref()).Text("← Users"),
			c.renderBody(),
		),
	)
}

// renderBody shows the form once there is one to show. Until then a failed load takes
// the page; after, it is a banner above the form, which keeps every input.
func (c *userEdit) renderBody() app.UI {
	if !c.isNew() && c.original.ID == "" {
		switch {
		case c.retry.retrying():
			return app.Div().Class("state state-error").Role("alert").Body(
				app.P().Text(c.retry.message()),
				app.Button().Type("button").Class("btn").ID("retry-now").Text("Retry now").OnClick(c.retryNow),
			)
		case c.loaded.Status == statusFailed:
			return app.Div().Class("state state-error").Role("alert").Body(
				app.P().Text(c.loaded.Err.Message),
				app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.retryNow),
			)
		}
		return app.Div().Class("state state-loading").Body(app.P().Text("Loading user…"))
	}
	if c.deletedNote != "" {
		return app.Div().Body(
			app.Div().Class("page-head").Body(app.H1().Text(c.title())),
			app.Div().Class("state state-error").ID("user-deleted").Role("alert").Body(
				app.P().Text(c.deletedNote),
				app.A().Class("btn").Href(c.backHref()).Text("Back to users"),
			),
		)
	}
	return app.Div().Body(
		app.Div().Class("page-head").Body(
			app.H1().Text(c.title()),
			app.If(!c.isNew(),
				app.Span().Class("badge "+strings.ToLower(statusLabel(c.original.Activated))).Text(statusLabel(c.original.Activated)),
			),
		),
		c.renderLoadFailure(),
		banner("info", c.changedNote),
		c.renderConflict(),
		banner("error", c.formErr, c.checkButton()...),
		banner("success", c.notice),
		c.renderForm(),
		app.If(!c.isNew() && !c.session.readOnly(), c.renderAccountActions()),
		app.If(!c.isNew() && c.session.Caps.APIKeys && c.session.mayRemove(), &apiKeyList{UserID: c.id}),
		app.If(!c.isNew() && c.session.Caps.userModels(), &userModelsPanel{UserID: c.id, Admin: c.session.Viewer.OrganizationRole == "ADMIN" && !c.session.readOnly()}),
		app.If(!c.isNew() && c.session.Caps.AuditEvents, &activityTimeline{UserID: c.id, Version: c.original.UpdatedAt}),
	)
}

// renderLoadFailure is the banner of a load that failed while the form is shown (such as
// checking the user after a write that got no answer).
func (c *userEdit) renderLoadFailure() app.UI {
	switch {
	case c.retry.retrying():
		return banner("warning", c.retry.message(),
			app.Button().Type("button").Class("btn").ID("retry-now").Text("Retry now").OnClick(c.retryNow))
	case c.loaded.Status == statusFailed && c.loaded.ID == c.id:
		return banner("error", c.loaded.Err.Message)
	}
	return app.Text("")
}

// checkButton offers to read the user again when a write got no answer.
func (c *userEdit) checkButton() []app.UI {
	if !c.unsure || c.isNew() {
		return nil
	}
	return []app.UI{app.Button().Type("button").Class("btn").ID("check-user").Disabled(c.checking).Text("Check the user").OnClick(c.check)}
}

// busyText is a button's label, or what it says while its request is under way.
func busyText(busy bool, label, pending string) string {
	if busy {
		return pending
	}
	return label
}

func (c *userEdit) renderForm() app.UI {
	roles := [][2]string{{"ADMIN", "Admin"}, {"USER", "User"}}
	if c.typed.Role == "" {
		roles = append([][2]string{{"", "—"}}, roles...)
	}
	submit := busyText(c.busy, "Save", "Saving…")
	if c.isNew() {
		submit = busyText(c.busy, "Create user", "Creating…")
	}
	readOnly := c.session.readOnly()
	return app.Form().Class("card form").ID("user-form").Aria("label", c.title()).
		OnSubmit(c.onSubmit).OnKeyDown(c.onKeyDown).Body(
		// A read-only credential shows the user without a way to change them: the
		// fieldset disables every input at once.
		app.FieldSet().Class("form-grid").Disabled(readOnly).Body(
			formRow("firstname", "First name", c.errs["firstname"],
				textInput("firstname", "text", c.shown.Firstname, &c.typed.Firstname, c.errs["firstname"]).Attr("autocomplete", "off")),
			formRow("lastname", "Last name", c.errs["lastname"],
				textInput("lastname", "text", c.shown.Lastname, &c.typed.Lastname, c.errs["lastname"]).Attr("autocomplete", "off")),
			formRow("email", "Email", c.errs["email"],
				textInput("email", "email", c.shown.Email, &c.typed.Email, c.errs["email"]).Attr("autocomplete", "off").Required(true)),
			formRow("role", "Role", c.errs["role"], selectInput("role", &c.typed.Role, c.errs["role"], roles...)),
			app.If(!c.isNew(), c.renderOrganization()),
			app.If(c.isNew() && c.session.Caps.Usernames,
				formRow("username", "Username (optional)", c.errs["username"],
					textInput("username", "text", c.shown.Username, &c.typed.Username, c.errs["username"]).
						Attr("autocomplete", "off").MaxLength(150).Placeholder("Made from the email if empty")),
			),
			app.If(c.isNew(),
				formRow("password", "Password", c.errs["password"],
					textInput("password", "password", c.shown.Password, &c.typed.Password, c.errs["password"]).Attr("autocomplete", "new-password")),
				formRow("password2", "Repeat password", c.errs["password2"],
					textInput("password2", "password", c.shown.Password2, &c.typed.Password2, c.errs["password2"]).Attr("autocomplete", "new-password")),
			),
		),
		app.If(!readOnly, app.Div().Class("form-actions").Body(
			app.Button().Type("submit").Class("btn btn-primary").Disabled(c.busy || c.conflict != nil).
				Aria("busy", strconv.FormatBool(c.busy)).Text(submit),
			app.Button().Type("button").Class("btn btn-ghost").Text("Cancel").OnClick(c.cancel),
			app.Span().Class("hint").Text("Enter saves · Esc cancels"),
		)),
	)
}

// renderOrganization is a picker where the endpoint lists organizations, else a text
// field for the organization's id.
func (c *userEdit) renderOrganization() app.UI {
	msg := c.errs["organization"]
	if !c.session.Caps.Organizations || len(c.orgs) == 0 {
		return formRow("organization", "Organization ID", msg,
			textInput("organization", "text", c.shown.OrganizationID, &c.typed.OrganizationID, msg).Attr("autocomplete", "off"))
	}
	options := make([][2]string, 0, len(c.orgs)+1)
	known := false
	for _, o := range c.orgs {
		options = append(options, [2]string{o.ID, o.Name})
		known = known || o.ID == c.typed.OrganizationID
	}
	if !known {
		options = append(options, [2]string{c.typed.OrganizationID, c.typed.OrganizationID})
	}
	return formRow("organization", "Organization", msg, selectInput("organization", &c.typed.OrganizationID, msg, options...))
}

func (c *userEdit) renderAccountActions() app.UI {
	caps := c.session.Caps
	toggle := "Deactivate"
	if !c.original.Activated {
		toggle = "Activate"
	}
	reset := "Send password reset"
	if caps.IssuePasswordReset {
		reset = "Create reset link"
	}
	return app.Section().Class("card actions").Aria("label", "Account actions").Body(
		app.H2().Text("Account"),
		app.Div().Class("action-row").Body(
			app.Button().Type("button").Class("btn").ID("toggle-activated").Disabled(c.busy || c.conflict != nil).Text(toggle).OnClick(c.toggleActivated),
			app.Button().Type("button").Class("btn").ID("reset-password").Disabled(c.busy).Text(reset).OnClick(c.resetPassword),
			app.If(caps.DeleteUser && c.session.mayRemove(),
				app.Button().Type("button").Class("btn btn-danger").ID("delete-user").Disabled(c.busy).Text("Delete…").OnClick(c.askDelete),
			),
		),
		app.If(c.resetLink != "",
			app.Div().Class("field reset-link").Body(
				app.Label().For("reset-link").Text("One-time reset link"),
				app.Input().Type("text").ID("reset-link").ReadOnly(true).Value(c.resetLink).
					OnFocus(func(ctx app.Context, e app.Event) { ctx.JSSrc().Call("select") }),
			),
		),
		app.If(c.confirmDelete, c.renderConfirmDelete()),
	)
}

func (c *userEdit) renderConfirmDelete() app.UI {
	name := c.original.displayName()
	if name != c.original.Email {
		name += " (" + c.original.Email + ")"
	}
	return app.Div().Class("confirm").Role("alertdialog").Aria("labelledby", "delete-title").
		OnKeyDown(c.onKeyDown).Body(
		app.P().ID("delete-title").Text("Delete "+name+"? This cannot be undone."),
		app.Div().Class("action-row").Body(
			app.Button().Type("button").Class("btn btn-danger").ID("delete-confirm").Text("Delete "+c.original.displayName()).OnClick(c.deleteUser),
			app.Button().Type("button").Class("btn").ID("delete-cancel").Text("Cancel").OnClick(c.closeDelete),
		),
	)
}

// focusByID moves the keyboard focus to an element of the page.
func focusByID(id string) {
	if app.IsServer {
		return
	}
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
