package graphql

import (
	"context"
	"strings"
	"unicode"

	gql "github.com/graph-gophers/graphql-go"

	"useradmin/server"
)

// userWhere is the UserWhere input.
type userWhere struct {
	ID               *gql.ID
	IDIn             *[]gql.ID
	Email            *string
	APIKey           *string
	Activated        *bool
	Organization     *organizationWhere
	Search           *string
	OrganizationRole *server.Role
	UpdatedAt        *DateTime
}

// organizationWhere is the OrganizationWhere input.
type organizationWhere struct {
	ID *gql.ID
}

// userOrderBy is the UserOrderBy input.
type userOrderBy struct {
	Field     string
	Direction string
}

// createUserData is the CreateUserData input.
type createUserData struct {
	Email            string
	Password         string
	OrganizationRole server.Role
	Firstname        *string
	Lastname         *string
}

// userData is the UserData input. Absent and null fields alike are left unchanged: Kili's
// older SDK declares every variable and sends only some, and an absent variable reads as null.
type userData struct {
	Firstname        *string
	Lastname         *string
	Email            *string
	OrganizationID   *string
	OrganizationRole *server.Role
	Activated        *bool
}

// updatePasswordData is the UpdatePasswordData input.
type updatePasswordData struct {
	OldPassword  string
	NewPassword1 string
	NewPassword2 string
}

// filter turns where (the argument named field) into a server.UserFilter.
func (w *userWhere) filter(field string) (server.UserFilter, error) {
	var f server.UserFilter
	if w == nil {
		return f, nil
	}
	if w.ID != nil {
		id := string(*w.ID)
		f.ID = &id
	}
	if w.IDIn != nil {
		if n := len(*w.IDIn); n > MaxIDs {
			// SQLite takes a bounded number of parameters in one statement.
			return f, server.FieldErrorf(field+".idIn", "%s.idIn can hold at most %d ids (it has %d): ask in several requests.", field, MaxIDs, n)
		}
		f.IDIn = make([]string, len(*w.IDIn))
		for i, id := range *w.IDIn {
			f.IDIn[i] = string(id)
		}
	}
	if w.Search != nil && strings.ContainsFunc(*w.Search, unicode.IsControl) {
		// No name or email holds one, and the full-text index cannot take a NUL.
		return f, server.FieldErrorf(field+".search", "Search text cannot contain control characters such as tabs or line breaks.")
	}
	f.Email, f.APIKey, f.Activated = w.Email, w.APIKey, w.Activated
	f.Search, f.Role = w.Search, w.OrganizationRole
	if w.Organization != nil && w.Organization.ID != nil {
		id := string(*w.Organization.ID)
		f.OrganizationID = &id
	}
	if w.UpdatedAt != nil {
		if err := w.UpdatedAt.check(field + ".updatedAt"); err != nil {
			return f, err
		}
		f.UpdatedAt = &w.UpdatedAt.Time
	}
	return f, nil
}

// usersArgs are the arguments of Query.users.
type usersArgs struct {
	Where   userWhere
	First   PageSize
	Skip    int32
	OrderBy *[]userOrderBy
}

// Users answers Query.users.
func (r *resolver) Users(ctx context.Context, args usersArgs) ([]*userResolver, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, err
	}
	f, err := args.Where.filter("where")
	if err != nil {
		return nil, err
	}
	if f.Limit, err = args.First.value("first"); err != nil {
		return nil, err
	}
	f.Offset = int(args.Skip)
	if args.OrderBy != nil {
		if n := len(*args.OrderBy); n > len(enumValues["UserSortField"]) {
			return nil, server.FieldErrorf("orderBy", "orderBy can hold at most %d keys, one per field (it has %d).", len(enumValues["UserSortField"]), n)
		}
		for _, o := range *args.OrderBy {
			f.OrderBy = append(f.OrderBy, server.UserOrder{Field: server.SortField(o.Field), Desc: o.Direction == "DESC"})
		}
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	users, err := r.users.FindUsers(ctx, f)
	if err != nil {
		return nil, err
	}
	return r.userResolvers(users), nil
}

// CountUsers answers Query.countUsers.
func (r *resolver) CountUsers(ctx context.Context, args struct{ Where userWhere }) (int32, error) {
	if err := r.authenticated(ctx); err != nil {
		return 0, err
	}
	f, err := args.Where.filter("where")
	if err != nil {
		return 0, err
	}
	n, err := r.users.CountUsers(ctx, f)
	return int32(n), err
}

// Viewer answers Query.viewer: the caller.
func (r *resolver) Viewer(ctx context.Context) (*userResolver, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, err
	}
	return r.user(server.UserFromContext(ctx)), nil
}

// Me answers Query.me, Kili's older name for viewer.
func (r *resolver) Me(ctx context.Context) (*userResolver, error) {
	return r.Viewer(ctx)
}

// CreateUser answers Mutation.createUser.
func (r *resolver) CreateUser(ctx context.Context, args struct{ Data createUserData }) (*userResolver, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, err
	}
	c := server.UserCreate{
		Email:     args.Data.Email,
		Password:  args.Data.Password,
		Role:      args.Data.OrganizationRole,
		Firstname: deref(args.Data.Firstname),
		Lastname:  deref(args.Data.Lastname),
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	u, err := r.users.CreateUser(ctx, c)
	if err != nil {
		return nil, err
	}
	return r.user(u), nil
}

// UpdatePropertiesInUser answers Mutation.updatePropertiesInUser.
func (r *resolver) UpdatePropertiesInUser(ctx context.Context, args struct {
	Data  userData
	Where userWhere
}) (*userResolver, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, err
	}
	f, err := args.Where.filter("where")
	if err != nil {
		return nil, err
	}
	d := args.Data
	upd := server.UserUpdate{
		Firstname:      d.Firstname,
		Lastname:       d.Lastname,
		Email:          d.Email,
		OrganizationID: d.OrganizationID,
		Role:           d.OrganizationRole,
		Activated:      d.Activated,
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	u, err := r.users.UpdateUser(ctx, f, upd)
	if err != nil {
		return nil, err
	}
	return r.user(u), nil
}

// UpdatePassword answers Mutation.updatePassword.
func (r *resolver) UpdatePassword(ctx context.Context, args struct {
	Data  updatePasswordData
	Where userWhere
}) (*userResolver, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, err
	}
	f, err := args.Where.filter("where")
	if err != nil {
		return nil, err
	}
	change := server.PasswordChange{Old: args.Data.OldPassword, New1: args.Data.NewPassword1, New2: args.Data.NewPassword2}
	u, err := r.users.UpdatePassword(ctx, f, change)
	if err != nil {
		return nil, err
	}
	return r.user(u), nil
}

// DeleteUser answers Mutation.deleteUser.
func (r *resolver) DeleteUser(ctx context.Context, args struct{ Where userWhere }) (gql.ID, error) {
	if err := r.authenticated(ctx); err != nil {
		return "", err
	}
	f, err := args.Where.filter("where")
	if err != nil {
		return "", err
	}
	id, err := r.users.DeleteUser(ctx, f)
	return gql.ID(id), err
}

// userResolver resolves the fields of a User. Its scalar fields are set once, from the
// user, and read by the library as struct fields (see Handler.Init): a page of 100 users
// has 900 of them, and calling a method for each, by reflection, costs more than filling
// them in.
type userResolver struct {
	ID               gql.ID
	Email            string
	Firstname        *string // nil when empty
	Lastname         *string // nil when empty
	Activated        bool
	OrganizationID   string
	OrganizationRole *server.Role
	CreatedAt        DateTime
	UpdatedAt        DateTime

	r *resolver
	u *server.User
}

func (r *resolver) user(u *server.User) *userResolver {
	if u == nil {
		return nil
	}
	return &userResolver{
		ID:               gql.ID(u.ID),
		Email:            u.Email,
		Firstname:        emptyAsNull(&u.Firstname),
		Lastname:         emptyAsNull(&u.Lastname),
		Activated:        u.Activated,
		OrganizationID:   u.OrganizationID,
		OrganizationRole: emptyAsNull(&u.Role),
		CreatedAt:        DateTime{Time: u.CreatedAt},
		UpdatedAt:        DateTime{Time: u.UpdatedAt},
		r:                r,
		u:                u,
	}
}

func (r *resolver) userResolvers(users []*server.User) []*userResolver {
	out := make([]*userResolver, len(users))
	for i, u := range users {
		out[i] = r.user(u)
	}
	return out
}

// Organization resolves User.organization: null when the caller may not see it.
func (u *userResolver) Organization(ctx context.Context) (*organizationResolver, error) {
	o, err := u.r.orgs.FindOrganizationByID(ctx, u.u.OrganizationID)
	switch server.ErrorCode(err) {
	case "":
		return &organizationResolver{o}, nil
	case server.ENOTFOUND, server.EFORBIDDEN:
		return nil, nil
	}
	return nil, err
}

// APIKeys resolves User.apiKeys.
func (u *userResolver) APIKeys(ctx context.Context) (*[]*apiKeyInfoResolver, error) {
	keys, err := u.r.auth.FindAPIKeys(ctx, u.u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*apiKeyInfoResolver, len(keys))
	for i, k := range keys {
		out[i] = &apiKeyInfoResolver{k}
	}
	return &out, nil
}

// emptyAsNull returns s, or nil when it points to an empty string. It points into the
// user rather than to a copy, which would cost an allocation per field.
func emptyAsNull[T ~string](s *T) *T {
	if *s == "" {
		return nil
	}
	return s
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
