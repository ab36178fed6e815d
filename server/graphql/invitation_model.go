package graphql

import (
	"time"

	gql "github.com/99designs/gqlgen/graphql"

	"useradmin/server"
)

// Invitation is a server.Invitation as the schema's Invitation shows it.
type Invitation struct {
	ID               string
	Email            string
	OrganizationRole server.Role
	Status           server.InvitationStatus
	CreatedAt        time.Time
	SentAt           time.Time
	ExpiresAt        time.Time
	InvitedBy        *User
}

// invitation writes inv as the schema's Invitation, nil as nil.
func invitation(inv *server.Invitation) *Invitation {
	if inv == nil {
		return nil
	}
	return &Invitation{ID: inv.ID, Email: inv.Email, OrganizationRole: inv.Role, Status: inv.Status,
		CreatedAt: inv.CreatedAt, SentAt: inv.SentAt, ExpiresAt: inv.ExpiresAt, InvitedBy: user(inv.InvitedBy)}
}

// InvitationResult is the answer of inviteUsers for one address.
type InvitationResult struct {
	Email             string
	Status            server.InvitationOutcome
	Message           string
	Invitation        *Invitation
	Link              *string
	Mailed            bool
	RetryAfterSeconds *int
}

// InvitationLink is a new link of an invitation.
type InvitationLink struct {
	Invitation Invitation
	Link       string
	Mailed     bool
}

// InvitationPreview is what the holder of an invitation link sees.
type InvitationPreview struct {
	Email            string
	OrganizationRole server.Role
	OrganizationName string
	InvitedBy        *string
	ExpiresAt        time.Time
}

// ParadimeResult is the { ok } of Paradime's mutations.
type ParadimeResult struct {
	Ok bool
}

// MarshalInvitationStatus writes an InvitationStatus.
func MarshalInvitationStatus(s server.InvitationStatus) gql.Marshaler {
	return MarshalString(string(s))
}

// UnmarshalInvitationStatus reads an InvitationStatus.
func UnmarshalInvitationStatus(v any) (server.InvitationStatus, error) {
	if s, ok := v.(string); ok && server.InvitationStatus(s).Valid() {
		return server.InvitationStatus(s), nil
	}
	return "", &inputError{want: "one of PENDING, ACCEPTED, EXPIRED, REVOKED", got: v}
}

// MarshalInvitationOutcome writes an InvitationResultStatus.
func MarshalInvitationOutcome(o server.InvitationOutcome) gql.Marshaler {
	return MarshalString(string(o))
}

// UnmarshalInvitationOutcome reads an InvitationResultStatus (only ever written).
func UnmarshalInvitationOutcome(v any) (server.InvitationOutcome, error) {
	if s, ok := v.(string); ok {
		return server.InvitationOutcome(s), nil
	}
	return "", &inputError{want: "an InvitationResultStatus", got: v}
}

// accountTypes are the values of UserAccountType, as the schema lists them.
var accountTypes = []string{"ADMIN", "DEVELOPER", "BUSINESS", "ANALYST", "WORKSPACE_ADMIN", "WORKSPACE_SETTINGS_ADMIN", "BILLING_ADMIN", "SECURITY_ADMIN"}

// MarshalAccountType writes a UserAccountType.
func MarshalAccountType(t string) gql.Marshaler { return MarshalString(t) }

// UnmarshalAccountType reads a UserAccountType: any of Paradime's, which the resolvers
// then map to a role or refuse with the accepted ones named.
func UnmarshalAccountType(v any) (string, error) {
	if s, ok := v.(string); ok {
		for _, t := range accountTypes {
			if s == t {
				return s, nil
			}
		}
	}
	return "", &inputError{want: "one of " + joinNames(accountTypes), got: v}
}

// MarshalInviteStatus writes an InviteStatus.
func MarshalInviteStatus(s string) gql.Marshaler { return MarshalString(s) }

// UnmarshalInviteStatus reads an InviteStatus (only ever written).
func UnmarshalInviteStatus(v any) (string, error) {
	if s, ok := v.(string); ok && (s == "ACTIVE" || s == "EXPIRED") {
		return s, nil
	}
	return "", &inputError{want: "one of ACTIVE, EXPIRED", got: v}
}
