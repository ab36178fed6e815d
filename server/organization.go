package server

import "context"

// Organization groups users; an ADMIN manages the users of their own organization.
type Organization struct {
	ID   string
	Name string
}

// OrganizationService reads organizations on behalf of the caller in the context.
type OrganizationService interface {
	// FindOrganizationByID returns one organization the caller may see, or NOT_FOUND.
	FindOrganizationByID(ctx context.Context, id string) (*Organization, error)
	// FindOrganizations returns a page of the organizations the caller may see.
	FindOrganizations(ctx context.Context, page Page) ([]*Organization, error)
	// CountOrganizations returns how many organizations the caller may see.
	CountOrganizations(ctx context.Context) (int, error)
}
