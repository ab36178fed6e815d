package graphql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/graph-gophers/graphql-go/ast"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"

	"useradmin/server"
)

// gqlError is one entry of errors[] in an answer.
type gqlError struct {
	Message    string               `json:"message"`
	Locations  []gqlerrors.Location `json:"locations,omitempty"`
	Path       []any                `json:"path,omitempty"`
	Extensions map[string]any       `json:"extensions"`
}

// present turns an error of the GraphQL run into what the caller reads: a server.Error keeps
// its code and sentence; any other resolver failure is "Internal error." (and logged); what
// the library refused before running anything was the caller's input.
func (h *Handler) present(qe *gqlerrors.QueryError, vars map[string]any) *gqlError {
	var se *server.Error
	var out *gqlError
	switch {
	case errors.As(qe.ResolverError, &se), errors.As(qe.Err, &se):
		out = presentServerError(se)
	case qe.ResolverError != nil || len(qe.Path) > 0:
		h.Logger.Error("graphql resolver", "path", fmt.Sprint(qe.Path), "err", qe.Error())
		out = &gqlError{Message: "Internal error.", Extensions: map[string]any{"code": server.EINTERNAL}}
	default:
		message, field := h.inputProblem(qe, vars)
		out = &gqlError{Message: message, Extensions: map[string]any{"code": server.EINVALID}}
		if field != "" {
			out.Extensions["field"] = field
		}
	}
	out.Path = qe.Path
	if qe.Rule != "VariablesOfCorrectType" { // its location points into the schema, not the query
		out.Locations = qe.Locations
	}
	return out
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

// userJSON is a user as the User type shows it, for extensions.current.
func userJSON(u *server.User) map[string]any {
	return map[string]any{
		"id":               u.ID,
		"email":            u.Email,
		"firstname":        nullIfEmpty(u.Firstname),
		"lastname":         nullIfEmpty(u.Lastname),
		"activated":        u.Activated,
		"organizationId":   u.OrganizationID,
		"organizationRole": nullIfEmpty(string(u.Role)),
		"createdAt":        DateTime{Time: u.CreatedAt},
		"updatedAt":        DateTime{Time: u.UpdatedAt},
	}
}

// Patterns of the library's validation messages, to name the input at fault.
var (
	reVariableValue = regexp.MustCompile(`^Variable "([^"]+)" has invalid (?:value|type) .*\nExpected type "([^"]+)", found (.*)\.$`)
	reArgumentValue = regexp.MustCompile(`(?s)^Argument "([^"]+)" has invalid value .*?\.\n(.*)$`)
	reInField       = regexp.MustCompile(`^In field "([^"]+)": `)
	reInElement     = regexp.MustCompile(`^In element #\d+: `)
	reExpectedType  = regexp.MustCompile(`^Expected type "([^"]+)", found (.*)\.$`)
	reExpectedNull  = regexp.MustCompile(`^Expected "([^"]+)", found null\.$`)
	reExpectedObj   = regexp.MustCompile(`^Expected "([^"]+)", found not an object\.$`)
	reArgumentName  = regexp.MustCompile(`argument "([^"]+)"`)
	reVariableName  = regexp.MustCompile(`^Variable "\$([^"]+)"`)
	reOperationName = regexp.MustCompile(`^no operation with name "([^"]*)"`)
)

// inputProblem rewrites a message of the library's validation as a sentence for the person
// at the screen, and finds the variable or argument it is about where it can.
func (h *Handler) inputProblem(qe *gqlerrors.QueryError, vars map[string]any) (message, field string) {
	msg := qe.Message
	switch {
	case qe.Rule == "VariablesOfCorrectType":
		if m := reVariableValue.FindStringSubmatch(msg); m != nil {
			return valueProblem(h.variablePath(vars, m[1]), m[2], m[3])
		}
	case qe.Rule == "ArgumentsOfCorrectType":
		if m := reArgumentValue.FindStringSubmatch(msg); m != nil {
			return argumentProblem(m[1], m[2])
		}
	case qe.Rule == "ProvidedRequiredArgumentsRule" || qe.Rule == "KnownArgumentNamesRule":
		if m := reArgumentName.FindStringSubmatch(msg); m != nil {
			field = m[1]
		}
	case qe.Rule == "MaxDepthExceeded":
		return fmt.Sprintf("The query nests fields too deeply: at most %d levels.", MaxDepth), ""
	case qe.Rule == "StringEscape":
		return msg, "query"
	case qe.Rule == "OverlapValidationLimitExceeded":
		return "The query repeats fields too many times to be checked: ask for each field once.", "query"
	case strings.HasPrefix(msg, "syntax error: "):
		return sentence("The query cannot be read: " + strings.TrimPrefix(msg, "syntax error: ")), "query"
	case strings.HasPrefix(msg, "more than one operation"):
		return "The query has several operations: send operationName to say which one to run.", "operationName"
	case reOperationName.MatchString(msg):
		return fmt.Sprintf("The query has no operation named %q: check operationName.", reOperationName.FindStringSubmatch(msg)[1]), "operationName"
	case qe.Rule == "":
		// A value the library could not convert while reading arguments.
		return sentence("A value in the request has the wrong type: " + msg), ""
	}
	if m := reVariableName.FindStringSubmatch(msg); m != nil {
		field = m[1]
	}
	return sentence(msg), field
}

// argumentProblem explains why an inline argument value was refused; reason is the library's
// explanation, which names the nested input fields on the way down.
func argumentProblem(arg, reason string) (message, field string) {
	path := arg
	for {
		if m := reInField.FindStringSubmatch(reason); m != nil {
			path += "." + m[1]
			reason = reason[len(m[0]):]
		} else if m := reInElement.FindString(reason); m != "" {
			reason = reason[len(m):]
		} else {
			break
		}
	}
	switch {
	case reason == "Unknown field.":
		return fmt.Sprintf("%s is not a known field: check its spelling.", path), path
	case reExpectedNull.MatchString(reason):
		m := reExpectedNull.FindStringSubmatch(reason)
		return valueProblem(path, m[1], "null")
	case reExpectedObj.MatchString(reason):
		m := reExpectedObj.FindStringSubmatch(reason)
		return fmt.Sprintf("%s must be an object of type %s.", path, m[1]), path
	case reExpectedType.MatchString(reason):
		m := reExpectedType.FindStringSubmatch(reason)
		return valueProblem(path, m[1], m[2])
	}
	return sentence(path + ": " + reason), path
}

// valueProblem says that the input at path holds found where a typ was expected.
func valueProblem(path, typ, found string) (message, field string) {
	if found == "null" {
		return fmt.Sprintf("%s is required.", path), path
	}
	name := strings.Trim(typ, "[]!")
	if values, ok := enumValues[name]; ok {
		return fmt.Sprintf("%s must be one of %s (it is %s).", path, strings.Join(values, ", "), found), path
	}
	return fmt.Sprintf("%s must be %s (it is %s).", path, scalarDescription(name), found), path
}

// enumValues lists the values of the schema's enums, for messages.
var enumValues = map[string][]string{
	"OrganizationRole": {"ADMIN", "USER"},
	"UserSortField":    {"EMAIL", "FIRSTNAME", "LASTNAME", "CREATED_AT", "UPDATED_AT", "ORGANIZATION_ROLE", "ACTIVATED"},
	"SortDirection":    {"ASC", "DESC"},
}

// scalarDescription names a type the way a person would.
func scalarDescription(typ string) string {
	switch typ {
	case "Int":
		return "a whole number"
	case "Float":
		return "a number"
	case "String":
		return "text"
	case "Boolean":
		return "true or false"
	case "ID":
		return "an id"
	case "PageSize":
		return fmt.Sprintf("a whole number from 1 to %d", server.MaxPageSize)
	case "DateTime":
		return `a date and time such as "2024-05-01T09:30:00Z"`
	}
	return "a " + typ
}

// variablePath finds where a variable the library names by its last field sits in the
// variables, so that {"data": {"organizationRole": "BOSS"}} is reported as
// data.organizationRole rather than organizationRole, and a required field left out of
// {"data": {"email": ...}} as data.password.
func (h *Handler) variablePath(vars map[string]any, name string) string {
	if _, ok := vars[name]; ok {
		return name
	}
	if p := findKey(vars, name); p != "" {
		return p
	}
	if p := h.findParent(vars, name); p != "" {
		return p + "." + name
	}
	return name
}

// findKey returns the path of the first key called name in v.
func findKey(v any, name string) string {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if k == name {
				return k
			}
			if p := findKey(v[k], name); p != "" {
				return k + "." + p
			}
		}
	case []any:
		for _, child := range v {
			if p := findKey(child, name); p != "" {
				return p
			}
		}
	}
	return ""
}

// findParent returns the path of the first object in v that lacks the field name although
// its other fields say it is an input type that has one.
func (h *Handler) findParent(v any, name string) string {
	obj, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if child, ok := obj[k].(map[string]any); ok {
			if h.lacksField(child, name) {
				return k
			}
			if p := h.findParent(child, name); p != "" {
				return k + "." + p
			}
		}
	}
	return ""
}

// lacksField reports whether obj could be an input object of the schema that has a field
// called name, which obj does not have.
func (h *Handler) lacksField(obj map[string]any, name string) bool {
	for _, t := range h.schema.AST().Types {
		in, ok := t.(*ast.InputObject)
		if !ok || in.Values.Get(name) == nil {
			continue
		}
		fits := true
		for k := range obj {
			if in.Values.Get(k) == nil {
				fits = false
				break
			}
		}
		if fits {
			return true
		}
	}
	return false
}

// sentence makes the library's message read as one sentence.
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

// panicLogger logs a resolver's panic with its stack.
type panicLogger struct{ logger *slog.Logger }

// LogPanic implements the library's log.Logger.
func (l panicLogger) LogPanic(_ context.Context, value any) {
	if inputPanic(value) != nil {
		return // the caller's input, not a fault
	}
	l.logger.Error("graphql panic", "value", fmt.Sprint(value), "stack", string(debug.Stack()))
}

// panicHandler answers a panic as an internal error, except those the library raises while
// reading the literals of a query, which are the caller's input.
type panicHandler struct{}

// MakePanicError implements the library's errors.PanicHandler.
func (panicHandler) MakePanicError(_ context.Context, value any) *gqlerrors.QueryError {
	if qe := inputPanic(value); qe != nil {
		return qe
	}
	return &gqlerrors.QueryError{Message: "Internal error.", ResolverError: fmt.Errorf("panic: %v", value)}
}

// inputPanic explains the panics of the library's reading of literals, before any resolver
// runs: a number it cannot convert (*strconv.NumError), and a string that Go's
// strconv.Unquote cannot read (strconv.ErrSyntax), such as one with the escape \/ that
// GraphQL allows, or a lone surrogate such as \uD800. It returns nil for any other panic.
func inputPanic(value any) *gqlerrors.QueryError {
	var numErr *strconv.NumError
	switch err, _ := value.(error); {
	case errors.As(err, &numErr) && errors.Is(numErr.Err, strconv.ErrRange):
		return &gqlerrors.QueryError{
			Rule:    "NumberOutOfRange",
			Message: "A number in the query is too large: use a whole number from -2147483648 to 2147483647.",
		}
	case errors.As(err, &numErr):
		return &gqlerrors.QueryError{
			Rule:    "NumberSyntax",
			Message: "A number in the query cannot be read: write it in decimal, such as 42 or 2.5.",
		}
	case errors.Is(err, strconv.ErrSyntax):
		return &gqlerrors.QueryError{
			Rule:    "StringEscape",
			Message: `A string in the query has an escape that cannot be read, such as \/ or a lone \uD800: write the character itself, or send the value in variables.`,
		}
	}
	return nil
}
