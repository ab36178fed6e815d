package graphql

import (
	"bytes"
	"context"
	"strconv"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// A page of the list is what clients ask for most (the widget for every page it shows,
// Kili's SDK for every batch it reads), and gqlgen's executor spends on it far more than the
// directory does: for each user it starts a goroutine, and for each field of each user it
// makes a field context, a context and a marshaler, about 13,000 allocations for a page of
// 100. pageSchema answers the documents that ask only for users and countUsers, with
// plain fields of User, itself: the same resolvers with the same arguments (read by the
// generated code), the same JSON (written by the same functions as the scalars'), in one
// buffer. Any other document, and any of these whose resolvers fail or panic, goes to
// gqlgen's executor as before; TestPageAnswer_SameAsExecutor holds the two to the same
// answers.

// plainUserFields are the fields of User that the executor reads straight from the model,
// with no resolver and no arguments, by how pageSchema writes them.
var plainUserFields = map[string]func(b *bytes.Buffer, u *User){
	"__typename": func(b *bytes.Buffer, u *User) { b.WriteString(`"User"`) },
	"id":         func(b *bytes.Buffer, u *User) { writeString(b, u.ID) },
	"email":      func(b *bytes.Buffer, u *User) { writeString(b, u.Email) },
	"firstname":  func(b *bytes.Buffer, u *User) { writeOptional(b, u.User.Firstname) },
	"lastname":   func(b *bytes.Buffer, u *User) { writeOptional(b, u.User.Lastname) },
	"activated": func(b *bytes.Buffer, u *User) {
		b.WriteString(strconv.FormatBool(u.Activated))
	},
	"organizationId":   func(b *bytes.Buffer, u *User) { writeString(b, u.OrganizationID) },
	"organizationRole": func(b *bytes.Buffer, u *User) { writeOptional(b, string(u.User.Role)) },
	"createdAt":        func(b *bytes.Buffer, u *User) { writeDateTime(b, u.CreatedAt) },
	"updatedAt":        func(b *bytes.Buffer, u *User) { writeDateTime(b, u.UpdatedAt) },
}

// writeOptional writes s, or null when it is empty, as the model's getters answer.
func writeOptional(b *bytes.Buffer, s string) {
	if s == "" {
		b.WriteString("null")
		return
	}
	writeString(b, s)
}

// writeDateTime writes t as MarshalDateTime does.
func writeDateTime(b *bytes.Buffer, t time.Time) {
	b.WriteByte('"')
	b.Write(appendDateTime(b.AvailableBuffer(), t))
	b.WriteByte('"')
}

// pageSchema is the generated executable schema with the list's documents answered
// directly (see above).
type pageSchema struct {
	gql.ExecutableSchema
	es *executableSchema
}

// pageField is one field of the root selection: its response key, and for users the
// writers of the selected fields of each user.
type pageField struct {
	field  *ast.Field
	fields []userField
}

type userField struct {
	key   string
	write func(*bytes.Buffer, *User)
}

// Exec answers a list document itself, and hands any other to the generated executor.
func (p pageSchema) Exec(ctx context.Context) gql.ResponseHandler {
	opCtx := gql.GetOperationContext(ctx)
	plan, ok := planPage(opCtx.Operation)
	if !ok {
		return p.ExecutableSchema.Exec(ctx)
	}
	done := false
	return func(ctx context.Context) *gql.Response {
		if done {
			return nil
		}
		done = true
		if data, ok := p.answer(ctx, opCtx, plan); ok {
			return &gql.Response{Data: data}
		}
		return p.ExecutableSchema.Exec(ctx)(ctx)
	}
}

// planPage reports whether op asks only for users (of plain fields), countUsers and
// __typename, with no fragments, no directives and each response key once, and returns
// its root fields in order.
func planPage(op *ast.OperationDefinition) ([]pageField, bool) {
	if op == nil || op.Operation != ast.Query || len(op.Directives) > 0 || len(op.SelectionSet) == 0 {
		return nil, false
	}
	keys := map[string]bool{}
	plan := make([]pageField, 0, len(op.SelectionSet))
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || len(f.Directives) > 0 || keys[f.Alias] {
			return nil, false
		}
		keys[f.Alias] = true
		pf := pageField{field: f}
		switch f.Name {
		case "__typename", "countUsers":
			if len(f.SelectionSet) > 0 {
				return nil, false
			}
		case "users":
			sub := map[string]bool{}
			for _, s := range f.SelectionSet {
				uf, ok := s.(*ast.Field)
				if !ok || len(uf.Directives) > 0 || len(uf.Arguments) > 0 || len(uf.SelectionSet) > 0 || sub[uf.Alias] {
					return nil, false
				}
				write, ok := plainUserFields[uf.Name]
				if !ok {
					return nil, false
				}
				sub[uf.Alias] = true
				pf.fields = append(pf.fields, userField{key: uf.Alias, write: write})
			}
			if len(pf.fields) == 0 {
				return nil, false
			}
		default:
			return nil, false
		}
		plan = append(plan, pf)
	}
	return plan, true
}

// answer runs the plan's resolvers and writes the data; ok is false when a resolver
// failed or panicked, or an argument could not be read, and the executor must answer.
func (p pageSchema) answer(ctx context.Context, opCtx *gql.OperationContext, plan []pageField) (data []byte, ok bool) {
	defer func() {
		if recover() != nil {
			data, ok = nil, false
		}
	}()
	ec := newExecutionContext(opCtx, p.es, nil)
	q := p.es.Resolvers.Query()
	var b bytes.Buffer
	b.Grow(256)
	b.WriteByte('{')
	for i, pf := range plan {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(pf.field.Alias)
		b.WriteString(`":`)
		fc := &gql.FieldContext{Object: "Query", Field: gql.CollectedField{Field: pf.field}, IsMethod: true, IsResolver: true}
		fctx := gql.WithFieldContext(ctx, fc)
		switch pf.field.Name {
		case "__typename":
			b.WriteString(`"Query"`)
		case "countUsers":
			args, err := ec.field_Query_countUsers_args(fctx, pf.field.ArgumentMap(opCtx.Variables))
			if err != nil {
				return nil, false
			}
			n, err := q.CountUsers(fctx, args["where"].(UserWhere))
			if err != nil {
				return nil, false
			}
			b.WriteString(strconv.Itoa(n))
		case "users":
			args, err := ec.field_Query_users_args(fctx, pf.field.ArgumentMap(opCtx.Variables))
			if err != nil {
				return nil, false
			}
			users, err := q.Users(fctx, args["where"].(UserWhere), args["first"].(int), args["skip"].(int), args["orderBy"].([]UserOrderBy))
			if err != nil {
				return nil, false
			}
			writeUsers(&b, users, pf.fields)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), true
}

// writeUsers writes users as the executor writes [User!]!: each user's selected fields
// in the order of the selection.
func writeUsers(b *bytes.Buffer, users []User, fields []userField) {
	b.Grow(len(users) * 64 * len(fields))
	b.WriteByte('[')
	for i := range users {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, f := range fields {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(f.key)
			b.WriteString(`":`)
			f.write(b, &users[i])
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
}
