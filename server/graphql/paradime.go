package graphql

import (
	"context"
	"slices"
	"strings"

	gql "github.com/99designs/gqlgen/graphql"

	"useradmin/server"
)

// Paradime's user-management API (seed 003), answered on the directory's services.
// Paradime's clients read ok: every refusal answers ok: false, never null, and puts the
// reason in errors[] (code and sentence), as any other field's error; ok: true comes with
// no error. A request that cannot run at all (unreadable, or invalid against the schema)
// has no data, as any GraphQL request.

// maxListed is how many active users, and how many invitations, listUsers answers: the
// cost of its document is measured with these counts before it runs (cost.go).
const maxListed = 500

// notDone answers a Paradime field that was not done: its reason goes to errors[], at the
// field's path, and the answer is what the field holds when nothing was done.
func notDone[T any](ctx context.Context, err error, none T) (T, error) {
	gql.AddError(ctx, inContract(err, paradimeFields))
	return none, nil
}

// roleOf maps a Paradime account type to the directory's role: ADMIN is ADMIN, DEVELOPER
// is USER; Paradime's other types have no counterpart.
func roleOf(accountType string) (server.Role, error) {
	switch accountType {
	case "ADMIN":
		return server.RoleAdmin, nil
	case "DEVELOPER":
		return server.RoleUser, nil
	}
	return "", server.FieldErrorf("accountType", "Account type %s is not available in this directory: use ADMIN or DEVELOPER (a USER of the directory).", accountType)
}

// accountTypeOf maps a role to its Paradime account type.
func accountTypeOf(r server.Role) string {
	if r == server.RoleAdmin {
		return "ADMIN"
	}
	return "DEVELOPER"
}

// ListUsers answers Paradime's listUsers: the activated users of the caller's
// organization and its pending and expired invitations. An organization with more than
// maxListed activated users or pending invitations is refused (the full contract pages
// through them); expired invitations fill what room is left, newest first.
func (r *queryResolver) ListUsers(ctx context.Context) (*ListUsers, error) {
	none := &ListUsers{ActiveUsers: []ActiveUser{}, InvitedUsers: []InvitedUser{}}
	if err := authenticated(ctx); err != nil {
		return notDone(ctx, err, none)
	}
	// A list is read only when it is asked for: the cost of the document counts only the
	// fields it selects (cost.go), and ten listUsers { ok } would otherwise read ten
	// organizations' worth of rows for a cost of twenty. Its counts are read whatever is
	// asked, so that the answer is the same.
	asked := gql.CollectAllFields(ctx)
	// The invitations first: only an ADMIN may read them, which makes listUsers an
	// ADMIN's, as Paradime's is.
	invited, err := r.listInvited(ctx, slices.Contains(asked, "invitedUsers"))
	if err != nil {
		return notDone(ctx, err, none)
	}
	active, err := r.listActive(ctx, slices.Contains(asked, "activeUsers"))
	if err != nil {
		return notDone(ctx, err, none)
	}
	return &ListUsers{Ok: true, ActiveUsers: active, InvitedUsers: invited}, nil
}

// listActive counts the activated users, refusing more than maxListed, and reads them
// when read is set.
func (r *queryResolver) listActive(ctx context.Context, read bool) ([]ActiveUser, error) {
	on := true
	filter := server.UserFilter{Activated: &on}
	n, err := r.users.CountUsers(ctx, filter)
	if err != nil {
		return nil, err
	}
	if n > maxListed {
		return nil, server.Errorf(server.EINVALID, "The organization has %d active users: listUsers lists at most %d. Read them in pages with users(where: {activated: true}, first, skip).", n, maxListed)
	}
	out := make([]ActiveUser, 0, n)
	for read && len(out) < maxListed {
		page, err := r.users.FindUsers(ctx, filter, server.Page{Offset: len(out), Limit: server.MaxPageSize}, nil)
		if err != nil {
			return nil, err
		}
		for _, u := range page {
			if len(out) < maxListed {
				out = append(out, ActiveUser{UID: u.ID, Email: u.Email, Name: strings.TrimSpace(u.Firstname + " " + u.Lastname), AccountType: accountTypeOf(u.Role)})
			}
		}
		if len(page) < server.MaxPageSize {
			break
		}
	}
	return out, nil
}

// listInvited counts the pending invitations, refusing more than maxListed, and reads
// the pending and expired ones when read is set.
func (r *queryResolver) listInvited(ctx context.Context, read bool) ([]InvitedUser, error) {
	pending := server.InvitationFilter{Statuses: []server.InvitationStatus{server.InvitationPending}}
	n, err := r.invites.CountInvitations(ctx, pending)
	if err != nil {
		return nil, err
	}
	if n > maxListed {
		return nil, server.Errorf(server.EINVALID, "The organization has %d pending invitations: listUsers lists at most %d. Read them in pages with invitations(where: {status: PENDING}, first, skip).", n, maxListed)
	}
	out := []InvitedUser{}
	if !read {
		return out, nil
	}
	for _, st := range []server.InvitationStatus{server.InvitationPending, server.InvitationExpired} {
		filter := server.InvitationFilter{Statuses: []server.InvitationStatus{st}}
		for skip := 0; len(out) < maxListed; skip += server.MaxPageSize {
			page, err := r.invites.FindInvitations(ctx, filter, server.Page{Offset: skip, Limit: min(server.MaxPageSize, maxListed-len(out))})
			if err != nil {
				return nil, err
			}
			for _, inv := range page {
				status := "ACTIVE"
				if inv.Status == server.InvitationExpired {
					status = "EXPIRED"
				}
				out = append(out, InvitedUser{Email: inv.Email, AccountType: accountTypeOf(inv.Role), InviteStatus: status})
			}
			if len(page) < server.MaxPageSize {
				break
			}
		}
	}
	return out, nil
}

// InviteUser answers Paradime's inviteUser: one address, invited as inviteUsers invites.
func (r *mutationResolver) InviteUser(ctx context.Context, email string, accountType string) (*ParadimeResult, error) {
	if err := authenticated(ctx); err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	role, err := roleOf(accountType)
	if err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	results, err := r.invites.InviteUsers(ctx, []string{email}, role)
	if err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	res := results[0]
	switch res.Outcome {
	case server.InviteInvited:
		(*resolver)(r).sendInvitations(ctx, []*server.IssuedInvitation{{Invitation: res.Invitation, Token: res.Token}})
		return &ParadimeResult{Ok: true}, nil
	case server.InviteInvalid:
		err = server.FieldErrorf("email", "%s", res.Message)
	case server.InviteRateLimited:
		err = server.RateLimitedf(res.RetryAfter, "Your organization sent as many invitation emails as its hour allows: invite this address again in %[1]s.")
	default:
		err = &server.Error{Code: server.ECONFLICT, Field: "email", Message: res.Message}
	}
	return notDone(ctx, err, &ParadimeResult{})
}

// UpdateUserAccountType answers Paradime's updateUserAccountType: the user's role.
func (r *mutationResolver) UpdateUserAccountType(ctx context.Context, uid string, accountType string) (*ParadimeResult, error) {
	if err := authenticated(ctx); err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	role, err := roleOf(accountType)
	if err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	return r.updateByUID(ctx, uid, server.UserUpdate{Role: &role})
}

// DisableUser answers Paradime's disableUser: the user is deactivated, as
// updatePropertiesInUser(data: {activated: false}) does; disabling them again is ok.
func (r *mutationResolver) DisableUser(ctx context.Context, uid string) (*ParadimeResult, error) {
	if err := authenticated(ctx); err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	off := false
	return r.updateByUID(ctx, uid, server.UserUpdate{Activated: &off})
}

// updateByUID applies upd to the user uid names, as the caller may see and change them:
// a user the caller may not see is NOT_FOUND, as updatePropertiesInUser finds it.
func (r *mutationResolver) updateByUID(ctx context.Context, uid string, upd server.UserUpdate) (*ParadimeResult, error) {
	if err := (server.UserRef{ID: uid}).Validate(); err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	ref, err := (*resolver)(r).one(ctx, &UserWhere{ID: &uid})
	if err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	if _, err := r.users.UpdateUser(ctx, ref, upd); err != nil {
		return notDone(ctx, err, &ParadimeResult{})
	}
	return &ParadimeResult{Ok: true}, nil
}
