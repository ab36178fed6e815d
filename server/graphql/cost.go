package graphql

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/vektah/gqlparser/v2/ast"

	"useradmin/server"
)

// Limits on a request. Those on the document are checked on its parse, before it is
// validated or run (see measure): validation takes time in the square of the fields it
// compares, so it must never see a document that asks for too much.
const (
	// MaxBodySize is the largest request body read, in bytes.
	MaxBodySize = 1 << 20
	// MaxQueryLength is the longest query read, in bytes; long values belong in variables.
	// Kili's documents and the standard introspection query are under 2 KiB.
	MaxQueryLength = 16 << 10
	// MaxTokens is how many tokens (names, punctuation, values) a query may have; the
	// standard introspection query has about 330.
	MaxTokens = 4000
	// MaxDepth is how deeply fields may nest in an operation, fragments included. The
	// directory's own types nest four levels at most; the introspection query that Kili's
	// SDK sends (graphql-core 3.2's) nests fifteen.
	MaxDepth = 15
	// MaxRootFields is how many fields the top level of an operation may have, aliases
	// included, so that one request cannot ask for many pages at once.
	MaxRootFields = 10
	// MaxFields is how many fields an operation or fragment may ask for in all, a
	// fragment counted each time it is used. The introspection query that Kili's SDK sends
	// asks for 228; validation of 400 fields that all conflict takes about 50 ms and 31 MiB.
	MaxFields = 400
	// MaxCost bounds the values an operation may ask for: each field counts once for
	// every item of the lists around it, a list counting as many items as its first
	// argument allows (see listItems). A page of 100 users with nine fields and their
	// count costs 902.
	MaxCost = 5000
	// MaxIDs is how many ids where.idIn may hold.
	MaxIDs = server.MaxIDs
	// MaxVariableText is the longest text any variable may hold, in bytes, and
	// MaxVariableList the longest list. Each input also has its own, tighter bound in the
	// domain (a name 100 characters, a search 254); these hold for every input at once,
	// before anything runs, whatever field a value is meant for. A literal in the query is
	// bounded by MaxQueryLength already.
	MaxVariableText = 10_000
	MaxVariableList = 1000
	// MaxVariableName is the longest name a variable, or a field of an input object in
	// one, may have, in bytes, declared or not: the schema's are under 30. A longer one
	// names nothing, and is refused without being quoted back.
	MaxVariableName = 255
)

// assumedItems is how many items a list without a first argument is counted as, for
// the lists whose items each cost a read of the store. A user's working keys are few;
// the lists of introspection describe the schema, count as one item, and are bounded by
// MaxFields.
//
// inviteUsers answers one result per address sent, at most server.MaxInvitations; Paradime's
// listUsers answers at most maxListed active users and maxListed invitations: its document
// with the fields of Paradime's example costs 3,504.
//
// A batch of a bulk action lists at most one failure per user it looks at, or, with
// where.idIn, per id: at most server.MaxBulkBatch either way (MaxIDs is the same).
var assumedItems = map[string]int{
	"BulkResult.failures":    server.MaxBulkBatch,
	"Mutation.importUsers":   server.MaxImportBatch, // a result per row sent
	"User.apiKeys":           10,
	"User.workspaces":        10, // its first's default
	"Mutation.inviteUsers":   server.MaxInvitations,
	"ListUsers.activeUsers":  maxListed,
	"ListUsers.invitedUsers": maxListed,
	"AuditEvent.changes":     maxAuditChanges,
	"BulkResult.resets":      maxResetBatch, // a link per user of a batch of issuePasswordResets
}

// maxAuditChanges is the most changes an audit event holds: a new or deleted user's
// email, names and role.
const maxAuditChanges = 4

// size is what measuring a selection set finds. Every figure saturates at maxCount, so
// that fragments that each use the one before twice cannot overflow it.
type size struct {
	fields int // fields, a fragment counted each time it is used, aliases included
	depth  int // the deepest nesting of fields
	cost   int // fields weighted by the items of the lists around them
}

const maxCount = 1 << 40

func add(a, b int) int { return min(a+b, maxCount) }

func mul(a, b int) int {
	if a != 0 && b > maxCount/a {
		return maxCount
	}
	return min(a*b, maxCount)
}

// measurer measures the definitions of one document, each fragment once: a fragment used
// twice counts twice without being walked twice, which is what makes a document whose
// fragments each use the one before twice cheap to measure and impossible to slip by.
type measurer struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	op     *ast.OperationDefinition // whose variables' defaults count; nil: none
	vars   map[string]any           // the request's variables

	sizes    map[string]size
	visiting map[string]bool
	cycle    string // a fragment that uses itself, when one was found
}

// measure checks the document's cost against the limits and returns why it is refused,
// or nil. Every operation and every fragment is measured, used or not, since validation
// walks them all; op, the operation to run, is also measured with the request's
// variables, for the items of its lists and its distinct root fields.
func measure(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) *server.Error {
	for name, v := range vars {
		if len(name) > MaxVariableName {
			return server.FieldErrorf("variables", "A variable's name is %d bytes long: a name may have at most %d. Check the variables sent.", len(name), MaxVariableName)
		}
		if err := checkVariable(name, v); err != nil {
			return err
		}
	}
	m := &measurer{schema: schema, doc: doc, op: op, vars: vars, sizes: map[string]size{}, visiting: map[string]bool{}}
	if err := m.check(m.set(op.SelectionSet, m.rootType(op)), "the query"); err != nil {
		return err
	}
	n := len(m.rootKeys(op.SelectionSet, map[string]bool{}, map[string]bool{}))
	if n > MaxRootFields {
		return server.FieldErrorf("query", "The query asks for %d fields at its top level: send at most %d in one request, or split it into several requests.", n, MaxRootFields)
	}
	if op.Operation == ast.Subscription && n > 1 {
		// Aliases of one field pass the spec's rule (it counts names), and each would be a
		// stream of its own to follow.
		return server.FieldErrorf("query", "A subscription follows one field, here %d: start one subscription for each.", n)
	}
	// The other operations and the fragments that op does not use: the sizes of those it
	// uses are known already.
	for _, o := range doc.Operations {
		if o == op {
			continue
		}
		if err := m.check(m.set(o.SelectionSet, m.rootType(o)), "the query"); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := m.check(m.fragment(f.Name), "fragment "+f.Name); err != nil {
			return err
		}
	}
	return nil
}

// check refuses what went over a limit in what (the query, or one of its fragments).
func (m *measurer) check(s size, what string) *server.Error {
	switch {
	case m.cycle != "":
		return server.FieldErrorf("query", "The fragment %s uses itself: a fragment cannot contain itself, directly or through others.", m.cycle)
	case s.depth > MaxDepth:
		return server.FieldErrorf("query", "The query nests fields too deeply: at most %d levels.", MaxDepth)
	case s.fields > MaxFields:
		return server.FieldErrorf("query", "%s asks for %s fields in all (a fragment counts each time it is used): send at most %d in one request.",
			capitalize(what), countText(s.fields), MaxFields)
	case s.cost > MaxCost:
		return server.FieldErrorf("query", "%s asks for too much at once (%s values, each list counted by its first): ask for smaller pages or fewer fields, at most %d values.",
			capitalize(what), countText(s.cost), MaxCost)
	}
	return nil
}

// set measures a selection set on the type typ (nil when unknown: validation will say).
func (m *measurer) set(set ast.SelectionSet, typ *ast.Definition) size {
	var s size
	for _, sel := range set {
		var child size
		switch sel := sel.(type) {
		case *ast.Field:
			child = m.field(sel, typ)
		case *ast.FragmentSpread:
			child = m.fragment(sel.Name)
		case *ast.InlineFragment:
			t := typ
			if sel.TypeCondition != "" {
				t = m.schema.Types[sel.TypeCondition]
			}
			child = m.set(sel.SelectionSet, t)
		}
		s.fields = add(s.fields, child.fields)
		s.cost = add(s.cost, child.cost)
		s.depth = max(s.depth, child.depth)
	}
	return s
}

// field measures a field of typ and what it selects.
func (m *measurer) field(f *ast.Field, typ *ast.Definition) size {
	var def *ast.FieldDefinition
	if typ != nil {
		def = typ.Fields.ForName(f.Name)
	}
	var childType *ast.Definition
	if def != nil {
		childType = m.schema.Types[def.Type.Name()]
	}
	children := m.set(f.SelectionSet, childType)
	s := size{
		fields: add(1, children.fields),
		depth:  min(children.depth+1, maxCount),
		cost:   add(1, mul(m.listItems(f, typ, def), children.cost)),
	}
	return s
}

// listItems is how many items the field f of typ is counted as: its first argument
// where it has one, else assumedItems, else one.
func (m *measurer) listItems(f *ast.Field, typ *ast.Definition, def *ast.FieldDefinition) int {
	if def == nil || def.Type.Elem == nil {
		return 1
	}
	if arg := f.Arguments.ForName("first"); arg != nil {
		if n, ok := m.intValue(arg.Value); ok && n >= 1 && n <= server.MaxPageSize {
			return int(n)
		}
		return server.MaxPageSize // refused when run; until then, the most it may be
	}
	if n, ok := assumedItems[typ.Name+"."+def.Name]; ok {
		return n
	}
	return 1
}

// intValue reads an Int literal, or the variable's value or default.
func (m *measurer) intValue(v *ast.Value) (int64, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Kind {
	case ast.IntValue:
		n, err := json.Number(v.Raw).Int64()
		return n, err == nil
	case ast.Variable:
		if x, ok := m.vars[v.Raw]; ok {
			if f, ok := x.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return int64(f), true
			}
			return 0, false
		}
		if m.op != nil {
			if d := m.op.VariableDefinitions.ForName(v.Raw); d != nil && d.DefaultValue != nil {
				return m.intValue(d.DefaultValue)
			}
		}
	}
	return 0, false
}

// fragment measures the fragment called name, once; an unknown fragment is nothing (the
// validation refuses it), one that uses itself is recorded in m.cycle.
func (m *measurer) fragment(name string) size {
	if s, ok := m.sizes[name]; ok {
		return s
	}
	f := m.doc.Fragments.ForName(name)
	if f == nil {
		return size{}
	}
	if m.visiting[name] {
		if m.cycle == "" {
			m.cycle = name
		}
		return size{}
	}
	m.visiting[name] = true
	s := m.set(f.SelectionSet, m.schema.Types[f.TypeCondition])
	delete(m.visiting, name)
	m.sizes[name] = s
	return s
}

// rootKeys collects the distinct response keys of an operation's top level, through its
// fragments, each fragment once.
func (m *measurer) rootKeys(set ast.SelectionSet, keys, seen map[string]bool) map[string]bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			keys[sel.Alias] = true
		case *ast.InlineFragment:
			m.rootKeys(sel.SelectionSet, keys, seen)
		case *ast.FragmentSpread:
			if f := m.doc.Fragments.ForName(sel.Name); f != nil && !seen[sel.Name] {
				seen[sel.Name] = true
				m.rootKeys(f.SelectionSet, keys, seen)
			}
		}
	}
	return keys
}

// rootType is the type of an operation's top level.
func (m *measurer) rootType(op *ast.OperationDefinition) *ast.Definition {
	switch op.Operation {
	case ast.Mutation:
		return m.schema.Mutation
	case ast.Subscription:
		return m.schema.Subscription
	}
	return m.schema.Query
}

// countText writes a count, "more than a trillion" when it saturated.
func countText(n int) string {
	if n >= maxCount {
		return "more than a trillion"
	}
	return fmt.Sprint(n)
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// checkVariable refuses a variable, or a part of one at path, that holds a text longer
// than MaxVariableText or a list longer than MaxVariableList.
func checkVariable(path string, v any) *server.Error {
	switch v := v.(type) {
	case string:
		if len(v) > MaxVariableText {
			return server.FieldErrorf(clip(path), "%s is %d bytes long: a value may have at most %d.", clip(path), len(v), MaxVariableText)
		}
	case []any:
		if len(v) > MaxVariableList {
			return server.FieldErrorf(clip(path), "%s has %d items: a list may have at most %d; send the rest in other requests.", clip(path), len(v), MaxVariableList)
		}
		for _, item := range v {
			if err := checkVariable(path, item); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, item := range v {
			if len(k) > MaxVariableName {
				return server.FieldErrorf(clip(path), "%s has a field whose name is %d bytes long: a name may have at most %d. Check the fields sent.", clip(path), len(k), MaxVariableName)
			}
			if err := checkVariable(path+"."+k, item); err != nil {
				return err
			}
		}
	}
	return nil
}
