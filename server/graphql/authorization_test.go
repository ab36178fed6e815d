package graphql_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The callers of the authorization matrix, in the order of each row's answers.
var callers = []string{"Admin", "User", "OtherAdmin", "Deactivated", "NoKey", "BadKey"}

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
)

func TestHandler_AuthorizationMatrix(t *testing.T) {
	// Every operation acts on Uma, a USER of Acme, where it takes a user. The callers are an
	// ADMIN of Acme, Uma herself, the ADMIN of Globex, a deactivated USER of Acme, a request
	// without a key, and one with a key that was never issued.
	tests := []struct {
		name  string
		query string
		want  [6]string
	}{
		{"countUsers", `{ n: countUsers(where: {id: "$ACME_USER_ID"}) }`,
			[6]string{`{"n": 1}`, `{"n": 1}`, `{"n": 0}`, unauth, unauth, unauth}},
		{"users", `{ users(where: {}, first: 10, skip: 0) { email } }`,
			[6]string{`{"users": [{"email": "admin@acme.test"}, {"email": "uma@acme.test"}, {"email": "gone@acme.test"}]}`,
				`{"users": [{"email": "uma@acme.test"}]}`, `{"users": [{"email": "admin@globex.test"}]}`, unauth, unauth, unauth}},
		{"viewer", `{ viewer { email } }`,
			[6]string{`{"viewer": {"email": "admin@acme.test"}}`, `{"viewer": {"email": "uma@acme.test"}}`,
				`{"viewer": {"email": "admin@globex.test"}}`, unauth, unauth, unauth}},
		{"me", `{ me { email } }`,
			[6]string{`{"me": {"email": "admin@acme.test"}}`, `{"me": {"email": "uma@acme.test"}}`,
				`{"me": {"email": "admin@globex.test"}}`, unauth, unauth, unauth}},
		{"organizations", `{ organizations(first: 10, skip: 0) { name } }`,
			[6]string{`{"organizations": [{"name": "Acme"}]}`, `{"organizations": [{"name": "Acme"}]}`,
				`{"organizations": [{"name": "Globex"}]}`, unauth, unauth, unauth}},
		{"countOrganizations", `{ countOrganizations }`,
			[6]string{`{"countOrganizations": 1}`, `{"countOrganizations": 1}`, `{"countOrganizations": 1}`, unauth, unauth, unauth}},
		{"apiKeys", `{ viewer { apiKeys { name } } }`,
			[6]string{`{"viewer": {"apiKeys": [{"name": "First key"}]}}`, `{"viewer": {"apiKeys": [{"name": "test"}]}}`,
				`{"viewer": {"apiKeys": [{"name": "First key"}]}}`, unauth, unauth, unauth}},
		{"introspection", `{ __schema { queryType { name } } }`,
			[6]string{`{"__schema": {"queryType": {"name": "Query"}}}`, `{"__schema": {"queryType": {"name": "Query"}}}`,
				`{"__schema": {"queryType": {"name": "Query"}}}`, `{"__schema": {"queryType": {"name": "Query"}}}`,
				`{"__schema": {"queryType": {"name": "Query"}}}`, `{"__schema": {"queryType": {"name": "Query"}}}`}},
		{"createUser", `mutation { createUser(data: {email: "new@example.test", password: "a long password", organizationRole: USER}) { email } }`,
			[6]string{`{"createUser": {"email": "new@example.test"}}`, forbidden, `{"createUser": {"email": "new@example.test"}}`, unauth, unauth, unauth}},
		{"updatePropertiesInUserRole", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationRole: ADMIN}) { organizationRole } }`,
			[6]string{`{"updatePropertiesInUser": {"organizationRole": "ADMIN"}}`, forbidden, notFound, unauth, unauth, unauth}},
		{"updatePropertiesInUserNames", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {firstname: "Una"}) { firstname } }`,
			[6]string{`{"updatePropertiesInUser": {"firstname": "Una"}}`, `{"updatePropertiesInUser": {"firstname": "Una"}}`, notFound, unauth, unauth, unauth}},
		{"updatePropertiesInUserOther", `mutation { updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {firstname: "Eve"}) { firstname } }`,
			[6]string{`{"updatePropertiesInUser": {"firstname": "Eve"}}`, forbidden, notFound, unauth, unauth, unauth}},
		{"updatePassword", `mutation { updatePassword(where: {id: "$ACME_USER_ID"}, data: {oldPassword: "correct horse battery", newPassword1: "staple 12345", newPassword2: "staple 12345"}) { email } }`,
			[6]string{forbidden, `{"updatePassword": {"email": "uma@acme.test"}}`, forbidden, unauth, unauth, unauth}},
		{"resetPassword", `mutation { resetPassword(where: {id: "$ACME_USER_ID"}) { email } }`,
			[6]string{`{"resetPassword": {"email": "uma@acme.test"}}`, forbidden, notFound, unauth, unauth, unauth}},
		{"issuePasswordReset", `mutation { issuePasswordReset(where: {id: "$ACME_USER_ID"}) { ok: link } }`,
			[6]string{"link", forbidden, notFound, unauth, unauth, unauth}},
		{"deleteUser", `mutation { deleteUser(where: {id: "$ACME_USER_ID"}) }`,
			[6]string{`{"deleteUser": "$ACME_USER_ID"}`, forbidden, notFound, unauth, unauth, unauth}},
		{"signIn", `mutation { signIn(email: "uma@acme.test", password: "correct horse battery") { user { email } } }`,
			[6]string{`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`,
				`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`,
				`{"signIn": {"user": {"email": "uma@acme.test"}}}`, `{"signIn": {"user": {"email": "uma@acme.test"}}}`}},
		{"signOut", `mutation { signOut }`,
			[6]string{`{"signOut": true}`, `{"signOut": true}`, `{"signOut": true}`, unauth, unauth, unauth}},
		{"createApiKeyOwn", `mutation { createApiKey(name: "ci") { name } }`,
			[6]string{`{"createApiKey": {"name": "ci"}}`, `{"createApiKey": {"name": "ci"}}`, `{"createApiKey": {"name": "ci"}}`, unauth, unauth, unauth}},
		{"createApiKeyForUser", `mutation { createApiKey(name: "ci", where: {id: "$ACME_USER_ID"}) { name } }`,
			[6]string{`{"createApiKey": {"name": "ci"}}`, `{"createApiKey": {"name": "ci"}}`, notFound, unauth, unauth, unauth}},
		{"revokeApiKey", `mutation { revokeApiKey(id: "$ACME_USER_KEY_ID") }`,
			[6]string{`{"revokeApiKey": true}`, `{"revokeApiKey": true}`, notFound, unauth, unauth, unauth}},
		{"completePasswordReset", `mutation { completePasswordReset(token: "ua_neverIssued", newPassword: "staple 12345") }`,
			[6]string{badInput, badInput, badInput, badInput, badInput, badInput}},
	}
	for _, tt := range tests {
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
				}
			})
		}
	}
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
