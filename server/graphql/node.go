package graphql

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// node is the part of a document found at a location, for explaining a validation error:
// a field, one of its arguments, a value inside an argument, or a field of an input
// object. Validation has filled in the types of what it walked.
type node struct {
	path     string          // the contract's path of the value: argument, then input fields
	field    *ast.Field      // the field at the location, or whose argument holds the value
	argument *ast.Argument   // the argument at the location
	value    *ast.Value      // the value at the location
	child    *ast.ChildValue // the input field at the location
	parent   *ast.Value      // the input object that holds child
}

// findNode returns what of doc starts at loc, or nil.
func findNode(doc *ast.QueryDocument, loc gqlerror.Location) *node {
	f := finder{loc: loc}
	for _, op := range doc.Operations {
		for _, v := range op.VariableDefinitions {
			if n := f.value(v.DefaultValue, v.Variable, nil, nil); n != nil {
				return n
			}
		}
		if n := f.directives(op.Directives, nil); n != nil {
			return n
		}
		if n := f.set(op.SelectionSet); n != nil {
			return n
		}
	}
	for _, fr := range doc.Fragments {
		if n := f.directives(fr.Directives, nil); n != nil {
			return n
		}
		if n := f.set(fr.SelectionSet); n != nil {
			return n
		}
	}
	return nil
}

type finder struct{ loc gqlerror.Location }

func (f finder) at(p *ast.Position) bool {
	return p != nil && p.Line == f.loc.Line && p.Column == f.loc.Column
}

func (f finder) set(set ast.SelectionSet) *node {
	for _, sel := range set {
		var n *node
		switch sel := sel.(type) {
		case *ast.Field:
			n = f.field(sel)
		case *ast.FragmentSpread:
			n = f.directives(sel.Directives, nil)
		case *ast.InlineFragment:
			if n = f.directives(sel.Directives, nil); n == nil {
				n = f.set(sel.SelectionSet)
			}
		}
		if n != nil {
			return n
		}
	}
	return nil
}

func (f finder) field(field *ast.Field) *node {
	if f.at(field.Position) {
		return &node{field: field}
	}
	for _, a := range field.Arguments {
		if f.at(a.Position) {
			return &node{field: field, argument: a, path: a.Name}
		}
		if n := f.value(a.Value, a.Name, field, nil); n != nil {
			return n
		}
	}
	if n := f.directives(field.Directives, field); n != nil {
		return n
	}
	return f.set(field.SelectionSet)
}

func (f finder) directives(ds ast.DirectiveList, field *ast.Field) *node {
	for _, d := range ds {
		for _, a := range d.Arguments {
			if n := f.value(a.Value, a.Name, field, nil); n != nil {
				return n
			}
		}
	}
	return nil
}

// value looks in v, found at path; lists add nothing to the path.
func (f finder) value(v *ast.Value, path string, field *ast.Field, _ *ast.Value) *node {
	if v == nil {
		return nil
	}
	if f.at(v.Position) {
		return &node{path: path, field: field, value: v}
	}
	for _, c := range v.Children {
		childPath := path
		if v.Kind == ast.ObjectValue {
			childPath = path + "." + c.Name
			if f.at(c.Position) {
				return &node{path: childPath, field: field, child: c, parent: v}
			}
		}
		if n := f.value(c.Value, childPath, field, v); n != nil {
			return n
		}
	}
	return nil
}
