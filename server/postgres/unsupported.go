package postgres

import (
	"context"

	"useradmin/server"
)

// The PostgreSQL store does not keep usernames or workspaces yet (the SQLite store's
// migrations 006 and 007): a request that uses them is refused with a sentence rather
// than answered as if they did not matter.

const notYet = " is not kept by the directory on PostgreSQL yet: leave it out, or run the directory on SQLite."

// unsupportedFilter refuses the filters of usernames and workspaces.
func unsupportedFilter(f server.UserFilter) error {
	switch {
	case f.Username != nil:
		return server.FieldErrorf("username", "The username"+notYet)
	case f.WorkspaceID != nil:
		return server.FieldErrorf("workspaceId", "A workspace"+notYet)
	}
	return nil
}

// unsupportedOrder refuses the sort by username.
func unsupportedOrder(order []server.UserOrder) error {
	for _, o := range order {
		if o.Field == server.SortUsername {
			return server.FieldErrorf("orderBy", "Sorting by %s%s", o.Field, notYet)
		}
	}
	return nil
}

// ImportService answers importUsers on PostgreSQL: the import reads and writes
// usernames and workspaces, which this store does not keep yet, so it refuses every
// batch with a sentence rather than import half of each row.
type ImportService struct{}

var _ server.ImportService = ImportService{}

// ImportUsers refuses, saying what to do instead.
func (ImportService) ImportUsers(context.Context, []server.ImportRow, server.ImportOptions) ([]*server.ImportResult, error) {
	return nil, server.Errorf(server.EFORBIDDEN, "Importing users from a file is not offered by the directory on PostgreSQL yet: run the directory on SQLite, or invite the people from the invitations page.")
}
