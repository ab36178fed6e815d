package app

import "strings"

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
