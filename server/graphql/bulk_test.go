package graphql_test

import (
	"strings"
	"sync"
	"testing"

	"useradmin/server/graphql"
)

// TestBulk_AttacksChangeNothing sends the bulk mutations as a USER and as Globex's admin,
// at Acme's users by every field that reaches them, inline and in variables, and aliased:
// each is refused or matches no one, and nothing stored changes.
func TestBulk_AttacksChangeNothing(t *testing.T) {
	f := newFixture(t)
	f.snapshot(t) // opens the reader for the whole test
	for _, tt := range []struct {
		name, caller, query, variables, code string
	}{
		{"USER deactivates all", "User", `mutation { updateUsers(where: {}, data: {activated: false}, first: 10) { changed } }`, "", forbidden},
		{"USER promotes herself", "User", `mutation { updateUsers(where: {id: "$ACME_USER_ID"}, data: {organizationRole: ADMIN}, first: 10) { changed } }`, "", forbidden},
		{"USER deletes in variables", "User", `mutation($w: UserWhere!) { deleteUsers(where: $w, first: 10) { changed } }`, `{"w": {"idIn": ["$ACME_ADMIN_ID"]}}`, forbidden},
		{"USER aliased", "User", `mutation { a: deleteUsers(where: {}, first: 1) { changed } b: updateUsers(where: {}, data: {organizationRole: ADMIN}, first: 1) { changed } }`, "", forbidden},
		{"deactivated USER", "Deactivated", `mutation { deleteUsers(where: {}, first: 10) { changed } }`, "", unauth},
		{"no key", "NoKey", `mutation { deleteUsers(where: {}, first: 10) { changed } }`, "", unauth},
		{"other admin by idIn", "OtherAdmin", `mutation($ids: [ID!]) { deleteUsers(where: {idIn: $ids}, first: 10) { changed } }`, `{"ids": ["$ACME_USER_ID", "$ACME_ADMIN_ID", "$GONE_ID"]}`, ""},
		{"other admin by id", "OtherAdmin", `mutation { updateUsers(where: {id: "$ACME_USER_ID"}, data: {activated: false}, first: 10) { changed } }`, "", ""},
		{"other admin by email", "OtherAdmin", `mutation { deleteUsers(where: {email: "uma@acme.test"}, first: 10) { changed } }`, "", ""},
		{"other admin by API key", "OtherAdmin", `mutation($k: String) { deleteUsers(where: {apiKey: $k}, first: 10) { changed } }`, `{"k": "$UMA_KEY"}`, ""},
		{"other admin by organization", "OtherAdmin", `mutation { deleteUsers(where: {organization: {id: "$ACME_ID"}}, first: 10) { changed } }`, "", ""},
		{"other admin by search", "OtherAdmin", `mutation { deleteUsers(where: {search: "acme"}, first: 10) { changed } }`, "", ""},
		{"other admin aliased", "OtherAdmin", `mutation { a: deleteUsers(where: {idIn: ["$ACME_USER_ID"]}, first: 10) { changed } b: updateUsers(where: {idIn: ["$ACME_ADMIN_ID"]}, data: {activated: false}, first: 10) { changed } }`, "", ""},
		// Workspace membership: another organization's workspace is not found, whoever the
		// users; a USER may not.
		{"USER adds to a workspace", "User", `mutation { updateUsers(where: {}, data: {addToWorkspace: "$ACME_WS_ID"}, first: 10) { changed } }`, "", forbidden},
		{"USER removes in variables", "User", `mutation($d: BulkUserData!) { updateUsers(where: {}, data: $d, first: 10) { changed } }`, `{"d": {"removeFromWorkspace": "$ACME_WS_ID"}}`, forbidden},
		{"other admin adds to Acme's workspace", "OtherAdmin", `mutation { updateUsers(where: {}, data: {addToWorkspace: "$ACME_WS_ID"}, first: 10) { changed } }`, "", notFound},
		{"other admin removes Acme's users from it", "OtherAdmin", `mutation($w: ID) { updateUsers(where: {idIn: ["$ACME_USER_ID"]}, data: {removeFromWorkspace: $w}, first: 10) { changed } }`, `{"w": "$ACME_WS_ID"}`, notFound},
		{"admin adds to another organization's workspace", "Admin", `mutation { updateUsers(where: {}, data: {addToWorkspace: "$GLOBEX_WS_ID"}, first: 10) { changed } }`, "", notFound},
		{"admin aliased with another organization's workspace", "Admin", `mutation { a: updateUsers(where: {}, data: {removeFromWorkspace: "$GLOBEX_WS_ID"}, first: 10) { changed } b: updateUsers(where: {}, data: {addToWorkspace: "$GLOBEX_WS_ID"}, first: 10) { changed } }`, "", notFound},
		{"add and remove at once", "Admin", `mutation { updateUsers(where: {}, data: {addToWorkspace: "$ACME_WS_ID", removeFromWorkspace: "$ACME_WS_ID"}, first: 10) { changed } }`, "", badInput},
		{"membership with a role", "Admin", `mutation { updateUsers(where: {}, data: {addToWorkspace: "$ACME_WS_ID", organizationRole: ADMIN}, first: 10) { changed } }`, "", badInput},
		{"10 kB workspace id", "Admin", `mutation { updateUsers(where: {}, data: {addToWorkspace: "` + strings.Repeat("w", 10_000) + `"}, first: 10) { changed } }`, "", badInput},
		{"batch of 0", "Admin", `mutation { deleteUsers(where: {}, first: 0) { changed } }`, "", badInput},
		{"batch of 1001", "Admin", `mutation { deleteUsers(where: {}, first: 1001) { changed } }`, "", badInput},
		{"forged cursor", "Admin", `mutation { deleteUsers(where: {}, after: "0 OR 1=1", first: 10) { changed } }`, "", badInput},
		{"no change", "Admin", `mutation { updateUsers(where: {}, data: {}, first: 10) { changed } }`, "", badInput},
		{"1001 ids", "Admin", `mutation($ids: [ID!]) { deleteUsers(where: {idIn: $ids}, first: 10) { changed } }`, `{"ids": [` + strings.TrimSuffix(strings.Repeat(`"x",`, 1001), ",") + `]}`, badInput},
		// Two batches of 1,000 failures each weigh more than a request may ask for.
		{"aliases over the cost", "Admin", `mutation { a: deleteUsers(where: {}, first: 1000) { failures { id email reason message } } b: deleteUsers(where: {}, first: 1000) { failures { id email reason message } } }`, "", badInput},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := f.snapshot(t)
			vars := strings.ReplaceAll(f.expand(tt.variables), "$UMA_KEY", f.acmeUserKey)
			got := f.do(t, gql{query: f.expand(tt.query), variables: vars, key: f.callerKey(tt.caller)})
			if tt.code == "" {
				if got["errors"] != nil {
					t.Fatalf("errors: %v", got["errors"])
				}
				for field, v := range got["data"].(map[string]any) {
					if n := v.(map[string]any)["changed"]; n != float64(0) {
						t.Errorf("%s changed %v users", field, n)
					}
				}
			} else {
				_, ext := f.firstError(t, gql{query: f.expand(tt.query), variables: vars, key: f.callerKey(tt.caller)})
				if ext["code"] != tt.code {
					t.Errorf("code %v, want %s", ext["code"], tt.code)
				}
			}
			if after := f.snapshot(t); after != before {
				t.Errorf("the store changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

func TestBulk_InputErrorsNameTheArgument(t *testing.T) {
	f := newFixture(t)
	for query, field := range map[string]string{
		`mutation { deleteUsers(where: {}, first: 0) { changed } }`:                                                     "first",
		`mutation { deleteUsers(where: {}, after: "x", first: 10) { changed } }`:                                        "after",
		`mutation { updateUsers(where: {}, data: {}, first: 10) { changed } }`:                                          "data",
		`mutation { updateUsers(where: {}, data: {addToWorkspace: ""}, first: 10) { changed } }`:                        "data.addToWorkspace",
		`mutation { updateUsers(where: {}, data: {removeFromWorkspace: "w", activated: true}, first: 10) { changed } }`: "data.removeFromWorkspace",
		`mutation { updateUsers(where: {search: "a\u0007"}, data: {activated: true}, first: 10) { changed } }`:          "where.search",
	} {
		msg, ext := f.firstError(t, gql{query: query, key: f.acmeAdminKey})
		if ext["code"] != badInput || ext["field"] != field || !isSentence(msg) {
			t.Errorf("%s: %q %v, want %s on %s", query, msg, ext, badInput, field)
		}
	}
}

// TestBulk_Batches walks a bulk action batch by batch with the cursor of each answer.
func TestBulk_Batches(t *testing.T) {
	f := newFixture(t)
	for _, email := range []string{"a@acme.test", "b@acme.test", "c@acme.test", "d@acme.test"} {
		f.data(t, gql{query: `mutation { createUser(data: {email: "` + email + `", password: "a long password", organizationRole: USER}) { id } }`, key: f.acmeAdminKey})
	}
	var after any
	total, batches := 0, 0
	for {
		vars := `{"after": null}`
		if after != nil {
			vars = `{"after": "` + after.(string) + `"}`
		}
		d := f.data(t, gql{query: `mutation($after: String) { updateUsers(where: {activated: true}, data: {activated: false}, after: $after, first: 2) { matched changed next done } }`,
			variables: vars, key: f.acmeAdminKey})["updateUsers"].(map[string]any)
		batches++
		total += int(d["changed"].(float64))
		if d["done"] == true {
			if d["next"] != nil {
				t.Errorf("done with next %v", d["next"])
			}
			break
		}
		after = d["next"]
		if batches > 10 {
			t.Fatal("no end")
		}
	}
	// Uma and the four new users; the admin stays; Gil was deactivated already.
	if total != 5 || batches != 3 {
		t.Errorf("changed %d in %d batches, want 5 in 3", total, batches)
	}
	if n := f.data(t, gql{query: `{ n: countUsers(where: {activated: true}) }`, key: f.acmeAdminKey})["n"]; n != float64(1) {
		t.Errorf("%v activated, want 1", n)
	}
}

// TestBulk_ParallelAdminsKeepOne has Acme's two admins delete every admin at once, many
// requests each: the organization keeps an active admin.
func TestBulk_ParallelAdminsKeepOne(t *testing.T) {
	f := newFixture(t)
	f.data(t, gql{query: f.expand(`mutation { updatePropertiesInUser(where: {id: "$ACME_USER_ID"}, data: {organizationRole: ADMIN}) { id } }`), key: f.acmeAdminKey})
	var wg sync.WaitGroup
	for _, key := range []string{f.acmeAdminKey, f.acmeUserKey} {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got := f.do(t, gql{query: `mutation { deleteUsers(where: {organizationRole: ADMIN}, first: 10) { changed } b: updateUsers(where: {}, data: {activated: false}, first: 10) { changed } }`, key: key})
				for _, e := range asList(got["errors"]) {
					if code := e.(map[string]any)["extensions"].(map[string]any)["code"]; code != unauth {
						t.Errorf("error %v", e)
					}
				}
			}()
		}
	}
	wg.Wait()
	var active int
	f.snapshot(t) // opens f.reader
	if err := f.reader.QueryRow(`SELECT COUNT(*) FROM users WHERE organization_id = ? AND role = 'ADMIN' AND activated = 1`, f.acme.ID).Scan(&active); err != nil {
		t.Fatal(err)
	}
	if active != 1 {
		t.Fatalf("%d active admins, want 1", active)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestBulk_NotInCoreContract checks that Kili's core has no bulk mutations, and a
// directory without a bulk service answers them FORBIDDEN with a sentence.
func TestBulk_NotInCoreContract(t *testing.T) {
	f := newFixture(t)
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.CoreOnly = true })
	if _, ext := f.firstError(t, gql{query: `mutation { deleteUsers(where: {}, first: 10) { changed } }`, key: f.acmeAdminKey}); ext["code"] != badInput || ext["field"] != "query" {
		t.Errorf("core: %v", ext)
	}
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.Bulk = nil })
	before := f.snapshot(t)
	msg, ext := f.firstError(t, gql{query: `mutation { deleteUsers(where: {}, first: 10) { changed } }`, key: f.acmeAdminKey})
	if ext["code"] != forbidden || !isSentence(msg) {
		t.Errorf("no bulk service: %q %v", msg, ext)
	}
	if f.snapshot(t) != before {
		t.Error("the store changed")
	}
}

// TestBulk_WorkspaceMembershipIsAudited adds users to a workspace in bulk and reads the
// events on their timelines: one per user added, naming the workspace, none for a user
// who was a member already.
func TestBulk_WorkspaceMembershipIsAudited(t *testing.T) {
	f := newFixture(t)
	d := f.data(t, gql{query: f.expand(`mutation { updateUsers(where: {}, data: {addToWorkspace: "$ACME_WS_ID"}, first: 10) { changed unchanged } }`), key: f.acmeAdminKey})
	if got := d["updateUsers"].(map[string]any); got["changed"] != float64(2) || got["unchanged"] != float64(1) {
		t.Fatalf("add: %v, want the admin and Gil added, Uma a member already", got)
	}
	events := f.data(t, gql{query: f.expand(`{
		admin: auditEvents(where: {userId: "$ACME_ADMIN_ID", action: WORKSPACE_MEMBERS_ADDED}, first: 10, skip: 0) { actorEmail changes { field new } }
		uma: countAuditEvents(where: {userId: "$ACME_USER_ID", action: WORKSPACE_MEMBERS_ADDED}) }`), key: f.acmeAdminKey})
	admin := events["admin"].([]any)
	if len(admin) != 1 {
		t.Fatalf("the admin's timeline has %d membership events, want 1: %v", len(admin), admin)
	}
	changes := admin[0].(map[string]any)["changes"].([]any)
	if len(changes) != 1 || changes[0].(map[string]any)["field"] != "workspace" || changes[0].(map[string]any)["new"] == nil {
		t.Errorf("the event's changes %v, want the workspace's name", changes)
	}
	if events["uma"] != float64(0) {
		t.Errorf("Uma, a member already, has %v membership events from the bulk action", events["uma"])
	}
}
