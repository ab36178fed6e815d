package server

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Workspace is a named group of users of one organization (Argilla's workspaces, CVAT's
// groups, Paradime's workspaces).
type Workspace struct {
	ID             string
	OrganizationID string
	Name           string // unique in the organization, compared case-insensitively
	CreatedAt      time.Time
	// MemberCount is how many users belong to it; nil for a caller who may not count
	// them (a USER, who sees only themselves).
	MemberCount *int
}

// WorkspaceFilter selects workspaces. A nil field does not constrain.
type WorkspaceFilter struct {
	ID     *string
	Search *string // case-insensitive substring of the name
}

// Validate checks the length of every text of the filter.
func (f *WorkspaceFilter) Validate() error {
	if err := validateID("id", f.ID); err != nil {
		return err
	}
	if f.Search != nil && utf8.RuneCountInString(*f.Search) > MaxNameLength {
		return FieldErrorf("search", "Search text must be at most %d characters.", MaxNameLength)
	}
	if f.Search != nil && hasControl(*f.Search) {
		return FieldErrorf("search", "Search text cannot contain control characters such as tabs or line breaks.")
	}
	return nil
}

// MaxMembersAtOnce is how many users one request may add to or remove from a workspace.
const MaxMembersAtOnce = MaxIDs

// NormalizeWorkspaceName trims a workspace name, as it is stored.
func NormalizeWorkspaceName(name string) string { return strings.TrimSpace(name) }

// ValidateWorkspaceName checks a workspace name (already normalized) for the field named
// field, as a person's name is checked.
func ValidateWorkspaceName(field, name string) error {
	return ValidateName(field, "Workspace name", name)
}

// ValidateMembers checks the ids of users to add or remove at once.
func ValidateMembers(field string, ids []string) error {
	if len(ids) == 0 {
		return FieldErrorf(field, "Choose at least one user.")
	}
	if len(ids) > MaxMembersAtOnce {
		return FieldErrorf(field, "At most %d users can be added or removed at once (there are %d): do it in several steps.", MaxMembersAtOnce, len(ids))
	}
	for i := range ids {
		if err := validateID(field, &ids[i]); err != nil {
			return err
		}
	}
	return nil
}

// WorkspaceService reads and writes the workspaces of the caller's organization. An
// ADMIN manages them; a USER sees the workspaces they belong to.
type WorkspaceService interface {
	// FindWorkspaces returns one page of the workspaces the caller may see that match
	// filter, by name.
	FindWorkspaces(ctx context.Context, filter WorkspaceFilter, page Page) ([]*Workspace, error)
	// CountWorkspaces returns how many workspaces the caller may see match filter.
	CountWorkspaces(ctx context.Context, filter WorkspaceFilter) (int, error)
	// UserWorkspaces returns a page of the workspaces of the user with id, by name: any
	// user of an ADMIN's organization, or a USER themselves.
	UserWorkspaces(ctx context.Context, userID string, page Page) ([]*Workspace, error)
	// UsersWorkspaces returns, in one read, the first perUser workspaces by name of each
	// of the users with userIDs that the caller may see as UserWorkspaces does (a page of
	// the user list); the others are left out of the map.
	UsersWorkspaces(ctx context.Context, userIDs []string, perUser int) (map[string][]*Workspace, error)
	// CreateWorkspace adds a workspace to the caller's organization.
	CreateWorkspace(ctx context.Context, name string) (*Workspace, error)
	// RenameWorkspace changes the name of a workspace.
	RenameWorkspace(ctx context.Context, id, name string) (*Workspace, error)
	// DeleteWorkspace removes a workspace; one that has members only when evenIfNotEmpty
	// (its users stay, outside it).
	DeleteWorkspace(ctx context.Context, id string, evenIfNotEmpty bool) error
	// AddWorkspaceMembers puts users of the caller's organization in a workspace; those
	// already in it stay. All or none: an unknown user changes nothing.
	AddWorkspaceMembers(ctx context.Context, id string, userIDs []string) (*Workspace, error)
	// RemoveWorkspaceMembers takes users out of a workspace; those not in it are no
	// change. All or none, as AddWorkspaceMembers.
	RemoveWorkspaceMembers(ctx context.Context, id string, userIDs []string) (*Workspace, error)
}
