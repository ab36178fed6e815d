package graphql_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"useradmin/server/graphql"
)

const importDoc = `mutation($rows: [ImportRow!]!, $dry: Boolean!) {
	a: importUsers(rows: $rows, mode: CREATE, existing: UPDATE, dryRun: $dry) { line email outcome message userId link }
}`

// importVars is the variables of importDoc: rows as JSON, and dryRun.
func importVars(tb testing.TB, rows []map[string]any, dry bool) string {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"rows": rows, "dry": dry})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestImportUsers_AnotherOrganizationsEmailLeaksNothingAndIsNotTouched(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot(t)
	rows := []map[string]any{{"line": 2, "email": "Admin@Globex.test", "firstname": "Mallory", "organizationRole": "USER", "activated": "false"}}
	for _, dry := range []bool{true, false} {
		d := f.data(t, gql{query: importDoc, variables: importVars(t, rows, dry), key: f.acmeAdminKey})
		r := d["a"].([]any)[0].(map[string]any)
		if r["outcome"] != "FAILED" || r["userId"] != nil || r["link"] != nil ||
			r["message"] != "This email address is already used in the directory: use another address, or leave the line out." {
			t.Errorf("dry run %v: %v", dry, r)
		}
	}
	if f.snapshot(t) != before {
		t.Error("another organization's user changed")
	}
}

func TestImportUsers_DryRunWritesNothingAndImportGivesLinks(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot(t)
	_, events := f.auditRows(t, 0)
	rows := []map[string]any{
		{"line": 2, "email": "nia@example.test", "firstname": "Nia", "workspaces": []string{"Annotators"}},
		{"line": 3, "email": "bad@", "firstname": "Bad"},
		{"line": 4, "email": "rob@example.test", "organizationRole": strings.Repeat("x", 5000)},
		{"line": 5, "email": "ws@example.test", "workspaces": []string{"Globex team"}}, // Globex's workspace is not Acme's
	}
	d := f.data(t, gql{query: importDoc, variables: importVars(t, rows, true), key: f.acmeAdminKey})
	preview := d["a"].([]any)
	if f.snapshot(t) != before {
		t.Fatal("a dry run changed the users")
	}
	if actions, _ := f.auditRows(t, events); len(actions) != 0 {
		t.Fatalf("a dry run recorded %v", actions)
	}
	want := []string{"CREATED", "FAILED", "FAILED", "FAILED"}
	for i, r := range preview {
		r := r.(map[string]any)
		if r["outcome"] != want[i] || r["link"] != nil {
			t.Errorf("preview line %v: %v", r["line"], r)
		}
		if msg := fmt.Sprint(r["message"]); len(msg) > 300 || msg == "" {
			t.Errorf("line %v: message %q", r["line"], msg)
		}
	}
	d = f.data(t, gql{query: importDoc, variables: importVars(t, rows, false), key: f.acmeAdminKey})
	done := d["a"].([]any)
	for i, r := range done {
		r := r.(map[string]any)
		if r["outcome"] != want[i] || r["message"] != preview[i].(map[string]any)["message"] && i > 0 {
			t.Errorf("import line %v: %v, preview %v", r["line"], r, preview[i])
		}
	}
	link := fmt.Sprint(done[0].(map[string]any)["link"])
	if !strings.HasPrefix(link, "http://127.0.0.1:8000/reset-password?token=ua_") {
		t.Errorf("link = %q", link)
	}
}

func TestImportUsers_Limits(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot(t)
	many := make([]map[string]any, 501)
	for i := range many {
		many[i] = map[string]any{"line": i + 2, "email": fmt.Sprintf("p%d@example.test", i)}
	}
	long := []map[string]any{{"line": 2, "email": strings.Repeat("a", 20_000) + "@example.test"}}
	columns := []map[string]any{{"line": 2, "email": "w@example.test", "workspaces": make([]string, 21)}}
	hugeList := []map[string]any{{"line": 2, "email": "w@example.test", "workspaces": make([]string, 2000)}}
	zero := []map[string]any{{"line": 0, "email": "z@example.test"}}
	for name, tt := range map[string]struct {
		q    gql
		code string
	}{
		"501 rows":         {gql{query: importDoc, variables: importVars(t, many, false)}, badInput},
		"a text of 20,000": {gql{query: importDoc, variables: importVars(t, long, false)}, badInput},
		"21 workspaces":    {gql{query: importDoc, variables: importVars(t, columns, false)}, badInput},
		"a list of 2,000":  {gql{query: importDoc, variables: importVars(t, hugeList, false)}, badInput},
		"line 0":           {gql{query: importDoc, variables: importVars(t, zero, false)}, badInput},
		"no rows":          {gql{query: importDoc, variables: importVars(t, []map[string]any{}, false)}, badInput},
		"unknown mode":     {gql{query: `mutation { importUsers(rows: [{line: 2, email: "a@b.test"}], mode: DROP, existing: SKIP, dryRun: false) { line } }`}, ""},
		"rows null":        {gql{query: `mutation { importUsers(rows: null, mode: CREATE, existing: SKIP, dryRun: false) { line } }`}, ""},
		"eleven aliases":   {gql{query: "mutation {" + strings.Repeat(` x: importUsers(rows: [{line: 2, email: "a@b.test"}], mode: CREATE, existing: SKIP, dryRun: true) { line }`, 11) + "}"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			tt.q.key = f.acmeAdminKey
			msg, ext := f.firstError(t, tt.q)
			if tt.code != "" && ext["code"] != tt.code || msg == "" || msg == "Internal error." {
				t.Errorf("got %q %v, want %s", msg, ext, tt.code)
			}
			if f.snapshot(t) != before {
				t.Error("the users changed")
			}
		})
	}
}

func TestImportUsers_AliasesRunInTurn(t *testing.T) {
	f := newFixture(t)
	d := f.data(t, gql{key: f.acmeAdminKey, query: `mutation {
		a: importUsers(rows: [{line: 2, email: "twin@example.test"}], mode: CREATE, existing: SKIP, dryRun: false) { outcome }
		b: importUsers(rows: [{line: 2, email: "TWIN@example.test"}], mode: CREATE, existing: SKIP, dryRun: false) { outcome }
	}`})
	f.assertJSON(t, d, `{"a": [{"outcome": "CREATED"}], "b": [{"outcome": "SKIPPED"}]}`)
	n := f.data(t, gql{key: f.acmeAdminKey, query: `{ n: countUsers(where: {email: "twin@example.test"}) }`})
	if n["n"] != float64(1) {
		t.Errorf("count = %v", n["n"])
	}
}

// A directory without imports refuses every batch with a sentence, dry run or not, and
// nothing changes.
func TestImportUsers_RefusedByAStoreWithoutImport(t *testing.T) {
	f := newFixture(t)
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.Imports = nil })
	before := f.snapshot(t)
	rows := []map[string]any{{"line": 2, "email": "nia@example.test"}}
	for _, dry := range []bool{true, false} {
		msg, ext := f.firstError(t, gql{query: importDoc, variables: importVars(t, rows, dry), key: f.acmeAdminKey})
		if ext["code"] != forbidden || !strings.Contains(msg, "cannot import") {
			t.Errorf("dry run %v: %q %v", dry, msg, ext)
		}
	}
	if f.snapshot(t) != before {
		t.Error("the users changed")
	}
}
