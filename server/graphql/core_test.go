package graphql_test

import (
	"strings"
	"testing"

	"useradmin/server/graphql"
)

// TestHandler_CoreContract checks the schema served with -contract core: Kili's documents
// are answered as by the full schema, and every extension is absent, as on an endpoint
// that has only the core.
func TestHandler_CoreContract(t *testing.T) {
	f := newFixture(t)
	f.handler = f.newHandler(nil)
	core := &graphql.Handler{Users: f.handler.Users, Organizations: f.handler.Organizations, Auth: f.handler.Auth, CoreOnly: true}

	kili := gql{
		query:     `query users($where: UserWhere!, $first: PageSize!, $skip: Int!) { data: users(where: $where, first: $first, skip: $skip) { email id firstname lastname } }`,
		variables: `{"where": {"apiKey": null, "email": null, "organization": {"id": null}}, "first": 100, "skip": 0}`,
		key:       f.acmeAdminKey,
	}
	want := f.data(t, kili)
	f.handler = core
	f.assertJSON(t, f.data(t, kili), string(mustJSON(t, want)))

	t.Run("NoExtensions", func(t *testing.T) {
		d := f.data(t, gql{query: `{ where: __type(name: "UserWhere") { inputFields { name } } mutation: __type(name: "Mutation") { fields { name } } }`})
		got := string(mustJSON(t, d))
		for _, ext := range []string{`"search"`, `"organizationRole"`, `"updatedAt"`, `"deleteUser"`, `"signIn"`, `"issuePasswordReset"`} {
			if strings.Contains(got, ext) {
				t.Errorf("the core schema has the extension %s: %s", ext, got)
			}
		}
		for _, core := range []string{`"email"`, `"apiKey"`, `"updatePropertiesInUser"`, `"resetPassword"`} {
			if !strings.Contains(got, core) {
				t.Errorf("the core schema lacks %s: %s", core, got)
			}
		}
	})
	t.Run("ErrExtensionUsed", func(t *testing.T) {
		_, ext := f.firstError(t, gql{query: `{ users(where: {search: "a"}, first: 10, skip: 0) { id } }`, key: f.acmeAdminKey})
		if ext["code"] != "BAD_USER_INPUT" {
			t.Fatalf("code = %v, want BAD_USER_INPUT", ext["code"])
		}
	})
}
