package sqlite_test

import (
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// TestWorkspaceService checks what the SQLite store's schema holds; what every store
// answers is in storetest (WorkspaceService_*).
func TestWorkspaceService(t *testing.T) {
	setup := func(t *testing.T) (*people, *sqlite.WorkspaceService, *server.Workspace) {
		p := newPeople(t)
		ws := sqlite.NewWorkspaceService(p.db)
		w, err := ws.CreateWorkspace(p.adminCtx, "  Annotators ")
		if err != nil {
			t.Fatal(err)
		}
		return p, ws, w
	}

	t.Run("DatabaseHoldsTenants", func(t *testing.T) {
		// Whatever program writes: no member of another organization, no move.
		p, _, _ := setup(t)
		raw := mustRawDB(t, p.db)
		if _, err := raw.Exec(`INSERT INTO workspace_members (workspace_num, user_num)
			SELECT w.num, u.num FROM workspaces w, users u WHERE u.id = ?`, p.gus.ID); err == nil {
			t.Fatal("a user of Globex joined a workspace of Acme")
		}
		if _, err := raw.Exec(`UPDATE workspaces SET organization_id = ?`, p.globex.ID); err == nil {
			t.Fatal("a workspace moved to Globex")
		}
	})
}
