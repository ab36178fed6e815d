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
	tx.changes = server.AddChange(ctx, tx.changes, kind, orgID, id, tx.now)
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
