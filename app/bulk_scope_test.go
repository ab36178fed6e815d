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
