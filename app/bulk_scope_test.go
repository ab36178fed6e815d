package app

import (
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// TestBulkBar_OffersDeleteOnlyWhereTheScopeAllowsIt renders the bulk bar for each scope
// of a portal's token: a NO_DELETE or READ_ONLY view offers no bulk delete, as it offers
// no delete on a user's page, since the directory refuses it.
func TestBulkBar_OffersDeleteOnlyWhereTheScopeAllowsIt(t *testing.T) {
	for scope, offered := range map[string]bool{"": true, "FULL": true, scopeNoDelete: false, scopeReadOnly: false} {
		c := &userList{session: sessionState{Status: statusReady, Caps: allCaps, Scope: scope}}
		html := app.HTMLString(c.renderBulkBar())
		if offered {
			assertHas(t, html, `id="bulk-delete"`)
		} else {
			assertHasNot(t, html, `id="bulk-delete"`)
		}
	}
}

// TestWorkspaces_OffersWhatTheScopeAllows renders the workspaces page's form and a
// workspace's row for each scope of a portal's token: a NO_DELETE view offers no delete,
// and a READ_ONLY view neither the new workspace's form nor Rename nor any action, all of
// which the directory would refuse.
func TestWorkspaces_OffersWhatTheScopeAllows(t *testing.T) {
	for scope, offers := range map[string]struct{ writes, delete bool }{
		"": {true, true}, "FULL": {true, true}, scopeNoDelete: {true, false}, scopeReadOnly: {false, false},
	} {
		c := &workspacesPage{session: sessionState{Status: statusReady, Caps: allCaps, Scope: scope}}
		row := app.HTMLString(c.renderWorkspace(workspaceItem{ID: "w1", Name: "Annotators"}))
		c.list.Status = statusReady
		page := app.HTMLString(c.renderCreate()) + app.HTMLString(c.renderTable())
		for _, want := range []struct {
			html, part string
			offered    bool
		}{
			{row, `id="delete-w1"`, offers.delete},
			{row, `id="rename-w1"`, offers.writes},
			{page, `id="create-workspace"`, offers.writes},
			{page, `name one above`, offers.writes},
			{page + row, `col-actions`, offers.writes},
		} {
			if want.offered {
				assertHas(t, want.html, want.part)
			} else {
				assertHasNot(t, want.html, want.part)
			}
		}
	}
}
