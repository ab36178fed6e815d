package graphql_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// introspectionQuery is the query that GraphQL tools (graphql-js's getIntrospectionQuery)
// send to learn a schema.
const introspectionQuery = `
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`

// TestSchema_Golden compares the schema, as introspection answers it to a caller without a
// key, with testdata/introspection.json. Run `go test ./server/graphql -update` after a
// deliberate change of the schema, and review the difference.
func TestSchema_Golden(t *testing.T) {
	f := newFixture(t)
	got := f.data(t, gql{query: introspectionQuery, opName: "IntrospectionQuery"})
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	golden := filepath.Join("testdata", "introspection.json")
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./server/graphql -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("the schema differs from %s: run go test ./server/graphql -update and review the difference", golden)
	}
}
