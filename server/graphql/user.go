package graphql

import (
	"context"

	"useradmin/server"
)

// filter turns where into a server.UserFilter.
func (w *UserWhere) filter() server.UserFilter {
	if w == nil {
		return server.UserFilter{}
	}
	f := server.UserFilter{
		ID: w.ID, IDIn: w.IDIn, Email: w.Email, APIKey: w.APIKey, Activated: w.Activated,
		Search: w.Search, Role: w.OrganizationRole,
		Username: w.Username, WorkspaceID: w.WorkspaceID, SignedInBefore: w.LastSignedInBefore, NeverSignedIn: w.NeverSignedIn,
	}
	if w.Organization != nil {
		f.OrganizationID = w.Organization.ID
	}
	return f
}

// one resolves Kili's where, a filter, to the one user a write is about, with the
// precondition where.updatedAt: none matching is NOT_FOUND, several BAD_USER_INPUT.
func (r *resolver) one(ctx context.Context, where *UserWhere) (server.UserRef, error) {
	users, err := r.users.FindUsers(ctx, where.filter(), server.Page{Limit: 2}, nil)
	if err != nil {
		return server.UserRef{}, inContract(err, whereFields)
	}
	switch len(users) {
	case 0:
		return server.UserRef{}, server.Errorf(server.ENOTFOUND, "User not found.")
	case 1:
		return server.UserRef{ID: users[0].ID, UpdatedAt: where.UpdatedAt}, nil
	}
	return server.UserRef{}, server.FieldErrorf("where", "More than one user matches: filter by id or email to pick exactly one.")
}

// Users answers Query.users.
func (r *queryResolver) Users(ctx context.Context, where UserWhere, first int, skip int, orderBy []UserOrderBy) ([]User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	order := make([]server.UserOrder, len(orderBy))
	for i, o := range orderBy {
		order[i] = server.UserOrder{Field: o.Field, Desc: o.Direction}
	}
	users, err := r.users.FindUsers(ctx, where.filter(), server.Page{Offset: skip, Limit: first}, order)
	if err != nil {
		return nil, inContract(err, whereFields, pageFields)
	}
	out := make([]User, len(users))
	page := newUserPage(users)
	for i, u := range users {
		out[i] = User{User: u, page: page}
	}
	return out, nil
}

// CountUsers answers Query.countUsers.
func (r *queryResolver) CountUsers(ctx context.Context, where UserWhere) (int, error) {
	if err := authenticated(ctx); err != nil {
		return 0, err
	}
	n, err := r.users.CountUsers(ctx, where.filter())
	return n, inContract(err, whereFields)
}

// Viewer answers Query.viewer: the caller.
func (r *queryResolver) Viewer(ctx context.Context) (*User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	return user(server.UserFromContext(ctx)), nil
}

// Me answers Query.me, Kili's older name for viewer.
func (r *queryResolver) Me(ctx context.Context) (*User, error) { return r.Viewer(ctx) }

// CreateUser answers Mutation.createUser.
func (r *mutationResolver) CreateUser(ctx context.Context, data CreateUserData) (*User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	c := server.UserCreate{
		Email:     data.Email,
		Password:  data.Password,
		Role:      data.OrganizationRole,
		Firstname: deref(data.Firstname),
		Lastname:  deref(data.Lastname),
		Username:  deref(data.Username),
	}
	u, err := r.users.CreateUser(ctx, c)
	return user(u), inContract(err, dataFields)
}

// UpdatePropertiesInUser answers Mutation.updatePropertiesInUser.
func (r *mutationResolver) UpdatePropertiesInUser(ctx context.Context, data UserData, where UserWhere) (*User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	ref, err := (*resolver)(r).one(ctx, &where)
	if err != nil {
		return nil, err
	}
	upd := server.UserUpdate{
		Firstname:      data.Firstname,
		Lastname:       data.Lastname,
		Email:          data.Email,
		OrganizationID: data.OrganizationID,
		Role:           data.OrganizationRole,
		Activated:      data.Activated,
		Username:       data.Username,
	}
	u, err := r.users.UpdateUser(ctx, ref, upd)
	return user(u), inContract(err, dataFields)
}

// UpdatePassword answers Mutation.updatePassword.
func (r *mutationResolver) UpdatePassword(ctx context.Context, data UpdatePasswordData, where UserWhere) (*User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	ref, err := (*resolver)(r).one(ctx, &where)
	if err != nil {
		return nil, err
	}
	change := server.PasswordChange{Old: data.OldPassword, New1: data.NewPassword1, New2: data.NewPassword2}
	u, err := r.users.UpdatePassword(ctx, ref, change)
	return user(u), inContract(err, passwordFields)
}

// DeleteUser answers Mutation.deleteUser.
func (r *mutationResolver) DeleteUser(ctx context.Context, where UserWhere) (string, error) {
	if err := authenticated(ctx); err != nil {
		return "", err
	}
	ref, err := (*resolver)(r).one(ctx, &where)
	if err != nil {
		return "", err
	}
	if err := r.users.DeleteUser(ctx, ref); err != nil {
		return "", err
	}
	return ref.ID, nil
}

// Organization resolves User.organization: null when the caller may not see it.
func (r *userResolver) Organization(ctx context.Context, u *User) (*server.Organization, error) {
	o, err := r.orgs.FindOrganizationByID(ctx, u.OrganizationID)
	switch server.ErrorCode(err) {
	case "":
		return o, nil
	case server.ENOTFOUND, server.EFORBIDDEN:
		return nil, nil
	}
	return nil, err
}

// APIKeys resolves User.apiKeys.
func (r *userResolver) APIKeys(ctx context.Context, u *User) ([]APIKeyInfo, error) {
	keys, err := r.auth.FindAPIKeys(ctx, server.APIKeyFilter{UserID: &u.ID}, server.Page{Limit: server.MaxPageSize})
	if err != nil {
		return nil, err
	}
	return keyInfos(keys), nil
}

func derefAll[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func keyInfos(keys []*server.APIKey) []APIKeyInfo {
	out := make([]APIKeyInfo, len(keys))
	for i, k := range keys {
		out[i] = APIKeyInfo{APIKey: k}
	}
	return out
}
