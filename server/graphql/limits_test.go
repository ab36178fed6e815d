package graphql_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"useradmin/server/graphql"
)

// aliases returns n copies of field, each under its own alias.
func aliases(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	return b.String()
}

func TestHandler_Limits(t *testing.T) {
	page := `users(where: {}, first: 100, skip: 0) { id }`
	// Each fragment uses the one before it twice: 2 + 2×(the one before) fields, 12286 for F12.
	fragments := `{ __type(name: "User") { ...F12 } } fragment F0 on __Type { name }`
	for i := 1; i <= 12; i++ {
		fragments += fmt.Sprintf(" fragment F%d on __Type { a: ofType { ...F%d } b: ofType { ...F%d } }", i, i-1, i-1)
	}
	ids := make([]string, graphql.MaxIDs+1)
	for i := range ids {
		ids[i] = fmt.Sprint("id", i)
	}
	tests := []struct {
		name      string
		query     string
		variables string
		field     string
		message   string
	}{
		{"TooManyRootFields", "{" + aliases(graphql.MaxRootFields+1, page) + " }", "", "query",
			"The query asks for 11 fields at its top level: send at most 10 in one request, or split it into several requests."},
		{"TooManyRootMutations", "mutation {" + aliases(11, `createUser(data: {email: "x@acme.test", password: "a long password", organizationRole: USER}) { id }`) + " }", "", "query",
			"The query asks for 11 fields at its top level: send at most 10 in one request, or split it into several requests."},
		{"TooManyRootFieldsInFragments", "{ ...Q } fragment Q on Query {" + aliases(11, "countOrganizations") + " }", "", "query",
			"The query asks for 11 fields at its top level: send at most 10 in one request, or split it into several requests."},
		{"TooManyFields", "{ viewer {" + aliases(graphql.MaxFields, "id") + " } }", "", "query",
			"The query asks for 401 fields in all (a fragment counts each time it is used): send at most 400 in one request."},
		{"FragmentsThatDouble", fragments, "", "query",
			"The query asks for 12287 fields in all (a fragment counts each time it is used): send at most 400 in one request."},
		{"TooLong", `{ users(where: {search: "` + strings.Repeat("x", graphql.MaxQueryLength) + `"}, first: 1, skip: 0) { id } }`, "", "query",
			"The query is 16440 bytes long: send at most 16384, and put long values in variables."},
		{"TooManyTokens", "{ viewer {" + strings.Repeat(" id", 5000) + " } }", "", "query",
			"The query has more than 4000 names, values and punctuation marks: send a shorter query, and put long lists in variables."},
		{"SameFieldRepeated", "{ viewer {" + strings.Repeat(" id", 1000) + " } }", "", "query",
			"The query asks for 1001 fields in all (a fragment counts each time it is used): send at most 400 in one request."},
		// Inline, since in variables the bound on every list refuses it first (VariableBounds).
		{"TooManyIDs", `{ countUsers(where: {idIn: ` + string(mustJSON(t, ids)) + `}) }`, "", "where.idIn",
			"At most 1000 ids can be asked for at once (there are 1001): ask in several requests."},
		{"TooManySortKeys", `{ users(where: {}, first: 1, skip: 0, orderBy: [` + strings.Repeat(`{field: EMAIL, direction: ASC} `, 10) + `]) { id } }`, "", "orderBy",
			"A sort can have at most 9 keys, one per field (it has 10)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.snapshot(t)
			start := time.Now()
			msg, ext := f.firstError(t, gql{query: tt.query, variables: tt.variables, key: f.acmeAdminKey})
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("refusing took %v", elapsed)
			}
			f.assertJSON(t, []any{msg, ext}, string(mustJSON(t, []any{tt.message, map[string]any{"code": "BAD_USER_INPUT", "field": tt.field}})))
			if f.snapshot(t) != before {
				t.Errorf("a refused request changed what is stored")
			}
		})
	}

	t.Run("AtTheLimits", func(t *testing.T) {
		f := newFixture(t)
		d := f.data(t, gql{query: "{" + aliases(graphql.MaxRootFields, "countOrganizations") + " }", key: f.acmeAdminKey})
		if len(d) != graphql.MaxRootFields {
			t.Errorf("got %d fields, want %d", len(d), graphql.MaxRootFields)
		}
		f.data(t, gql{query: "{ viewer {" + aliases(graphql.MaxFields-1, "id") + " } }", key: f.acmeAdminKey})
		d = f.data(t, gql{query: `query($ids: [ID!]) { n: countUsers(where: {idIn: $ids}) }`,
			variables: `{"ids": ` + string(mustJSON(t, append(ids[:graphql.MaxIDs-1:graphql.MaxIDs-1], f.acmeUser.ID))) + `}`, key: f.acmeAdminKey})
		if d["n"] != 1.0 {
			t.Errorf("countUsers(idIn: 1000 ids, one of them Uma's) = %v, want 1", d["n"])
		}
	})

	t.Run("IntrospectionFits", func(t *testing.T) {
		f := newFixture(t)
		f.data(t, gql{query: introspectionQuery, opName: "IntrospectionQuery"})
		if strings.Contains(f.log.String(), "level=ERROR") {
			t.Errorf("errors logged: %s", f.log.String())
		}
	})
}

// TestHandler_VariableBounds sends texts and lists past the bounds that hold for every
// variable, to fields with a tighter bound of their own and to fields with none, before
// and after authentication: each is refused before anything runs, so that nothing is
// stored and no credential check is counted.
func TestHandler_VariableBounds(t *testing.T) {
	long := strings.Repeat("a", graphql.MaxVariableText+1)
	many := make([]string, graphql.MaxVariableList+1)
	for i := range many {
		many[i] = "x"
	}
	tests := []struct {
		name      string
		query     string
		variables map[string]any
		field     string
	}{
		{"SignInPassword", `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
			map[string]any{"e": "ada@acme.test", "p": long}, "p"},
		{"SignInEmail", `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
			map[string]any{"e": long, "p": "a long password"}, "e"},
		{"ResetToken", `mutation($t: String!) { completePasswordReset(token: $t, newPassword: "a long password") }`,
			map[string]any{"t": long}, "t"},
		{"NestedName", `mutation($d: CreateUserData!) { createUser(data: $d) { id } }`,
			map[string]any{"d": map[string]any{"email": "new@acme.test", "password": "a long password", "organizationRole": "USER", "firstname": long}}, "d.firstname"},
		{"UnusedVariable", `{ viewer { id } }`, map[string]any{"unused": long}, "unused"},
		{"LongList", `query($ids: [ID!]) { countUsers(where: {idIn: $ids}) }`, map[string]any{"ids": many}, "ids"},
		{"TextInList", `query($ids: [ID!]) { countUsers(where: {idIn: $ids}) }`, map[string]any{"ids": []string{"a", long}}, "ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before, attempts := f.snapshot(t), f.attempts(t)
			for _, key := range []string{"", f.acmeAdminKey} {
				_, ext := f.firstError(t, gql{query: tt.query, variables: string(mustJSON(t, tt.variables)), key: key})
				if ext["code"] != "BAD_USER_INPUT" || ext["field"] != tt.field {
					t.Errorf("key %q: extensions = %v, want BAD_USER_INPUT on %s", key, ext, tt.field)
				}
			}
			if f.snapshot(t) != before || f.attempts(t) != attempts {
				t.Errorf("a refused request changed what is stored")
			}
		})
	}
}
