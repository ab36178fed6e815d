package postgres

import (
	"context"

	"useradmin/server"
)

// ImportService answers importUsers on PostgreSQL: the import reads and writes
// usernames and workspaces, which this store does not keep yet, so it refuses every
// batch with a sentence rather than import half of each row.
type ImportService struct{}

var _ server.ImportService = ImportService{}

// ImportUsers refuses, saying what to do instead.
func (ImportService) ImportUsers(context.Context, []server.ImportRow, server.ImportOptions) ([]*server.ImportResult, error) {
	return nil, server.Errorf(server.EFORBIDDEN, "Importing users from a file is not offered by the directory on PostgreSQL yet: run the directory on SQLite, or invite the people from the invitations page.")
}
