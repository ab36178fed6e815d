package graphql

import (
	"context"

	gql "github.com/graph-gophers/graphql-go"

	"useradmin/server"
)

// Organizations answers Query.organizations.
func (r *resolver) Organizations(ctx context.Context, args struct {
	First PageSize
	Skip  int32
}) ([]*organizationResolver, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, err
	}
	limit, err := args.First.value("first")
	if err != nil {
		return nil, err
	}
	// The paging rules are the same as for users.
	page := server.UserFilter{Offset: int(args.Skip), Limit: limit}
	if err := page.Validate(); err != nil {
		return nil, err
	}
	orgs, err := r.orgs.FindOrganizations(ctx, page.Offset, page.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]*organizationResolver, len(orgs))
	for i, o := range orgs {
		out[i] = &organizationResolver{o}
	}
	return out, nil
}

// CountOrganizations answers Query.countOrganizations.
func (r *resolver) CountOrganizations(ctx context.Context) (int32, error) {
	if err := r.authenticated(ctx); err != nil {
		return 0, err
	}
	n, err := r.orgs.CountOrganizations(ctx)
	return int32(n), err
}

// organizationResolver resolves the fields of an Organization.
type organizationResolver struct {
	o *server.Organization
}

// ID resolves Organization.id.
func (o *organizationResolver) ID() gql.ID { return gql.ID(o.o.ID) }

// Name resolves Organization.name.
func (o *organizationResolver) Name() string { return o.o.Name }
