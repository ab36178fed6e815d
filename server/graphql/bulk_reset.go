package graphql

import (
	"context"
	"strconv"
	"strings"

	"useradmin/server"
	"useradmin/server/embedtoken"
)

// maxResetBatch is how many users one batch of issuePasswordResets looks at: each link
// is a write of its own, and perhaps an email, so that a batch of 100 still answers
// within about a second.
const maxResetBatch = server.MaxPageSize

// IssuePasswordResets answers Mutation.issuePasswordResets: one batch of reset links,
// each issued by AuthService.IssuePasswordReset as for a single user (and audited there),
// so that every store has it; emailed when the mail sender delivers (server.Delivers),
// else handed back. The batch reads the matching users a page at a time, in
// order of creation; its cursor is the position after the last user it looked at with
// that user's id, checked when the next batch starts: were users before it deleted or
// changed out of the filter meanwhile, the batch says so instead of skipping anyone.
func (r *mutationResolver) IssuePasswordResets(ctx context.Context, where UserWhere, after *string, first int) (*BulkResult, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	// Each link is a write: a read-only embed token is refused before the first, not at each.
	if err := embedtoken.MayWrite(ctx); err != nil {
		return nil, err
	}
	me := server.UserFromContext(ctx)
	if me.Role != server.RoleAdmin {
		return nil, server.Errorf(server.EFORBIDDEN, "Only an admin can reset passwords: change your own with your current password.")
	}
	if err := noPrecondition(&where); err != nil {
		return nil, err
	}
	if first < 1 || first > maxResetBatch {
		return nil, server.FieldErrorf("first", "A batch of reset links holds from 1 to %d users (%d were asked for).", maxResetBatch, first)
	}
	offset, lastID, err := resetCursor(deref(after))
	if err != nil {
		return nil, err
	}
	filter := where.filter() // scoped by the store to the caller's organization
	out := &BulkResult{Failures: []BulkFailure{}, Resets: []IssuedPasswordReset{}}
	if after == nil && filter.IDIn != nil {
		if out.Failures, err = r.missingIDs(ctx, filter.IDIn); err != nil {
			return nil, err
		}
	}
	// One user more on each side: the last of the previous batch, to check the cursor,
	// and the first of the next, to know whether there is one.
	start := max(offset-1, 0)
	users, err := r.users.FindUsers(ctx, filter, server.Page{Offset: start, Limit: min(first+2, server.MaxPageSize)}, nil)
	if err == nil && first+2 > server.MaxPageSize && len(users) == server.MaxPageSize {
		var more []*server.User
		more, err = r.users.FindUsers(ctx, filter, server.Page{Offset: start + server.MaxPageSize, Limit: first + 2 - server.MaxPageSize}, nil)
		users = append(users, more...)
	}
	if err != nil {
		return nil, inContract(err, whereFields)
	}
	if offset > 0 {
		if len(users) == 0 || users[0].ID != lastID {
			return nil, server.Errorf(server.ECONFLICT, "Users were deleted or changed while the links were issued, so the rest of the list moved: the links issued so far stand. Start again to issue links to the users left.")
		}
		users = users[1:]
	}
	if len(users) > first {
		users = users[:first]
		next := strconv.Itoa(offset+first) + "." + users[first-1].ID
		out.Next = &next
	} else {
		out.Done = true
	}
	for _, u := range users {
		r.issueReset(ctx, me, u, out)
	}
	return out, nil
}

// resetCursor reads a cursor of issuePasswordResets: the position of the next user and
// the id of the one before it; "" is the start.
func resetCursor(after string) (int, string, error) {
	if after == "" {
		return 0, "", nil
	}
	pos, id, ok := strings.Cut(after, ".")
	n, err := strconv.Atoi(pos)
	if !ok || err != nil || n < 1 || id == "" || len(after) > 2*server.MaxIDLength {
		return 0, "", server.FieldErrorf("after", "This cursor is not one the directory gave: send the next of the previous batch, or none to start.")
	}
	return n, id, nil
}

// missingIDs is a NOT_FOUND failure for each of ids that names no user the caller sees.
func (r *mutationResolver) missingIDs(ctx context.Context, ids []string) ([]BulkFailure, error) {
	found := map[string]bool{}
	for start := 0; start < len(ids); start += server.MaxPageSize {
		part := ids[start:min(start+server.MaxPageSize, len(ids))]
		users, err := r.users.FindUsers(ctx, server.UserFilter{IDIn: part}, server.Page{Limit: server.MaxPageSize}, nil)
		if err != nil {
			return nil, inContract(err, whereFields)
		}
		for _, u := range users {
			found[u.ID] = true
		}
	}
	failures := []BulkFailure{}
	for _, id := range ids {
		if !found[id] {
			found[id] = true // each id once
			failures = append(failures, BulkFailure{ID: id, Reason: BulkFailureReason(server.BulkNotFound),
				Message: "No user of your organization has this id: they may have been deleted."})
		}
	}
	return failures, nil
}

// issueReset issues u's link, and emails it when the directory has a mail sender, or
// lists why not; it counts the outcome in out.
func (r *mutationResolver) issueReset(ctx context.Context, me *server.User, u *server.User, out *BulkResult) {
	out.Matched++
	fail := func(reason, message string) {
		email := u.Email
		out.Failures = append(out.Failures, BulkFailure{ID: u.ID, Email: &email, Reason: BulkFailureReason(reason), Message: message})
	}
	switch {
	case u.ID == me.ID:
		fail(server.BulkSelf, "You get no link from a bulk action: change your own password on your account page.")
		return
	case !u.Activated:
		fail(bulkDeactivated, "This user is deactivated and cannot sign in with a new password: activate them first.")
		return
	}
	reset, _, err := r.auth.IssuePasswordReset(ctx, server.UserRef{ID: u.ID})
	if err != nil {
		message := "The link could not be issued: try again later."
		if code := server.ErrorCode(err); code != server.EINTERNAL && code != "" {
			message = server.ErrorMessage(err)
		} else {
			r.logger.Error("issue password reset", "user", u.ID, "err", err)
		}
		fail(bulkNotIssued, message)
		return
	}
	out.Changed++
	link := r.resetLink(reset.Token)
	issued := IssuedPasswordReset{ID: u.ID, Email: u.Email, Link: &link, ExpiresAt: reset.ExpiresAt}
	if server.Delivers(r.mailer) {
		if err := r.mailer.SendPasswordReset(ctx, u.Email, link, reset.ExpiresAt); err != nil {
			// The link stands: the admin gets it to hand over instead.
			r.logger.Error("send password reset", "user", u.ID, "err", err)
		} else {
			issued.Link, issued.Mailed = nil, true
		}
	}
	out.Resets = append(out.Resets, issued)
}

// The reasons a batch of reset links left a user without one, besides those of server.
const (
	bulkDeactivated = "DEACTIVATED"
	bulkNotIssued   = "NOT_ISSUED"
)
