package graphql

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"useradmin/server"
)

// Errors are turned into sentences by their kind, never by reading the library's English:
// a server.Error keeps its code and sentence; an input value that does not fit its type
// (an *inputError of scalar.go, or a validation rule about values) is described from the
// schema and the document, at the path of the argument or input field; a variable that
// does not fit is found by the path the library gives it. Anything else that fails while
// running is "Internal error." and is logged.

// gqlError is one entry of errors[] in an answer.
type gqlError struct {
	Message    string              `json:"message"`
	Locations  []gqlerror.Location `json:"locations,omitempty"`
	Path       ast.Path            `json:"path,omitempty"`
	Extensions map[string]any      `json:"extensions"`
}

// presentServerError writes a server.Error as an errors[] entry.
func presentServerError(se *server.Error) *gqlError {
	ext := map[string]any{"code": se.Code}
	if se.Field != "" {
		ext["field"] = se.Field
	}
	if se.Current != nil {
		ext["current"] = userJSON(se.Current)
	}
	if n := server.RetryAfterSeconds(se); n > 0 {
		ext["retryAfterSeconds"] = n
	}
	return &gqlError{Message: se.Message, Extensions: ext}
}

// inputProblem is an input that is not what its type takes, at the contract's path
// (e.g. "data.email"), described for the person at the screen.
func inputProblem(field, message string) *gqlError {
	return &gqlError{Message: message, Extensions: map[string]any{"code": server.EINVALID, "field": field}}
}

// userJSON is a user as the User type shows it, for extensions.current.
func userJSON(u *server.User) map[string]any {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"id":               u.ID,
		"email":            u.Email,
		"firstname":        null(u.Firstname),
		"lastname":         null(u.Lastname),
		"activated":        u.Activated,
		"organizationId":   u.OrganizationID,
		"organizationRole": null(string(u.Role)),
		"createdAt":        string(appendDateTime(nil, u.CreatedAt)),
		"updatedAt":        string(appendDateTime(nil, u.UpdatedAt)),
	}
}

// presentSyntax explains why the lexer or the parser could not read the query.
func presentSyntax(err error) refusal {
	var ge *gqlerror.Error
	if !errors.As(err, &ge) {
		return refuse(server.FieldErrorf("query", "The query cannot be read: check its syntax."))
	}
	where := ""
	if len(ge.Locations) > 0 {
		where = fmt.Sprintf(" at line %d, column %d", ge.Locations[0].Line, ge.Locations[0].Column)
	}
	e := inputProblem("query", "The query cannot be read"+where+": "+sentence(ge.Message))
	e.Locations = ge.Locations
	return refusal{e}
}

// maxValidationErrors is how many validation errors an answer explains: a query within
// the limits can still have tens of thousands of pairs of fields that conflict, and the
// first few say what to fix.
const maxValidationErrors = 10

// presentValidation explains the first validation errors of doc.
func presentValidation(doc *ast.QueryDocument, errs gqlerror.List) refusal {
	out := make(refusal, 0, min(len(errs), maxValidationErrors))
	for _, ge := range errs[:min(len(errs), maxValidationErrors)] {
		e := validationProblem(doc, ge)
		if e.Locations == nil {
			e.Locations = ge.Locations
		}
		out = append(out, e)
	}
	return out
}

// validationProblem explains one validation error by its rule, from the part of the
// document at its location.
func validationProblem(doc *ast.QueryDocument, ge *gqlerror.Error) *gqlError {
	var found *node
	if len(ge.Locations) > 0 {
		found = findNode(doc, ge.Locations[0])
	}
	if found != nil {
		switch ge.Rule {
		case "ValuesOfCorrectType", readableNumbers.Name:
			if e := valueProblem(found); e != nil {
				return e
			}
		case "ProvidedRequiredArguments":
			if e := missingArgument(found); e != nil {
				return e
			}
		case "KnownArgumentNames":
			if e := unknownArgument(found); e != nil {
				return e
			}
		case "VariablesInAllowedPosition":
			if v := found.value; v != nil && v.VariableDefinition != nil && v.ExpectedType != nil {
				return inputProblem(v.Raw, fmt.Sprintf("$%s is declared as %s, but it is used where %s is expected: declare it as %s.",
					v.Raw, v.VariableDefinition.Type, v.ExpectedType, v.ExpectedType))
			}
		}
	}
	// The library's sentence, as it is: the rules above are those a client meets when its
	// input is wrong; the others are about how the query is written.
	where := ""
	if len(ge.Locations) > 0 {
		where = fmt.Sprintf(" (line %d, column %d)", ge.Locations[0].Line, ge.Locations[0].Column)
	}
	return inputProblem("query", "The query is not valid"+where+": "+sentence(ge.Message))
}

// valueProblem describes an argument or input field whose inline value does not fit.
func valueProblem(n *node) *gqlError {
	if n.child != nil && n.value == nil {
		// A field of an input object that its type does not have.
		if n.parent != nil && n.parent.Definition != nil && n.parent.Definition.Fields.ForName(n.child.Name) == nil {
			return unknownField(n.path, n.parent.Definition)
		}
		return nil
	}
	v := n.value
	if v == nil || v.ExpectedType == nil || v.Definition == nil {
		return nil
	}
	switch {
	case v.Kind == ast.NullValue:
		return inputProblem(n.path, fmt.Sprintf("%s is required.", n.path))
	case v.Kind == ast.ObjectValue && v.Definition.Kind == ast.InputObject:
		for _, f := range v.Definition.Fields {
			if f.Type.NonNull && f.DefaultValue == nil && v.Children.ForName(f.Name) == nil {
				path := n.path + "." + f.Name
				return inputProblem(path, fmt.Sprintf("%s is required.", path))
			}
		}
		return nil
	}
	return typeProblem(n.path, v.ExpectedType, v.Definition, clip(v.String()))
}

// typeProblem says that the value at path, written got, is not of the type typ.
func typeProblem(path string, typ *ast.Type, def *ast.Definition, got string) *gqlError {
	switch {
	case typ.Elem == nil && def.Kind == ast.Enum:
		var names []string
		for _, v := range def.EnumValues {
			names = append(names, v.Name)
		}
		return inputProblem(path, fmt.Sprintf("%s must be one of %s (it is %s).", path, strings.Join(names, ", "), got))
	case typ.Elem == nil && def.Kind == ast.InputObject:
		return inputProblem(path, fmt.Sprintf("%s must be an object of type %s (it is %s).", path, def.Name, got))
	case typ.Elem != nil:
		return inputProblem(path, fmt.Sprintf("%s must be a list of %s (it is %s).", path, typeDescription(def), got))
	}
	return inputProblem(path, fmt.Sprintf("%s must be %s (it is %s).", path, typeDescription(def), got))
}

// unknownField says that path names a field that the input type def does not have.
func unknownField(path string, def *ast.Definition) *gqlError {
	var names []string
	for _, f := range def.Fields {
		names = append(names, f.Name)
	}
	return inputProblem(path, fmt.Sprintf("%s is not a field of %s: use %s.", path, def.Name, strings.Join(names, ", ")))
}

// missingArgument names the first required argument that a field lacks.
func missingArgument(n *node) *gqlError {
	if n.field == nil || n.field.Definition == nil || n.argument != nil || n.value != nil {
		return nil
	}
	for _, a := range n.field.Definition.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil && n.field.Arguments.ForName(a.Name) == nil {
			return inputProblem(a.Name, fmt.Sprintf("%s is required: %s needs it.", a.Name, n.field.Name))
		}
	}
	return nil
}

// unknownArgument names the first argument of a field that its definition does not have.
func unknownArgument(n *node) *gqlError {
	if n.field == nil || n.field.Definition == nil {
		return nil
	}
	for _, a := range n.field.Arguments {
		if n.field.Definition.Arguments.ForName(a.Name) == nil {
			return inputProblem(a.Name, fmt.Sprintf("%s is not an argument of %s: use %s.", a.Name, n.field.Name, argumentNames(n.field.Definition)))
		}
	}
	return nil
}

func argumentNames(def *ast.FieldDefinition) string {
	var names []string
	for _, a := range def.Arguments {
		names = append(names, a.Name)
	}
	if len(names) == 0 {
		return "none, it takes no argument"
	}
	return strings.Join(names, ", ")
}

// typeDescription names a type the way a person would.
func typeDescription(def *ast.Definition) string {
	switch def.Name {
	case "Int":
		return "a whole number"
	case "Float":
		return "a number"
	case "String":
		return "text"
	case "Boolean":
		return "true or false"
	case "ID":
		return `an id written as a string, such as "4f2a"`
	case "PageSize":
		return fmt.Sprintf("a whole number from 1 to %d", server.MaxPageSize)
	case "DateTime":
		return `a date and time such as "2024-05-01T09:30:00Z"`
	}
	return "a " + def.Name
}

// presentVariable explains why the executor refused a variable: the library's error
// carries the path of the value at fault ("variable", its name, then the fields and
// indexes inside it), which is looked up in the operation's declarations, the schema and
// the variables sent.
func presentVariable(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any, ge *gqlerror.Error) *gqlError {
	if len(ge.Path) < 2 || ge.Path[0] != ast.PathName("variable") {
		return nil
	}
	name, _ := ge.Path[1].(ast.PathName)
	def := op.VariableDefinitions.ForName(string(name))
	if def == nil {
		return nil
	}
	path := string(name)
	typ := def.Type
	value, present := vars[path]
	if !present && def.DefaultValue != nil {
		value, _ = def.DefaultValue.Value(nil)
		present = true
	}
	for _, p := range ge.Path[2:] {
		switch p := p.(type) {
		case ast.PathIndex:
			list, _ := value.([]any)
			if typ.Elem == nil {
				// One value stands for a list of one.
				continue
			}
			typ = typ.Elem
			if int(p) < len(list) {
				value = list[p]
			}
		case ast.PathName:
			in := schema.Types[typ.Name()]
			if in == nil {
				return nil
			}
			f := in.Fields.ForName(string(p))
			path += "." + string(p)
			if f == nil {
				return unknownField(path, in)
			}
			typ = f.Type
			obj, _ := value.(map[string]any)
			value, present = obj[string(p)]
		}
	}
	if !present || value == nil {
		return inputProblem(path, fmt.Sprintf("%s is required.", path))
	}
	def2 := schema.Types[typ.Name()]
	if def2 == nil {
		return nil
	}
	return typeProblem(path, typ, def2, describe(value))
}

// presentError is gqlgen's error presenter: what a resolver or the reading of its
// arguments returned, as an errors[] entry (its extensions hold the code).
func (h *Handler) presentError(ctx context.Context, err error) *gqlerror.Error {
	var path ast.Path
	if fc := gql.GetFieldContext(ctx); fc != nil {
		path = fc.Path()
	}
	var se *server.Error
	var ie *inputError
	var out *gqlError
	switch {
	case errors.As(err, &se):
		out = presentServerError(se)
	case errors.As(err, &ie):
		field := inputPath(err, path)
		out = inputProblem(field, fmt.Sprintf("%s must be %s (it is %s).", field, ie.want, describe(ie.got)))
	default:
		h.Logger.Error("graphql resolver", "path", path.String(), "err", err)
		out = &gqlError{Message: "Internal error.", Extensions: map[string]any{"code": server.EINTERNAL}}
	}
	return &gqlerror.Error{Err: err, Message: out.Message, Path: path, Extensions: out.Extensions}
}

// inputPath is the contract's name of the input at fault: the path of the argument or
// input field that gqlgen's error carries, after the field's own path, without indexes
// ("orderBy.direction").
func inputPath(err error, field ast.Path) string {
	var ge *gqlerror.Error
	if !errors.As(err, &ge) {
		return ""
	}
	p := ge.Path
	if len(p) >= len(field) && slices.Equal(p[:len(field)], field) {
		p = p[len(field):]
	}
	var names []string
	for _, e := range p {
		if n, ok := e.(ast.PathName); ok {
			names = append(names, string(n))
		}
	}
	return strings.Join(names, ".")
}

// recoverPanic is gqlgen's recover function: a resolver's panic is logged with its stack
// and answered as an internal error.
func (h *Handler) recoverPanic(ctx context.Context, v any) error {
	h.Logger.Error("graphql panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
	return errors.New("panic")
}

// sentence makes a message read as one sentence: one line, capitalized, with a period.
func sentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s != "" && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}
