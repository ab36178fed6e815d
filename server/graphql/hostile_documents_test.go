package graphql_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Limits of what one refused request may cost the server: the refusal must come within a
// second of CPU and 64 MiB of allocations.
const (
	maxRefusalTime  = time.Second
	maxRefusalAlloc = 64 << 20
)

// doublingFragments returns the operation op, where %s stands for Fn, and fragments
// F1..Fn of type typ, each using the one before twice by way of use (e.g.
// "...%[1]s ...%[1]s"), over F0 = base.
func doublingFragments(n int, typ, base, use, op string) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(op, "%s", fmt.Sprintf("F%d", n)))
	fmt.Fprintf(&b, "\nfragment F0 on %s { %s }\n", typ, base)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", i, typ, fmt.Sprintf(use, fmt.Sprintf("F%d", i-1)))
	}
	return b.String()
}

// repeat returns n copies of format, each given its index.
func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

// TestHandler_HostileDocuments sends documents made to cost the server time or memory
// before any limit applies, with and without a key. Each is refused, as BAD_USER_INPUT
// about the query, within maxRefusalTime and maxRefusalAlloc, and changes nothing.
func TestHandler_HostileDocuments(t *testing.T) {
	page := `users(where: {}, first: 100, skip: 0)`
	tests := []struct {
		name, query, variables string
		opName                 string
		message                string // empty: any sentence
		field                  string // empty: "query"
	}{
		// Fragments that double: validation and execution would walk 2^n fields.
		{name: "FragmentBomb29", query: doublingFragments(29, "User", "id", "...%[1]s ...%[1]s", "{ viewer { ...%s } }"),
			message: "The query asks for 536870913 fields in all (a fragment counts each time it is used): send at most 400 in one request."},
		{name: "FragmentBombAliases40", query: doublingFragments(40, "User", "id", "a: organization { ...%[1]s } b: organization { ...%[1]s }", "{ viewer { ...%s } }")},
		{name: "FragmentBombInline", query: doublingFragments(30, "User", "id", "... on User { ...%[1]s } ... @include(if: true) { ...%[1]s }", "{ viewer { ...%s } }")},
		{name: "FragmentBombInList", query: doublingFragments(25, "User", "id email", "...%[1]s ...%[1]s", "{ "+page+" { ...%s } }")},
		{name: "FragmentBombIntrospection", query: doublingFragments(30, "__Type", "name", "a: ofType { ...%[1]s } b: ofType { ...%[1]s }", `{ __type(name: "User") { ...%s } }`)},
		{name: "FragmentBombUnused", query: doublingFragments(30, "User", "id", "...%[1]s ...%[1]s", "{ viewer { id } }")},
		{name: "FragmentBombOtherOperation", query: doublingFragments(30, "User", "id", "...%[1]s ...%[1]s", "query A { viewer { id } } query B { viewer { ...%s } }"),
			opName: "A"},
		{name: "FragmentCycle", query: `{ viewer { ...A } } fragment A on User { id ...B } fragment B on User { email ...A }`,
			message: "The fragment A uses itself: a fragment cannot contain itself, directly or through others."},
		{name: "FragmentSelfCycle", query: `{ viewer { ...A } } fragment A on User { ...A }`},

		// Many fields at the top, which each run: pages, mutations, introspection.
		{name: "ElevenPages", query: "{" + repeat(11, " a%d: "+page+" { id }") + " }",
			message: "The query asks for 11 fields at its top level: send at most 10 in one request, or split it into several requests."},
		{name: "RootFieldsInFragments", query: "{ ...Q ...R } fragment Q on Query {" + repeat(6, " q%d: countOrganizations") + " } fragment R on Query {" + repeat(6, " r%d: countOrganizations") + " }"},
		{name: "SixtyPasswordChanges", query: "mutation {" + repeat(60, ` u%d: updatePassword(data: {oldPassword: "x", newPassword1: "yyyyyyyy", newPassword2: "yyyyyyyy"}, where: {}) { id }`) + " }"},
		{name: "IntrospectionAliases", query: "{" + repeat(180, " s%d: __schema { types { name } }") + " }"},
		{name: "BlockStringDoesNotHideFields", query: "{" + repeat(11, " a%d: "+page+" { id }") + ` z: countUsers(where: {idIn: ["""x"]}) }`},

		// Expensive fields inside lists: each counts once per item of the page.
		{name: "KeysOfEveryUserOfTenPages", query: "{" + repeat(10, " a%d: "+page+" { apiKeys { id name createdAt expiresAt } }") + " }"},
		{name: "AliasedKeysInAPage", query: "{ " + page + " {" + repeat(60, " k%d: apiKeys { id }") + " } }"},
		{name: "PageSizeFromVariable", query: `query($n: PageSize!) { a: users(where: {}, first: $n, skip: 0) { apiKeys { id name createdAt expiresAt } } b: users(where: {}, first: $n, skip: 0) { apiKeys { id name } } }`,
			variables: `{"n": 100}`},
		{name: "PageSizeFromDefault", query: `query($n: PageSize = 100) { a: users(where: {}, first: $n, skip: 0) { apiKeys { id name createdAt expiresAt } } b: users(where: {}, first: $n, skip: 0) { apiKeys { id name } } }`},

		// Fields that validation compares pairwise.
		{name: "OverlapBomb", query: "{" + strings.Repeat(" viewer { id }", 900) + " }"},
		{name: "OverlapConflicts", query: "{" + repeat(450, " a: viewer { x%d: id }") + " }"},
		{name: "OverlapConflictsAtTheLimit", query: "{ viewer {" + strings.Repeat(" a: id a: email", 199) + " } }"},
		{name: "OverlapNestedConflictsAtTheLimit", query: "{" + repeat(100, " a: viewer { x%[1]d: id } a: me { x%[1]d: email }") + " }"},
		{name: "OverlapTooLong", query: "{" + strings.Repeat(" viewer { id }", 3000) + " }",
			message: "The query is 42003 bytes long: send at most 16384, and put long values in variables."},
		{name: "Deep", query: deepIntrospection(40), message: "The query nests fields too deeply: at most 15 levels."},
		{name: "DeepInFragments", query: deepFragments(20)},
		{name: "NestedBraces", query: strings.Repeat("{", 5000) + strings.Repeat("}", 5000)},
		{name: "NestedLists", query: `{ countUsers(where: {idIn: ` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}) }`},

		// What the reader must not trip over.
		{name: "CommentsHideNothing", query: "{\n" + repeat(11, " # } {\n a%d: "+page+" { id } # \"\"\"\n") + "}"},
		{name: "UnicodeEscapes", query: "{" + repeat(11, ` a%d: countUsers(where: {search: "\u00e9\u0000\"\\u00e9\\\""})`) + " }"},
		{name: "HugeNumbers", query: "{" + repeat(11, " a%d: users(where: {}, first: 1e999, skip: 99999999999999999999999) { id }") + " }"},
		{name: "Unreadable", query: `{ viewer { id } `, message: "The query cannot be read at line 1, column 17: Expected Name, found <EOF>."},
		{name: "UnterminatedBlockString", query: `{ countUsers(where: {search: """x"]}) }`},
	}
	f := newFixture(t)
	f.snapshot(t) // opens the reader for the whole test
	for _, tt := range tests {
		for _, caller := range []string{"NoKey", "Admin"} {
			t.Run(tt.name+"/"+caller, func(t *testing.T) {
				before := f.snapshot(t)
				body := map[string]any{"query": tt.query}
				if tt.opName != "" {
					body["operationName"] = tt.opName
				}
				if tt.variables != "" {
					body["variables"] = json.RawMessage(tt.variables)
				}
				header := http.Header{}
				if key := f.callerKey(caller); key != "" {
					header.Set("Authorization", "Bearer "+key)
				}
				var status int
				var got map[string]any
				elapsed, allocated := cost(func() { status, got = f.post(t, header, string(mustJSON(t, body))) })
				if elapsed > maxRefusalTime || allocated > maxRefusalAlloc {
					t.Errorf("refusing took %v and %d MiB", elapsed, allocated>>20)
				}
				errs, _ := got["errors"].([]any)
				if status != http.StatusOK || len(errs) == 0 || got["data"] != nil {
					t.Fatalf("status %d, answer %.300v", status, got)
				}
				e := errs[0].(map[string]any)
				msg, ext := e["message"].(string), e["extensions"].(map[string]any)
				field := tt.field
				if field == "" {
					field = "query"
				}
				if ext["code"] != "BAD_USER_INPUT" || ext["field"] != field || !isSentence(msg) || tt.message != "" && msg != tt.message {
					t.Errorf("got %q %v, want BAD_USER_INPUT on %s %q", msg, ext, field, tt.message)
				}
				if f.snapshot(t) != before {
					t.Errorf("a refused request changed what is stored")
				}
				t.Logf("refused in %v, %d KiB: %s", elapsed.Round(time.Microsecond), allocated>>10, msg)
			})
		}
	}
}

// deepFragments returns a query whose fields nest through n fragments, each a level deeper.
func deepFragments(n int) string {
	q := `{ __type(name: "User") { ...D0 } }`
	for i := range n {
		q += fmt.Sprintf(" fragment D%d on __Type { ofType { ...D%d } }", i, i+1)
	}
	return q + fmt.Sprintf(" fragment D%d on __Type { name }", n)
}

// deepIntrospection returns a query whose fields nest depth levels.
func deepIntrospection(depth int) string {
	return `{ __type(name: "User") { ` + strings.Repeat("ofType { ", depth-2) + "name" + strings.Repeat(" }", depth-1) + " }"
}

// cost runs f and returns how long it took and how many bytes the process allocated
// meanwhile.
func cost(f func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return elapsed, after.TotalAlloc - before.TotalAlloc
}
