//go:build !wasm

package app

import (
	"context"
	"net/url"
	"testing"
)

// TestActivity reads a user's timeline and the organization's activity from a real
// directory, after a change the widget made.
func TestActivity(t *testing.T) {
	d := startDirectory(t, false)
	ctx := context.Background()
	a := d.api(d.AdminKey)
	st, f := a.openSession(ctx)
	if f != nil || !st.Caps.AuditEvents {
		t.Fatalf("session: %+v %v", st.Caps, f)
	}
	u := someUser(t, a)
	name, role := "Timeline", "ADMIN"
	if _, f := a.saveUser(ctx, saveRequest{ID: u.ID, Data: UserData{Lastname: &name, OrganizationRole: &role}, UpdatedAt: u.UpdatedAt}, true); f != nil {
		t.Fatal(f)
	}
	got := a.activity(ctx, activityQuery{UserID: u.ID, Page: 1})
	if got.Status != statusReady || got.Total != 2 || len(got.Items) != 2 {
		t.Fatalf("timeline: %+v", got)
	}
	// Newest first: the role, then the name.
	roleEvent, nameEvent := got.Items[0], got.Items[1]
	if roleEvent.Action != "ROLE_CHANGED" || changeValue("organizationRole", roleEvent.Changes[0].New) != "Admin" ||
		nameEvent.Action != "USER_UPDATED" || nameEvent.Changes[0].Field != "lastname" || *nameEvent.Changes[0].New != "Timeline" ||
		nameEvent.ActorEmail == "" || nameEvent.UserEmail != u.Email {
		t.Errorf("events: %+v", got.Items)
	}
	org := a.activity(ctx, parseActivityQuery(url.Values{"action": {"ROLE_CHANGED"}}))
	if org.Status != statusReady || org.Total != 1 || org.Items[0].ID != roleEvent.ID {
		t.Errorf("organization's role changes: %+v", org)
	}
	if q := parseActivityQuery(url.Values{"action": {"DROP TABLE"}, "page": {"-3"}}); q != (activityQuery{Page: 1}) {
		t.Errorf("a hostile URL reads as %+v", q)
	}
}
