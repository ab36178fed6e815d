package graphql_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// answerCodes returns the code of each error of an answer, in order.
func answerCodes(got map[string]any) []string {
	var codes []string
	errs, _ := got["errors"].([]any)
	for _, e := range errs {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		codes = append(codes, fmt.Sprint(ext["code"]))
	}
	return codes
}

// TestWorkspaces_Attacks tries what another organization's admin and a USER could send to
// reach Acme's workspace, by aliases, variables and other fields that reach it: each is
// refused, and nothing stored changes.
func TestWorkspaces_Attacks(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot(t)
	for _, tc := range []struct {
		name, caller, query, variables string
	}{
		{"OtherAdminAliases", "OtherAdmin", `mutation {
			a: addWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$GLOBEX_ADMIN_ID"]) { id }
			b: renameWorkspace(id: "$ACME_WS_ID", name: "Owned") { id }
			c: deleteWorkspace(id: "$ACME_WS_ID", evenIfNotEmpty: true)
			d: removeWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_USER_ID"]) { id } }`, ""},
		{"OtherAdminVariables", "OtherAdmin", `mutation($id: ID!, $users: [ID!]!) {
			addWorkspaceMembers(id: $id, userIds: $users) { id } }`, `{"id": "$ACME_WS_ID", "users": ["$GLOBEX_ADMIN_ID"]}`},
		{"OtherAdminAddsAcmeUserToOwn", "OtherAdmin", `mutation { addWorkspaceMembers(id: "$GLOBEX_WS_ID", userIds: ["$ACME_USER_ID"]) { id } }`, ""},
		{"OtherAdminReadsMembers", "OtherAdmin", `{ users(where: {workspaceId: "$ACME_WS_ID"}, first: 10, skip: 0) { id } }`, ""},
		{"OtherAdminCounts", "OtherAdmin", `query($w: UserWhere!) { countUsers(where: $w) }`, `{"w": {"workspaceId": "$ACME_WS_ID"}}`},
		{"UserCreatesWithVariables", "User", `mutation($n: String!) { createWorkspace(name: $n) { id } }`, `{"n": "Mine"}`},
		{"UserJoinsOtherWorkspace", "User", `mutation { x: addWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_ADMIN_ID"]) { id } }`, ""},
		{"UserLeaves", "User", `mutation { removeWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_USER_ID"]) { id } }`, ""},
		{"UserRenamesSelf", "User", `mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {username: "boss"}) { id } }`, ""},
		{"UserReadsAdminWorkspaces", "User", `{ users(where: {id: "$ACME_ADMIN_ID"}, first: 1, skip: 0) { workspaces { id } } }`, ""},
		{"NoKey", "NoKey", `mutation { createWorkspace(name: "Anon") { id } }`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := f.do(t, gql{query: f.expand(tc.query), variables: f.expand(tc.variables), key: f.callerKey(tc.caller)})
			codes := answerCodes(got)
			if tc.name == "UserReadsAdminWorkspaces" {
				// A USER sees only themselves: the page is empty.
				f.assertJSON(t, got["data"], `{"users": []}`)
				return
			}
			if len(codes) == 0 {
				t.Fatalf("answered %v", got)
			}
			for _, c := range codes {
				if c != notFound && c != forbidden && c != unauth {
					t.Errorf("code %s in %v", c, got)
				}
			}
		})
	}
	if f.snapshot(t) != before {
		t.Fatal("an attack changed the store")
	}
}

// TestWorkspaces_BadInput checks the bounds: each refusal is a sentence naming the field,
// and changes nothing.
func TestWorkspaces_BadInput(t *testing.T) {
	f := newFixture(t)
	admin := f.callerKey("Admin")
	long := strings.Repeat("w", 10_000)
	before := f.snapshot(t)
	for _, tc := range []struct {
		name, query, variables, code, field string
	}{
		{"LongName", `mutation($n: String!) { createWorkspace(name: $n) { id } }`, `{"n": "` + long + `"}`, badInput, "name"},
		{"DuplicateName", `mutation { createWorkspace(name: "ANNOTATORS ") { id } }`, "", conflict, "name"},
		{"ControlInName", `mutation { renameWorkspace(id: "$ACME_WS_ID", name: "a\tb") { id } }`, "", badInput, "name"},
		{"UnknownWorkspace", `mutation { addWorkspaceMembers(id: "nope", userIds: ["$ACME_USER_ID"]) { id } }`, "", notFound, ""},
		{"UnknownMember", `mutation { addWorkspaceMembers(id: "$ACME_WS_ID", userIds: ["$ACME_ADMIN_ID", "nobody"]) { id } }`, "", notFound, ""},
		{"NoMembers", `mutation { addWorkspaceMembers(id: "$ACME_WS_ID", userIds: []) { id } }`, "", badInput, "userIds"},
		{"UnknownWorkspaceFilter", `{ users(where: {workspaceId: "nope"}, first: 10, skip: 0) { id } }`, "", notFound, ""},
		{"NotEmpty", `mutation { deleteWorkspace(id: "$ACME_WS_ID") }`, "", conflict, ""},
		{"LongUsername", `mutation($u: String!) { createUser(data: {email: "x@acme.test", password: "a long password", organizationRole: USER, username: $u}) { id } }`,
			`{"u": "` + long + `"}`, badInput, "data.username"},
		{"InvalidUsername", `mutation { createUser(data: {email: "x@acme.test", password: "a long password", organizationRole: USER, username: "x y"}) { id } }`, "", badInput, "data.username"},
		{"DuplicateUsername", `mutation { updatePropertiesInUser(where: {id: "$ACME_ADMIN_ID"}, data: {username: "UMA"}) { id } }`, "", conflict, "data.username"},
		{"LongUsernameFilter", `query($u: String!) { countUsers(where: {username: $u}) }`, `{"u": "` + long + `"}`, badInput, "where.username"},
		{"ManyWorkspacesPerUser", `{ users(where: {}, first: 100, skip: 0) { workspaces(first: 100) { id name createdAt } } }`, "", badInput, "query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, ext := f.firstError(t, gql{query: f.expand(tc.query), variables: f.expand(tc.variables), key: admin})
			if ext["code"] != tc.code || (tc.field != "" && ext["field"] != tc.field) || msg == "" || len(msg) > 400 {
				t.Fatalf("got %q %v, want %s on %q", msg, ext, tc.code, tc.field)
			}
		})
	}
	if f.snapshot(t) != before {
		t.Fatal("bad input changed the store")
	}
}

// TestWorkspaces_ParallelCreate sends one name ten times at once, in any case: one
// workspace is made, the others are CONFLICT.
func TestWorkspaces_ParallelCreate(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	answers := make([][]string, 10)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "Reviewers"
			if i%2 == 1 {
				name = "REVIEWERS"
			}
			answers[i] = answerCodes(f.do(t, gql{query: `mutation { createWorkspace(name: "` + name + `") { id } }`, key: f.callerKey("Admin")}))
		}()
	}
	wg.Wait()
	ok := 0
	for _, codes := range answers {
		switch {
		case len(codes) == 0:
			ok++
		case codes[0] != conflict:
			t.Errorf("answer %v", codes)
		}
	}
	d := f.data(t, gql{query: `{ n: countWorkspaces(where: {search: "reviewers"}) }`, key: f.callerKey("Admin")})
	if ok != 1 || d["n"] != float64(1) {
		t.Fatalf("%d made, %v stored", ok, d["n"])
	}
}

// TestWorkspaces_Flow is what the widget does: create, add members, filter, count, rename,
// delete with the flag; and the sign-in fields.
func TestWorkspaces_Flow(t *testing.T) {
	f := newFixture(t)
	admin := f.callerKey("Admin")
	d := f.data(t, gql{query: `mutation { createWorkspace(name: "Reviewers") { id name memberCount } }`, key: admin})
	id := d["createWorkspace"].(map[string]any)["id"].(string)
	d = f.data(t, gql{query: `mutation($id: ID!, $u: [ID!]!) { addWorkspaceMembers(id: $id, userIds: $u) { memberCount } }`,
		variables: f.expand(`{"id": "` + id + `", "u": ["$ACME_ADMIN_ID", "$ACME_USER_ID", "$GONE_ID"]}`), key: admin})
	f.assertJSON(t, d, `{"addWorkspaceMembers": {"memberCount": 3}}`)
	d = f.data(t, gql{query: `query($w: UserWhere!) { n: countUsers(where: $w) users(where: $w, first: 10, skip: 0, orderBy: [{field: USERNAME, direction: DESC}]) { username } }`,
		variables: `{"w": {"workspaceId": "` + id + `", "activated": true}}`, key: admin})
	f.assertJSON(t, d, `{"n": 2, "users": [{"username": "uma"}, {"username": "admin"}]}`)
	// Never signed in: Gil (deactivated). Uma signed in 13 hours ago (the template's expired
	// session); the admin's key was used just now.
	d = f.data(t, gql{query: `{ n: countUsers(where: {neverSignedIn: true}) before: countUsers(where: {lastSignedInBefore: "2999-01-01T00:00:00Z"}) u: users(where: {}, first: 10, skip: 0, orderBy: [{field: LAST_SIGNED_IN_AT, direction: DESC}]) { email } }`, key: admin})
	f.assertJSON(t, d, `{"n": 1, "before": 2, "u": [{"email": "admin@acme.test"}, {"email": "uma@acme.test"}, {"email": "gone@acme.test"}]}`)
	d = f.data(t, gql{query: `{ viewer { lastSignedInAt } }`, key: f.callerKey("User")})
	if d["viewer"].(map[string]any)["lastSignedInAt"] == nil {
		t.Fatal("Uma's first use of her key did not sign her in")
	}
	msg, _ := f.firstError(t, gql{query: `mutation { deleteWorkspace(id: "` + id + `") }`, key: admin})
	if !strings.Contains(msg, "3 members") {
		t.Fatalf("message %q does not say how many", msg)
	}
	f.data(t, gql{query: `mutation { deleteWorkspace(id: "` + id + `", evenIfNotEmpty: true) }`, key: admin})
	if n := f.countUsers(t); n != 3 {
		t.Fatalf("%v users after deleting the workspace", n)
	}
}
