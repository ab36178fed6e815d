package server

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Limits on an import. A batch is one transaction: 500 rows take well under a second, so
// the widget shows progress often and the database's one write lock is never held long.
const (
	// MaxImportBatch is how many rows one ImportUsers call may hold.
	MaxImportBatch = 500
	// MaxImportWorkspaces is how many workspaces one row may name.
	MaxImportWorkspaces = 20
	// MaxImportLine is the largest line number a row may carry: a file of more lines is
	// refused long before, by its size.
	MaxImportLine = 10_000_000
)

// ImportMode says what an import does with an email no one has: create the user (who
// sets a password with the reset link of the result), or invite the address.
type ImportMode string

// The modes of the contract's ImportMode enum.
const (
	ImportCreate ImportMode = "CREATE"
	ImportInvite ImportMode = "INVITE"
)

// ImportExisting says what an import does with the email of a user of the caller's
// organization: leave them as they are, or update them to the row.
type ImportExisting string

// The choices of the contract's ImportExisting enum.
const (
	ImportSkip   ImportExisting = "SKIP"
	ImportUpdate ImportExisting = "UPDATE"
)

// ImportOutcome is what importing one row came to.
type ImportOutcome string

// The outcomes of the contract's ImportOutcome enum.
const (
	ImportCreated   ImportOutcome = "CREATED"
	ImportInvited   ImportOutcome = "INVITED"
	ImportUpdated   ImportOutcome = "UPDATED"
	ImportSkipped   ImportOutcome = "SKIPPED"
	ImportUnchanged ImportOutcome = "UNCHANGED"
	ImportFailed    ImportOutcome = "FAILED"
)

// ImportRow is one line of an imported file, as read: texts not yet checked. Empty texts
// are not given: a new user gets the default (role USER, activated, a username made from
// the email, no names), an existing one keeps what they have.
type ImportRow struct {
	Line       int // the line of the file, for the result
	Email      string
	Firstname  string
	Lastname   string
	Username   string
	Role       string // ADMIN or USER, in any case
	Activated  string // true or false, in any case
	Workspaces []string
}

// ImportOptions are the choices of an import run.
type ImportOptions struct {
	Mode     ImportMode
	Existing ImportExisting
	// DryRun checks every row as the import would and answers what it would do, writing
	// nothing.
	DryRun bool
}

// ImportResult is what one row came to. Token is the secret of the link made for a
// CREATED user (a password reset) or an INVITED address, never in a dry run.
type ImportResult struct {
	Line    int
	Email   string // normalized, clipped when far too long
	Outcome ImportOutcome
	Message string
	UserID  string // the user created, updated, unchanged or skipped
	Token   string
	// Invitation is the new one, for the caller to mail (INVITED, not in a dry run).
	Invitation *IssuedInvitation
}

// ImportValues is a row once checked and normalized: nil is "not given".
type ImportValues struct {
	Email      string
	Firstname  *string
	Lastname   *string
	Username   *string
	Role       *Role
	Activated  *bool
	Workspaces []string // normalized names, each once (compared case-insensitively)
}

// Validate checks the options and the size of a batch of rows; each row is checked on
// its own, and a bad one is a FAILED result, not a failure of the call.
func (o ImportOptions) Validate(rows []ImportRow) error {
	if o.Mode != ImportCreate && o.Mode != ImportInvite {
		return FieldErrorf("mode", "Mode %q is unknown: use CREATE or INVITE.", clip(string(o.Mode), 20))
	}
	if o.Existing != ImportSkip && o.Existing != ImportUpdate {
		return FieldErrorf("existing", "Choice %q is unknown: use SKIP or UPDATE.", clip(string(o.Existing), 20))
	}
	if len(rows) == 0 {
		return FieldErrorf("rows", "Send at least one row to import.")
	}
	if len(rows) > MaxImportBatch {
		return FieldErrorf("rows", "At most %d rows can be imported at once (there are %d): send the rest in another call.", MaxImportBatch, len(rows))
	}
	for _, r := range rows {
		if r.Line < 1 || r.Line > MaxImportLine {
			return FieldErrorf("line", "A row's line is its line in the file, from 1 to %d (%d was sent).", MaxImportLine, r.Line)
		}
		if len(r.Workspaces) > MaxImportWorkspaces {
			return FieldErrorf("workspaces", "Line %d names %d workspaces: a row may name at most %d.", r.Line, len(r.Workspaces), MaxImportWorkspaces)
		}
	}
	return nil
}

// Check validates and normalizes the row with the rules of the single writes: the email
// (required), the names, the username, the role and the workspace names.
func (r *ImportRow) Check() (*ImportValues, error) {
	v := &ImportValues{Email: NormalizeEmail(r.Email)}
	if err := ValidateEmail("email", v.Email); err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(r.Firstname); s != "" {
		if err := ValidateName("firstname", "First name", s); err != nil {
			return nil, err
		}
		v.Firstname = &s
	}
	if s := strings.TrimSpace(r.Lastname); s != "" {
		if err := ValidateName("lastname", "Last name", s); err != nil {
			return nil, err
		}
		v.Lastname = &s
	}
	if s := strings.TrimSpace(r.Username); s != "" {
		if err := ValidateUsername("username", s); err != nil {
			return nil, err
		}
		v.Username = &s
	}
	if s := strings.TrimSpace(r.Role); s != "" {
		role := Role(strings.ToUpper(s))
		if !role.Valid() {
			return nil, FieldErrorf("organizationRole", "Role %q is unknown: use ADMIN or USER.", clip(s, 20))
		}
		v.Role = &role
	}
	switch strings.ToLower(strings.TrimSpace(r.Activated)) {
	case "":
	case "true":
		v.Activated = new(bool)
		*v.Activated = true
	case "false":
		v.Activated = new(bool)
	default:
		return nil, FieldErrorf("activated", "Activated is %q: write true, false, or leave it empty.", clip(r.Activated, 20))
	}
	seen := map[string]bool{}
	for _, raw := range r.Workspaces {
		name := NormalizeWorkspaceName(raw)
		if name == "" {
			continue
		}
		if err := ValidateWorkspaceName("workspaces", name); err != nil {
			return nil, err
		}
		if key := strings.ToLower(name); !seen[key] {
			seen[key] = true
			v.Workspaces = append(v.Workspaces, name)
		}
	}
	return v, nil
}

// clip cuts s to at most n characters, so that a message never repeats a long input.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// ImportService imports rows of a file into the caller's organization, for an ADMIN, a
// batch per call: each batch is one transaction, all of it or none, and every row gets a
// result. The rules of the single writes hold for each row: unique emails and usernames
// in the whole directory (another organization's user is never touched, and said to be
// no more than "already used"), the last active admin stays, the caller's own role and
// activation are left alone. Re-importing the same rows changes nothing.
type ImportService interface {
	// ImportUsers imports rows as opts says; with opts.DryRun it answers the same
	// results and writes nothing.
	ImportUsers(ctx context.Context, rows []ImportRow, opts ImportOptions) ([]*ImportResult, error)
}
