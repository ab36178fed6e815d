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

// TestWorkspaces_OffersDeleteOnlyWhereTheScopeAllowsIt renders a workspace's row for each
// scope of a portal's token: a NO_DELETE or READ_ONLY view offers no delete, which the
// directory refuses.
func TestWorkspaces_OffersDeleteOnlyWhereTheScopeAllowsIt(t *testing.T) {
	for scope, offered := range map[string]bool{"": true, "FULL": true, scopeNoDelete: false, scopeReadOnly: false} {
		c := &workspacesPage{session: sessionState{Status: statusReady, Caps: allCaps, Scope: scope}}
		html := app.HTMLString(c.renderWorkspace(workspaceItem{ID: "w1", Name: "Annotators"}))
		if offered {
			assertHas(t, html, `id="delete-w1"`)
		} else {
			assertHasNot(t, html, `id="delete-w1"`)
		}
	}
}

// TestWorkspaces_OffersWritesOnlyWhereTheScopeAllowsThem checks that a READ_ONLY view
// offers neither the new workspace's form nor Rename, which the directory would refuse.
func TestWorkspaces_OffersWritesOnlyWhereTheScopeAllowsThem(t *testing.T) {
	for scope, offered := range map[string]bool{"": true, "FULL": true, scopeNoDelete: true, scopeReadOnly: false} {
		c := &workspacesPage{session: sessionState{Status: statusReady, Caps: allCaps, Scope: scope}}
		row := app.HTMLString(c.renderWorkspace(workspaceItem{ID: "w1", Name: "Annotators"}))
		c.list.Status = statusReady
		page := app.HTMLString(c.renderCreate()) + app.HTMLString(c.renderTable())
		if offered {
			assertHas(t, row, `id="rename-w1"`)
			assertHas(t, page, `id="create-workspace"`)
		} else {
			assertHasNot(t, row, `id="rename-w1"`)
			assertHasNot(t, page, `id="create-workspace"`)
			assertHasNot(t, page, `name one above`)
			assertHasNot(t, page+row, `col-actions`)
		}
	}
}
