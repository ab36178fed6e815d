package graphql

import (
	"context"
	"strings"
	"unicode"

	"useradmin/server"
)

// filter turns where (the argument named field) into a server.UserFilter.
func (w *UserWhere) filter(field string) (server.UserFilter, error) {
	var f server.UserFilter
	if w == nil {
		return f, nil
	}
	if w.IDIn != nil {
		if n := len(w.IDIn); n > MaxIDs {
			// SQLite takes a bounded number of parameters in one statement.
			return f, server.FieldErrorf(field+".idIn", "%s.idIn can hold at most %d ids (it has %d): ask in several requests.", field, MaxIDs, n)
		}
		f.IDIn = w.IDIn
	}
	if w.Search != nil && strings.ContainsFunc(*w.Search, unicode.IsControl) {
		// No name or email holds one, and the full-text index cannot take a NUL.
		return f, server.FieldErrorf(field+".search", "Search text cannot contain control characters such as tabs or line breaks.")
	}
	f.ID, f.Email, f.APIKey, f.Activated = w.ID, w.Email, w.APIKey, w.Activated
	f.Search, f.Role, f.UpdatedAt = w.Search, w.OrganizationRole, w.UpdatedAt
	if w.Organization != nil {
		f.OrganizationID = w.Organization.ID
	}
	return f, nil
}

// Users answers Query.users.
func (r *queryResolver) Users(ctx context.Context, where UserWhere, first int, skip int, orderBy []UserOrderBy) ([]User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	f, err := where.filter("where")
	if err != nil {
		return nil, err
	}
	f.Limit, f.Offset = first, skip
	if n := len(orderBy); n > len(server.SortFields) {
		return nil, server.FieldErrorf("orderBy", "orderBy can hold at most %d keys, one per field (it has %d).", len(server.SortFields), n)
	}
	for _, o := range orderBy {
		f.OrderBy = append(f.OrderBy, server.UserOrder{Field: o.Field, Desc: o.Direction})
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	users, err := r.users.FindUsers(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]User, len(users))
	for i, u := range users {
		out[i] = User{User: u}
	}
	return out, nil
}

// CountUsers answers Query.countUsers.
func (r *queryResolver) CountUsers(ctx context.Context, where UserWhere) (int, error) {
	if err := authenticated(ctx); err != nil {
		return 0, err
	}
	f, err := where.filter("where")
	if err != nil {
		return 0, err
	}
	return r.users.CountUsers(ctx, f)
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
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	u, err := r.users.CreateUser(ctx, c)
	return user(u), err
}

// UpdatePropertiesInUser answers Mutation.updatePropertiesInUser.
func (r *mutationResolver) UpdatePropertiesInUser(ctx context.Context, data UserData, where UserWhere) (*User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	f, err := where.filter("where")
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
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	u, err := r.users.UpdateUser(ctx, f, upd)
	return user(u), err
}

// UpdatePassword answers Mutation.updatePassword.
func (r *mutationResolver) UpdatePassword(ctx context.Context, data UpdatePasswordData, where UserWhere) (*User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	f, err := where.filter("where")
	if err != nil {
		return nil, err
	}
	change := server.PasswordChange{Old: data.OldPassword, New1: data.NewPassword1, New2: data.NewPassword2}
	u, err := r.users.UpdatePassword(ctx, f, change)
	return user(u), err
}

// DeleteUser answers Mutation.deleteUser.
func (r *mutationResolver) DeleteUser(ctx context.Context, where UserWhere) (string, error) {
	if err := authenticated(ctx); err != nil {
		return "", err
	}
	f, err := where.filter("where")
	if err != nil {
		return "", err
	}
	return r.users.DeleteUser(ctx, f)
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
	keys, err := r.auth.FindAPIKeys(ctx, server.APIKeyFilter{UserID: &u.ID})
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
