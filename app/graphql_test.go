package app

import (
	"errors"
	"testing"

	graphql "github.com/hasura/go-graphql-client"
)

// gqlError builds what go-graphql-client returns for one errors[] entry.
func gqlError(message string, extensions map[string]interface{}) error {
	errs := make(graphql.Errors, 1)
	errs[0].Message = message
	errs[0].Extensions = extensions
	return errs
}

func TestToFailure(t *testing.T) {
	t.Run("FieldError", func(t *testing.T) {
		f := toFailure(gqlError("Email is already taken.", map[string]interface{}{"code": "BAD_USER_INPUT", "field": "data.email"}))
		if f.Code != codeBadInput || f.Field != "email" || f.Message != "Email is already taken." {
			t.Fatalf("got %+v", f)
		}
	})

	t.Run("FieldNames", func(t *testing.T) {
		for path, want := range map[string]string{
			"data.firstname":        "firstname",
			"data.organizationId":   "organization",
			"data.organizationRole": "role",
			"data.password":         "password",
			"newPassword":           "password",
			"data.newPassword2":     "password2",
			"data.oldPassword":      "oldPassword",
		} {
			if got := formField(path); got != want {
				t.Errorf("formField(%q) = %q, want %q", path, got, want)
			}
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		current := map[string]interface{}{
			"id": "u1", "email": "ada@example.com", "firstname": "Ada", "lastname": "King",
			"activated": true, "organizationRole": "ADMIN", "updatedAt": "2024-05-01T10:00:00Z",
		}
		f := toFailure(gqlError("This user was changed by someone else.", map[string]interface{}{"code": "CONFLICT", "current": current}))
		if f.Code != codeConflict || f.Current == nil {
			t.Fatalf("got %+v", f)
		}
		if got := *f.Current; got.Lastname != "King" || !got.Activated || got.OrganizationRole != "ADMIN" || got.UpdatedAt != "2024-05-01T10:00:00Z" {
			t.Fatalf("current: got %+v", got)
		}
	})

	t.Run("InternalHidesDetails", func(t *testing.T) {
		f := toFailure(gqlError("sql: database is locked", map[string]interface{}{"code": "INTERNAL"}))
		if f.Message != "Internal error." {
			t.Fatalf("got %q", f.Message)
		}
		f = toFailure(gqlError("something odd", nil))
		if f.Code != codeInternal || f.Message != "Internal error." {
			t.Fatalf("no code: got %+v", f)
		}
	})

	t.Run("Unauthenticated", func(t *testing.T) {
		f := toFailure(gqlError("Your API key is not valid.", map[string]interface{}{"code": "UNAUTHENTICATED"}))
		if f.Code != codeUnauthenticated || f.Message != "Your API key is not valid." {
			t.Fatalf("got %+v", f)
		}
	})

	t.Run("Non200", func(t *testing.T) {
		f := toFailure(errors.New(`non-200 OK status code: 404 Not Found body: "page not found"`))
		want := "The endpoint answered 404 Not Found instead of GraphQL. Check the endpoint address, then retry."
		if f.Code != codeNotGraphQL || f.Message != want {
			t.Fatalf("got %+v", f)
		}
	})

	t.Run("NotJSON", func(t *testing.T) {
		f := toFailure(errors.New("invalid character '<' looking for beginning of value"))
		if f.Code != codeNotGraphQL {
			t.Fatalf("got %+v", f)
		}
	})

	t.Run("Unreachable", func(t *testing.T) {
		f := toFailure(errors.New(`Post "http://127.0.0.1:1/graphql": dial tcp 127.0.0.1:1: connect: connection refused`))
		if f.Code != codeUnreachable || f.Message != "Cannot reach the GraphQL endpoint. Check the address and your connection, then retry." {
			t.Fatalf("got %+v", f)
		}
	})

	t.Run("Nil", func(t *testing.T) {
		if f := toFailure(nil); f != nil {
			t.Fatalf("got %+v", f)
		}
	})
}

// newIntrospection fills an introspection answer with the given names.
func newIntrospection(whereFields, mutations []string, usersArgs []string, queries ...string) introspection {
	var q introspection
	for _, n := range whereFields {
		q.UserWhere.InputFields = append(q.UserWhere.InputFields, struct{ Name string }{n})
	}
	for _, n := range mutations {
		q.Mutation.Fields = append(q.Mutation.Fields, struct{ Name string }{n})
	}
	users := struct {
		Name string
		Args []struct{ Name string }
	}{Name: "users"}
	for _, n := range usersArgs {
		users.Args = append(users.Args, struct{ Name string }{n})
	}
	q.Query.Fields = append(q.Query.Fields, users)
	for _, n := range queries {
		q.Query.Fields = append(q.Query.Fields, struct {
			Name string
			Args []struct{ Name string }
		}{Name: n})
	}
	return q
}

func TestIntrospection_Capabilities(t *testing.T) {
	t.Run("Core", func(t *testing.T) {
		q := newIntrospection(
			[]string{"id", "idIn", "email", "apiKey", "activated", "organization"},
			[]string{"createUser", "updatePropertiesInUser", "updatePassword", "resetPassword"},
			[]string{"where", "first", "skip"},
			"countUsers", "viewer", "me",
		)
		if got := q.capabilities(); got != (capabilities{}) {
			t.Fatalf("got %+v, want none", got)
		}
	})

	t.Run("AllExtensions", func(t *testing.T) {
		q := newIntrospection(
			[]string{"id", "search", "organizationRole", "updatedAt"},
			[]string{"deleteUser", "signIn", "signOut", "issuePasswordReset"},
			[]string{"where", "first", "skip", "orderBy"},
			"organizations",
		)
		want := capabilities{Search: true, RoleFilter: true, OrderBy: true, DeleteUser: true, SignIn: true,
			SignOut: true, IssuePasswordReset: true, Organizations: true, UpdatedAt: true}
		if got := q.capabilities(); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("Invitations", func(t *testing.T) {
		q := newIntrospection([]string{"id"}, []string{"inviteUsers", "inviteUser"}, []string{"where", "first", "skip"}, "listUsers", "invitations")
		if got, want := q.capabilities(), (capabilities{Invitations: true, Paradime: true}); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("ParadimeAlone", func(t *testing.T) {
		// Paradime's API has no users query: newIntrospection always adds one.
		q := newIntrospection(nil, []string{"inviteUser", "updateUserAccountType", "disableUser"}, nil, "listUsers")
		q.Query.Fields = q.Query.Fields[1:]
		if got, want := q.capabilities(), (capabilities{Paradime: true, NoCore: true}); got != want {
			t.Fatalf("got %+v (query %+v), want %+v", got, q.Query.Fields, want)
		}
	})

	t.Run("NothingFound", func(t *testing.T) {
		var q introspection
		if got := q.capabilities(); got != (capabilities{}) {
			t.Fatalf("got %+v", got)
		}
	})
}
