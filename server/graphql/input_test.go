package graphql_test

import (
	"strings"
	"testing"
)

func TestHandler_BadInput(t *testing.T) {
	const (
		create  = `mutation($data: CreateUserData!) { createUser(data: $data) { id } }`
		update  = `mutation($data: UserData!, $where: UserWhere!) { updatePropertiesInUser(data: $data, where: $where) { id } }`
		users   = `query($where: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $where, first: $first, skip: $skip) { id } }`
		newUser = `"email": "new@acme.test", "password": "a long password", "organizationRole": "USER"`
		uma     = `"where": {"email": "uma@acme.test"}`
	)
	tests := []struct {
		name      string
		query     string
		variables string
		field     string
		message   string // empty: any sentence
	}{
		{"MalformedEmail", create, `{"data": {"email": "not an email", "password": "a long password", "organizationRole": "USER"}}`,
			"data.email", `Email "not an email" is not a valid address: use the form name@example.com.`},
		{"MalformedEmailInline", `mutation { createUser(data: {email: "a@b", password: "a long password", organizationRole: USER}) { id } }`, ``,
			"data.email", `Email "a@b" is not a valid address: use the form name@example.com.`},
		{"UnknownRole", create, `{"data": {` + newUser[:len(newUser)-len(`"USER"`)] + `"BOSS"}}`,
			"data.organizationRole", `data.organizationRole must be one of ADMIN, USER (it is "BOSS").`},
		{"UnknownRoleInline", `mutation { createUser(data: {email: "new@acme.test", password: "a long password", organizationRole: BOSS}) { id } }`, ``,
			"data.organizationRole", "data.organizationRole must be one of ADMIN, USER (it is BOSS)."},
		{"UnknownRoleOnUpdate", `mutation($email: String!, $organizationRole: OrganizationRole) { updatePropertiesInUser(where: {email: $email}, data: {organizationRole: $organizationRole}) { id } }`,
			`{"email": "uma@acme.test", "organizationRole": "OWNER"}`, "organizationRole", `organizationRole must be one of ADMIN, USER (it is "OWNER").`},
		{"ShortPassword", create, `{"data": {"email": "new@acme.test", "password": "short", "organizationRole": "USER"}}`,
			"data.password", "Password must be at least 8 characters."},
		{"MissingPassword", create, `{"data": {"email": "new@acme.test", "organizationRole": "USER"}}`,
			"data.password", "data.password is required."},
		{"EmptyFirstname", update, `{"data": {"firstname": ""}, ` + uma + `}`,
			"data.firstname", "First name cannot be empty."},
		{"BlankLastname", update, `{"data": {"lastname": "   "}, ` + uma + `}`,
			"data.lastname", "Last name cannot be empty."},
		{"LongLastname", update, `{"data": {"lastname": "` + strings.Repeat("x", 10_000) + `"}, ` + uma + `}`,
			"data.lastname", "Last name must be at most 100 characters (it has 10000)."},
		{"ControlCharacter", update, `{"data": {"firstname": "Uma\tTab"}, ` + uma + `}`,
			"data.firstname", "First name cannot contain control characters such as tabs or line breaks."},
		{"NulCharacter", update, `{"data": {"firstname": "Uma\u0000"}, ` + uma + `}`,
			"data.firstname", "First name cannot contain control characters such as tabs or line breaks."},
		{"MalformedEmailOnUpdate", update, `{"data": {"email": "uma@"}, ` + uma + `}`,
			"data.email", ""},
		{"WrongTypeString", update, `{"data": {"firstname": 5}, ` + uma + `}`,
			"data.firstname", "data.firstname must be text (it is 5)."},
		{"WrongTypeBoolean", update, `{"data": {"activated": "yes"}, ` + uma + `}`,
			"data.activated", `data.activated must be true or false (it is "yes").`},
		{"WrongTypeWhere", update, `{"data": {"firstname": "Una"}, "where": {"email": ["uma@acme.test"]}}`,
			"where.email", `where.email must be text (it is ["uma@acme.test"]).`},
		{"WrongTypeInline", `mutation { updatePropertiesInUser(data: {activated: "yes"}, where: {email: "uma@acme.test"}) { id } }`, ``,
			"data.activated", `data.activated must be true or false (it is "yes").`},
		{"UnknownInputField", update, `{"data": {"nickname": "U"}, ` + uma + `}`,
			"data.nickname", "data.nickname is not a field of UserData: use firstname, lastname, email, organizationId, organizationRole, activated, username."},
		{"UnknownInputFieldInline", `mutation { updatePropertiesInUser(data: {nickname: "U"}, where: {email: "uma@acme.test"}) { id } }`, ``,
			"data.nickname", "data.nickname is not a field of UserData: use firstname, lastname, email, organizationId, organizationRole, activated, username."},
		{"WhereMatchesMany", update, `{"data": {"firstname": "Una"}, "where": {}}`,
			"where", ""},
		{"StaleUpdatedAtNotADate", update, `{"data": {"firstname": "Una"}, "where": {"email": "uma@acme.test", "updatedAt": "yesterday"}}`,
			"where.updatedAt", `where.updatedAt must be a date and time such as "2024-05-01T09:30:00Z" (it is "yesterday").`},
		{"FirstZero", users, `{"where": {}, "first": 0, "skip": 0}`, "first", "first must be a whole number from 1 to 100 (it is 0)."},
		{"FirstTooLarge", users, `{"where": {}, "first": 5000, "skip": 0}`, "first", "first must be a whole number from 1 to 100 (it is 5000)."},
		{"FirstTooLargeInline", `{ users(where: {}, first: 5000, skip: 0) { id } }`, ``, "first", "first must be a whole number from 1 to 100 (it is 5000)."},
		{"FirstNotANumber", users, `{"where": {}, "first": "ten", "skip": 0}`, "first", `first must be a whole number from 1 to 100 (it is "ten").`},
		{"FirstFraction", users, `{"where": {}, "first": 2.5, "skip": 0}`, "first", `first must be a whole number from 1 to 100 (it is 2.5).`},
		{"NegativeSkip", users, `{"where": {}, "first": 10, "skip": -1}`, "skip", "The number of items to skip cannot be negative (it is -1)."},
		{"NegativeSkipInline", `{ users(where: {}, first: 10, skip: -1) { id } }`, ``, "skip", "The number of items to skip cannot be negative (it is -1)."},
		{"SkipNotANumber", users, `{"where": {}, "first": 10, "skip": "0"}`, "skip", `skip must be a whole number (it is "0").`},
		{"SkipTooLargeInline", `{ users(where: {}, first: 10, skip: 99999999999) { id } }`, ``, "skip",
			"skip must be a whole number (it is 99999999999)."},
		{"FirstHugeInline", `{ users(where: {}, first: 99999999999, skip: 0) { id } }`, ``, "first",
			"first must be a whole number from 1 to 100 (it is 99999999999)."},
		{"NegativeSkipOrganizations", `{ organizations(first: 10, skip: -5) { id } }`, ``, "skip", "The number of items to skip cannot be negative (it is -5)."},
		{"FirstZeroOrganizations", `{ organizations(first: 0, skip: 0) { id } }`, ``, "first", "first must be a whole number from 1 to 100 (it is 0)."},
		{"MissingVariable", users, `{"where": {}, "skip": 0}`, "first", "first is required."},
		{"MissingArgument", `{ users(where: {}, skip: 0) { id } }`, ``, "first", ""},
		{"UnknownArgument", `{ users(where: {}, first: 1, skip: 0, limit: 3) { id } }`, ``, "limit", ""},
		{"VariableOfWrongDeclaredType", `query($first: Int!) { users(where: {}, first: $first, skip: 0) { id } }`, `{"first": 10}`, "first", ""},
		{"UnknownSortField", `{ users(where: {}, first: 10, skip: 0, orderBy: [{field: AGE, direction: ASC}]) { id } }`, ``,
			"orderBy.field", "orderBy.field must be one of EMAIL, FIRSTNAME, LASTNAME, CREATED_AT, UPDATED_AT, ORGANIZATION_ROLE, ACTIVATED, USERNAME, LAST_SIGNED_IN_AT (it is AGE)."},
		{"UnknownSelection", `{ users(where: {}, first: 10, skip: 0) { nickname } }`, ``, "query", ""},
		{"SyntaxError", `{ users(where: {}, first: 10, skip: 0 { id } }`, ``, "query", ""},
		{"SearchTooLong", users, `{"where": {"search": "` + strings.Repeat("s", 300) + `"}, "first": 10, "skip": 0}`,
			"where.search", "Search text must be at most 254 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before, umaBefore := f.countUsers(t), f.userJSON(t, f.acmeUser.ID)

			msg, ext := f.firstError(t, gql{query: tt.query, variables: tt.variables, key: f.acmeAdminKey})
			if ext["code"] != "BAD_USER_INPUT" {
				t.Errorf("code = %v, want BAD_USER_INPUT (message %q)", ext["code"], msg)
			}
			if field, _ := ext["field"].(string); field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", field, tt.field, msg)
			}
			switch {
			case tt.message != "" && msg != tt.message:
				t.Errorf("message = %q, want %q", msg, tt.message)
			case !isSentence(msg):
				t.Errorf("message %q is not a sentence", msg)
			}

			if after := f.countUsers(t); after != before {
				t.Errorf("countUsers = %v, was %v", after, before)
			}
			f.assertJSON(t, f.userJSON(t, f.acmeUser.ID), string(mustJSON(t, umaBefore)))
		})
	}
}

// isSentence reports whether s reads as one sentence for a person: capitalized or starting
// with a field name, ending with a period (or a question such as "Did you mean ...?"), on
// one line, without the library's prefixes.
func isSentence(s string) bool {
	return len(s) > 10 && (strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?")) && !strings.Contains(s, "\n") &&
		!strings.Contains(s, "graphql:") && !strings.Contains(s, "could not unmarshal")
}

func TestHandler_CreateUser(t *testing.T) {
	t.Run("ErrEmailTaken", func(t *testing.T) {
		f := newFixture(t)
		before := f.countUsers(t)
		msg, ext := f.firstError(t, gql{
			query: `mutation { createUser(data: {email: "UMA@acme.test", password: "a long password", organizationRole: USER}) { id } }`,
			key:   f.acmeAdminKey,
		})
		if ext["code"] != "CONFLICT" || ext["field"] != "data.email" || !isSentence(msg) {
			t.Errorf("got %q %v, want CONFLICT on data.email", msg, ext)
		}
		if after := f.countUsers(t); after != before {
			t.Errorf("countUsers = %v, was %v", after, before)
		}
	})
}

func TestHandler_UpdatedAtPrecondition(t *testing.T) {
	const update = `mutation($data: UserData!, $where: UserWhere!) { data: updatePropertiesInUser(data: $data, where: $where) { firstname updatedAt } }`

	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		read := f.userJSON(t, f.acmeUser.ID).([]any)[0].(map[string]any)
		vars := string(mustJSON(t, map[string]any{
			"data":  map[string]any{"firstname": "Una"},
			"where": map[string]any{"id": f.acmeUser.ID, "updatedAt": read["updatedAt"]},
		}))
		d := f.data(t, gql{query: update, variables: vars, key: f.acmeAdminKey})
		got := d["data"].(map[string]any)
		if got["firstname"] != "Una" || got["updatedAt"] == read["updatedAt"] {
			t.Errorf("got %v after %v", got, read)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		f := newFixture(t)
		read := f.userJSON(t, f.acmeUser.ID).([]any)[0].(map[string]any)
		f.data(t, gql{query: `mutation { updatePropertiesInUser(data: {lastname: "Usher"}, where: {email: "uma@acme.test"}) { id } }`, key: f.acmeAdminKey})
		now := f.userJSON(t, f.acmeUser.ID).([]any)[0]

		vars := string(mustJSON(t, map[string]any{
			"data":  map[string]any{"firstname": "Una"},
			"where": map[string]any{"id": f.acmeUser.ID, "updatedAt": read["updatedAt"]},
		}))
		msg, ext := f.firstError(t, gql{query: update, variables: vars, key: f.acmeAdminKey})
		if ext["code"] != "CONFLICT" || !isSentence(msg) {
			t.Errorf("got %q %v, want CONFLICT", msg, ext)
		}
		f.assertJSON(t, ext["current"], string(mustJSON(t, now)))
		f.assertJSON(t, f.userJSON(t, f.acmeUser.ID).([]any)[0], string(mustJSON(t, now)))
	})
}
