package graphql

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"github.com/graph-gophers/graphql-go/introspection"
	"github.com/graph-gophers/graphql-go/trace/noop"

	"useradmin/server"
)

// queryChecker refuses, before any resolver runs, an operation that asks for too much
// (see checkSize) or whose variables do not fit the types it declares. The library checks
// only nulls and enums of variables; a value of another wrong type would fail later without
// naming the variable, and an unknown input field would be dropped silently. The library
// hands a tracer the validated query and the declared types, so the checks live in one: on
// a problem it records it in the request state and cancels the run, so that nothing is read
// or written.
type queryChecker struct {
	noop.Tracer
	logger *slog.Logger
}

// TraceQuery implements the library's tracer.Tracer.
func (c queryChecker) TraceQuery(ctx context.Context, query, operationName string, vars map[string]any, types map[string]*introspection.Type) (context.Context, func([]*gqlerrors.QueryError)) {
	done := func([]*gqlerrors.QueryError) {}
	st := stateFrom(ctx)
	if st == nil {
		return ctx, done
	}
	st.refused = c.checkSize(query, operationName)
	for _, name := range slices.Sorted(maps.Keys(types)) {
		if st.refused != nil {
			break
		}
		st.refused = checkValue(name, vars[name], types[name])
	}
	if st.refused != nil {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx, done
	}
	return ctx, done
}

// checkSize refuses an operation with more than MaxRootFields fields at its top level, so
// that one request cannot ask for many pages at once, or more than MaxFields in all.
func (c queryChecker) checkSize(query, operationName string) *server.Error {
	size, err := measureQuery(query, operationName)
	if err != nil {
		// The library read the query, so this is a gap in measuring, not the caller's
		// fault; the other limits (length, depth) still hold.
		c.logger.Error("measure query", "err", err, "length", len(query))
		return nil
	}
	if size.rootFields > MaxRootFields {
		return server.FieldErrorf("query", "The query asks for %d fields at its top level: send at most %d in one request, or split it into several requests.",
			size.rootFields, MaxRootFields)
	}
	if size.fields > MaxFields {
		return server.FieldErrorf("query", "The query asks for %d fields in all (a fragment counts each time it is used): send at most %d in one request.",
			size.fields, MaxFields)
	}
	return nil
}

// checkValue checks the value v found at path against the type t.
func checkValue(path string, v any, t *introspection.Type) *server.Error {
	switch t.Kind() {
	case "NON_NULL":
		if v == nil {
			return server.FieldErrorf(path, "%s is required.", path)
		}
		return checkValue(path, v, t.OfType())
	case "LIST":
		if v == nil {
			return nil
		}
		if list, ok := v.([]any); ok {
			for _, elem := range list {
				if err := checkValue(path, elem, t.OfType()); err != nil {
					return err
				}
			}
			return nil
		}
		return checkValue(path, v, t.OfType()) // one value stands for a list of one
	}
	if v == nil {
		return nil
	}
	switch t.Kind() {
	case "ENUM":
		return checkEnum(path, v, t)
	case "INPUT_OBJECT":
		return checkObject(path, v, t)
	case "SCALAR":
		return checkScalar(path, v, *t.Name())
	}
	return nil
}

func checkEnum(path string, v any, t *introspection.Type) *server.Error {
	var names []string
	for _, e := range *t.EnumValues(&struct{ IncludeDeprecated bool }{true}) {
		if v == e.Name() {
			return nil
		}
		names = append(names, e.Name())
	}
	return server.FieldErrorf(path, "%s must be one of %s (it is %s).", path, strings.Join(names, ", "), describe(v))
}

func checkObject(path string, v any, t *introspection.Type) *server.Error {
	obj, ok := v.(map[string]any)
	if !ok {
		return server.FieldErrorf(path, "%s must be an object of type %s (it is %s).", path, *t.Name(), describe(v))
	}
	fields := *t.InputFields()
	var names []string
	for _, f := range fields {
		names = append(names, f.Name())
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(names, k) {
			return server.FieldErrorf(path+"."+k, "%s is not a field of %s: use %s.", path+"."+k, *t.Name(), strings.Join(names, ", "))
		}
	}
	for _, f := range fields {
		if err := checkValue(path+"."+f.Name(), obj[f.Name()], f.Type()); err != nil {
			return err
		}
	}
	return nil
}

// checkScalar checks the built-in scalars as JSON gives them. The directory's own scalars
// read any value and let the resolver refuse it with the field's name.
func checkScalar(path string, v any, name string) *server.Error {
	ok := true
	switch name {
	case "Int":
		f, isNum := v.(float64)
		ok = isNum && f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32
	case "Float":
		_, ok = v.(float64)
	case "String":
		_, ok = v.(string)
	case "Boolean":
		_, ok = v.(bool)
	case "ID":
		// The library reads an ID from a string only, and from JSON a number would fail
		// later without naming the variable.
		if _, ok := v.(string); !ok {
			return server.FieldErrorf(path, "%s must be an id written as a string, such as \"4f2a\" (it is %s).", path, describe(v))
		}
	}
	if !ok {
		return server.FieldErrorf(path, "%s", fmt.Sprintf("%s must be %s (it is %s).", path, scalarDescription(name), describe(v)))
	}
	return nil
}
