package app

import (
	"net/url"
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

// flash is a notice carried to the next page (e.g. "User created." after creating).
var flash string

// listHref is the list as the person last saw it, where Cancel and Esc go back to.
var listHref string

// userEdit is the page that creates a user (/users/new) or edits one (/users/{id}):
// the fields, activation, password reset and deletion.
type userEdit struct {
	app.Compo

	id      string
	session session
	loaded  userState
	orgs    []organization
	save    result
	baseSeq int // write results up to this one belong to an earlier visit

	original      user
	form          userForm // what is typed
	shown         userForm // what the program last put in the inputs
	errs          fieldErrors
	formErr       string
	notice        string
	conflict      *user
	confirmDelete bool
	resetLink     string
	busy          bool
}

func newUserEdit() *userEdit {
	return &userEdit{}
}

// OnMount observes the user, the outcome of writes, the session and organizations.
func (c *userEdit) OnMount(ctx app.Context) {
	ctx.ObserveState(stateSession).Value(&c.session)
	ctx.ObserveState(stateOrganizations).Value(&c.orgs)
	ctx.ObserveState(stateUser).OnChange(func() { c.fill(ctx) }).Value(&c.loaded)
	ctx.ObserveState(stateSave).OnChange(func() { c.onResult(ctx) }).Value(&c.save)
	c.baseSeq = c.save.Seq
}

// OnPreRender reads the URL as OnNav does, so that the page the server sends for this
// URL already shows it (the server calls no OnNav; the actions do nothing there).
func (c *userEdit) OnPreRender(ctx app.Context) {
	c.OnNav(ctx)
}

// OnNav starts over for the user in the URL and loads it.
func (c *userEdit) OnNav(ctx app.Context) {
	path := strings.TrimPrefix(ctx.Page().URL().Path, rootPrefix())
	c.id = strings.TrimPrefix(path, "/users/")
	if c.id == "new" {
		c.id = ""
	}
	c.original, c.form = user{}, userForm{}
	if c.isNew() {
		c.form.Role = "USER"
	}
	c.show(ctx)
	c.errs, c.formErr, c.conflict = nil, "", nil
	c.confirmDelete, c.resetLink, c.busy = false, "", false
	if app.IsClient {
		c.notice, flash = flash, ""
	}
	c.loaded = userState{Status: statusLoading}
	ctx.Page().SetTitle(c.title())
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

// fill takes a newly loaded or saved user into the form, keeping what was typed.
func (c *userEdit) fill(ctx app.Context) {
	if c.loaded.Status != statusReady || c.loaded.ID != c.id || c.isNew() {
		return
	}
	c.form = c.form.merge(c.original, c.loaded.User)
	c.original = c.loaded.User
	c.show(ctx)
}

// show puts the form's values into its inputs.
func (c *userEdit) show(ctx app.Context) {
	c.shown = c.form
	setInputs(ctx, map[string]string{
		"firstname":    c.form.Firstname,
		"lastname":     c.form.Lastname,
		"email":        c.form.Email,
		"organization": c.form.OrganizationID,
		"password":     c.form.Password,
		"password2":    c.form.Password2,
	})
}

// onResult shows the outcome of a write.
func (c *userEdit) onResult(ctx app.Context) {
	r := c.save
	if r.Seq <= c.baseSeq {
		return
	}
	c.busy = r.Status == statusLoading
	switch r.Status {
	case statusFailed:
		c.showFailure(r.Err)
	case statusReady:
		c.notice, c.formErr, c.conflict = r.Notice, "", nil
		c.resetLink = r.ResetLink
		switch {
		case r.CreatedID != "":
			flash = r.Notice
			ctx.Navigate(link("/users/" + url.PathEscape(r.CreatedID)))
		case r.Deleted:
			ctx.Navigate(c.backHref())
		}
	}
}

// showFailure puts the server's sentence next to the field it names, or above the form.
func (c *userEdit) showFailure(f *failure) {
	c.notice = ""
	switch {
	case f.Code == codeConflict && f.Current != nil:
		c.conflict = f.Current
	case c.hasField(f.Field):
		c.errs = fieldErrors{f.Field: f.Message}
	default:
		c.formErr = f.Message
	}
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
	if listHref != "" {
		return listHref
	}
	return link("/")
}

func (c *userEdit) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy {
		return
	}
	c.notice, c.formErr = "", ""
	c.errs = c.form.validate(c.isNew())
	if len(c.errs) > 0 {
		return
	}
	if c.isNew() {
		ctx.NewActionWithValue(actionCreateUser, CreateUserData{
			Email:            strings.TrimSpace(c.form.Email),
			Password:         c.form.Password,
			OrganizationRole: c.form.Role,
			Firstname:        strings.TrimSpace(c.form.Firstname),
			Lastname:         strings.TrimSpace(c.form.Lastname),
		})
		return
	}
	data, changed := c.form.changes(c.original)
	if !changed {
		c.notice = "Nothing to save: no field was changed."
		return
	}
	ctx.NewActionWithValue(actionSaveUser, saveRequest{
		ID: c.id, Data: data, UpdatedAt: c.original.UpdatedAt, Notice: "Saved.",
	})
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
	active := !c.original.Activated
	notice := "User deactivated: their keys stop working."
	if active {
		notice = "User activated."
	}
	ctx.NewActionWithValue(actionSaveUser, saveRequest{
		ID: c.id, Data: UserData{Activated: &active}, UpdatedAt: c.original.UpdatedAt, Notice: notice,
	})
}

func (c *userEdit) reload(ctx app.Context, e app.Event) {
	c.form, c.original, c.conflict, c.errs = userForm{}, user{}, nil, nil
	ctx.NewActionWithValue(actionLoadUser, c.id)
}

func (c *userEdit) resetPassword(ctx app.Context, e app.Event) {
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
	c.confirmDelete = false
	ctx.NewActionWithValue(actionDeleteUser, c.id)
}

// Render shows the page.
func (c *userEdit) Render() app.UI {
	return app.Div().Class("page").Body(
		newTopBar(),
		app.Main().Class("content content-narrow").ID("main").Body(
			app.A().Class("back").Href(c.backHref()).Text("← Users"),
			c.renderBody(),
		),
	)
}

func (c *userEdit) renderBody() app.UI {
	switch {
	case c.loaded.Status == statusFailed:
		return app.Div().Class("state state-error").Body(
			app.P().Text(c.loaded.Err.Message),
			app.Button().Type("button").Class("btn").Text("Retry").OnClick(c.reload),
		)
	case !c.isNew() && c.original.ID == "":
		return app.Div().Class("state state-loading").Body(app.P().Text("Loading user…"))
	}
	return app.Div().Body(
		app.Div().Class("page-head").Body(
			app.H1().Text(c.title()),
			app.If(!c.isNew(),
				app.Span().Class("badge "+strings.ToLower(statusLabel(c.original.Activated))).Text(statusLabel(c.original.Activated)),
			),
		),
		c.renderConflict(),
		banner("error", c.formErr),
		banner("success", c.notice),
		c.renderForm(),
		app.If(!c.isNew(), c.renderAccountActions()),
	)
}

func (c *userEdit) renderConflict() app.UI {
	if c.conflict == nil {
		return app.Text("")
	}
	return banner("warning",
		"Someone else changed this user while you were editing ("+c.conflict.displayName()+", "+
			c.conflict.Email+"). Reload to see their version; your unsaved changes will be lost.",
		app.Button().Type("button").Class("btn").Text("Reload").OnClick(c.reload),
	)
}

func (c *userEdit) renderForm() app.UI {
	roles := [][2]string{{"ADMIN", "Admin"}, {"USER", "User"}}
	if c.form.Role == "" {
		roles = append([][2]string{{"", "—"}}, roles...)
	}
	submit := "Save"
	if c.isNew() {
		submit = "Create user"
	}
	return app.Form().Class("card form").ID("user-form").Aria("label", c.title()).
		OnSubmit(c.onSubmit).OnKeyDown(c.onKeyDown).Body(
		app.Div().Class("form-grid").Body(
			formRow("firstname", "First name", c.errs["firstname"],
				textInput("firstname", "text", c.shown.Firstname, &c.form.Firstname, c.errs["firstname"]).Attr("autocomplete", "off")),
			formRow("lastname", "Last name", c.errs["lastname"],
				textInput("lastname", "text", c.shown.Lastname, &c.form.Lastname, c.errs["lastname"]).Attr("autocomplete", "off")),
			formRow("email", "Email", c.errs["email"],
				textInput("email", "email", c.shown.Email, &c.form.Email, c.errs["email"]).Attr("autocomplete", "off").Required(true)),
			formRow("role", "Role", c.errs["role"], selectInput("role", &c.form.Role, c.errs["role"], roles...)),
			app.If(!c.isNew(), c.renderOrganization()),
			app.If(c.isNew(),
				formRow("password", "Password", c.errs["password"],
					textInput("password", "password", c.shown.Password, &c.form.Password, c.errs["password"]).Attr("autocomplete", "new-password")),
				formRow("password2", "Repeat password", c.errs["password2"],
					textInput("password2", "password", c.shown.Password2, &c.form.Password2, c.errs["password2"]).Attr("autocomplete", "new-password")),
			),
		),
		app.Div().Class("form-actions").Body(
			app.Button().Type("submit").Class("btn btn-primary").Disabled(c.busy).Text(submit),
			app.Button().Type("button").Class("btn btn-ghost").Text("Cancel").OnClick(c.cancel),
			app.Span().Class("hint").Text("Enter saves · Esc cancels"),
		),
	)
}

// renderOrganization is a picker where the endpoint lists organizations, else a text
// field for the organization's id.
func (c *userEdit) renderOrganization() app.UI {
	msg := c.errs["organization"]
	if !c.session.Caps.Organizations || len(c.orgs) == 0 {
		return formRow("organization", "Organization ID", msg,
			textInput("organization", "text", c.shown.OrganizationID, &c.form.OrganizationID, msg).Attr("autocomplete", "off"))
	}
	options := make([][2]string, 0, len(c.orgs)+1)
	known := false
	for _, o := range c.orgs {
		options = append(options, [2]string{o.ID, o.Name})
		known = known || o.ID == c.form.OrganizationID
	}
	if !known {
		options = append(options, [2]string{c.form.OrganizationID, c.form.OrganizationID})
	}
	return formRow("organization", "Organization", msg, selectInput("organization", &c.form.OrganizationID, msg, options...))
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
			app.Button().Type("button").Class("btn").ID("toggle-activated").Disabled(c.busy).Text(toggle).OnClick(c.toggleActivated),
			app.Button().Type("button").Class("btn").ID("reset-password").Disabled(c.busy).Text(reset).OnClick(c.resetPassword),
			app.If(caps.DeleteUser,
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
