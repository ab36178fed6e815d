package graphql

import (
	"context"

	"useradmin/server"
)

// UpdateUsers answers Mutation.updateUsers: one batch of a bulk change.
func (r *mutationResolver) UpdateUsers(ctx context.Context, where UserWhere, data BulkUserData, after *string, first int) (*BulkResult, error) {
	change := server.BulkChange{Role: data.OrganizationRole, Activated: data.Activated,
		AddToWorkspace: data.AddToWorkspace, RemoveFromWorkspace: data.RemoveFromWorkspace}
	return r.bulkBatch(ctx, where, change, after, first)
}

// DeleteUsers answers Mutation.deleteUsers: one batch of a bulk delete.
func (r *mutationResolver) DeleteUsers(ctx context.Context, where UserWhere, after *string, first int) (*BulkResult, error) {
	return r.bulkBatch(ctx, where, server.BulkChange{Delete: true}, after, first)
}

func (r *mutationResolver) bulkBatch(ctx context.Context, where UserWhere, change server.BulkChange, after *string, first int) (*BulkResult, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if r.bulk == nil {
		return nil, errNoBulk
	}
	if err := noPrecondition(&where); err != nil {
		return nil, err
	}
	res, err := r.bulk.ApplyBulk(ctx, where.filter(), change, server.BulkBatch{After: deref(after), Limit: first})
	if err != nil {
		return nil, inContract(err, bulkFields, whereFields)
	}
	out := &BulkResult{Matched: res.Matched, Changed: res.Changed, Unchanged: res.Unchanged, Done: res.Done,
		Failures: make([]BulkFailure, len(res.Failures)), Resets: []IssuedPasswordReset{}}
	if !res.Done {
		out.Next = &res.Next
	}
	for i, f := range res.Failures {
		out.Failures[i] = BulkFailure{ID: f.UserID, Reason: BulkFailureReason(f.Reason), Message: f.Message}
		if f.Email != "" {
			out.Failures[i].Email = &f.Email
		}
	}
	return out, nil
}

// noPrecondition refuses where.updatedAt on a write to many users: it is the
// precondition of a single update, which a batch cannot check user by user, and the
// store's filter has no such field, so that it would be dropped and a stale precondition
// would let the write through.
func noPrecondition(where *UserWhere) error {
	if where.UpdatedAt != nil {
		return server.FieldErrorf("where.updatedAt", "A bulk action cannot check updatedAt for each user: remove it from where, or change each user on their own with updatePropertiesInUser.")
	}
	return nil
}
