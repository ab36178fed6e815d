package graphql

import (
	"strconv"
	"testing"
)

func TestMeasureQuery(t *testing.T) {
	tests := []struct {
		name, query, operation string
		rootFields, fields     int
	}{
		{"Simple", `{ viewer { id email } }`, "", 1, 3},
		{"Aliases", `{ a: countUsers(where: {}) b: countUsers(where: {}) viewer { id } }`, "", 3, 4},
		{"SameKeyMerged", `{ viewer { id } viewer { email } }`, "", 1, 4},
		{"Arguments", `{ users(where: {organization: {id: null}, idIn: ["a", "b"]}, first: 10, skip: 0, orderBy: [{field: EMAIL, direction: ASC}]) { id } }`, "", 1, 2},
		{"StringsWithBraces", `{ users(where: {search: "} { a b c \" }"}, first: 1, skip: 0) { id } }`, "", 1, 2},
		{"BlockString", `{ users(where: {search: """ { x } \""" } """}, first: 1, skip: 0) { id } }`, "", 1, 2},
		{"Comments", "{\n  # a comment with { braces\n  viewer { id } # and } more\n}", "", 1, 2},
		{"Commas", `{ viewer { id, email, firstname }, me { id } }`, "", 2, 6},
		{"Directives", `query($x: Boolean = true) @a { viewer @include(if: $x) { id @skip(if: false) } }`, "", 1, 2},
		{"VariableDefaults", `query($w: UserWhere = {search: "{"}, $n: PageSize = 10) { users(where: $w, first: $n, skip: 0) { id } }`, "", 1, 2},
		{"Fragments", `query { viewer { ...F } me { ...F } } fragment F on User { id email organization { id name } }`, "", 2, 12},
		{"RootFragment", `query { ...Q ...Q viewer { id } } fragment Q on Query { a: countUsers(where: {}) b: countOrganizations }`, "", 3, 6},
		{"InlineFragments", `{ ... on Query { viewer { ... on User { id } ... @include(if: true) { email } } } }`, "", 1, 3},
		{"NamedOperation", `query A { viewer { id } } query B { a: me { id } b: me { id } }`, "B", 2, 4},
		{"UnicodeAlias", `{ élan: viewer { id } }`, "", 1, 2},
		{"NumbersAndEnums", `{ users(where: {}, first: -1.5e3, skip: 0, orderBy: [{field: EMAIL, direction: DESC}]) { id } }`, "", 1, 2},
		{"ByteOrderMark", "\uFEFF{ viewer { id } }", "", 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := measureQuery(tt.query, tt.operation)
			if err != nil {
				t.Fatal(err)
			}
			if got.rootFields != tt.rootFields || got.fields != tt.fields {
				t.Errorf("got %d root fields, %d fields; want %d, %d", got.rootFields, got.fields, tt.rootFields, tt.fields)
			}
		})
	}

	t.Run("FragmentsThatDouble", func(t *testing.T) {
		// Each fragment uses the one before it twice under different aliases: 2^40 fields,
		// counted without overflowing and without taking 2^40 steps.
		q := "{ viewer { ...F40 } } fragment F0 on User { id }"
		for i := 1; i <= 40; i++ {
			q += " fragment F" + strconv.Itoa(i) + " on User { a: organization { ...F" + strconv.Itoa(i-1) + " } b: organization { ...F" + strconv.Itoa(i-1) + " } }"
		}
		got, err := measureQuery(q, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.fields != maxCount {
			t.Errorf("fields = %d, want the cap %d", got.fields, maxCount)
		}
	})

	t.Run("ErrUnreadable", func(t *testing.T) {
		for _, q := range []string{`{ viewer { id }`, `{ users(where: {) { id } }`, `fragment F on { id }`, `{ a: }`, `"unterminated`} {
			if _, err := measureQuery(q, ""); err == nil {
				t.Errorf("%q: no error", q)
			}
		}
	})
}
