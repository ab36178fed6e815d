package graphql

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"useradmin/server"
)

// A request's document goes through gqlparser once: it is read (lexed, then parsed), its
// cost is measured on the parse (cost.go), and only then validated, since validation
// takes time in the square of the fields it compares. The validated document is handed
// to gqlgen's executor through the request's context (see documentCache), so that the
// executor neither parses nor validates it again. Queries that clients send again and
// again (the widget's, Kili's) are kept validated in an LRU, keyed by their text; only
// their cost, which depends on the variables, is measured again.

const (
	// cachedDocuments is how many validated documents are kept.
	cachedDocuments = 256
	// maxCachedQuery is the longest query kept validated, in bytes: the documents that
	// clients send again are short, and a long one must not take a place in the cache.
	maxCachedQuery = 4 << 10
)

// documents keeps validated documents by their text.
type documents struct {
	schema *ast.Schema
	cache  *lru.LRU[*ast.QueryDocument]
}

func newDocuments(schema *ast.Schema) *documents {
	return &documents{schema: schema, cache: lru.New[*ast.QueryDocument](cachedDocuments)}
}

// refusal is why a request was refused before it ran: errors for the answer.
type refusal []*gqlError

// prepare reads, measures and validates query, and returns its document and the
// operation to run; or, refused, why not. Nothing has run when it refuses.
func (d *documents) prepare(ctx context.Context, query, operationName string, vars map[string]any) (*ast.QueryDocument, *ast.OperationDefinition, refusal) {
	if len(query) > MaxQueryLength {
		return nil, nil, refuse(server.FieldErrorf("query",
			"The query is %d bytes long: send at most %d, and put long values in variables.", len(query), MaxQueryLength))
	}
	doc, validated := d.cache.Get(ctx, query)
	if !validated {
		var refused refusal
		if doc, refused = read(query); refused != nil {
			return nil, nil, refused
		}
	}
	op, err := operation(doc, operationName)
	if err != nil {
		return nil, nil, refuse(err)
	}
	if err := measure(d.schema, doc, op, vars); err != nil {
		return nil, nil, refuse(err)
	}
	if !validated {
		if errs := d.validate(doc); len(errs) > 0 {
			return nil, nil, presentValidation(doc, errs)
		}
		if len(query) <= maxCachedQuery {
			d.cache.Add(ctx, query, doc)
		}
	}
	return doc, op, nil
}

// read lexes and parses query. It counts the tokens first with the library's lexer, so
// that a query with too many is refused for that reason, and the parser never reads it.
func read(query string) (*ast.QueryDocument, refusal) {
	src := &ast.Source{Input: query}
	lex := lexer.New(src)
	for n := 0; ; n++ {
		tok, err := lex.ReadToken()
		if err != nil {
			return nil, presentSyntax(err)
		}
		if tok.Kind == lexer.EOF {
			break
		}
		if n == MaxTokens {
			return nil, refuse(server.FieldErrorf("query",
				"The query has more than %d names, values and punctuation marks: send a shorter query, and put long lists in variables.", MaxTokens))
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(src, MaxTokens+1)
	if err != nil {
		return nil, presentSyntax(err)
	}
	if len(doc.Operations) == 0 {
		return nil, refuse(server.FieldErrorf("query", `The query has no operation: send one such as "{ viewer { id } }".`))
	}
	return doc, nil
}

// operation picks the operation to run, as the spec says: the one named operationName,
// or the only one.
func operation(doc *ast.QueryDocument, operationName string) (*ast.OperationDefinition, *server.Error) {
	if operationName == "" && len(doc.Operations) > 1 {
		return nil, server.FieldErrorf("operationName", "The query has several operations: send operationName to say which one to run.")
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return nil, server.FieldErrorf("operationName", "The query has no operation named %q: check operationName.", clip(operationName))
	}
	return op, nil
}

// validate runs the spec's validation rules. A panic of the validator is a refusal too:
// what cannot be checked does not run.
func (d *documents) validate(doc *ast.QueryDocument) (errs gqlerror.List) {
	defer func() {
		if v := recover(); v != nil {
			errs = gqlerror.List{gqlerror.Errorf("validation failed: %v", v)}
		}
	}()
	r := rules.NewDefaultRules()
	r.AddRule(readableNumbers.Name, readableNumbers.RuleFunc)
	return validator.ValidateWithRules(d.schema, doc, r)
}

// readableNumbers refuses a number that the library cannot read into a Go value (an Int
// beyond 64 bits, a Float beyond float64): the spec's rules let such a literal through
// where a custom scalar such as PageSize takes it, and reading the arguments would then
// fail while the operation runs.
var readableNumbers = core.Rule{Name: "ReadableNumbers", RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
	observers.OnValue(func(_ *core.Walker, v *ast.Value) {
		if v.Kind != ast.IntValue && v.Kind != ast.FloatValue {
			return
		}
		if _, err := v.Value(nil); err != nil {
			addError(core.Message("The number %s cannot be read.", v.Raw), core.At(v.Position))
		}
	})
}}

func refuse(err *server.Error) refusal { return refusal{presentServerError(err)} }

// documentCache hands the executor the document that prepare validated: gqlgen's
// executor looks a query up in its cache before it parses and validates it, and this
// cache answers with the document carried by the request's context.
type documentCache struct{}

type documentKey struct{}

// withDocument returns a context that carries the validated document doc.
func withDocument(ctx context.Context, doc *ast.QueryDocument) context.Context {
	return context.WithValue(ctx, documentKey{}, doc)
}

// Get returns the document of the request. Without one, it answers a document with no
// operation, which the executor refuses: a query that was not prepared never runs.
func (documentCache) Get(ctx context.Context, _ string) (*ast.QueryDocument, bool) {
	if doc, ok := ctx.Value(documentKey{}).(*ast.QueryDocument); ok && doc != nil {
		return doc, true
	}
	return &ast.QueryDocument{}, true
}

// Add does nothing: the documents are kept by prepare.
func (documentCache) Add(context.Context, string, *ast.QueryDocument) {}

// customScalars read the directory's own scalars, by name, as gqlgen.yml binds them.
var customScalars = map[string]func(any) error{
	"PageSize": func(v any) error { _, err := UnmarshalPageSize(v); return err },
	"DateTime": func(v any) error { _, err := UnmarshalDateTime(v); return err },
}

// checkVariables reads the values of the directory's own scalars in the operation's
// variables, which the library's coercion of variables lets through as they are, so that
// one that does not fit refuses the request before it runs, as the spec's coercion of
// variables would.
func checkVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) *gqlError {
	for _, def := range op.VariableDefinitions {
		v, ok := vars[def.Variable]
		if !ok && def.DefaultValue != nil {
			v, _ = def.DefaultValue.Value(nil)
		}
		if e := checkValue(schema, def.Variable, def.Type, v); e != nil {
			return e
		}
	}
	return nil
}

func checkValue(schema *ast.Schema, path string, typ *ast.Type, v any) *gqlError {
	if v == nil {
		return nil
	}
	if typ.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return checkValue(schema, path, typ.Elem, v) // one value stands for a list of one
		}
		for _, elem := range list {
			if e := checkValue(schema, path, typ.Elem, elem); e != nil {
				return e
			}
		}
		return nil
	}
	if read, ok := customScalars[typ.NamedType]; ok {
		var ie *inputError
		if err := read(v); errors.As(err, &ie) {
			return inputProblem(path, fmt.Sprintf("%s must be %s (it is %s).", path, ie.want, describe(ie.got)))
		}
		return nil
	}
	def := schema.Types[typ.NamedType]
	obj, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return nil
	}
	for _, f := range def.Fields {
		if e := checkValue(schema, path+"."+f.Name, f.Type, obj[f.Name]); e != nil {
			return e
		}
	}
	return nil
}
