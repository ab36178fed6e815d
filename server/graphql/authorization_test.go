package graphql_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The callers of the authorization matrix, in the order of each row's answers.
var callers = []string{"Admin", "User", "OtherAdmin", "Deactivated", "NoKey", "BadKey", "ExpiredSession"}

func (f *fixture) callerKey(caller string) string {
	switch caller {
	case "Admin":
		return f.acmeAdminKey
	case "User":
		return f.acmeUserKey
	case "OtherAdmin":
		return f.globexAdminKey
	case "Deactivated":
		return f.goneKey
	case "BadKey":
		return "ua_thisKeyWasNeverIssued"
	case "ExpiredSession":
		return f.expiredKey
	}
	return ""
}

// Shorthands for the matrix: the answer expected of a caller is an error code, or, starting
// with "{", the data.
const (
	unauth    = "UNAUTHENTICATED"
	forbidden = "FORBIDDEN"
	notFound  = "NOT_FOUND"
	badInput  = "BAD_USER_INPUT"
	conflict  = "CONFLICT"
)

func TestHandler_AuthorizationMatrix(t *testing.T) {
	// Every operation acts on Uma, a USER of Acme, where it takes a user. The callers are an
	// ADMIN of Acme, Uma herself, the ADMIN of Globex, a deactivated USER of Acme, a request
	// without a key, one with a key that was never issued, and one with Uma's session key
	// that has expired.
	for _, tt := range authorizationMatrix {
		for i, caller := range callers {
			t.Run(tt.name+"/"+caller, func(t *testing.T) {
				f := newFixture(t)
				q := gql{query: f.expand(tt.query), key: f.callerKey(caller)}
				got := f.do(t, q)
				want := tt.want[i]
				switch {
				case strings.HasPrefix(want, "{"):
					if got["errors"] != nil {
						t.Fatalf("errors: %v", got["errors"])
					}
					f.assertJSON(t, got["data"], want)
				case want == "link":
					if got["errors"] != nil {
						t.Fatalf("errors: %v", got["errors"])
					}
					link := fmt.Sprint(got["data"].(map[string]any)["issuePasswordReset"].(map[string]any)["ok"])
					if !strings.HasPrefix(link, "http://127.0.0.1:8000/reset-password?token=ua_") {
						t.Errorf("link = %q", link)
					}
				default:
					msg, ext := f.firstError(t, q)
					if ext["code"] != want || msg == "" || msg == "Internal error." {
						t.Errorf("got %q %v, want code %s", msg, ext, want)
					}
					// Paradime's fields answer a refusal with ok: false, never null.
					if d, _ := got["data"].(map[string]any); d != nil {
						for field, v := range d {
							if m, isObj := v.(map[string]any); isObj && m["ok"] != false {
								t.Errorf("%s answers %v with its error, want ok: false", field, m)
							}
						}
					}
				}
			})
		}
	}
}

// authorizationMatrix has a row per operation: the field it is about (Type.field), a name,
// the document, and the answer expected of each caller, in the order of callers.
var authorizationMatrix = []struct {
	field string
	name  string
	query string
	want  [7]string
}{
	{"Query.countUsers", "countUsers", `{ n: countUsers(where: {id: "$ACME_USER_ID"}) }`,
		[7]string{`{"n": 1}`, `{"n": 1}`, `{"n": 0}`, unauth, unauth, unauth, unauth}},
	{"Query.users", "users", `{ users(where: {}, first: 10, skip: 0) { email } }`,
		[7]string{`{"users": [{"email": "admin@acme.test"}, {"email": "uma@acme.test"}, {"email": "gone@acme.test"}]}`,
			`{"users": [{"email": "uma@acme.test"}]}`, `{"users": [{"email": "admin@globex.test"}]}`, unauth, unauth, unauth, unauth}},
	{"Query.viewer", "viewer", `{ viewer { email } }`,
		[7]string{`{"viewer": {"email": "admin@acme.test"}}`, `{"viewer": {"email": "uma@acme.test"}}`,
			`{"viewer": {"email": "admin@globex.test"}}`, unauth, unauth, unauth, unauth}},
	{"Query.me", "me", `{ me { email } }`,
		[7]string{`{"me": {"email": "admin@acme.test"}}`, `{"me": {"email": "uma@acme.test"}}`,
			`{"me": {"email": "admin@globex.test"}}`, unauth, unauth, unauth, unauth}},
	{"Query.organizations", "organizations", `{ organizations(first: 10, skip: 0) { name } }`,
		[7]string{`{"organizations": [{"name": "Acme"}]}`, `{"organizations": [{"name": "Acme"}]}`,
			`{"organizations": [{"name": "Globex"}]}`, unauth, unauth, unauth, unauth}},
	{"Query.countOrganizations", "countOrganizations", `{ countOrganizations }`,
		[7]string{`{"countOrganizations": 1}`, `{"countOrganizations": 1}`, `{"countOrganizations": 1}`, unauth, unauth, unauth, unauth}},
	{"Query.apiKeys", "apiKeysQuery", `{ apiKeys(where: {userId: "$ACME_USER_ID"}, first: 10, skip: 0) { name } }`,
		[7]string{`{"apiKeys": [{"name": "test"}]}`, `{"apiKeys": [{"name": "test"}]}`, `{"apiKeys": []}`, unauth, unauth, unauth, unauth}},
	{"User.apiKeys", "apiKeys", `{ viewer { apiKeys { name } } }`,
		[7]string{`{"viewer": {"apiKeys": [{"name": "First key"}]}}`, `{"viewer": {"apiKeys": [{"name": "test"}]}}`,
			`{"viewer": {"apiKeys": [{"name": "First key"}]}}`, unauth, unauth, unauth, unauth}},
	{"Query.__schema", "introspection", `{ __schema { queryType { name } } }`,
		[7]string{`{"__schema": {"queryType": {"name": "Query"}}}`, `{"__schema": {"queryType": {"name": "Query"}}}`,
			`{"__schema": {"queryType": {"name": "Query"}}}`, `{"__schema": {"queryType": {"name": "Query"}}}`,
			`{"__schema": {"queryType": {"name": "Query"}}}`, `{"__schema": {"queryType": {"name": "Query"}}}`, `{"__schema": {"queryType": {"name": "Query"}}}`}},
	{"Mutation.createUser", "createUser", `mutation { createUser(data: {email: "new@example.test", password: "a long password", organizationRole: USER}) { email } }`,
		[7]string{`{"createUser": {"email": "new@example.test"}}`, forbidden, `{"createUser": {"email": "new@example.test"}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "updatePropertiesInUserRole", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationRole: ADMIN}) { organizationRole } }`,
		[7]string{`{"updatePropertiesInUser": {"organizationRole": "ADMIN"}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "updatePropertiesInUserNames", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {firstname: "Una"}) { firstname } }`,
		[7]string{`{"updatePropertiesInUser": {"firstname": "Una"}}`, `{"updatePropertiesInUser": {"firstname": "Una"}}`, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "updatePropertiesInUserOther", `mutation { updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {firstname: "Eve"}) { firstname } }`,
		// A USER sees only themselves, so that another user is not found by them; the
		// writes below find the user first, as the caller reads, then write by id.
		[7]string{`{"updatePropertiesInUser": {"firstname": "Eve"}}`, notFound, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "moveUserToOtherOrganization", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationId: "$GLOBEX_ID"}) { organizationId } }`,
		[7]string{forbidden, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "moveSelfToOtherOrganization", `mutation { updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {organizationId: "$GLOBEX_ID", organizationRole: ADMIN}) { organizationId } }`,
		[7]string{forbidden, notFound, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "moveOtherAdminToOwnOrganization", `mutation { updatePropertiesInUser(where: {id: "$GLOBEX_ADMIN_ID"}, data: {organizationId: "$ACME_ID"}) { organizationId } }`,
		[7]string{notFound, notFound, forbidden, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "moveToUnknownOrganization", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationId: "nowhere"}) { organizationId } }`,
		[7]string{forbidden, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "ownOrganizationIsNoChange", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationId: "$ACME_ID", firstname: "Una"}) { organizationId firstname } }`,
		[7]string{`{"updatePropertiesInUser": {"organizationId": "$ACME_ID", "firstname": "Una"}}`, `{"updatePropertiesInUser": {"organizationId": "$ACME_ID", "firstname": "Una"}}`,
			notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePassword", "updatePassword", `mutation { updatePassword(where: {id: "$ACME_USER_ID"}, data: {oldPassword: "correct horse battery", newPassword1: "staple 12345", newPassword2: "staple 12345"}) { email } }`,
		[7]string{forbidden, `{"updatePassword": {"email": "uma@acme.test"}}`, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.resetPassword", "resetPassword", `mutation { resetPassword(where: {id: "$ACME_USER_ID"}) { email } }`,
		[7]string{`{"resetPassword": {"email": "uma@acme.test"}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.issuePasswordReset", "issuePasswordReset", `mutation { issuePasswordReset(where: {id: "$ACME_USER_ID"}) { ok: link } }`,
		[7]string{"link", forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.deleteUser", "deleteUser", `mutation { deleteUser(where: {id: "$ACME_USER_ID"}) }`,
		[7]string{`{"deleteUser": "$ACME_USER_ID"}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.signIn", "signIn", `mutation { signIn(email: "uma@acme.test", password: "correct horse battery") { user { email } } }`,
		[7]string{`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`,
			`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`,
			`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`}},
	{"Mutation.signOut", "signOut", `mutation { signOut }`,
		[7]string{`{"signOut": true}`, `{"signOut": true}`, `{"signOut": true}`, unauth, unauth, unauth, unauth}},
	{"Mutation.createApiKey", "createApiKeyOwn", `mutation { createApiKey(name: "ci") { name } }`,
		[7]string{`{"createApiKey": {"name": "ci"}}`, `{"createApiKey": {"name": "ci"}}`, `{"createApiKey": {"name": "ci"}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.createApiKey", "createApiKeyForUser", `mutation { createApiKey(name: "ci", where: {id: "$ACME_USER_ID"}) { name } }`,
		[7]string{`{"createApiKey": {"name": "ci"}}`, `{"createApiKey": {"name": "ci"}}`, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.revokeApiKey", "revokeApiKey", `mutation { revokeApiKey(id: "$ACME_USER_KEY_ID") }`,
		[7]string{`{"revokeApiKey": true}`, `{"revokeApiKey": true}`, notFound, unauth, unauth, unauth, unauth}},
	{"Query.invitations", "invitations", `{ invitations(first: 10, skip: 0) { email invitedBy { email } } }`,
		[7]string{`{"invitations": [{"email": "ivy@acme.test", "invitedBy": {"email": "admin@acme.test"}}]}`, forbidden, `{"invitations": []}`, unauth, unauth, unauth, unauth}},
	{"Query.countInvitations", "countInvitations", `{ n: countInvitations(where: {status: PENDING}) }`,
		[7]string{`{"n": 1}`, forbidden, `{"n": 0}`, unauth, unauth, unauth, unauth}},
	{"Query.invitationByToken", "invitationByToken", `{ invitationByToken(token: "$IVY_TOKEN") { email organizationName } }`,
		// The token is the credential: any caller, or none, may read what it invites to.
		[7]string{`{"invitationByToken": {"email": "ivy@acme.test", "organizationName": "Acme"}}`, `{"invitationByToken": {"email": "ivy@acme.test", "organizationName": "Acme"}}`,
			`{"invitationByToken": {"email": "ivy@acme.test", "organizationName": "Acme"}}`, `{"invitationByToken": {"email": "ivy@acme.test", "organizationName": "Acme"}}`,
			`{"invitationByToken": {"email": "ivy@acme.test", "organizationName": "Acme"}}`, `{"invitationByToken": {"email": "ivy@acme.test", "organizationName": "Acme"}}`,
			`{"invitationByToken": {"email": "ivy@acme.test", "organizationName": "Acme"}}`}},
	{"Query.listUsers", "listUsers", `{ listUsers { ok activeUsers { email accountType } invitedUsers { email inviteStatus } } }`,
		[7]string{`{"listUsers": {"ok": true, "activeUsers": [{"email": "admin@acme.test", "accountType": "ADMIN"}, {"email": "uma@acme.test", "accountType": "DEVELOPER"}], "invitedUsers": [{"email": "ivy@acme.test", "inviteStatus": "ACTIVE"}]}}`,
			forbidden, `{"listUsers": {"ok": true, "activeUsers": [{"email": "admin@globex.test", "accountType": "ADMIN"}], "invitedUsers": []}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.inviteUsers", "inviteUsers", `mutation { inviteUsers(emails: ["new@example.test"], organizationRole: USER) { email status } }`,
		[7]string{`{"inviteUsers": [{"email": "new@example.test", "status": "INVITED"}]}`, forbidden, `{"inviteUsers": [{"email": "new@example.test", "status": "INVITED"}]}`, unauth, unauth, unauth, unauth}},
	{"Mutation.resendInvitation", "resendInvitation", `mutation { resendInvitation(id: "$IVY_ID") { invitation { email } } }`,
		[7]string{`{"resendInvitation": {"invitation": {"email": "ivy@acme.test"}}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.createInvitationLink", "createInvitationLink", `mutation { createInvitationLink(id: "$IVY_ID") { invitation { email } } }`,
		[7]string{`{"createInvitationLink": {"invitation": {"email": "ivy@acme.test"}}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.revokeInvitation", "revokeInvitation", `mutation { revokeInvitation(id: "$IVY_ID") { status } }`,
		[7]string{`{"revokeInvitation": {"status": "REVOKED"}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.acceptInvitation", "acceptInvitation", `mutation { acceptInvitation(token: "$IVY_TOKEN", firstname: "Ivy", password: "ivy's password") { user { email organizationId organizationRole } } }`,
		// The token is the credential, whoever sends it; the user lands in Acme as a USER.
		[7]string{`{"acceptInvitation": {"user": {"email": "ivy@acme.test", "organizationId": "$ACME_ID", "organizationRole": "USER"}}}`,
			`{"acceptInvitation": {"user": {"email": "ivy@acme.test", "organizationId": "$ACME_ID", "organizationRole": "USER"}}}`,
			`{"acceptInvitation": {"user": {"email": "ivy@acme.test", "organizationId": "$ACME_ID", "organizationRole": "USER"}}}`,
			`{"acceptInvitation": {"user": {"email": "ivy@acme.test", "organizationId": "$ACME_ID", "organizationRole": "USER"}}}`,
			`{"acceptInvitation": {"user": {"email": "ivy@acme.test", "organizationId": "$ACME_ID", "organizationRole": "USER"}}}`,
			`{"acceptInvitation": {"user": {"email": "ivy@acme.test", "organizationId": "$ACME_ID", "organizationRole": "USER"}}}`,
			`{"acceptInvitation": {"user": {"email": "ivy@acme.test", "organizationId": "$ACME_ID", "organizationRole": "USER"}}}`}},
	{"Mutation.inviteUser", "inviteUser", `mutation { inviteUser(email: "new@example.test", accountType: DEVELOPER) { ok } }`,
		[7]string{`{"inviteUser": {"ok": true}}`, forbidden, `{"inviteUser": {"ok": true}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.updateUserAccountType", "updateUserAccountType", `mutation { updateUserAccountType(uid: "$ACME_USER_ID", accountType: ADMIN) { ok } }`,
		[7]string{`{"updateUserAccountType": {"ok": true}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.disableUser", "disableUser", `mutation { disableUser(uid: "$ACME_USER_ID") { ok } }`,
		[7]string{`{"disableUser": {"ok": true}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.disableUser", "disableOtherAdmin", `mutation { disableUser(uid: "$GLOBEX_ADMIN_ID") { ok } }`,
		[7]string{notFound, notFound, conflict, unauth, unauth, unauth, unauth}},
	{"Mutation.createEmbedToken", "createEmbedToken", `mutation { createEmbedToken(userId: "$ACME_USER_ID", origin: "https://portal.acme.test") { userId origin scope } }`,
		[7]string{`{"createEmbedToken": {"userId": "$ACME_USER_ID", "origin": "https://portal.acme.test", "scope": "FULL"}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.createEmbedToken", "createEmbedTokenSelf", `mutation { createEmbedToken(userId: "$ACME_ADMIN_ID", origin: "https://portal.acme.test", scope: READ_ONLY) { scope } }`,
		[7]string{`{"createEmbedToken": {"scope": "READ_ONLY"}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Query.embedGrant", "embedGrant", `{ embedGrant { scope } }`,
		[7]string{`{"embedGrant": null}`, `{"embedGrant": null}`, `{"embedGrant": null}`, unauth, unauth, unauth, unauth}},

	// Workspaces, usernames and last sign-in. Acme's Annotators has Uma; Globex's Globex
	// team is empty.
	{"Query.workspaces", "workspaces", `{ workspaces(first: 10, skip: 0) { name memberCount } }`,
		[7]string{`{"workspaces": [{"name": "Annotators", "memberCount": 1}]}`, `{"workspaces": [{"name": "Annotators", "memberCount": null}]}`,
			`{"workspaces": [{"name": "Globex team", "memberCount": 0}]}`, unauth, unauth, unauth, unauth}},
	{"Query.workspaces", "workspaceOfOtherOrganization", `{ workspaces(where: {id: "$GLOBEX_WS_ID"}, first: 10, skip: 0) { name } }`,
		[7]string{`{"workspaces": []}`, `{"workspaces": []}`, `{"workspaces": [{"name": "Globex team"}]}`, unauth, unauth, unauth, unauth}},
	{"Query.countWorkspaces", "countWorkspaces", `{ n: countWorkspaces }`,
		[7]string{`{"n": 1}`, `{"n": 1}`, `{"n": 1}`, unauth, unauth, unauth, unauth}},
	{"User.workspaces", "userWorkspaces", `{ viewer { workspaces { name } } }`,
		[7]string{`{"viewer": {"workspaces": []}}`, `{"viewer": {"workspaces": [{"name": "Annotators"}]}}`,
			`{"viewer": {"workspaces": []}}`, unauth, unauth, unauth, unauth}},
	{"User.username", "username", `{ viewer { username } }`,
		[7]string{`{"viewer": {"username": "admin"}}`, `{"viewer": {"username": "uma"}}`,
			`{"viewer": {"username": "admin-2"}}`, unauth, unauth, unauth, unauth}},
	{"Query.users", "usersOfWorkspace", `{ users(where: {workspaceId: "$ACME_WS_ID"}, first: 10, skip: 0) { email workspaces { name } } }`,
		[7]string{`{"users": [{"email": "uma@acme.test", "workspaces": [{"name": "Annotators"}]}]}`,
			`{"users": [{"email": "uma@acme.test", "workspaces": [{"name": "Annotators"}]}]}`, notFound, unauth, unauth, unauth, unauth}},
	{"Query.countUsers", "countUsersOfWorkspace", `{ n: countUsers(where: {workspaceId: "$ACME_WS_ID"}) }`,
		[7]string{`{"n": 1}`, `{"n": 1}`, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.createWorkspace", "createWorkspace", `mutation { createWorkspace(name: "Reviewers") { name memberCount } }`,
		[7]string{`{"createWorkspace": {"name": "Reviewers", "memberCount": 0}}`, forbidden,
			`{"createWorkspace": {"name": "Reviewers", "memberCount": 0}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.renameWorkspace", "renameWorkspace", `mutation { renameWorkspace(id: "$ACME_WS_ID", name: "Labelers") { name } }`,
		[7]string{`{"renameWorkspace": {"name": "Labelers"}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.deleteWorkspace", "deleteWorkspaceNotEmpty", `mutation { deleteWorkspace(id: "$ACME_WS_ID") }`,
		[7]string{conflict, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.deleteWorkspace", "deleteWorkspaceEvenIfNotEmpty", `mutation { deleteWorkspace(id: "$ACME_WS_ID", evenIfNotEmpty: true) }`,
		[7]string{`{"deleteWorkspace": "$ACME_WS_ID"}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.addWorkspaceMembers", "addWorkspaceMembers", `mutation { addWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_ADMIN_ID"]) { memberCount } }`,
		[7]string{`{"addWorkspaceMembers": {"memberCount": 2}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.addWorkspaceMembers", "addUserOfOtherOrganization", `mutation { addWorkspaceMembers(id: "$GLOBEX_WS_ID", userIds: ["$ACME_USER_ID"]) { memberCount } }`,
		[7]string{notFound, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.removeWorkspaceMembers", "removeWorkspaceMembers", `mutation { removeWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_USER_ID"]) { memberCount } }`,
		[7]string{`{"removeWorkspaceMembers": {"memberCount": 0}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.signIn", "signInWithUsername", `mutation { signIn(email: "UMA", password: "correct horse battery") { user { email } } }`,
		[7]string{`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`,
			`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`,
			`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`,
			`{"signIn": {"user": {"email": "uma@acme.test"}}}`}},
	{"Mutation.createUser", "createUserWithUsername", `mutation { createUser(data: {email: "new@example.test", password: "a long password", organizationRole: USER, username: "newbie"}) { username } }`,
		[7]string{`{"createUser": {"username": "newbie"}}`, forbidden, `{"createUser": {"username": "newbie"}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.updatePropertiesInUser", "updateUsername", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {username: "uma.u"}) { username } }`,
		[7]string{`{"updatePropertiesInUser": {"username": "uma.u"}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	// An ADMIN reads their organization's audit trail, a USER the events about themselves,
	// another organization's ADMIN none of them.
	{"Query.auditEvents", "auditEvents", `{ auditEvents(where: {userId: "$ACME_USER_ID", action: USER_CREATED}, first: 10, skip: 0) { userEmail actorEmail changes { field new } } }`,
		[7]string{`{"auditEvents": [{"userEmail": "uma@acme.test", "actorEmail": "admin@acme.test", "changes": [{"field": "email", "new": "uma@acme.test"}, {"field": "firstname", "new": "Uma"}, {"field": "lastname", "new": "User"}, {"field": "organizationRole", "new": "USER"}]}]}`,
			`{"auditEvents": [{"userEmail": "uma@acme.test", "actorEmail": "admin@acme.test", "changes": [{"field": "email", "new": "uma@acme.test"}, {"field": "firstname", "new": "Uma"}, {"field": "lastname", "new": "User"}, {"field": "organizationRole", "new": "USER"}]}]}`,
			`{"auditEvents": []}`, unauth, unauth, unauth, unauth}},
	{"Query.countAuditEvents", "countAuditEvents", `{ n: countAuditEvents(where: {userId: "$ACME_USER_ID"}) admin: countAuditEvents(where: {userId: "$ACME_ADMIN_ID"}) }`,
		[7]string{`{"n": 3, "admin": 2}`, `{"n": 3, "admin": 0}`, `{"n": 0, "admin": 0}`, unauth, unauth, unauth, unauth}},
	// Bulk actions: Acme has its admin, Uma and Gil (deactivated); Globex its admin alone.
	{"Mutation.updateUsers", "updateUsersIdIn", `mutation { updateUsers(where: {idIn: ["$ACME_USER_ID"]}, data: {activated: false}, first: 10) { matched changed failures { id email reason } done } }`,
		[7]string{`{"updateUsers": {"matched": 1, "changed": 1, "failures": [], "done": true}}`, forbidden,
			`{"updateUsers": {"matched": 0, "changed": 0, "failures": [{"id": "$ACME_USER_ID", "email": null, "reason": "NOT_FOUND"}], "done": true}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.updateUsers", "updateUsersAll", `mutation { updateUsers(where: {}, data: {organizationRole: ADMIN}, first: 10) { matched changed unchanged failures { id reason } done } }`,
		[7]string{`{"updateUsers": {"matched": 3, "changed": 2, "unchanged": 0, "failures": [{"id": "$ACME_ADMIN_ID", "reason": "SELF"}], "done": true}}`, forbidden,
			`{"updateUsers": {"matched": 1, "changed": 0, "unchanged": 0, "failures": [{"id": "$GLOBEX_ADMIN_ID", "reason": "SELF"}], "done": true}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.updateUsers", "updateUsersAddToWorkspace", `mutation { updateUsers(where: {idIn: ["$ACME_ADMIN_ID", "$ACME_USER_ID"]}, data: {addToWorkspace: "$ACME_WS_ID"}, first: 10) { matched changed unchanged failures { id reason } done } }`,
		[7]string{`{"updateUsers": {"matched": 2, "changed": 1, "unchanged": 1, "failures": [], "done": true}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updateUsers", "updateUsersRemoveFromWorkspace", `mutation { updateUsers(where: {}, data: {removeFromWorkspace: "$ACME_WS_ID"}, first: 10) { matched changed unchanged done } }`,
		[7]string{`{"updateUsers": {"matched": 3, "changed": 1, "unchanged": 2, "done": true}}`, forbidden, notFound, unauth, unauth, unauth, unauth}},
	{"Mutation.updateUsers", "updateUsersOtherOrganization", `mutation { updateUsers(where: {organization: {id: "$GLOBEX_ID"}}, data: {activated: false}, first: 10) { matched changed failures { id } done } }`,
		[7]string{`{"updateUsers": {"matched": 0, "changed": 0, "failures": [], "done": true}}`, forbidden,
			`{"updateUsers": {"matched": 1, "changed": 0, "failures": [{"id": "$GLOBEX_ADMIN_ID"}], "done": true}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.issuePasswordResets", "issuePasswordResetsIdIn", `mutation { issuePasswordResets(where: {idIn: ["$ACME_USER_ID"]}, first: 10) { matched changed failures { id email reason } resets { id mailed } done } }`,
		[7]string{`{"issuePasswordResets": {"matched": 1, "changed": 1, "failures": [], "resets": [{"id": "$ACME_USER_ID", "mailed": true}], "done": true}}`, forbidden,
			`{"issuePasswordResets": {"matched": 0, "changed": 0, "failures": [{"id": "$ACME_USER_ID", "email": null, "reason": "NOT_FOUND"}], "resets": [], "done": true}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.issuePasswordResets", "issuePasswordResetsAll", `mutation { issuePasswordResets(where: {}, first: 10) { matched changed failures { id reason } done } }`,
		[7]string{`{"issuePasswordResets": {"matched": 3, "changed": 1, "failures": [{"id": "$ACME_ADMIN_ID", "reason": "SELF"}, {"id": "$GONE_ID", "reason": "DEACTIVATED"}], "done": true}}`, forbidden,
			`{"issuePasswordResets": {"matched": 1, "changed": 0, "failures": [{"id": "$GLOBEX_ADMIN_ID", "reason": "SELF"}], "done": true}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.deleteUsers", "deleteUsers", `mutation { deleteUsers(where: {}, first: 10) { matched changed failures { id reason } done } }`,
		[7]string{`{"deleteUsers": {"matched": 3, "changed": 2, "failures": [{"id": "$ACME_ADMIN_ID", "reason": "SELF"}], "done": true}}`, forbidden,
			`{"deleteUsers": {"matched": 1, "changed": 0, "failures": [{"id": "$GLOBEX_ADMIN_ID", "reason": "SELF"}], "done": true}}`, unauth, unauth, unauth, unauth}},
	{"Mutation.deleteUsers", "deleteUsersIdIn", `mutation { deleteUsers(where: {idIn: ["$GLOBEX_ADMIN_ID", "$ACME_USER_ID"]}, first: 10) { matched changed failures { id reason } } }`,
		[7]string{`{"deleteUsers": {"matched": 1, "changed": 1, "failures": [{"id": "$GLOBEX_ADMIN_ID", "reason": "NOT_FOUND"}]}}`, forbidden,
			`{"deleteUsers": {"matched": 1, "changed": 0, "failures": [{"id": "$ACME_USER_ID", "reason": "NOT_FOUND"}, {"id": "$GLOBEX_ADMIN_ID", "reason": "SELF"}]}}`, unauth, unauth, unauth, unauth}},
	// CSV import: Uma's line, Globex's admin's line and a new address, by each caller. An
	// email of another organization is FAILED, that user untouched (import_test.go).
	{"Mutation.importUsers", "importUsers", `mutation { importUsers(rows: [{line: 2, email: "uma@acme.test", firstname: "Umaima"}, {line: 3, email: "admin@globex.test", firstname: "Mallory"}, {line: 4, email: "new@example.test", workspaces: ["Annotators"]}], mode: CREATE, existing: UPDATE, dryRun: false) { line outcome } }`,
		[7]string{`{"importUsers": [{"line": 2, "outcome": "UPDATED"}, {"line": 3, "outcome": "FAILED"}, {"line": 4, "outcome": "CREATED"}]}`, forbidden,
			`{"importUsers": [{"line": 2, "outcome": "FAILED"}, {"line": 3, "outcome": "UPDATED"}, {"line": 4, "outcome": "FAILED"}]}`, unauth, unauth, unauth, unauth}},
	{"Mutation.importUsers", "importUsersDryRun", `mutation { importUsers(rows: [{line: 2, email: "uma@acme.test", organizationRole: "admin"}], mode: INVITE, existing: SKIP, dryRun: true) { outcome userId link } }`,
		[7]string{`{"importUsers": [{"outcome": "SKIPPED", "userId": "$ACME_USER_ID", "link": null}]}`, forbidden,
			`{"importUsers": [{"outcome": "FAILED", "userId": null, "link": null}]}`, unauth, unauth, unauth, unauth}},
	{"Mutation.completePasswordReset", "completePasswordReset", `mutation { completePasswordReset(token: "ua_neverIssued", newPassword: "staple 12345") }`,
		[7]string{badInput, badInput, badInput, badInput, badInput, badInput, badInput}},
	// CSV export: an ADMIN of the organization alone, scoped to it; another organization's
	// export is NOT_FOUND (csv_export_test.go reads a real one across organizations, and
	// server/http's tests the link: used, expired, in a burst).
	{"Mutation.createExport", "createExport", `mutation { createExport(where: {}, columns: [EMAIL, WORKSPACES]) { total done written } }`,
		[7]string{`{"createExport": {"total": 3, "done": false, "written": 0}}`, forbidden, `{"createExport": {"total": 1, "done": false, "written": 0}}`,
			unauth, unauth, unauth, unauth}},
	{"Mutation.createExport", "createExportOtherOrganization", `mutation { createExport(where: {organization: {id: "$GLOBEX_ID"}}, columns: [EMAIL]) { total } }`,
		[7]string{badInput, forbidden, `{"createExport": {"total": 1}}`, unauth, unauth, unauth, unauth}},
	{"Query.export", "export", `{ export(id: "nosuchexport") { total } }`,
		[7]string{notFound, forbidden, notFound, unauth, unauth, unauth, unauth}},
	// Live updates: a subscription over POST is refused for everyone, before it runs; over a
	// WebSocket, live_test.go holds its matrix (TestLive_*: organizations, roles, revoked,
	// deactivated and expired keys, no key).
	{"Subscription.userChanged", "userChanged over POST", `subscription { userChanged { kind } }`,
		[7]string{badInput, badInput, badInput, badInput, badInput, badInput, badInput}},
}

// TestHandler_AuthorizationMatrixCoversSchema fails when a field of Query or Mutation has no
// row in the authorization matrix, such as a field added to the schema without thinking of
// who may use it.
func TestHandler_AuthorizationMatrixCoversSchema(t *testing.T) {
	f := newFixture(t)
	d := f.data(t, gql{query: `{ q: __type(name: "Query") { fields { name } } m: __type(name: "Mutation") { fields { name } } s: __type(name: "Subscription") { fields { name } } }`})
	var schema []string
	for alias, typ := range map[string]string{"q": "Query", "m": "Mutation", "s": "Subscription"} {
		for _, field := range d[alias].(map[string]any)["fields"].([]any) {
			schema = append(schema, typ+"."+field.(map[string]any)["name"].(string))
		}
	}
	rows := map[string]bool{}
	for _, row := range authorizationMatrix {
		rows[row.field] = true
	}
	if len(schema) < 17 {
		t.Fatalf("introspection lists only %v", schema)
	}
	for _, field := range schema {
		if !rows[field] {
			t.Errorf("%s has no row in the authorization matrix: add one for every kind of caller", field)
		}
	}
	for field := range rows {
		if (strings.HasPrefix(field, "Query.") || strings.HasPrefix(field, "Mutation.") || strings.HasPrefix(field, "Subscription.")) && field != "Query.__schema" && !slices.Contains(schema, field) {
			t.Errorf("the authorization matrix has a row for %s, which the schema does not have", field)
		}
	}
	t.Logf("authorization matrix: %d rows × %d callers = %d cases, covering %d fields of Query and Mutation",
		len(authorizationMatrix), len(callers), len(authorizationMatrix)*len(callers), len(schema))
}

// TestHandler_Unauthenticated checks that every field that needs a caller gives a request
// without a key the same sentence.
func TestHandler_Unauthenticated(t *testing.T) {
	f := newFixture(t)
	got := f.do(t, gql{query: `{ viewer { id } countUsers(where: {}) organizations(first: 1, skip: 0) { id } countOrganizations }`})
	errs, _ := got["errors"].([]any)
	// The fields run at once, so their errors come in any order.
	order := map[string]int{"viewer": 0, "countUsers": 1, "organizations": 2, "countOrganizations": 3}
	sort.Slice(errs, func(i, j int) bool {
		return order[fmt.Sprint(errs[i].(map[string]any)["path"].([]any)[0])] < order[fmt.Sprint(errs[j].(map[string]any)["path"].([]any)[0])]
	})
	f.assertJSON(t, errs, `[
		{"message": "This request has no API key: sign in, or send your key in the Authorization or X-API-Key header.", "path": ["viewer"], "extensions": {"code": "UNAUTHENTICATED"}},
		{"message": "This request has no API key: sign in, or send your key in the Authorization or X-API-Key header.", "path": ["countUsers"], "extensions": {"code": "UNAUTHENTICATED"}},
		{"message": "This request has no API key: sign in, or send your key in the Authorization or X-API-Key header.", "path": ["organizations"], "extensions": {"code": "UNAUTHENTICATED"}},
		{"message": "This request has no API key: sign in, or send your key in the Authorization or X-API-Key header.", "path": ["countOrganizations"], "extensions": {"code": "UNAUTHENTICATED"}}]`)
}
