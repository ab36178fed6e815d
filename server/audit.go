package server

import (
	"context"
	"slices"
	"time"
)

// AuditAction names what an audit event records.
type AuditAction string

// The actions the directory records. Each write of the store records one or more, in the
// same transaction as the write: a write that is refused records nothing.
const (
	AuditUserCreated             AuditAction = "USER_CREATED"
	AuditUserUpdated             AuditAction = "USER_UPDATED" // names, email or username
	AuditRoleChanged             AuditAction = "ROLE_CHANGED"
	AuditUserActivated           AuditAction = "USER_ACTIVATED"
	AuditUserDeactivated         AuditAction = "USER_DEACTIVATED"
	AuditUserDeleted             AuditAction = "USER_DELETED"
	AuditPasswordChanged         AuditAction = "PASSWORD_CHANGED"
	AuditPasswordResetIssued     AuditAction = "PASSWORD_RESET_ISSUED"
	AuditPasswordResetCompleted  AuditAction = "PASSWORD_RESET_COMPLETED"
	AuditAPIKeyCreated           AuditAction = "API_KEY_CREATED"
	AuditAPIKeyRevoked           AuditAction = "API_KEY_REVOKED"
	AuditSignedIn                AuditAction = "SIGNED_IN"
	AuditSignedOut               AuditAction = "SIGNED_OUT"
	AuditInvitationSent          AuditAction = "INVITATION_SENT"
	AuditInvitationResent        AuditAction = "INVITATION_RESENT"
	AuditInvitationLinkCreated   AuditAction = "INVITATION_LINK_CREATED"
	AuditInvitationRevoked       AuditAction = "INVITATION_REVOKED"
	AuditInvitationAccepted      AuditAction = "INVITATION_ACCEPTED"
	AuditEmbedTokenCreated       AuditAction = "EMBED_TOKEN_CREATED"
	AuditWorkspaceCreated        AuditAction = "WORKSPACE_CREATED"
	AuditWorkspaceRenamed        AuditAction = "WORKSPACE_RENAMED"
	AuditWorkspaceDeleted        AuditAction = "WORKSPACE_DELETED"
	AuditWorkspaceMembersAdded   AuditAction = "WORKSPACE_MEMBERS_ADDED"
	AuditWorkspaceMembersRemoved AuditAction = "WORKSPACE_MEMBERS_REMOVED"
	// AuditUsersImported is one batch of an import run: its counts, not its rows, which
	// record their own events.
	AuditUsersImported AuditAction = "USERS_IMPORTED"
)

// AuditActions lists every action, in the order the schema lists them.
var AuditActions = []AuditAction{
	AuditUserCreated, AuditUserUpdated, AuditRoleChanged, AuditUserActivated, AuditUserDeactivated,
	AuditUserDeleted, AuditPasswordChanged, AuditPasswordResetIssued, AuditPasswordResetCompleted,
	AuditAPIKeyCreated, AuditAPIKeyRevoked, AuditSignedIn, AuditSignedOut, AuditInvitationSent,
	AuditInvitationResent, AuditInvitationLinkCreated, AuditInvitationRevoked, AuditInvitationAccepted,
	AuditEmbedTokenCreated, AuditWorkspaceCreated, AuditWorkspaceRenamed, AuditWorkspaceDeleted,
	AuditWorkspaceMembersAdded, AuditWorkspaceMembersRemoved,
	AuditUsersImported,
	AuditExportCreated,
}

// Valid reports whether a is one of AuditActions.
func (a AuditAction) Valid() bool {
	return slices.Contains(AuditActions, a)
}

// AuditChange is one field a write changed, with its value before and after as text; nil
// when there was none (a new user has no old email). Secrets never appear: a password
// change records that it happened, not the password or its hash.
type AuditChange struct {
	Field string
	Old   *string
	New   *string
}

// AuditEvent is one recorded write. Actor is who made it: the caller, or, for signIn,
// acceptInvitation and completePasswordReset, which need no key, the user they are about;
// none for the program itself (seeding, the command line). Emails are as they were at the
// time, so that the event reads the same after the people change or go.
type AuditEvent struct {
	ID             string
	OrganizationID string
	Action         AuditAction
	At             time.Time
	ActorID        string // "" for the program itself
	ActorEmail     string
	ActorKeyID     string // the API key or session the actor used; "" for none
	UserID         string // the user the event is about; "" for none
	UserEmail      string
	InvitationID   string // the invitation the event is about; "" for none
	APIKeyID       string // the key or session the event is about; "" for none
	ClientAddress  string // "" when unknown, or hidden from the reader
	Changes        []AuditChange
}

// AuditFilter selects audit events. A nil field does not constrain.
type AuditFilter struct {
	UserID  *string      // events about this user
	ActorID *string      // events made by this user
	Since   *time.Time   // events at or after this instant
	Action  *AuditAction // events of this action
}

// Validate checks the filter's texts and action.
func (f *AuditFilter) Validate() error {
	if err := validateID("userId", f.UserID); err != nil {
		return err
	}
	if err := validateID("actorId", f.ActorID); err != nil {
		return err
	}
	if f.Action != nil && !f.Action.Valid() {
		return FieldErrorf("action", "Action %q is unknown: pick one of the actions the directory records.", string(*f.Action))
	}
	return nil
}

// DefaultAuditRetention is how long audit events are kept unless configured: 400 days, a
// year and a month, so that a year ago's changes can still be compared with today's.
const DefaultAuditRetention = 400 * 24 * time.Hour

// AuditService reads the audit trail on behalf of the caller in the context. An ADMIN
// reads the events of their organization; a USER only the events about themselves, with
// the client address of those they made; another organization's events are never found.
type AuditService interface {
	// FindAuditEvents returns a page of the events the caller may read that match filter,
	// newest first.
	FindAuditEvents(ctx context.Context, filter AuditFilter, page Page) ([]*AuditEvent, error)
	// CountAuditEvents returns how many events the caller may read match filter.
	CountAuditEvents(ctx context.Context, filter AuditFilter) (int, error)
}
