package graphql_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
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

// TestSchema_SubsetsOfFull checks that schema_core.graphql and schema_paradime.graphql,
// which the same resolvers answer with -contract core and -contract paradime, have
// nothing that schema.graphql lacks: each type, field, argument, input field and enum
// value, of the same type.
func TestSchema_SubsetsOfFull(t *testing.T) {
	full := loadSchema(t, "schema.graphql")
	for _, tc := range []struct {
		file     string
		minTypes int
	}{{"schema_core.graphql", 15}, {"schema_paradime.graphql", 8}} {
		t.Run(tc.file, func(t *testing.T) {
			sub := loadSchema(t, tc.file)
			for name, ct := range sub.Types {
				ft := full.Types[name]
				if ft == nil || ft.Kind != ct.Kind {
					t.Errorf("type %s: not in schema.graphql as a %s", name, ct.Kind)
					continue
				}
				for _, cf := range ct.Fields {
					ff := ft.Fields.ForName(cf.Name)
					if ff == nil || ff.Type.String() != cf.Type.String() {
						t.Errorf("%s.%s: %v in %s, %v in schema.graphql", name, cf.Name, cf.Type, tc.file, ff)
						continue
					}
					for _, ca := range cf.Arguments {
						if fa := ff.Arguments.ForName(ca.Name); fa == nil || fa.Type.String() != ca.Type.String() {
							t.Errorf("%s.%s(%s): %v in %s, %v in schema.graphql", name, cf.Name, ca.Name, ca.Type, tc.file, fa)
						}
					}
				}
				for _, cv := range ct.EnumValues {
					if ft.EnumValues.ForName(cv.Name) == nil {
						t.Errorf("%s.%s: not in schema.graphql", name, cv.Name)
					}
				}
			}
			if len(sub.Types) < tc.minTypes || sub.Query == nil || sub.Mutation == nil {
				t.Errorf("%s has %d types", tc.file, len(sub.Types))
			}
		})
	}
}

// TestSchema_ArgumentsDescribed checks that every argument, field, type and input field of
// both schemas says what it is for, as introspection shows it to tools.
func TestSchema_ArgumentsDescribed(t *testing.T) {
	for _, file := range []string{"schema.graphql", "schema_core.graphql", "schema_paradime.graphql"} {
		s := loadSchema(t, file)
		if s.Description == "" {
			t.Errorf("%s: the schema has no description", file)
		}
		for name, typ := range s.Types {
			if typ.BuiltIn || strings.HasPrefix(name, "__") {
				continue
			}
			if strings.TrimSpace(typ.Description) == "" {
				t.Errorf("%s: type %s has no description", file, name)
			}
			for _, f := range typ.Fields {
				if strings.HasPrefix(f.Name, "__") {
					continue // the library's introspection fields
				}
				if strings.TrimSpace(f.Description) == "" {
					t.Errorf("%s: %s.%s has no description", file, name, f.Name)
				}
				for _, a := range f.Arguments {
					if strings.TrimSpace(a.Description) == "" {
						t.Errorf("%s: argument %s.%s(%s) has no description", file, name, f.Name, a.Name)
					}
				}
			}
			for _, v := range typ.EnumValues {
				if strings.TrimSpace(v.Description) == "" {
					t.Errorf("%s: %s.%s has no description", file, name, v.Name)
				}
			}
		}
	}
}

func loadSchema(t *testing.T, file string) *ast.Schema {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: file, Input: string(text)})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return s
}
