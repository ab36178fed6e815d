package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// conflictField is one field of the conflict view: the value the person wants and the
// value stored now, as shown, and whether each side changed it since the form was filled.
type conflictField struct {
	Key           string
	Label         string
	Mine          string
	Theirs        string
	MineChanged   bool
	TheirsChanged bool
}

// clash reports whether both sides changed the field, to different values: the fields
// the person must look at before choosing.
func (f conflictField) clash() bool {
	return f.MineChanged && f.TheirsChanged && f.Mine != f.Theirs
}

// conflictFields compares, field by field, the user the form was filled from (base), what
// the person has typed (mine, plus activated when they toggled it) and the user as stored
// now (theirs). It returns the fields that either side changed, in the form's order;
// label names an organization id.
func conflictFields(base user, mine userForm, activated *bool, theirs user, label func(orgID string) string) []conflictField {
	var out []conflictField
	add := func(key, name, was, typed, now string, show func(string) string) {
		f := conflictField{
			Key: key, Label: name, Mine: show(typed), Theirs: show(now),
			MineChanged: typed != was, TheirsChanged: now != was,
		}
		if f.MineChanged || f.TheirsChanged {
			out = append(out, f)
		}
	}
	text := func(s string) string { return s }
	add("firstname", "First name", base.Firstname, strings.TrimSpace(mine.Firstname), theirs.Firstname, text)
	add("lastname", "Last name", base.Lastname, strings.TrimSpace(mine.Lastname), theirs.Lastname, text)
	add("email", "Email", base.Email, strings.TrimSpace(mine.Email), theirs.Email, text)
	add("role", "Role", base.OrganizationRole, mine.Role, theirs.OrganizationRole, roleLabel)
	add("organization", "Organization", base.OrganizationID, strings.TrimSpace(mine.OrganizationID), theirs.OrganizationID, label)
	typedActive := base.Activated
	if activated != nil {
		typedActive = *activated
	}
	add("activated", "Status", statusLabel(base.Activated), statusLabel(typedActive), statusLabel(theirs.Activated), text)
	return out
}

// alreadyStored reports whether the stored version already holds every change the person
// made: a write whose answer was lost went through, or someone made the same change.
func alreadyStored(fields []conflictField) bool {
	for _, f := range fields {
		if f.MineChanged && f.Mine != f.Theirs {
			return false
		}
	}
	return true
}

// renderConflict is the conflict view: after a save based on an older version, each
// field either side changed, with the person's value and the stored one; the fields both
// changed stand out. The person's inputs stay in the form below until they choose.
func (c *userEdit) renderConflict() app.UI {
	if c.conflict == nil {
		return app.Text("")
	}
	theirs := *c.conflict
	fields := c.conflictFields(theirs)
	return app.Section().Class("banner banner-warning conflict").Role("alert").Aria("labelledby", "conflict-title").Body(
		app.H2().ID("conflict-title").Text("Someone else changed this user while you were editing"),
		app.P().Class("conflict-intro").Text("Their version was saved at "+formatTime(theirs.UpdatedAt)+
			". Yours is not saved yet, and the form below keeps it. Compare, then choose."),
		app.Table().Class("conflict-table").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text("Field"),
				app.Th().Scope("col").Text("Yours (not saved)"),
				app.Th().Scope("col").Text("Theirs (stored now)"),
			)),
			app.TBody().Body(app.Range(fields).Slice(func(i int) app.UI { return conflictRow(fields[i]) })),
		),
		app.Div().Class("action-row").Body(
			app.Button().Type("button").Class("btn").ID("conflict-discard").Disabled(c.busy).Text("Discard mine").OnClick(c.discardMine),
			app.Button().Type("button").Class("btn btn-primary").ID("conflict-apply").Disabled(c.busy).
				Text(busyText(c.busy, "Apply my changes again", "Saving…")).OnClick(c.applyMine),
		),
		app.P().Class("hint conflict-hint").Text("Applying saves the fields you changed over theirs; the fields only they changed keep their values."),
	)
}

// conflictRow is one field of the conflict view.
func conflictRow(f conflictField) app.UI {
	cell := func(label, value string, changed bool) app.UI {
		if value == "" {
			value = "—"
		}
		return app.Td().DataSet("label", label).Class(classIf(!changed, "unchanged")).Body(
			app.Span().Class("value").Text(value),
			app.If(!changed, app.Span().Class("note").Text("unchanged")),
		)
	}
	return app.Tr().Class("conflict-"+f.Key+classIf(f.clash(), " clash")).Body(
		app.Th().Scope("row").Body(
			app.Text(f.Label),
			app.If(f.clash(), app.Span().Class("badge clash-badge").Text("Both changed")),
		),
		cell("Yours", f.Mine, f.MineChanged),
		cell("Theirs", f.Theirs, f.TheirsChanged),
	)
}
