package graphql

import (
	"context"

	"useradmin/server"
)

// Organizations answers Query.organizations.
func (r *queryResolver) Organizations(ctx context.Context, first int, skip int) ([]server.Organization, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	orgs, err := r.orgs.FindOrganizations(ctx, server.Page{Offset: skip, Limit: first})
	if err != nil {
		return nil, inContract(err, pageFields)
	}
	return derefAll(orgs), nil
}

// CountOrganizations answers Query.countOrganizations.
func (r *queryResolver) CountOrganizations(ctx context.Context) (int, error) {
	if err := authenticated(ctx); err != nil {
		return 0, err
	}
	return r.orgs.CountOrganizations(ctx)
}
