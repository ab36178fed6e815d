package graphql_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Kili's Python SDK, on construction (kili.client.Kili), sends three requests, each of which
// must answer for it to start: a check of the key with its own HTTP client, the standard
// introspection query with the 2021 options, and a check of its key's expiry. The documents
// below are the SDK's, verbatim; testdata/kili holds the introspection query as
// graphql-core's get_introspection_query(descriptions=True, schema_description=True,
// directive_is_repeatable=True, input_value_deprecation=True) writes it, for each version of
// graphql-core 3.2 whose output differs.

// kiliHeaders are the headers the SDK sends with every request.
func kiliHeaders(key string) http.Header {
	return http.Header{
		"Authorization":                {"X-API-Key: " + key},
		"Accept":                       {"application/json"},
		"Content-Type":                 {"application/json"},
		"Apollographql-Client-Name":    {"python-sdk"},
		"Apollographql-Client-Version": {"2.160.0"},
	}
}

// kiliExpiryQuery is GQL_API_KEY_EXPIRY_DATE of kili/adapters/kili_api_gateway/api_key/operations.py.
const kiliExpiryQuery = `
    query apiKeys($where: ApiKeyWhere!) {
        data: apiKeys(where: $where, skip: 0, first: 1) {
            expiryDate
        }
    }
    `

// kiliExpiryFormat is how the SDK reads expiryDate: datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ"),
// where %f takes one to six digits.
var kiliExpiryFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}Z$`)

func TestHandler_KiliSDKStartUp(t *testing.T) {
	f := newFixture(t)
	session := f.data(t, gql{query: `mutation { signIn(email: "uma@acme.test", password: "correct horse battery") { apiKey expiresAt } }`})["signIn"].(map[string]any)
	for _, key := range []struct{ name, key, expiry string }{
		{"APIKey", f.acmeUserKey, "9999-12-31T23:59:59.999000Z"}, // made by createApiKey: it never expires
		{"Session", session["apiKey"].(string), session["expiresAt"].(string)},
	} {
		t.Run(key.name, func(t *testing.T) {
			// kili/adapters/authentification.py: is_api_key_valid, with the SDK's own body.
			status, got := f.post(t, kiliHeaders(key.key), `{"query":"{ viewer { id email } }"}`)
			if status != http.StatusOK || got["errors"] != nil {
				t.Fatalf("viewer: status %d, %v", status, got)
			}
			f.assertJSON(t, got["data"], `{"viewer": {"id": "$ACME_USER_ID", "email": "uma@acme.test"}}`)

			// gql's Client(fetch_schema_from_transport=True, introspection_args=...).
			files, err := filepath.Glob(filepath.Join("testdata", "kili", "introspection-*.graphql"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no introspection documents: %v", err)
			}
			for _, file := range files {
				query, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				status, got := f.post(t, kiliHeaders(key.key), string(mustJSON(t, map[string]any{"query": string(query)})))
				if status != http.StatusOK || got["errors"] != nil {
					t.Fatalf("%s: status %d, errors %v", file, status, got["errors"])
				}
				checkClientSchema(t, got["data"].(map[string]any)["__schema"].(map[string]any))
			}

			// kili/use_cases/api_key: check_expiry_of_key_is_close.
			body := string(mustJSON(t, map[string]any{"query": kiliExpiryQuery, "variables": map[string]any{"where": map[string]any{"key": key.key}}}))
			status, got = f.post(t, kiliHeaders(key.key), body)
			if status != http.StatusOK || got["errors"] != nil {
				t.Fatalf("apiKeys: status %d, %v", status, got)
			}
			keys := got["data"].(map[string]any)["data"].([]any)
			if len(keys) != 1 {
				t.Fatalf("apiKeys = %v, want the caller's key", keys)
			}
			expiry, _ := keys[0].(map[string]any)["expiryDate"].(string)
			if expiry != key.expiry || !kiliExpiryFormat.MatchString(expiry) {
				t.Errorf("expiryDate = %q, want %q in the form %s", expiry, key.expiry, kiliExpiryFormat)
			}
		})
	}

	t.Run("OthersKeys", func(t *testing.T) {
		// A key is found only by whom may see it: its user, and an ADMIN of its organization.
		ask := func(caller, key string) []any {
			body := string(mustJSON(t, map[string]any{"query": kiliExpiryQuery, "variables": map[string]any{"where": map[string]any{"key": key}}}))
			status, got := f.post(t, kiliHeaders(caller), body)
			if status != http.StatusOK || got["errors"] != nil {
				t.Fatalf("status %d, %v", status, got)
			}
			return got["data"].(map[string]any)["data"].([]any)
		}
		if got := ask(f.acmeUserKey, f.acmeAdminKey); len(got) != 0 {
			t.Errorf("a USER sees the admin's key: %v", got)
		}
		if got := ask(f.globexAdminKey, f.acmeUserKey); len(got) != 0 {
			t.Errorf("another organization's ADMIN sees the key: %v", got)
		}
		if got := ask(f.acmeAdminKey, f.acmeUserKey); len(got) != 1 {
			t.Errorf("the ADMIN of the key's organization sees %v, want the key", got)
		}
	})
}

// checkClientSchema checks what graphql-core's build_client_schema reads of an
// introspection answer: the 2021 fields, each type's members by its kind, and every
// argument and input field with its type.
func checkClientSchema(t *testing.T, schema map[string]any) {
	t.Helper()
	if d, _ := schema["description"].(string); d == "" {
		t.Errorf("__schema.description = %v", schema["description"])
	}
	if schema["queryType"].(map[string]any)["name"] != "Query" || schema["mutationType"].(map[string]any)["name"] != "Mutation" {
		t.Errorf("root types %v %v", schema["queryType"], schema["mutationType"])
	}
	for _, d := range schema["directives"].([]any) {
		d := d.(map[string]any)
		if _, ok := d["isRepeatable"].(bool); !ok {
			t.Errorf("directive %v has no isRepeatable", d["name"])
		}
		checkInputValues(t, "@"+d["name"].(string), d["args"])
	}
	types := 0
	for _, typ := range schema["types"].([]any) {
		typ := typ.(map[string]any)
		name, kind := typ["name"].(string), typ["kind"].(string)
		types++
		switch kind {
		case "OBJECT", "INTERFACE":
			fields, ok := typ["fields"].([]any)
			if !ok || len(fields) == 0 {
				t.Errorf("%s %s has no fields", kind, name)
			}
			for _, field := range fields {
				field := field.(map[string]any)
				if field["type"] == nil {
					t.Errorf("%s.%s has no type", name, field["name"])
				}
				checkInputValues(t, name+"."+field["name"].(string), field["args"])
			}
		case "INPUT_OBJECT":
			checkInputValues(t, name, typ["inputFields"])
		case "ENUM":
			if values, ok := typ["enumValues"].([]any); !ok || len(values) == 0 {
				t.Errorf("enum %s has no values", name)
			}
		}
	}
	if types < 20 {
		t.Errorf("only %d types", types)
	}
}

// checkInputValues checks arguments or input fields as the 2021 options ask for them.
func checkInputValues(t *testing.T, where string, values any) {
	t.Helper()
	list, ok := values.([]any)
	if !ok {
		t.Errorf("%s: arguments or input fields are %v", where, values)
		return
	}
	for _, v := range list {
		v := v.(map[string]any)
		if _, ok := v["isDeprecated"].(bool); !ok || v["type"] == nil || strings.TrimSpace(v["name"].(string)) == "" {
			t.Errorf("%s: input value %v", where, v)
		}
	}
}
