package server

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is a user's role in their organization.
type Role string

// The roles of the contract's OrganizationRole enum.
const (
	RoleAdmin Role = "ADMIN"
	RoleUser  Role = "USER"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleUser }

// User is a person who can sign in to the directory.
type User struct {
	ID             string
	Email          string // unique, stored lower-case
	Firstname      string
	Lastname       string
	Activated      bool // false is a soft disable: the user stays, its keys stop working
	OrganizationID string
	Role           Role
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// SortField is a column users can be ordered by.
type SortField string

// The sortable fields, spelled as the contract's UserSortField enum.
const (
	SortEmail     SortField = "EMAIL"
	SortFirstname SortField = "FIRSTNAME"
	SortLastname  SortField = "LASTNAME"
	SortCreatedAt SortField = "CREATED_AT"
	SortUpdatedAt SortField = "UPDATED_AT"
	SortRole      SortField = "ORGANIZATION_ROLE"
	SortActivated SortField = "ACTIVATED"
)

// SortFields are the fields users can be sorted by, in the contract's order.
var SortFields = []SortField{SortEmail, SortFirstname, SortLastname, SortCreatedAt, SortUpdatedAt, SortRole, SortActivated}

// Valid reports whether f is one of SortFields.
func (f SortField) Valid() bool {
	for _, known := range SortFields {
		if f == known {
			return true
		}
	}
	return false
}

// UserOrder is one key of a sort: a field and a direction.
type UserOrder struct {
	Field SortField
	Desc  bool
}

// MaxPageSize is the largest page a caller may ask for (Kili's SDK asks for at most 100).
const MaxPageSize = 100

// UserFilter selects users. A nil field does not constrain.
type UserFilter struct {
	ID             *string
	IDIn           []string // nil: no constraint; empty: matches nothing
	Email          *string  // compared case-insensitively
	APIKey         *string  // the user who owns this key
	Activated      *bool
	OrganizationID *string
	Role           *Role
	Search         *string // case-insensitive substring of email, firstname or lastname

	// UpdatedAt is a precondition on updates: the write applies only if the stored
	// updatedAt equals it, otherwise CONFLICT with the current user.
	UpdatedAt *time.Time

	// Paging and order, for FindUsers. Order always ends with createdAt, then id.
	Offset  int
	Limit   int
	OrderBy []UserOrder
}

// UserCreate is what creating a user takes.
type UserCreate struct {
	Email          string
	Password       string
	Role           Role
	Firstname      string
	Lastname       string
	OrganizationID string // empty: the caller's organization
}

// UserUpdate holds the changes to a user. A nil field is left as it is.
type UserUpdate struct {
	Firstname      *string
	Lastname       *string
	Email          *string
	OrganizationID *string
	Role           *Role
	Activated      *bool
}

// ErrMoveOrganization is the answer to any attempt to move a user into another
// organization: the directory has no caller who administers two organizations, so no one
// may move users between them.
func ErrMoveOrganization() *Error {
	return &Error{Code: EFORBIDDEN, Field: "data.organizationId",
		Message: "A user cannot be moved to another organization: an admin of the other organization can create an account there instead."}
}

// KeepOrganization applies the rule that no one moves a user between organizations to an
// update sent by a caller of organization orgID: the caller's own organization is no
// change and is dropped from u; any other is FORBIDDEN (ErrMoveOrganization).
func (u *UserUpdate) KeepOrganization(orgID string) error {
	if u.OrganizationID == nil {
		return nil
	}
	if *u.OrganizationID != orgID {
		return ErrMoveOrganization()
	}
	u.OrganizationID = nil
	return nil
}

// OnlyNames reports whether the update changes nothing but names, which is all a USER
// may change of themselves.
func (u *UserUpdate) OnlyNames() bool {
	return u.Email == nil && u.OrganizationID == nil && u.Role == nil && u.Activated == nil
}

// UserService reads and writes users on behalf of the caller found in the context
// (see NewContextWithAuth), applying the contract's authorization rules.
type UserService interface {
	// FindUsers returns one page of the users the caller may see that match filter.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, error)
	// CountUsers returns how many users the caller may see match filter.
	CountUsers(ctx context.Context, filter UserFilter) (int, error)
	// CreateUser adds a user to the caller's organization.
	CreateUser(ctx context.Context, create UserCreate) (*User, error)
	// UpdateUser changes the one user matching filter. It never moves a user to another
	// organization (see UserUpdate.KeepOrganization).
	UpdateUser(ctx context.Context, filter UserFilter, upd UserUpdate) (*User, error)
	// UpdatePassword changes the caller's own password, given the old one, and ends their
	// other sessions. Attempts are limited per account and per client (CredentialLimit).
	UpdatePassword(ctx context.Context, filter UserFilter, change PasswordChange) (*User, error)
	// DeleteUser removes the one user matching filter and returns its id.
	DeleteUser(ctx context.Context, filter UserFilter) (string, error)
}

// PasswordChange is what changing one's own password takes.
type PasswordChange struct {
	Old  string
	New1 string
	New2 string
}

// Limits on what a person may type, in characters.
const (
	MaxNameLength     = 100
	MaxEmailLength    = 254
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// NormalizeEmail trims and lower-cases an email address, as it is stored and compared.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateEmail checks an email address (already normalized) for the field named field.
func ValidateEmail(field, email string) error {
	if email == "" {
		return FieldErrorf(field, "Email is required.")
	}
	if utf8.RuneCountInString(email) > MaxEmailLength {
		return FieldErrorf(field, "Email must be at most %d characters.", MaxEmailLength)
	}
	if hasControl(email) || hasInvisible(email) || strings.ContainsAny(email, " <>\"(),;:") {
		return FieldErrorf(field, "Email %q is not a valid address: use the form name@example.com.", email)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return FieldErrorf(field, "Email %q is not a valid address: use the form name@example.com.", email)
	}
	return nil
}

// ValidateName checks a first or last name for the field named field; label is how the
// person at the screen knows it ("First name").
func ValidateName(field, label, name string) error {
	if strings.TrimFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }) == "" {
		return FieldErrorf(field, "%s cannot be empty.", label)
	}
	if !utf8.ValidString(name) {
		return FieldErrorf(field, "%s is not valid text.", label)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLength {
		return FieldErrorf(field, "%s must be at most %d characters (it has %d).", label, MaxNameLength, n)
	}
	if hasControl(name) {
		return FieldErrorf(field, "%s cannot contain control characters such as tabs or line breaks.", label)
	}
	if hasBidiControl(name) {
		return FieldErrorf(field, "%s cannot contain characters that reverse the direction of text.", label)
	}
	return nil
}

// ValidatePassword checks a new password for the field named field.
func ValidatePassword(field, password string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return FieldErrorf(field, "Password must be at least %d characters.", MinPasswordLength)
	}
	if n > MaxPasswordLength {
		return FieldErrorf(field, "Password must be at most %d characters.", MaxPasswordLength)
	}
	if hasControl(password) || !utf8.ValidString(password) {
		return FieldErrorf(field, "Password cannot contain control characters.")
	}
	return nil
}

// ValidateRole checks a role for the field named field.
func ValidateRole(field string, r Role) error {
	if !r.Valid() {
		return FieldErrorf(field, "Role %q is unknown: use ADMIN or USER.", string(r))
	}
	return nil
}

// Validate checks and normalizes a new user (the email is lower-cased).
func (c *UserCreate) Validate() error {
	c.Email = NormalizeEmail(c.Email)
	if err := ValidateEmail("data.email", c.Email); err != nil {
		return err
	}
	if err := ValidatePassword("data.password", c.Password); err != nil {
		return err
	}
	if err := ValidateRole("data.organizationRole", c.Role); err != nil {
		return err
	}
	if c.Firstname != "" {
		if err := ValidateName("data.firstname", "First name", c.Firstname); err != nil {
			return err
		}
	}
	if c.Lastname != "" {
		if err := ValidateName("data.lastname", "Last name", c.Lastname); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks and normalizes an update (the email is lower-cased).
func (u *UserUpdate) Validate() error {
	if u.Firstname != nil {
		if err := ValidateName("data.firstname", "First name", *u.Firstname); err != nil {
			return err
		}
	}
	if u.Lastname != nil {
		if err := ValidateName("data.lastname", "Last name", *u.Lastname); err != nil {
			return err
		}
	}
	if u.Email != nil {
		e := NormalizeEmail(*u.Email)
		u.Email = &e
		if err := ValidateEmail("data.email", e); err != nil {
			return err
		}
	}
	if u.Role != nil {
		if err := ValidateRole("data.organizationRole", *u.Role); err != nil {
			return err
		}
	}
	if u.OrganizationID != nil && strings.TrimSpace(*u.OrganizationID) == "" {
		return FieldErrorf("data.organizationId", "Organization cannot be empty.")
	}
	return nil
}

// Validate checks the paging and text of a filter.
func (f *UserFilter) Validate() error {
	if f.Offset < 0 {
		return FieldErrorf("skip", "skip cannot be negative (it is %d).", f.Offset)
	}
	if f.Limit < 1 || f.Limit > MaxPageSize {
		return FieldErrorf("first", "first must be between 1 and %d (it is %d).", MaxPageSize, f.Limit)
	}
	if f.Search != nil && utf8.RuneCountInString(*f.Search) > MaxEmailLength {
		return FieldErrorf("where.search", "Search text must be at most %d characters.", MaxEmailLength)
	}
	if f.Search != nil && hasControl(*f.Search) {
		return FieldErrorf("where.search", "Search text cannot contain control characters.")
	}
	for _, o := range f.OrderBy {
		switch o.Field {
		case SortEmail, SortFirstname, SortLastname, SortCreatedAt, SortUpdatedAt, SortRole, SortActivated:
		default:
			return FieldErrorf("orderBy", "Cannot sort by %q.", string(o.Field))
		}
	}
	return nil
}

// hasInvisible reports whether s has a format character (zero-width joiners, direction
// marks and overrides, ...): in an email they make two different addresses look alike.
func hasInvisible(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// hasBidiControl reports whether s has a direction embedding, override or isolate, which
// can make a name display as something else; names may keep other format characters,
// such as the zero-width joiners of many scripts and emoji.
func hasBidiControl(s string) bool {
	for _, r := range s {
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return true
		}
	}
	return false
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}
