package server

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// InvitationStatus is where an invitation stands.
type InvitationStatus string

// The statuses of the contract's InvitationStatus enum. An invitation is PENDING until it
// is accepted, revoked, or its links expire (EXPIRED, which resending undoes).
const (
	InvitationPending  InvitationStatus = "PENDING"
	InvitationAccepted InvitationStatus = "ACCEPTED"
	InvitationExpired  InvitationStatus = "EXPIRED"
	InvitationRevoked  InvitationStatus = "REVOKED"
)

// Valid reports whether s is one of the known statuses.
func (s InvitationStatus) Valid() bool {
	switch s {
	case InvitationPending, InvitationAccepted, InvitationExpired, InvitationRevoked:
		return true
	}
	return false
}

// Invitation asks a person, by their email address, to join an organization with a role.
// Its links are one-time secrets that only the store's hashes remember.
type Invitation struct {
	ID             string
	Email          string // lower-case
	Role           Role
	Status         InvitationStatus
	OrganizationID string
	CreatedAt      time.Time
	// SentAt is when the invitation was last sent (made or resent).
	SentAt time.Time
	// ExpiresAt is when its links stop working; resending starts a new period.
	ExpiresAt time.Time
	// InvitedBy is the admin who made it, nil when that user was deleted since.
	InvitedBy *User
}

// IssuedInvitation is an invitation with the secret of a link just made for it: the one
// moment the link can be shown.
type IssuedInvitation struct {
	Invitation *Invitation
	Token      string
}

// InvitationOutcome is what inviting one address came to.
type InvitationOutcome string

// The outcomes of the contract's InvitationResultStatus enum.
const (
	InviteInvited        InvitationOutcome = "INVITED"
	InviteAlreadyUser    InvitationOutcome = "ALREADY_USER"
	InviteAlreadyInvited InvitationOutcome = "ALREADY_INVITED"
	InviteInvalid        InvitationOutcome = "INVALID"
	InviteRateLimited    InvitationOutcome = "RATE_LIMITED"
)

// InvitationResult is the answer for one address of an InviteUsers call.
type InvitationResult struct {
	Email   string // as sent, normalized (and clipped when far too long)
	Outcome InvitationOutcome
	Message string // a sentence for the admin
	// Invitation is the new one (INVITED) or the pending one (ALREADY_INVITED).
	Invitation *Invitation
	// Token is the new invitation's link secret (INVITED only).
	Token string
	// RetryAfter says, on RATE_LIMITED, when the organization may send again.
	RetryAfter time.Duration
}

// InvitationFilter selects invitations. A nil or empty field does not constrain.
type InvitationFilter struct {
	Statuses []InvitationStatus
	Search   *string // a case-insensitive substring of the email
}

// Validate checks the filter's statuses and the length of its search.
func (f *InvitationFilter) Validate() error {
	if len(f.Statuses) > 4 {
		return FieldErrorf("status", "Ask for at most the 4 statuses, each once.")
	}
	for _, s := range f.Statuses {
		if !s.Valid() {
			return FieldErrorf("status", "Status %q is unknown: use PENDING, ACCEPTED, EXPIRED or REVOKED.", string(s))
		}
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

// InvitationPreview is what the holder of an invitation link may see before accepting it.
type InvitationPreview struct {
	Email            string
	Role             Role
	OrganizationName string
	InvitedByName    string // the inviter's name or email, "" when they were deleted
	ExpiresAt        time.Time
}

// InvitationAccept is what accepting an invitation takes: the person's names and their
// first password. The email is the invitation's.
type InvitationAccept struct {
	Firstname string
	Lastname  string
	Password  string
}

// Validate checks the names (the first name is required) and the password.
func (a *InvitationAccept) Validate() error {
	a.Firstname, a.Lastname = strings.TrimSpace(a.Firstname), strings.TrimSpace(a.Lastname)
	if err := ValidateName("firstname", "First name", a.Firstname); err != nil {
		return err
	}
	if a.Lastname != "" {
		if err := ValidateName("lastname", "Last name", a.Lastname); err != nil {
			return err
		}
	}
	return ValidatePassword("password", a.Password)
}

// Limits on invitations.
const (
	// MaxInvitations is how many addresses one InviteUsers call may hold.
	MaxInvitations = 100
	// DefaultInvitationLifetime is how long an invitation's links work by default.
	DefaultInvitationLifetime = 7 * 24 * time.Hour
	// MaxInvitationLinks is how many working links an invitation keeps: making another
	// retires the oldest.
	MaxInvitationLinks = 5
)

// ValidateInvitees checks the size of the list of addresses of an InviteUsers call; each
// address is checked on its own, and a bad one is a result, not a failure of the call.
func ValidateInvitees(emails []string) error {
	if len(emails) == 0 {
		return FieldErrorf("emails", "Give at least one email address to invite.")
	}
	if len(emails) > MaxInvitations {
		return FieldErrorf("emails", "At most %d addresses can be invited at once (there are %d): invite the rest in another call.", MaxInvitations, len(emails))
	}
	return nil
}

// InvitationLimit bounds how many invitation emails an organization may send (new
// invitations and resends) within a window, counted in the store so that it holds across
// instances.
type InvitationLimit struct {
	Mails  int           // 0 means DefaultInvitationMails
	Window time.Duration // 0 means DefaultInvitationWindow
}

// The default InvitationLimit: 200 invitation emails an hour per organization.
const (
	DefaultInvitationMails  = 200
	DefaultInvitationWindow = time.Hour
)

// OrDefault returns l with its zero fields set to the defaults.
func (l InvitationLimit) OrDefault() InvitationLimit {
	if l.Mails <= 0 {
		l.Mails = DefaultInvitationMails
	}
	if l.Window <= 0 {
		l.Window = DefaultInvitationWindow
	}
	return l
}

// InvitationService manages invitations on behalf of the caller in the context; only an
// ADMIN may, and only for their own organization. Accepting needs no caller: the link's
// token is the credential, limited per client as reset tokens are.
type InvitationService interface {
	// InviteUsers invites each address to the caller's organization with role, each on
	// its own: a result per address, in order.
	InviteUsers(ctx context.Context, emails []string, role Role) ([]*InvitationResult, error)
	// FindInvitations returns a page of the organization's invitations that match
	// filter, newest first.
	FindInvitations(ctx context.Context, filter InvitationFilter, page Page) ([]*Invitation, error)
	// CountInvitations returns how many of the organization's invitations match filter.
	CountInvitations(ctx context.Context, filter InvitationFilter) (int, error)
	// ResendInvitation makes a new link for a pending or expired invitation, valid for a
	// new period; the links made before stop working.
	ResendInvitation(ctx context.Context, id string) (*IssuedInvitation, error)
	// CreateInvitationLink makes another link for a pending invitation, for the admin to
	// hand over; the links made before keep working (up to MaxInvitationLinks).
	CreateInvitationLink(ctx context.Context, id string) (*IssuedInvitation, error)
	// RevokeInvitation withdraws a pending or expired invitation: its links stop working.
	RevokeInvitation(ctx context.Context, id string) (*Invitation, error)
	// FindInvitationByToken returns what the holder of a working link may see.
	FindInvitationByToken(ctx context.Context, token string) (*InvitationPreview, error)
	// AcceptInvitation creates the invited user in the invitation's organization with its
	// role, marks the invitation ACCEPTED and opens a session for the new user.
	AcceptInvitation(ctx context.Context, token string, accept InvitationAccept) (*Session, error)
}

// InvitationMail is one invitation to deliver by email.
type InvitationMail struct {
	To           string
	Link         string
	ExpiresAt    time.Time
	Organization string
	InvitedBy    string // the inviter's name or email
}

// ValidateInvitationID checks the id of an invitation an ADMIN names.
func ValidateInvitationID(id string) error {
	if id == "" {
		return FieldErrorf("id", "Say which invitation: its id is missing.")
	}
	return validateID("id", &id)
}
