package server

import (
	"context"
	"strconv"
)

// MaxBulkBatch is how many users one call of a bulk action looks at, at most. A batch is
// one transaction: 1,000 users take well under a second, so that the widget can show
// progress at least every second and the database's one write lock is never held long.
const MaxBulkBatch = 1000

// BulkChange is what a bulk action does to each user it selects: a new role, an
// activation, deleting them, or adding them to or removing them from a workspace (by
// its id). A nil field is left as it is.
type BulkChange struct {
	Role      *Role
	Activated *bool
	Delete    bool
	// AddToWorkspace and RemoveFromWorkspace: the users' membership of one workspace of
	// the caller's organization, a change of its own.
	AddToWorkspace      *string
	RemoveFromWorkspace *string
}

// Workspace is the workspace whose membership the change adds the users to (add) or
// removes them from; "" when the change is not one of membership.
func (c *BulkChange) Workspace() (id string, add bool) {
	switch {
	case c.AddToWorkspace != nil:
		return *c.AddToWorkspace, true
	case c.RemoveFromWorkspace != nil:
		return *c.RemoveFromWorkspace, false
	}
	return "", false
}

// Validate checks that the change does one thing the directory knows.
func (c *BulkChange) Validate() error {
	if c.Delete {
		return nil
	}
	if c.AddToWorkspace != nil || c.RemoveFromWorkspace != nil {
		return c.validateMembership()
	}
	if c.Role == nil && c.Activated == nil {
		return FieldErrorf("change", "Say what to change: a role, or an activation.")
	}
	if c.Role != nil {
		return ValidateRole("changeRole", *c.Role)
	}
	return nil
}

func (c *BulkChange) validateMembership() error {
	field := "addToWorkspace"
	if c.AddToWorkspace == nil {
		field = "removeFromWorkspace"
	}
	if c.AddToWorkspace != nil && c.RemoveFromWorkspace != nil || c.Role != nil || c.Activated != nil {
		return FieldErrorf(field, "A change of workspace membership is a bulk action of its own: send it without a role, an activation or another workspace.")
	}
	id, _ := c.Workspace()
	if id == "" {
		return FieldErrorf(field, "Say which workspace: its id is missing.")
	}
	if len(id) > MaxIDLength {
		return FieldErrorf(field, "An id has at most %d characters: check the one sent.", MaxIDLength)
	}
	return nil
}

// BulkBatch is which part of the matching users one call of a bulk action looks at: at
// most Limit of them, in the order they were created, after the cursor After ("" for
// the first batch), as the previous batch's BulkResult.Next gave it.
type BulkBatch struct {
	After string
	Limit int
}

// Validate checks the batch's size and cursor.
func (b BulkBatch) Validate() error {
	if b.Limit < 1 || b.Limit > MaxBulkBatch {
		return FieldErrorf("batchSize", "A batch holds from 1 to %d users (%d were asked for).", MaxBulkBatch, b.Limit)
	}
	if _, err := b.Position(); err != nil {
		return err
	}
	return nil
}

// Position is the cursor as a number: 0 for the first batch.
func (b BulkBatch) Position() (int64, error) {
	if b.After == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(b.After, 10, 64)
	if err != nil || n < 0 || len(b.After) > MaxIDLength {
		return 0, FieldErrorf("cursor", "This cursor is not one the directory gave: send the next of the previous batch, or none to start.")
	}
	return n, nil
}

// Reasons a bulk action left a user as they were.
const (
	// BulkSelf: the caller is never changed by their own bulk action, which would end
	// their session half-way.
	BulkSelf = "SELF"
	// BulkLastAdmin: the user is the last active admin of the organization.
	BulkLastAdmin = "LAST_ADMIN"
	// BulkNotFound: an id of idIn that names no user the caller may see.
	BulkNotFound = "NOT_FOUND"
)

// BulkFailure is a user a bulk action did not change, and why: one of the Bulk* reasons
// and a sentence for the admin. Email is empty for BulkNotFound.
type BulkFailure struct {
	UserID  string
	Email   string
	Reason  string
	Message string
}

// BulkResult is what one batch of a bulk action did, exactly: of the Matched users it
// looked at, Changed were changed (or deleted), Unchanged were already as asked, and each
// of Failures was left as it was. Next is the cursor of the following batch; Done says
// there is none.
type BulkResult struct {
	Matched   int
	Changed   int
	Unchanged int
	Failures  []BulkFailure
	Next      string
	Done      bool
}

// BulkService applies one change to many users of the caller's organization, for an
// ADMIN, a batch at a time: each batch is one transaction, all of it applied or none, and
// its result says what happened to every user it looked at. A caller that stops sending
// batches stops the action, with the batches done so far applied and reported.
type BulkService interface {
	// ApplyBulk applies change to the next batch of the users matching filter (scoped to
	// the caller's organization). The rules of single writes hold for each user: the
	// last active admin stays, another organization's users are not seen; and the
	// caller is left out (BulkSelf).
	ApplyBulk(ctx context.Context, filter UserFilter, change BulkChange, batch BulkBatch) (*BulkResult, error)
}
