package graphql_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestHandler_LongNamesAreNotEchoed sends half a megabyte where a name goes: the
// operationName, a variable's name, and the name of a field inside a variable (used by
// the operation or not, beside a write). Each is refused as BAD_USER_INPUT with a short
// sentence that quotes at most a little of the name, nothing runs, and nothing stored
// changes: an answer once sent the name back twice, a megabyte for half of one.
func TestHandler_LongNamesAreNotEchoed(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot(t)
	long := strings.Repeat("N", 500_000)
	update := `mutation($d: UserData!, $w: UserWhere!) { updatePropertiesInUser(data: $d, where: $w) { firstname } }`
	uma := map[string]any{"email": "uma@acme.test"}
	for name, body := range map[string]map[string]any{
		"operationName":             {"query": `mutation A { createApiKey(name: "k") { id } }`, "operationName": long},
		"operationName of several":  {"query": `query A { viewer { id } } mutation B { createApiKey(name: "k") { id } }`, "operationName": long},
		"variable name":             {"query": update, "variables": map[string]any{"d": map[string]any{"firstname": "X"}, "w": uma, long: 1}},
		"variable name, long value": {"query": update, "variables": map[string]any{"d": map[string]any{"firstname": "X"}, "w": uma, long: strings.Repeat("v", 10_001)}},
		"field of a used variable":  {"query": update, "variables": map[string]any{"d": map[string]any{"firstname": "X", long: "Y"}, "w": uma}},
		"field of a where":          {"query": update, "variables": map[string]any{"d": map[string]any{"firstname": "X"}, "w": map[string]any{"email": "uma@acme.test", long: true}}},
		"field deep in an unused":   {"query": update, "variables": map[string]any{"d": map[string]any{"firstname": "X"}, "w": uma, "u": map[string]any{"a": []any{map[string]any{long: "z"}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			b, _ := json.Marshal(body)
			status, got := f.post(t, http.Header{"Authorization": {"Bearer " + f.acmeAdminKey}}, string(b))
			out, _ := json.Marshal(got)
			if status != http.StatusOK || len(out) > 1000 {
				t.Fatalf("status %d, answer of %d bytes: %.200s", status, len(out), out)
			}
			errs, _ := got["errors"].([]any)
			if len(errs) != 1 || got["data"] != nil {
				t.Fatalf("answer %s", out)
			}
			e := errs[0].(map[string]any)
			ext := e["extensions"].(map[string]any)
			if msg, _ := e["message"].(string); ext["code"] != badInput || !isSentence(msg) || strings.Contains(msg, strings.Repeat("N", 100)) {
				t.Errorf("got %q %v", msg, ext)
			}
			if f.snapshot(t) != before {
				t.Fatal("a refused request changed the store")
			}
		})
	}
	// Names of the usual length are not refused: the same update, with the names it has.
	b, _ := json.Marshal(map[string]any{"query": update, "operationName": "", "variables": map[string]any{"d": map[string]any{"firstname": "Una"}, "w": uma}})
	if _, got := f.post(t, http.Header{"Authorization": {"Bearer " + f.acmeAdminKey}}, string(b)); got["errors"] != nil {
		t.Fatalf("errors: %v", got["errors"])
	}
}
