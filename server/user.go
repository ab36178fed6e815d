package server

import (
	"context"
	"net/mail"
	"slices"
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
	Username       string     // unique in the directory, compared case-insensitively
	LastSignedInAt *time.Time // nil: never signed in
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
	// Usernames and last sign-in.
	SortUsername       SortField = "USERNAME"
	SortLastSignedInAt SortField = "LAST_SIGNED_IN_AT"
)

// SortFields are the fields users can be sorted by, in the contract's order.
var SortFields = []SortField{SortEmail, SortFirstname, SortLastname, SortCreatedAt, SortUpdatedAt, SortRole, SortActivated,
	SortUsername, SortLastSignedInAt}

// Valid reports whether f is one of SortFields.
func (f SortField) Valid() bool {
	return slices.Contains(SortFields, f)
}

// UserOrder is one key of a sort: a field and a direction.
type UserOrder struct {
	Field SortField
	Desc  bool
}

// MaxPageSize is the largest page a caller may ask for (Kili's SDK asks for at most 100).
const MaxPageSize = 100

// Page is which part of a list to read: Limit items after the first Offset ones.
type Page struct {
	Offset int
	Limit  int
}

// Validate checks that the page is within the limits.
func (p Page) Validate() error {
	if p.Offset < 0 {
		return FieldErrorf("offset", "The number of items to skip cannot be negative (it is %d).", p.Offset)
	}
	if p.Limit < 1 || p.Limit > MaxPageSize {
		return FieldErrorf("limit", "A page holds from 1 to %d items (%d were asked for).", MaxPageSize, p.Limit)
	}
	return nil
}

// ValidateOrder checks the keys of a sort: known fields, each at most once.
func ValidateOrder(order []UserOrder) error {
	if len(order) > len(SortFields) {
		return FieldErrorf("order", "A sort can have at most %d keys, one per field (it has %d).", len(SortFields), len(order))
	}
	for _, o := range order {
		if !o.Field.Valid() {
			return FieldErrorf("order", "Cannot sort by %q.", string(o.Field))
		}
	}
	return nil
}

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
	Username       *string // compared case-insensitively
	WorkspaceID    *string // members of this workspace
	// SignedInBefore selects the users who last signed in before it (not those who never
	// did); NeverSignedIn true those who never signed in, false those who did.
	SignedInBefore *time.Time
	NeverSignedIn  *bool
}

// Limits on what a filter may hold: no id, email or key is longer, and SQLite takes a
// bounded number of parameters in one statement.
const (
	MaxIDLength     = 64
	MaxKeyLength    = 128
	MaxIDs          = 1000
	MaxSearchLength = MaxEmailLength
)

// Validate checks the length of every text of the filter, and its search text, which no
// name or email can match if it holds a control character (and the full-text index
// cannot take a NUL).
func (f *UserFilter) Validate() error {
	if err := validateID("id", f.ID); err != nil {
		return err
	}
	if n := len(f.IDIn); n > MaxIDs {
		return FieldErrorf("idIn", "At most %d ids can be asked for at once (there are %d): ask in several requests.", MaxIDs, n)
	}
	for i := range f.IDIn {
		if err := validateID("idIn", &f.IDIn[i]); err != nil {
			return err
		}
	}
	if err := validateID("organizationId", f.OrganizationID); err != nil {
		return err
	}
	if f.Email != nil && utf8.RuneCountInString(*f.Email) > MaxEmailLength {
		return FieldErrorf("email", "Email must be at most %d characters.", MaxEmailLength)
	}
	if f.APIKey != nil && len(*f.APIKey) > MaxKeyLength {
		return FieldErrorf("apiKey", "An API key has at most %d characters: check the one sent.", MaxKeyLength)
	}
	if f.Role != nil {
		if err := ValidateRole("role", *f.Role); err != nil {
			return err
		}
	}
	if f.Username != nil && len(*f.Username) > MaxUsernameLength {
		return FieldErrorf("username", "A username has at most %d characters: check the one sent.", MaxUsernameLength)
	}
	if err := validateID("workspaceId", f.WorkspaceID); err != nil {
		return err
	}
	if f.Search != nil {
		if utf8.RuneCountInString(*f.Search) > MaxSearchLength {
			return FieldErrorf("search", "Search text must be at most %d characters.", MaxSearchLength)
		}
		if hasControl(*f.Search) {
			return FieldErrorf("search", "Search text cannot contain control characters such as tabs or line breaks.")
		}
	}
	return nil
}

// ValidateID checks the length of an id sent on its own (a key's, an invitation's), which
// the directory makes far shorter: a longer one names nothing and is refused on field.
func ValidateID(field, id string) error {
	return validateID(field, &id)
}

// validateID checks the length of an id, which the directory makes far shorter.
func validateID(field string, id *string) error {
	if id != nil && len(*id) > MaxIDLength {
		return FieldErrorf(field, "An id has at most %d characters: check the one sent.", MaxIDLength)
	}
	return nil
}

// UserRef names the one user a write is about: their id, and, as a precondition, the
// updatedAt the caller last read (nil: none). A write whose precondition the stored user
// no longer meets is refused with CONFLICT and the user as stored now.
type UserRef struct {
	ID        string
	UpdatedAt *time.Time
}

// Validate checks the id.
func (r UserRef) Validate() error {
	if r.ID == "" {
		return FieldErrorf("id", "Say which user: their id is missing.")
	}
	return validateID("id", &r.ID)
}

// UserCreate is what creating a user takes.
type UserCreate struct {
	Email          string
	Password       string
	Role           Role
	Firstname      string
	Lastname       string
	OrganizationID string // empty: the caller's organization
	Username       string // empty: made from the email (see UsernameFromEmail)
}

// UserUpdate holds the changes to a user. A nil field is left as it is.
type UserUpdate struct {
	Firstname      *string
	Lastname       *string
	Email          *string
	OrganizationID *string
	Role           *Role
	Activated      *bool
	Username       *string
}

// ErrMoveOrganization is the answer to any attempt to move a user into another
// organization: the directory has no caller who administers two organizations, so no one
// may move users between them.
func ErrMoveOrganization() *Error {
	return &Error{Code: EFORBIDDEN, Field: "organizationId",
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
	return u.Email == nil && u.OrganizationID == nil && u.Role == nil && u.Activated == nil && u.Username == nil
}

// UserService reads and writes users on behalf of the caller found in the context
// (see NewContextWithAuth), applying the contract's authorization rules.
type UserService interface {
	// FindUsers returns one page of the users the caller may see that match filter,
	// sorted by order, then by createdAt and id.
	FindUsers(ctx context.Context, filter UserFilter, page Page, order []UserOrder) ([]*User, error)
	// CountUsers returns how many users the caller may see match filter.
	CountUsers(ctx context.Context, filter UserFilter) (int, error)
	// CreateUser adds a user to the caller's organization.
	CreateUser(ctx context.Context, create UserCreate) (*User, error)
	// UpdateUser changes the user ref names. It never moves a user to another
	// organization (see UserUpdate.KeepOrganization).
	UpdateUser(ctx context.Context, ref UserRef, upd UserUpdate) (*User, error)
	// UpdatePassword changes the caller's own password, given the old one, and ends their
	// other sessions; ref must name the caller. Attempts are limited per account and per
	// client (CredentialLimit).
	UpdatePassword(ctx context.Context, ref UserRef, change PasswordChange) (*User, error)
	// DeleteUser removes the user ref names.
	DeleteUser(ctx context.Context, ref UserRef) error
}

// PasswordChange is what changing one's own password takes: the current password, and
// the new one twice.
type PasswordChange struct {
	Old  string
	New1 string
	New2 string
}

// Validate checks the new password, and that it was typed the same twice.
func (c *PasswordChange) Validate() error {
	if c.New1 != c.New2 {
		return FieldErrorf("newPasswordAgain", "The two new passwords differ: type the same password twice.")
	}
	return ValidatePassword("newPassword", c.New1)
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
	if err := ValidateEmail("email", c.Email); err != nil {
		return err
	}
	if err := ValidatePassword("password", c.Password); err != nil {
		return err
	}
	if err := ValidateRole("role", c.Role); err != nil {
		return err
	}
	if c.Username != "" {
		c.Username = strings.TrimSpace(c.Username)
		if err := ValidateUsername("username", c.Username); err != nil {
			return err
		}
	}
	if c.Firstname != "" {
		if err := ValidateName("firstname", "First name", c.Firstname); err != nil {
			return err
		}
	}
	if c.Lastname != "" {
		if err := ValidateName("lastname", "Last name", c.Lastname); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks and normalizes an update (the email is lower-cased).
func (u *UserUpdate) Validate() error {
	if u.Firstname != nil {
		if err := ValidateName("firstname", "First name", *u.Firstname); err != nil {
			return err
		}
	}
	if u.Lastname != nil {
		if err := ValidateName("lastname", "Last name", *u.Lastname); err != nil {
			return err
		}
	}
	if u.Email != nil {
		e := NormalizeEmail(*u.Email)
		u.Email = &e
		if err := ValidateEmail("email", e); err != nil {
			return err
		}
	}
	if u.Role != nil {
		if err := ValidateRole("role", *u.Role); err != nil {
			return err
		}
	}
	if u.Username != nil {
		name := strings.TrimSpace(*u.Username)
		u.Username = &name
		if err := ValidateUsername("username", name); err != nil {
			return err
		}
	}
	if u.OrganizationID != nil && strings.TrimSpace(*u.OrganizationID) == "" {
		return FieldErrorf("organizationId", "Organization cannot be empty.")
	}
	return validateID("organizationId", u.OrganizationID)
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
