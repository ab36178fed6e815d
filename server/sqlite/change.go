package sqlite

import (
	"context"

	"useradmin/server"
)

// changed records that tx wrote the user id of organization orgID, on behalf of the
// caller in ctx. The primitives that write the users table call it (insertUser,
// writeUser, deleteUserRow), so that every path that writes a user publishes it; the
// change is published only once tx commits (see Commit). A user written twice in one
// transaction is published once, as its last write: created stays created, and a
// deletion wins.
func (tx *Tx) changed(ctx context.Context, kind server.ChangeKind, orgID, id string) {
	if tx.db.Changes == nil {
		return
	}
	c := server.UserChange{Kind: kind, OrganizationID: orgID, UserID: id, At: tx.now}
	if auth := server.AuthFromContext(ctx); auth != nil && auth.User != nil {
		c.ByID, c.ByName = auth.User.ID, displayName(auth.User)
	}
	for i := range tx.changes {
		if tx.changes[i].UserID == id {
			if tx.changes[i].Kind == server.ChangeCreated && kind == server.ChangeUpdated {
				c.Kind = server.ChangeCreated
			}
			tx.changes[i] = c
			return
		}
	}
	tx.changes = append(tx.changes, c)
}

// Commit commits tx, then publishes the writes of users it recorded: a subscriber that
// reads a user when told of its change finds the change stored.
func (tx *Tx) Commit() error {
	if err := tx.Tx.Commit(); err != nil {
		return err
	}
	for _, c := range tx.changes {
		tx.db.Changes.Publish(c)
	}
	tx.changes = nil
	return nil
}
