package graphql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// auditRows returns the actions of the events stored after the first n, oldest first, and
// how many are stored in all, read from the database file itself.
func (f *fixture) auditRows(tb testing.TB, after int) ([]string, int) {
	tb.Helper()
	raw, err := sql.Open("sqlite", f.db.Path)
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT action FROM audit_events ORDER BY num LIMIT -1 OFFSET ?`, after)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var actions []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			tb.Fatal(err)
		}
		actions = append(actions, a)
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM audit_events`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return actions, n
}

// auditedMutations has, for every mutation of the schema, a document that succeeds and
// the events it must record, and one that is refused and must record none.
// TestHandler_EveryMutationRecordsAuditEvent fails for a mutation missing here, so that a
// new mutation cannot be added without its event.
var auditedMutations = map[string]struct {
	caller  string // who sends ok and refused, as in the authorization matrix
	ok      string
	want    string // the actions recorded, oldest first, space-separated
	refused string
}{
	"createUser": {"Admin",
		`mutation { createUser(data: {email: "new@example.test", password: "a long password", organizationRole: USER}) { id } }`,
		"USER_CREATED",
		`mutation { createUser(data: {email: "uma@acme.test", password: "a long password", organizationRole: USER}) { id } }`},
	"updatePropertiesInUser": {"Admin",
		`mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {firstname: "Una", organizationRole: ADMIN, activated: false}) { id } }`,
		"USER_UPDATED ROLE_CHANGED USER_DEACTIVATED",
		`mutation { updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {firstname: "Ed", organizationRole: USER}) { id } }`},
	"updatePassword": {"User",
		`mutation { updatePassword(where: {id: "$ACME_USER_ID"}, data: {oldPassword: "correct horse battery", newPassword1: "staple 12345", newPassword2: "staple 12345"}) { id } }`,
		"PASSWORD_CHANGED",
		`mutation { updatePassword(where: {id: "$ACME_USER_ID"}, data: {oldPassword: "wrong horse battery", newPassword1: "staple 12345", newPassword2: "staple 12345"}) { id } }`},
	"resetPassword": {"Admin",
		`mutation { resetPassword(where: {id: "$ACME_USER_ID"}) { id } }`,
		"PASSWORD_RESET_ISSUED",
		`mutation { resetPassword(where: {id: "$GLOBEX_ADMIN_ID"}) { id } }`},
	"issuePasswordReset": {"Admin",
		`mutation { issuePasswordReset(where: {id: "$ACME_USER_ID"}) { expiresAt } }`,
		"PASSWORD_RESET_ISSUED",
		`mutation { issuePasswordReset(where: {id: "$GLOBEX_ADMIN_ID"}) { expiresAt } }`},
	"completePasswordReset": {"NoKey",
		`mutation { completePasswordReset(token: "$RESET_TOKEN", newPassword: "staple 12345") }`,
		"PASSWORD_RESET_COMPLETED",
		`mutation { completePasswordReset(token: "ua_neverIssued", newPassword: "staple 12345") }`},
	"deleteUser": {"Admin",
		`mutation { deleteUser(where: {id: "$ACME_USER_ID"}) }`,
		"USER_DELETED",
		`mutation { deleteUser(where: {id: "$ACME_ADMIN_ID"}) }`},
	"signIn": {"NoKey",
		`mutation { signIn(email: "uma@acme.test", password: "correct horse battery") { expiresAt } }`,
		"SIGNED_IN",
		`mutation { signIn(email: "uma@acme.test", password: "wrong horse battery") { expiresAt } }`},
	"signOut": {"User",
		`mutation { signOut }`,
		"SIGNED_OUT",
		`mutation { signOut }`}, // sent by the deactivated user: refused
	"createApiKey": {"User",
		`mutation { createApiKey(name: "ci") { id } }`,
		"API_KEY_CREATED",
		`mutation { createApiKey(name: "ci", where: {id: "$ACME_ADMIN_ID"}) { id } }`},
	"revokeApiKey": {"Admin",
		`mutation { revokeApiKey(id: "$ACME_USER_KEY_ID") }`,
		"API_KEY_REVOKED",
		`mutation { revokeApiKey(id: "$ACME_USER_KEY_ID") }`}, // sent by Globex's admin
	"inviteUsers": {"Admin",
		`mutation { inviteUsers(emails: ["new@example.test", "uma@acme.test", "other@example.test"], organizationRole: USER) { status } }`,
		"INVITATION_SENT INVITATION_SENT",
		`mutation { inviteUsers(emails: ["new@example.test"], organizationRole: USER) { status } }`}, // sent by a USER
	"resendInvitation": {"Admin",
		`mutation { resendInvitation(id: "$IVY_ID") { link } }`,
		"INVITATION_RESENT",
		`mutation { resendInvitation(id: "$IVY_ID") { link } }`},
	"createInvitationLink": {"Admin",
		`mutation { createInvitationLink(id: "$IVY_ID") { link } }`,
		"INVITATION_LINK_CREATED",
		`mutation { createInvitationLink(id: "$IVY_ID") { link } }`},
	"revokeInvitation": {"Admin",
		`mutation { revokeInvitation(id: "$IVY_ID") { status } }`,
		"INVITATION_REVOKED",
		`mutation { revokeInvitation(id: "$IVY_ID") { status } }`},
	"acceptInvitation": {"NoKey",
		`mutation { acceptInvitation(token: "$IVY_TOKEN", firstname: "Ivy", password: "ivy's password") { expiresAt } }`,
		"INVITATION_ACCEPTED USER_CREATED SIGNED_IN",
		`mutation { acceptInvitation(token: "ua_neverIssued", firstname: "Ivy", password: "ivy's password") { expiresAt } }`},
	"createEmbedToken": {"Admin",
		`mutation { createEmbedToken(userId: "$ACME_USER_ID", origin: "https://portal.acme.test") { expiresAt } }`,
		"EMBED_TOKEN_CREATED",
		`mutation { createEmbedToken(userId: "$GLOBEX_ADMIN_ID", origin: "https://portal.acme.test") { expiresAt } }`},
	"createWorkspace": {"Admin",
		`mutation { createWorkspace(name: "Reviewers") { id } }`,
		"WORKSPACE_CREATED",
		`mutation { createWorkspace(name: "Annotators") { id } }`},
	"renameWorkspace": {"Admin",
		`mutation { renameWorkspace(id: "$ACME_WS_ID", name: "Labelers") { id } }`,
		"WORKSPACE_RENAMED",
		`mutation { renameWorkspace(id: "$GLOBEX_WS_ID", name: "Labelers") { id } }`},
	"deleteWorkspace": {"Admin",
		`mutation { deleteWorkspace(id: "$ACME_WS_ID", evenIfNotEmpty: true) }`,
		"WORKSPACE_DELETED",
		`mutation { deleteWorkspace(id: "$ACME_WS_ID") }`},
	"addWorkspaceMembers": {"Admin",
		`mutation { addWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_ADMIN_ID"]) { id } }`,
		"WORKSPACE_MEMBERS_ADDED",
		`mutation { addWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$GLOBEX_ADMIN_ID"]) { id } }`},
	"removeWorkspaceMembers": {"Admin",
		`mutation { removeWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_USER_ID"]) { id } }`,
		"WORKSPACE_MEMBERS_REMOVED",
		`mutation { removeWorkspaceMembers(id: "$GLOBEX_WS_ID", userIds: ["$ACME_USER_ID"]) { id } }`},
	"updateUsers": {"Admin",
		`mutation { updateUsers(where: {idIn: ["$ACME_USER_ID"]}, data: {activated: false}, first: 10) { changed } }`,
		"USER_DEACTIVATED",
		`mutation { updateUsers(where: {idIn: ["$ACME_USER_ID"]}, data: {activated: false}, first: 10) { changed } }`},
	"deleteUsers": {"Admin",
		`mutation { deleteUsers(where: {idIn: ["$ACME_USER_ID"]}, first: 10) { changed } }`,
		"USER_DELETED",
		`mutation { deleteUsers(where: {idIn: ["$ACME_USER_ID"]}, first: 10) { changed } }`},
	"issuePasswordResets": {"Admin",
		`mutation { issuePasswordResets(where: {idIn: ["$ACME_USER_ID"]}, first: 10) { changed } }`,
		"PASSWORD_RESET_ISSUED",
		`mutation { issuePasswordResets(where: {idIn: ["$ACME_USER_ID"]}, first: 10) { changed } }`},
	"importUsers": {"Admin",
		`mutation { importUsers(rows: [{line: 2, email: "new@example.test", firstname: "Nia", workspaces: ["annotators"]}], mode: CREATE, existing: SKIP, dryRun: false) { outcome } }`,
		"USER_CREATED WORKSPACE_MEMBERS_ADDED PASSWORD_RESET_ISSUED USERS_IMPORTED",
		`mutation { importUsers(rows: [{line: 2, email: "new@example.test"}], mode: CREATE, existing: SKIP, dryRun: false) { outcome } }`},
	"createExport": {"Admin",
		`mutation { createExport(where: {search: "uma"}, orderBy: [{field: EMAIL, direction: DESC}], columns: [EMAIL]) { id } }`,
		"EXPORT_CREATED",
		`mutation { createExport(where: {}, columns: [EMAIL, EMAIL]) { id } }`},
	"inviteUser": {"Admin",
		`mutation { inviteUser(email: "new@example.test", accountType: DEVELOPER) { ok } }`,
		"INVITATION_SENT",
		`mutation { inviteUser(email: "uma@acme.test", accountType: DEVELOPER) { ok } }`},
	"updateUserAccountType": {"Admin",
		`mutation { updateUserAccountType(uid: "$ACME_USER_ID", accountType: ADMIN) { ok } }`,
		"ROLE_CHANGED",
		`mutation { updateUserAccountType(uid: "$ACME_ADMIN_ID", accountType: DEVELOPER) { ok } }`},
	"disableUser": {"Admin",
		`mutation { disableUser(uid: "$ACME_USER_ID") { ok } }`,
		"USER_DEACTIVATED",
		`mutation { disableUser(uid: "$ACME_ADMIN_ID") { ok } }`},
}

// refusedBy is who sends a mutation's refused document when it is not its caller.
var refusedBy = map[string]string{
	"signOut":              "Deactivated",
	"revokeApiKey":         "OtherAdmin",
	"inviteUsers":          "User",
	"resendInvitation":     "User",
	"createInvitationLink": "OtherAdmin",
	"revokeInvitation":     "OtherAdmin",
	"updateUsers":          "User",
	"deleteUsers":          "User",
	"importUsers":          "User",
	"issuePasswordResets":  "User",
}

func TestHandler_EveryMutationRecordsAuditEvent(t *testing.T) {
	f := newFixture(t)
	d := f.data(t, gql{query: `{ __type(name: "Mutation") { fields { name } } }`})
	var names []string
	for _, field := range d["__type"].(map[string]any)["fields"].([]any) {
		names = append(names, field.(map[string]any)["name"].(string))
	}
	if len(names) < 19 {
		t.Fatalf("introspection lists only %v", names)
	}
	for _, name := range names {
		tt, ok := auditedMutations[name]
		if !ok {
			t.Errorf("mutation %s has no row in auditedMutations: record its writes with recordEvent and add it", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			expand := func(s string) string {
				if strings.Contains(s, "$RESET_TOKEN") {
					reset, _, err := sqlite.NewAuthService(f.db).IssuePasswordReset(
						server.NewContextWithAuth(context.Background(), &server.Auth{User: f.acmeAdmin}), server.UserRef{ID: f.acmeUser.ID})
					if err != nil {
						t.Fatal(err)
					}
					s = strings.ReplaceAll(s, "$RESET_TOKEN", reset.Token)
				}
				return f.expand(s)
			}

			// Refused: nothing is recorded, nothing changes.
			_, before := f.auditRows(t, 0)
			stored := f.snapshot(t)
			by := tt.caller
			if c, ok := refusedBy[name]; ok {
				by = c
			}
			got := f.do(t, gql{query: expand(tt.refused), key: f.callerKey(by)})
			if got["errors"] == nil && !paradimeRefused(got) {
				t.Fatalf("the refused document was answered %v", got)
			}
			if actions, _ := f.auditRows(t, before); len(actions) != 0 {
				t.Errorf("a refused %s recorded %v", name, actions)
			}
			if f.snapshot(t) != stored {
				t.Errorf("a refused %s changed what is stored", name)
			}

			// Done: its events are recorded.
			ok := expand(tt.ok)
			_, before = f.auditRows(t, 0)
			got = f.do(t, gql{query: ok, key: f.callerKey(tt.caller)})
			if got["errors"] != nil {
				t.Fatalf("errors: %v", got["errors"])
			}
			actions, _ := f.auditRows(t, before)
			if strings.Join(actions, " ") != tt.want {
				t.Errorf("%s recorded %v, want %s", name, actions, tt.want)
			}
		})
	}
}

// paradimeRefused reports whether a Paradime mutation answered ok: false.
func paradimeRefused(got map[string]any) bool {
	d, _ := got["data"].(map[string]any)
	for _, v := range d {
		if m, ok := v.(map[string]any); ok && m["ok"] == false {
			return true
		}
	}
	return false
}

const auditEventFields = `id action at actorId actorEmail actorKeyId userId userEmail invitationId apiKeyId clientAddress changes { field old new }`

func TestHandler_AuditEvents(t *testing.T) {
	f := newFixture(t)
	// Acme's admin renames Uma, from an address of their own.
	body, _ := json.Marshal(map[string]any{"query": f.expand(`mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {lastname: "Ulm"}) { id } }`)})
	header := map[string][]string{"Authorization": {"X-API-Key: " + f.acmeAdminKey}}
	if _, got := f.postFrom(t, "192.0.2.44:5555", header, string(body)); got["errors"] != nil {
		t.Fatal(got["errors"])
	}

	t.Run("AdminReadsOrganization", func(t *testing.T) {
		d := f.data(t, gql{key: f.acmeAdminKey, query: f.expand(`{ auditEvents(where: {userId: "$ACME_USER_ID", action: USER_UPDATED}, first: 10, skip: 0) { ` + auditEventFields + ` } n: countAuditEvents(where: {userId: "$ACME_USER_ID"}) }`)})
		es := d["auditEvents"].([]any)
		if len(es) != 1 {
			t.Fatalf("events = %v", es)
		}
		e := es[0].(map[string]any)
		f.assertJSON(t, map[string]any{"action": e["action"], "actorId": e["actorId"], "actorEmail": e["actorEmail"], "userEmail": e["userEmail"], "clientAddress": e["clientAddress"], "changes": e["changes"]},
			`{"action": "USER_UPDATED", "actorId": "$ACME_ADMIN_ID", "actorEmail": "admin@acme.test", "userEmail": "uma@acme.test", "clientAddress": "192.0.2.44",
			  "changes": [{"field": "lastname", "old": "User", "new": "Ulm"}]}`)
		if e["actorKeyId"] == nil {
			t.Error("no actorKeyId")
		}
		// Uma's creation, her key, her old session, and the rename.
		if d["n"] != float64(4) {
			t.Errorf("count = %v, want 4", d["n"])
		}
	})

	t.Run("UserReadsOwn", func(t *testing.T) {
		d := f.data(t, gql{key: f.acmeUserKey, query: f.expand(`{ mine: auditEvents(first: 100, skip: 0) { userId clientAddress actorId }
			admin: auditEvents(where: {userId: "$ACME_ADMIN_ID"}, first: 100, skip: 0) { id }
			byAdmin: countAuditEvents(where: {actorId: "$ACME_ADMIN_ID"})
			other: countAuditEvents(where: {userId: "$GONE_ID"}) }`)})
		for _, e := range d["mine"].([]any) {
			m := e.(map[string]any)
			if m["userId"] != f.acmeUser.ID {
				t.Errorf("Uma reads an event about %v", m["userId"])
			}
			if m["actorId"] != f.acmeUser.ID && m["clientAddress"] != nil {
				t.Errorf("Uma reads the admin's address %v", m["clientAddress"])
			}
		}
		if len(d["mine"].([]any)) != 4 || len(d["admin"].([]any)) != 0 || d["other"] != float64(0) {
			t.Errorf("Uma reads %v", d)
		}
		// The admin made 3 of her events: her creation, her key, the rename.
		if d["byAdmin"] != float64(3) {
			t.Errorf("byAdmin = %v", d["byAdmin"])
		}
	})

	t.Run("OtherOrganizationReadsNothing", func(t *testing.T) {
		// Every filter, aliases, inline and in variables: Globex's admin finds none of Acme's.
		vars := f.expand(`{"w1": {"userId": "$ACME_USER_ID"}, "w2": {"actorId": "$ACME_ADMIN_ID"}, "w3": {"action": "USER_UPDATED"}}`)
		d := f.data(t, gql{key: f.globexAdminKey, variables: vars, query: f.expand(`query($w1: AuditEventWhere, $w2: AuditEventWhere, $w3: AuditEventWhere) {
			a: auditEvents(where: $w1, first: 100, skip: 0) { id }
			b: auditEvents(where: $w2, first: 100, skip: 0) { id }
			c: auditEvents(where: $w3, first: 100, skip: 0) { id }
			d: auditEvents(where: {userId: "$ACME_USER_ID"}, first: 100, skip: 0) { id }
			all: auditEvents(first: 100, skip: 0) { userEmail actorEmail }
			n1: countAuditEvents(where: $w1) n2: countAuditEvents(where: $w2) n3: countAuditEvents(where: {since: "2000-01-01T00:00:00Z", action: USER_UPDATED}) }`)})
		for _, k := range []string{"a", "b", "c", "d"} {
			if len(d[k].([]any)) != 0 {
				t.Errorf("%s: Globex reads %v", k, d[k])
			}
		}
		for _, k := range []string{"n1", "n2", "n3"} {
			if d[k] != float64(0) {
				t.Errorf("%s = %v", k, d[k])
			}
		}
		for _, e := range d["all"].([]any) {
			if s, _ := json.Marshal(e); strings.Contains(string(s), "acme") {
				t.Errorf("Globex reads %s", s)
			}
		}
	})

	t.Run("Bounds", func(t *testing.T) {
		_, ext := f.firstError(t, gql{key: f.acmeAdminKey, query: `{ auditEvents(first: 101, skip: 0) { id } }`})
		if ext["code"] != "BAD_USER_INPUT" {
			t.Errorf("first: 101 answered %v", ext)
		}
		_, ext = f.firstError(t, gql{key: f.acmeAdminKey, query: `{ auditEvents(where: {action: DROP}, first: 10, skip: 0) { id } }`})
		if ext["code"] != "GRAPHQL_VALIDATION_FAILED" && ext["code"] != "BAD_USER_INPUT" {
			t.Errorf("an unknown action answered %v", ext)
		}
		_, ext = f.firstError(t, gql{key: f.acmeAdminKey, query: `query($w: AuditEventWhere) { auditEvents(where: $w, first: 10, skip: 0) { id } }`,
			variables: `{"w": {"userId": "` + strings.Repeat("x", 65) + `"}}`})
		if ext["code"] != "BAD_USER_INPUT" {
			t.Errorf("a long userId answered %v", ext)
		}
		// A page of 100 with every field is within the cost; ten such pages at once are not.
		f.data(t, gql{key: f.acmeAdminKey, query: `{ auditEvents(first: 100, skip: 0) { ` + auditEventFields + ` } }`})
		var many strings.Builder
		many.WriteString("{")
		for i := range 10 {
			many.WriteString(" a" + string(rune('0'+i)) + ": auditEvents(first: 100, skip: 0) { " + auditEventFields + " }")
		}
		many.WriteString(" }")
		msg, ext := f.firstError(t, gql{key: f.acmeAdminKey, query: many.String()})
		if ext["code"] != "BAD_USER_INPUT" || !strings.Contains(msg, "too much") {
			t.Errorf("ten pages answered %q %v", msg, ext)
		}
	})
}
