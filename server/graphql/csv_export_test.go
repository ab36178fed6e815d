package graphql_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"useradmin/server/graphql"
)

// TestExport_ReadAcrossOrganizations makes a real export as Acme's admin and reads it back
// as each caller: Acme's admin sees its progress, Globex's admin gets NOT_FOUND as for an
// id that never existed, a USER is refused; aliases and a parallel burst change nothing.
func TestExport_ReadAcrossOrganizations(t *testing.T) {
	f := newFixture(t)
	d := f.data(t, gql{key: f.acmeAdminKey, query: `mutation { createExport(where: {activated: true}, orderBy: [{field: EMAIL, direction: ASC}], columns: [EMAIL, FIRSTNAME]) { id url total written done expiresAt } }`})
	e := d["createExport"].(map[string]any)
	id, url := e["id"].(string), e["url"].(string)
	if !strings.HasPrefix(url, "export/ua_") || e["total"] != float64(2) {
		t.Fatalf("createExport = %v: want url export/ua_..., total 2", e)
	}
	q := `{ a: export(id: "` + id + `") { id url total written done } b: export(id: "` + id + `") { total } }`
	f.assertJSON(t, f.data(t, gql{key: f.acmeAdminKey, query: q}),
		`{"a": {"id": "`+id+`", "url": null, "total": 2, "written": 0, "done": false}, "b": {"total": 2}}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := f.do(t, gql{key: f.globexAdminKey, query: q})
			if got["data"] != nil || !strings.Contains(stringOf(got["errors"]), "NOT_FOUND") {
				t.Errorf("Globex's admin reads Acme's export: %v", got)
			}
		}()
	}
	wg.Wait()
	if _, ext := f.firstError(t, gql{key: f.acmeUserKey, query: q}); ext["code"] != "FORBIDDEN" {
		t.Errorf("a USER reads the export: %v", ext)
	}
	// The token is not the id: export(id) with the token finds nothing.
	token := strings.TrimPrefix(url, "export/")
	if _, ext := f.firstError(t, gql{key: f.acmeAdminKey, query: `{ export(id: "` + token + `") { id } }`}); ext["code"] != "NOT_FOUND" && ext["code"] != "BAD_USER_INPUT" {
		t.Errorf("export(id: token) = %v", ext)
	}
}

// TestExport_BadColumns: each refusal names the field and says what to do.
func TestExport_BadColumns(t *testing.T) {
	f := newFixture(t)
	for q, want := range map[string]string{
		`mutation { createExport(where: {}, columns: []) { id } }`:             "Choose at least one column to export.",
		`mutation { createExport(where: {}, columns: [EMAIL, EMAIL]) { id } }`: "The column email is chosen twice: choose each column once.",
	} {
		msg, ext := f.firstError(t, gql{key: f.acmeAdminKey, query: q})
		if msg != want || ext["code"] != "BAD_USER_INPUT" || ext["field"] != "columns" {
			t.Errorf("%s: %q %v, want %q on columns", q, msg, ext, want)
		}
	}
	msg, ext := f.firstError(t, gql{key: f.acmeAdminKey, query: `mutation { createExport(where: {search: "` + strings.Repeat("x", 400) + `"}, columns: [EMAIL]) { id } }`})
	if ext["code"] != "BAD_USER_INPUT" || msg == "" {
		t.Errorf("a long search: %q %v", msg, ext)
	}
	if n := f.countEvents(t, "EXPORT_CREATED"); n != 0 {
		t.Errorf("%v EXPORT_CREATED events after refusals", n)
	}
}

func stringOf(v any) string { return fmt.Sprint(v) }

// countEvents counts Acme's audit events of action.
func (f *fixture) countEvents(tb testing.TB, action string) float64 {
	tb.Helper()
	d := f.data(tb, gql{key: f.acmeAdminKey, query: `{ n: countAuditEvents(where: {action: ` + action + `}) }`})
	return d["n"].(float64)
}

// TestExport_NotEverywhere: Kili's core has no createExport, and a directory without an
// export service answers createExport and export FORBIDDEN with a sentence.
func TestExport_NotEverywhere(t *testing.T) {
	f := newFixture(t)
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.CoreOnly = true })
	if _, ext := f.firstError(t, gql{query: `mutation { createExport(where: {}, columns: [EMAIL]) { id } }`, key: f.acmeAdminKey}); ext["code"] != badInput {
		t.Errorf("core: %v", ext)
	}
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.Exports = nil })
	before := f.snapshot(t)
	for _, q := range []string{`mutation { createExport(where: {}, columns: [EMAIL]) { id } }`, `{ export(id: "x") { id } }`} {
		msg, ext := f.firstError(t, gql{query: q, key: f.acmeAdminKey})
		if ext["code"] != forbidden || !isSentence(msg) || !strings.Contains(msg, "page through the users") {
			t.Errorf("%s without an export service: %q %v", q, msg, ext)
		}
	}
	if f.snapshot(t) != before {
		t.Error("the store changed")
	}
}
