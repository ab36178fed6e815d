package graphql_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/graphql"
	"useradmin/server/sqlite"
)

// TestPageAnswer_SameAsExecutor sends the same requests to a handler that answers the
// list's documents itself (pageSchema) and to one that leaves every document to gqlgen's
// executor, and wants the same bytes back: pages of every field, aliases, literals and
// variables, sorting, searching, past the end, names that need escaping and empty ones,
// refusals and failures (which pageSchema hands to the executor), other callers, and
// documents it must not answer itself.
func TestPageAnswer_SameAsExecutor(t *testing.T) {
	f := newFixture(t)
	ctx := server.NewContextWithAuth(t.Context(), &server.Auth{User: f.acmeAdmin})
	users := sqlite.NewUserService(f.db)
	for _, c := range []server.UserCreate{
		{Email: "zoe+1@acme.test", Password: password, Role: server.RoleUser, Firstname: `Zoë "Q" <b>&\ é`, Lastname: "ü \u00a0\U0001F600"},
		{Email: "nameless@acme.test", Password: password, Role: server.RoleAdmin},
	} {
		if _, err := users.CreateUser(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.db.GenerateUsers(t.Context(), f.acme.ID, 150); err != nil {
		t.Fatal(err)
	}
	executor := f.handlerWith(graphql.ExecutorOnly)

	const all = `__typename id email firstname lastname activated organizationId organizationRole createdAt updatedAt`
	const page = `query ($where: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $where, first: $first, skip: $skip) { id email firstname lastname activated organizationId organizationRole createdAt updatedAt } countUsers(where: $where) }`
	vars := func(where map[string]any, first, skip int) map[string]any {
		return map[string]any{"where": where, "first": first, "skip": skip}
	}
	for _, tc := range []struct {
		name, key, query string
		vars             map[string]any
		page             bool // pageSchema answers it itself
	}{
		{"the widget's page", f.acmeAdminKey, page, vars(map[string]any{}, 100, 0), true},
		{"the next page", f.acmeAdminKey, page, vars(map[string]any{}, 100, 100), true},
		{"past the end", f.acmeAdminKey, page, vars(map[string]any{}, 100, 10_000), true},
		{"a search", f.acmeAdminKey, page, vars(map[string]any{"search": "zoë"}, 25, 0), true},
		{"a filter", f.acmeAdminKey, page, vars(map[string]any{"activated": false, "organizationRole": "USER"}, 25, 0), true},
		{"every field, literals", f.acmeAdminKey, `{ users(where: {}, first: 200, skip: 0) { ` + all + ` } }`, nil, true},
		{"sorted", f.acmeAdminKey, `query ($o: [UserOrderBy!]) { users(where: {}, first: 50, skip: 3, orderBy: $o) { id firstname lastname } }`,
			map[string]any{"o": []any{map[string]any{"field": "FIRSTNAME", "direction": "DESC"}, map[string]any{"field": "EMAIL", "direction": "ASC"}}}, true},
		{"aliases", f.acmeAdminKey, `query Named { t: __typename n: countUsers(where: {}) a: users(where: {}, first: 3, skip: 1) { i: id e: email id } b: users(where: {search: "admin"}, first: 2, skip: 0) { email } }`, nil, true},
		{"a user", f.acmeUserKey, page, vars(map[string]any{}, 10, 0), true},
		{"another organization", f.globexAdminKey, page, vars(map[string]any{"organization": map[string]any{"id": f.acme.ID}}, 10, 0), true},
		{"no key", "", page, vars(map[string]any{}, 10, 0), true},
		{"a key that is not one", "ua_nope", page, vars(map[string]any{}, 10, 0), true},
		{"a disabled user's key", f.goneKey, page, vars(map[string]any{}, 10, 0), true},
		{"a page size out of range", f.acmeAdminKey, `{ users(where: {}, first: 0, skip: 0) { id } }`, nil, true},
		{"a negative skip", f.acmeAdminKey, page, vars(map[string]any{}, 10, -1), true},
		{"a search too long", f.acmeAdminKey, page, vars(map[string]any{"search": strings.Repeat("a", 300)}, 10, 0), true},
		{"a field twice", f.acmeAdminKey, `{ users(where: {}, first: 5, skip: 0) { id id } }`, nil, false},
		{"a fragment", f.acmeAdminKey, `{ users(where: {}, first: 5, skip: 0) { ...u } } fragment u on User { id email }`, nil, false},
		{"an inline fragment", f.acmeAdminKey, `{ users(where: {}, first: 5, skip: 0) { ... on User { id } } }`, nil, false},
		{"a directive", f.acmeAdminKey, `{ users(where: {}, first: 5, skip: 0) { id email @include(if: false) } }`, nil, false},
		{"a resolved field", f.acmeAdminKey, `{ users(where: {}, first: 5, skip: 0) { id organization { id name } } }`, nil, false},
		{"the viewer too", f.acmeAdminKey, `{ viewer { id } users(where: {}, first: 5, skip: 0) { id } }`, nil, false},
		{"a mutation", f.acmeAdminKey, `mutation { updatePropertiesInUser(where: {id: "nobody"}, data: {firstname: "X"}) { id } }`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := graphql.AnswersPage(tc.query); got != tc.page {
				t.Errorf("pageSchema answers it itself: %v, want %v", got, tc.page)
			}
			body := string(mustJSON(t, map[string]any{"query": tc.query, "variables": tc.vars}))
			want := answerOf(executor, tc.key, body)
			got := answerOf(f.handler, tc.key, body)
			if !bytes.Equal(got, want) && !bytes.Equal(sortedErrors(t, got), sortedErrors(t, want)) {
				t.Errorf("answers differ\n got: %.2000s\nwant: %.2000s", got, want)
			}
			if tc.page && tc.key == f.acmeAdminKey && !json.Valid(got) {
				t.Errorf("not JSON: %.500s", got)
			}
		})
	}

	// The page is answered with under a third of the executor's allocations (most of them
	// are the store's own, more since usernames and last sign-in), so that a change that
	// sends it back to the executor unseen fails here.
	body := string(mustJSON(t, map[string]any{"query": page, "variables": vars(map[string]any{}, 100, 0)}))
	fast := testing.AllocsPerRun(5, func() { answerOf(f.handler, f.acmeAdminKey, body) })
	slow := testing.AllocsPerRun(5, func() { answerOf(executor, f.acmeAdminKey, body) })
	if fast > slow*3/10 {
		t.Errorf("a page of 100 takes %.0f allocations with pageSchema, %.0f with the executor alone: want at most 30%%", fast, slow)
	}
	t.Logf("a page of 100 and its count: %.0f allocations, %.0f with the executor alone", fast, slow)
}

// answerOf posts body to h with key and returns the answer's bytes.
func answerOf(h http.Handler, key, body string) []byte {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set("Authorization", "X-API-Key: "+key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Body.Bytes()
}

// sortedErrors is the answer with its errors in the order of their JSON: the executor
// resolves the root fields at once, so their errors come in any order.
func sortedErrors(tb testing.TB, answer []byte) []byte {
	var a struct {
		Errors []json.RawMessage `json:"errors"`
		Data   json.RawMessage   `json:"data"`
	}
	if err := json.Unmarshal(answer, &a); err != nil {
		tb.Fatalf("not JSON: %v: %.300s", err, answer)
	}
	slices.SortFunc(a.Errors, func(x, y json.RawMessage) int { return bytes.Compare(x, y) })
	return mustJSON(tb, a)
}
