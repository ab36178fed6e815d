package sqlite_test

import (
	"context"
	"slices"
	"testing"

	"useradmin/server"
	"useradmin/server/exportcsv"
	"useradmin/server/sqlite"
)

// TestExport_Workspaces exports the members of a workspace with the workspaces column:
// each cell holds the user's workspace names; another organization's workspace is not
// found, with nothing stored.
func TestExport_Workspaces(t *testing.T) {
	p := newPeople(t)
	ctx := context.Background()
	if err := p.db.GenerateUsers(ctx, p.org.ID, 300); err != nil {
		t.Fatal(err)
	}
	if err := p.db.GenerateWorkspaces(ctx, p.org.ID, 5); err != nil {
		t.Fatal(err)
	}
	ws, err := sqlite.NewWorkspaceService(p.db).FindWorkspaces(p.adminCtx, server.WorkspaceFilter{}, server.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	svc := sqlite.NewExportService(p.db)
	e, err := svc.CreateExport(p.adminCtx, server.ExportCreate{Filter: server.UserFilter{WorkspaceID: &ws[0].ID},
		Columns: []exportcsv.Column{exportcsv.Email, exportcsv.Workspaces}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := svc.RedeemExport(ctx, e.Token)
	if err != nil {
		t.Fatal(err)
	}
	var rows []exportcsv.Row
	if err := svc.WriteExport(ctx, run, func(r *exportcsv.Row) error { rows = append(rows, *r); return nil }, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("the workspace has no members to export")
	}
	for _, r := range rows {
		if !slices.Contains(r.Workspaces, ws[0].Name) {
			t.Errorf("%s is a member of %s but its cell says %q", r.Email, ws[0].Name, r.Workspaces)
		}
	}
	gusWorkspace, err := sqlite.NewWorkspaceService(p.db).CreateWorkspace(p.gusCtx, "Globex team")
	if err != nil {
		t.Fatal(err)
	}
	err = p.assertUnchanged(t, func() error {
		_, err := svc.CreateExport(p.adminCtx, server.ExportCreate{Filter: server.UserFilter{WorkspaceID: &gusWorkspace.ID}, Columns: []exportcsv.Column{exportcsv.Email}})
		return err
	})
	assertCode(t, err, server.ENOTFOUND)
}
