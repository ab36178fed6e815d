package app

import "testing"

// TestActivityPage renders the organization's activity in each state: loading (as the
// server prerenders it), a page of events, a failure, and a USER's refusal.
func TestActivityPage(t *testing.T) {
	caps := allCaps
	caps.AuditEvents = true
	c := &activityPage{w: &Widget{}}
	d := mount(t, c, caps)
	assertHas(t, rendered(c), "Activity", "All actions", "Role changed")

	old, new := "USER", "ADMIN"
	set(d, stateActivity, activityState{Status: statusReady, Total: 1, Items: []auditEvent{{
		ID: "e1", Action: "ROLE_CHANGED", At: "2025-03-01T09:00:00Z", ActorEmail: "admin@example.com",
		UserEmail: "uma@example.com", ClientAddress: "192.0.2.7",
		Changes: []auditChange{{Field: "organizationRole", Old: &old, New: &new}},
	}}})
	assertHas(t, rendered(c), "1 event", "uma@example.com", "by admin@example.com from 192.0.2.7", "Role: ", "User", "Admin")

	set(d, stateActivity, activityState{Status: statusFailed})
	assertHas(t, rendered(c), "this endpoint may keep no audit trail", "Retry")
	set(d, stateActivity, activityState{Status: statusFailed, Err: &failure{Code: codeForbidden, Message: "no"}})
	assertHas(t, rendered(c), "Only an admin can see the organization&#39;s activity")
}

// TestActivityTimeline renders a user's Activity, and nothing of another user's events.
func TestActivityTimeline(t *testing.T) {
	c := &activityTimeline{UserID: "u1"}
	d := mount(t, c, allCaps)
	assertHas(t, rendered(c), "Loading activity")
	set(d, stateActivity, activityState{Status: statusReady, Query: activityQuery{UserID: "u2"}, Total: 1,
		Items: []auditEvent{{ID: "e2", Action: "USER_DELETED", UserEmail: "other@example.com"}}})
	assertHasNot(t, rendered(c), "User deleted")
	set(d, stateActivity, activityState{Status: statusReady, Query: activityQuery{UserID: "u1"}})
	assertHas(t, rendered(c), "No activity is recorded for this user yet.")
}
