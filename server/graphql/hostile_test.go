package graphql_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"useradmin/server"
	"useradmin/server/graphql"
)

// hostileTried counts the hostile requests sent by the tests of this file.
var hostileTried atomic.Int64

// hostileText holds strings that try to break out of SQL, the full-text index, LIKE
// patterns, markup or Unicode handling. name says whether each is a valid first or last
// name, to be stored and returned exactly as sent; slow marks those also tried where a
// password is hashed, which is slow on purpose: as credentials, and in a new user.
var hostileText = []struct {
	label string
	s     string
	name  bool
	slow  bool
}{
	{"SQLQuote", `' OR 1=1 --`, true, true},
	{"SQLDrop", `"; DROP TABLE users; --`, true, true},
	{"SQLUnion", `x' UNION SELECT password_hash, 1 FROM users --`, true, true},
	{"SQLComment", `admin@acme.test'/*`, true, true},
	{"SQLSemicolon", `1; DELETE FROM api_keys`, true, false},
	{"FTSNear", `NEAR(a b)`, true, false},
	{"FTSStar", `"*"`, true, false},
	{"FTSColumn", `email:admin`, true, false},
	{"FTSOperators", `adm AND uma OR NOT gone`, true, false},
	{"FTSPrefix", `^adm*`, true, false},
	{"LikePercent", `%`, true, false},
	{"LikeUnderscore", `_`, true, false},
	{"LikeBackslash", `\`, true, false},
	{"LikeAll", `%_\`, true, false},
	{"LikeEscaped", `\%ad%`, true, false},
	{"ScriptTag", `<script>alert(1)</script>`, true, true},
	{"ImgOnerror", `<img src=x onerror=alert(1)>`, true, false},
	{"Template", `{{7*7}} ${7*7} #{7*7}`, true, false},
	{"GraphQLText", `{ viewer { id } }`, true, false},
	{"JSONText", `{"$ne": null}`, true, false},
	{"RTLOverride", "\u202Egnp.exe", false, true},
	{"ZeroWidthJoiner", "👩\u200D💻", true, true},
	{"ZeroWidthSpace", "Ada\u200B", true, false},
	{"CombiningNonNFC", "Zoe\u0308 Jose\u0301", true, true},
	{"CombiningPile", "a" + strings.Repeat("\u0301", 99), true, false},
	{"CombiningTooMany", "a" + strings.Repeat("\u0301", 100), false, false},
	{"Emoji", "😀🎉𝔘𝔪𝔞", true, false},
	{"Emoji100", strings.Repeat("😀", 100), true, true},
	{"Emoji101", strings.Repeat("😀", 101), false, false},
	{"Hangul", "\u1112\u1161\u11AB", true, false},
	{"ByteOrderMark", "\uFEFFAda", true, false},
	{"NUL", "Uma\x00", false, true},
	{"Newline", "Uma\nUser", false, false},
	{"LineSeparator", "Uma\u2028User", false, false},
	{"Escape", "\x1b[31mred", false, false},
	{"Blank", " \t ", false, false},
	{"Name10kB", strings.Repeat("x", 10_000), false, true},
	{"Name1MB", strings.Repeat("y", 1_000_000), false, false},
}

// isLineBreakOrControl matches what search text may not hold: control characters and the
// Unicode line and paragraph separators.
func isLineBreakOrControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

func TestHandler_HostileText(t *testing.T) {
	for _, h := range hostileText {
		t.Run(h.label, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			vars := func(extra ...any) string {
				m := map[string]any{"s": h.s}
				for i := 0; i+1 < len(extra); i += 2 {
					m[extra[i].(string)] = extra[i+1]
				}
				return string(mustJSON(t, m))
			}
			send := func(q gql) map[string]any {
				hostileTried.Add(1)
				if q.key == "" {
					q.key = f.acmeAdminKey
				}
				return f.do(t, q)
			}
			// refused checks that q is refused as BAD_USER_INPUT on field and changes nothing.
			refused := func(what string, q gql, code, field string) {
				t.Helper()
				if len(h.s) > graphql.MaxVariableText && field != "query" {
					field = "s" // refused on the variable itself, before anything runs
				}
				before := f.snapshot(t)
				got := send(q)
				errs, _ := got["errors"].([]any)
				if len(errs) == 0 {
					t.Errorf("%s: accepted; answer %v", what, got)
					return
				}
				e := errs[0].(map[string]any)
				ext := e["extensions"].(map[string]any)
				if ext["code"] != code || fmt.Sprint(ext["field"]) != field || !isSentence(fmt.Sprint(e["message"])) {
					t.Errorf("%s: got %q %v, want %s on %s", what, e["message"], ext, code, field)
				}
				if f.snapshot(t) != before {
					t.Errorf("%s: a refused request changed what is stored", what)
				}
			}
			// accepted checks that q succeeds and returns s at path.
			accepted := func(what string, q gql, path ...string) {
				t.Helper()
				got := send(q)
				if got["errors"] != nil {
					t.Errorf("%s: errors %v", what, got["errors"])
					return
				}
				var v any = got["data"]
				for _, p := range path {
					v = v.(map[string]any)[p]
				}
				if v != h.s {
					t.Errorf("%s: got %.80q, want %.80q", what, v, h.s)
				}
			}

			// As a filter, the text matches no one and changes nothing, or, longer than
			// any email, key or id can be, is refused on its field.
			before := f.snapshot(t)
			for _, filter := range []struct {
				query, field string
				tooLong      bool
			}{
				{`query($s: String!) { n: countUsers(where: {email: $s}) }`, "where.email", utf8.RuneCountInString(h.s) > server.MaxEmailLength},
				{`query($s: String!) { n: countUsers(where: {apiKey: $s}) }`, "where.apiKey", len(h.s) > server.MaxKeyLength},
				{`query($s: ID!) { n: countUsers(where: {id: $s}) }`, "where.id", len(h.s) > server.MaxIDLength},
				{`query($s: ID!) { n: countUsers(where: {idIn: [$s, $s]}) }`, "where.idIn", len(h.s) > server.MaxIDLength},
				{`query($s: ID!) { n: countUsers(where: {organization: {id: $s}}) }`, "where.organization.id", len(h.s) > server.MaxIDLength},
				{`query($s: String!) { n: apiKeys(where: {key: $s}, first: 1, skip: 0) { id } }`, "where.key", len(h.s) > server.MaxKeyLength},
			} {
				q := gql{query: filter.query, variables: vars()}
				if filter.tooLong {
					refused(filter.field, q, "BAD_USER_INPUT", filter.field)
					continue
				}
				d := send(q)
				if d["errors"] != nil || fmt.Sprint(d["data"]) != "map[n:0]" && fmt.Sprint(d["data"]) != "map[n:[]]" {
					t.Errorf("%s: got %v, want nothing found", filter.field, d)
				}
			}
			badSearch := utf8.RuneCountInString(h.s) > server.MaxSearchLength || strings.ContainsFunc(h.s, isLineBreakOrControl)
			search := gql{query: `query($s: String) { users(where: {search: $s}, first: 100, skip: 0) { id } }`, variables: vars()}
			switch {
			case badSearch:
				refused("search", search, "BAD_USER_INPUT", "where.search")
				refused("search count", gql{query: `query($s: String) { countUsers(where: {search: $s}) }`, variables: vars()}, "BAD_USER_INPUT", "where.search")
				refused("search update", gql{query: `mutation($s: String) { updatePropertiesInUser(data: {firstname: "X"}, where: {search: $s}) { id } }`, variables: vars()}, "BAD_USER_INPUT", "where.search")
			case strings.TrimSpace(h.s) == "":
				f.assertJSON(t, send(search)["data"], `{"users": [{"id": "$ACME_ADMIN_ID"}, {"id": "$ACME_USER_ID"}, {"id": "$GONE_ID"}]}`)
			default:
				f.assertJSON(t, send(search)["data"], `{"users": []}`)
			}
			if f.snapshot(t) != before {
				t.Errorf("reading changed what is stored")
			}

			// As credentials, it opens nothing.
			refused("completePasswordReset", gql{query: `mutation($s: String!) { completePasswordReset(token: $s, newPassword: "a long new password") }`,
				variables: vars()}, "BAD_USER_INPUT", "token")
			if h.slow {
				refused("signIn", gql{query: `mutation($s: String!) { signIn(email: $s, password: $s) { apiKey } }`, variables: vars()},
					"UNAUTHENTICATED", "<nil>")
			}

			// As a name, it is stored and returned exactly as sent, or refused on its field.
			update := gql{query: `mutation($s: String!) { u: updatePropertiesInUser(data: {firstname: $s}, where: {email: "uma@acme.test"}) { firstname } }`, variables: vars()}
			literal, _ := json.Marshal(h.s) // a JSON string is a GraphQL string literal
			inline := gql{query: `mutation { u: updatePropertiesInUser(data: {lastname: ` + string(literal) + `}, where: {email: "uma@acme.test"}) { lastname } }`}
			create := gql{query: `mutation($s: String!) { u: createUser(data: {email: "hostile@example.test", password: "a long password", organizationRole: USER, firstname: $s}) { firstname } }`, variables: vars()}
			key := gql{query: `mutation($s: String!) { k: createApiKey(name: $s) { name } }`, variables: vars()}
			switch {
			case h.name:
				accepted("firstname", update, "u", "firstname")
				accepted("lastname inline", inline, "u", "lastname")
				accepted("createApiKey", key, "k", "name")
				f.assertJSON(t, f.userJSON(t, f.acmeUser.ID).([]any)[0].(map[string]any)["firstname"], string(mustJSON(t, h.s)))
				found := `[{"email": "uma@acme.test"}]`
				if h.slow {
					accepted("createUser", create, "u", "firstname")
					found = `[{"email": "uma@acme.test"}, {"email": "hostile@example.test"}]`
				}
				d := send(gql{query: `query($s: String) { users(where: {search: $s}, first: 100, skip: 0) { email } }`, variables: vars()})
				f.assertJSON(t, d["data"], `{"users": `+found+`}`)
			default:
				refused("firstname", update, "BAD_USER_INPUT", "data.firstname")
				if len(inline.query) > graphql.MaxQueryLength {
					refused("lastname inline", inline, "BAD_USER_INPUT", "query")
				} else {
					refused("lastname inline", inline, "BAD_USER_INPUT", "data.lastname")
				}
				refused("createUser", create, "BAD_USER_INPUT", "data.firstname")
				refused("createApiKey", key, "BAD_USER_INPUT", "name")
			}
		})
	}
}

// TestHandler_HostileValues sends values of the wrong type or size, malformed escapes and
// odd Unicode; each is answered with a clear error on the right field and changes nothing,
// or, where it is valid, is accepted.
func TestHandler_HostileValues(t *testing.T) {
	const (
		update = `mutation($data: UserData!, $where: UserWhere!) { u: updatePropertiesInUser(data: $data, where: $where) { firstname } }`
		users  = `query($where: UserWhere!, $first: PageSize!, $skip: Int!) { users(where: $where, first: $first, skip: $skip) { id } }`
		create = `mutation($data: CreateUserData!) { u: createUser(data: $data) { email } }`
		uma    = `"where": {"email": "uma@acme.test"}`
	)
	nested := func(open, close string, n int, inner string) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	manyKeys := map[string]any{}
	for i := range 10_000 {
		manyKeys[fmt.Sprintf("k%05d", i)] = i
	}
	manyIDs := make([]string, 100_000)
	for i := range manyIDs {
		manyIDs[i] = fmt.Sprint(i)
	}
	tests := []struct {
		name      string
		body      string // the whole request body, when query and variables do not say it
		query     string
		variables string
		status    int
		code      string // empty: accepted
		field     string
		message   string // empty: any sentence
		want      string // for an accepted request, its data
	}{
		// Sizes.
		{name: "Name1MB", query: update, variables: `{"data": {"firstname": "` + strings.Repeat("n", 1_000_000) + `"}, ` + uma + `}`,
			code: "BAD_USER_INPUT", field: "data.firstname", message: "data.firstname is 1000000 bytes long: a value may have at most 10000."},
		{name: "Body2MB", query: update, variables: `{"data": {"firstname": "` + strings.Repeat("n", 2_000_000) + `"}, ` + uma + `}`, status: 413},
		{name: "Email1MB", query: create, variables: `{"data": {"email": "` + strings.Repeat("e", 1_000_000) + `@x.test", "password": "a long password", "organizationRole": "USER"}}`,
			code: "BAD_USER_INPUT", field: "data.email", message: "data.email is 1000007 bytes long: a value may have at most 10000."},
		{name: "Password1MB", query: create, variables: `{"data": {"email": "p@x.test", "password": "` + strings.Repeat("p", 1_000_000) + `", "organizationRole": "USER"}}`,
			code: "BAD_USER_INPUT", field: "data.password", message: "data.password is 1000000 bytes long: a value may have at most 10000."},
		{name: "WrongTypeHugeValue", query: users, variables: `{"where": {}, "first": "` + strings.Repeat("9", 500_000) + `", "skip": 0}`,
			code: "BAD_USER_INPUT", field: "first"},
		{name: "TenThousandUnknownFields", query: update, variables: `{"data": ` + string(mustJSON(t, manyKeys)) + `, ` + uma + `}`,
			code: "BAD_USER_INPUT", field: "data.k*"},
		{name: "HundredThousandIDs", query: users, variables: `{"where": {"idIn": ` + string(mustJSON(t, manyIDs)) + `}, "first": 10, "skip": 0}`,
			code: "BAD_USER_INPUT", field: "where.idIn", message: "where.idIn has 100000 items: a list may have at most 1000; send the rest in other requests."},
		{name: "NestedJSONTooDeep", body: `{"query": "{ viewer { id } }", "variables": {"x": ` + nested("[", "]", 100_000, "") + `}}`, status: 400},
		{name: "NestedArraysAsName", query: update, variables: `{"data": {"firstname": ` + nested("[", "]", 500, `"x"`) + `}, ` + uma + `}`,
			code: "BAD_USER_INPUT", field: "data.firstname"},
		{name: "NestedObjectsAsID", query: users, variables: `{"where": {"organization": {"id": ` + nested(`{"a": `, "}", 500, "1") + `}}, "first": 10, "skip": 0}`,
			code: "BAD_USER_INPUT", field: "where.organization.id"},
		{name: "UndeclaredVariablesIgnored", query: `query { n: countUsers(where: {}) }`, variables: string(mustJSON(t, manyKeys)), want: `{"n": 3}`},

		// Numbers.
		{name: "SkipHuge", query: users, variables: `{"where": {}, "first": 10, "skip": 1e30}`, code: "BAD_USER_INPUT", field: "skip",
			message: "skip must be a whole number (it is 1e+30)."},
		{name: "SkipJustTooLarge", query: users, variables: `{"where": {}, "first": 10, "skip": 2147483648}`, code: "BAD_USER_INPUT", field: "skip"},
		{name: "SkipFloat", query: users, variables: `{"where": {}, "first": 10, "skip": 1.5}`, code: "BAD_USER_INPUT", field: "skip",
			message: "skip must be a whole number (it is 1.5)."},
		{name: "FirstHuge", query: users, variables: `{"where": {}, "first": 1e30, "skip": 0}`, code: "BAD_USER_INPUT", field: "first",
			message: "first must be a whole number from 1 to 100 (it is 1e+30)."},
		{name: "FirstNegativeZero", query: users, variables: `{"where": {}, "first": -0, "skip": 0}`, code: "BAD_USER_INPUT", field: "first",
			message: "first must be a whole number from 1 to 100 (it is -0)."},
		{name: "FirstBeyondFloat", query: users, variables: `{"where": {}, "first": 1e400, "skip": 0}`, status: 400},
		{name: "SkipFloatInline", query: `{ users(where: {}, first: 10, skip: 1.5) { id } }`, code: "BAD_USER_INPUT", field: "skip",
			message: "skip must be a whole number (it is 1.5)."},
		{name: "FirstHugeInline", query: `{ users(where: {}, first: 99999999999999999999, skip: 0) { id } }`, code: "BAD_USER_INPUT", field: "first",
			message: "first must be a whole number from 1 to 100 (it is 99999999999999999999)."},
		{name: "SkipHugeInline", query: `{ users(where: {}, first: 1, skip: 99999999999999999999) { id } }`, code: "BAD_USER_INPUT", field: "skip",
			message: "skip must be a whole number (it is 99999999999999999999)."},
		{name: "FloatHugeInline", query: `{ users(where: {}, first: 1e999, skip: 0) { id } }`, code: "BAD_USER_INPUT", field: "first",
			message: "first must be a whole number from 1 to 100 (it is 1e999)."},
		{name: "DefaultBeyond32Bits", query: `query($f: PageSize = 99999999999) { users(where: {}, first: $f, skip: 0) { id } }`, code: "BAD_USER_INPUT", field: "f",
			message: "f must be a whole number from 1 to 100 (it is 99999999999)."},
		{name: "DefaultBeyond64Bits", query: `query($f: PageSize = 99999999999999999999) { users(where: {}, first: $f, skip: 0) { id } }`, code: "BAD_USER_INPUT", field: "f",
			message: "f must be a whole number from 1 to 100 (it is 99999999999999999999)."},
		{name: "IntDefaultBeyond32Bits", query: `query($s: Int = 99999999999) { users(where: {}, first: 1, skip: $s) { id } }`, code: "BAD_USER_INPUT", field: "skip",
			message: "skip must be a whole number (it is 99999999999)."},
		{name: "IntDefault", query: `query($s: Int = 2) { users(where: {}, first: 1, skip: $s) { email } }`, want: `{"users": [{"email": "gone@acme.test"}]}`},
		{name: "PageSizeDefault", query: `query($f: PageSize! = 3) { users(where: {}, first: $f, skip: 0) { email } }`,
			want: `{"users": [{"email": "admin@acme.test"}, {"email": "uma@acme.test"}, {"email": "gone@acme.test"}]}`},
		{name: "DefaultOverridden", query: `query($f: PageSize! = 3) { users(where: {}, first: $f, skip: 0) { email } }`, variables: `{"f": 1}`,
			want: `{"users": [{"email": "admin@acme.test"}]}`},
		{name: "IDFloat", query: users, variables: `{"where": {"id": 1.5}, "first": 10, "skip": 0}`, code: "BAD_USER_INPUT", field: "where.id"},
		{name: "IDNumber", query: `query($id: ID!) { n: countUsers(where: {id: $id}) }`, variables: `{"id": 12345}`, want: `{"n": 0}`}, // the spec accepts an Int as an ID
		{name: "IDFraction", query: `query($id: ID!) { n: countUsers(where: {id: $id}) }`, variables: `{"id": 1.5}`, code: "BAD_USER_INPUT", field: "id"},
		{name: "IDNumberInline", query: `{ n: countUsers(where: {id: 12345}) }`, want: `{"n": 0}`},

		// Wrong types.
		{name: "NameNumber", query: update, variables: `{"data": {"firstname": 5}, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data.firstname"},
		{name: "NameBoolean", query: update, variables: `{"data": {"firstname": true}, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data.firstname"},
		{name: "NameObject", query: update, variables: `{"data": {"firstname": {"$ne": ""}}, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data.firstname"},
		{name: "NameList", query: update, variables: `{"data": {"firstname": ["a", "b"]}, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data.firstname"},
		{name: "ActivatedString", query: update, variables: `{"data": {"activated": "false"}, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data.activated"},
		{name: "ActivatedNumber", query: update, variables: `{"data": {"activated": 0}, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data.activated"},
		{name: "RoleLowerCase", query: update, variables: `{"data": {"organizationRole": "admin"}, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data.organizationRole"},
		{name: "DataNull", query: update, variables: `{"data": null, ` + uma + `}`, code: "BAD_USER_INPUT", field: "data", message: "data is required."},
		{name: "WhereString", query: update, variables: `{"data": {"firstname": "X"}, "where": "uma@acme.test"}`, code: "BAD_USER_INPUT", field: "where"},
		{name: "WhereList", query: update, variables: `{"data": {"firstname": "X"}, "where": [{"email": "uma@acme.test"}]}`, code: "BAD_USER_INPUT", field: "where"},
		{name: "IDInNull", query: users, variables: `{"where": {"idIn": [null]}, "first": 10, "skip": 0}`, code: "BAD_USER_INPUT", field: "where.idIn"},
		{name: "SortDirection", query: `{ users(where: {}, first: 1, skip: 0, orderBy: [{field: EMAIL, direction: SIDEWAYS}]) { id } }`,
			code: "BAD_USER_INPUT", field: "orderBy.direction"},
		{name: "VariablesList", body: `{"query": "{ viewer { id } }", "variables": [1, 2]}`, status: 400},
		{name: "QueryNumber", body: `{"query": 5}`, status: 400},
		{name: "QueryNull", body: `{"query": null}`, code: "BAD_USER_INPUT", field: "query"},

		// Escapes and Unicode.
		// The lexer reads a lone surrogate as U+FFFD, as JSON decoding does.
		{name: "LoneSurrogateInline", query: `mutation { u: updatePropertiesInUser(data: {firstname: "a\ud800"}, where: {email: "uma@acme.test"}) { firstname } }`,
			want: `{"u": {"firstname": "a\ufffd"}}`},
		{name: "SlashEscapeInline", query: `{ users(where: {search: "a\/b"}, first: 1, skip: 0) { id } }`, want: `{"users": []}`}, // \/ is a GraphQL escape
		{name: "UnicodeEscapeInline", query: `mutation { u: updatePropertiesInUser(data: {firstname: "\u00c9lo\u00efse"}, where: {email: "uma@acme.test"}) { firstname } }`,
			want: `{"u": {"firstname": "Éloïse"}}`},
		{name: "BadEscapeInline", query: `{ users(where: {search: "a\qb"}, first: 1, skip: 0) { id } }`, code: "BAD_USER_INPUT", field: "query"},
		{name: "BlockStringInline", query: "mutation { u: updatePropertiesInUser(data: {firstname: \"\"\"  Ada \\\"\"\" \"\"\"}, where: {email: \"uma@acme.test\"}) { firstname } }",
			want: `{"u": {"firstname": "  Ada \"\"\" "}}`}, // \""" is an escaped """; the first line keeps its spaces
		{name: "LoneSurrogateInJSON", query: update, variables: `{"data": {"firstname": "Uma\ud800"}, ` + uma + `}`,
			want: `{"u": {"firstname": "Uma\ufffd"}}`}, // JSON decoding replaces it, as browsers do
		{name: "SurrogatePairInJSON", query: update, variables: `{"data": {"firstname": "Uma\ud83d\ude00"}, ` + uma + `}`,
			want: `{"u": {"firstname": "Uma😀"}}`},
		{name: "InvalidUTF8InBody", body: "{\"query\": \"mutation { u: updatePropertiesInUser(data: {firstname: \\\"Uma\xff\xfe\\\"}, where: {email: \\\"uma@acme.test\\\"}) { firstname } }\"}",
			want: `{"u": {"firstname": "Uma\ufffd\ufffd"}}`},
		{name: "NULInEmail", query: create, variables: `{"data": {"email": "nul\u0000@x.test", "password": "a long password", "organizationRole": "USER"}}`,
			code: "BAD_USER_INPUT", field: "data.email"},
		{name: "ControlInPassword", query: create, variables: `{"data": {"email": "ctl@x.test", "password": "a long\u0007password", "organizationRole": "USER"}}`,
			code: "BAD_USER_INPUT", field: "data.password"},
		{name: "EmailNonNFC", query: create, variables: `{"data": {"email": "Jose\u0301@Example.test", "password": "a long password", "organizationRole": "USER"}}`,
			want: `{"u": {"email": "jose\u0301@example.test"}}`}, // kept as sent, lower-cased, not normalized
		{name: "EmailApostrophe", query: create, variables: `{"data": {"email": "o'brien--@example.test", "password": "a long password", "organizationRole": "USER"}}`,
			want: `{"u": {"email": "o'brien--@example.test"}}`},
		{name: "EmailPercent", query: create, variables: `{"data": {"email": "a%b_c@example.test", "password": "a long password", "organizationRole": "USER"}}`,
			want: `{"u": {"email": "a%b_c@example.test"}}`},
		{name: "EmailSQL", query: create, variables: `{"data": {"email": "' OR 1=1 --@example.test", "password": "a long password", "organizationRole": "USER"}}`,
			code: "BAD_USER_INPUT", field: "data.email"},
		{name: "EmailScript", query: create, variables: `{"data": {"email": "<script>@example.test", "password": "a long password", "organizationRole": "USER"}}`,
			code: "BAD_USER_INPUT", field: "data.email"},
		{name: "EmailCaseTaken", query: create, variables: `{"data": {"email": "  UMA@ACME.TEST ", "password": "a long password", "organizationRole": "USER"}}`,
			code: "CONFLICT", field: "data.email"},
		{name: "EmailLikeWildcard", query: `{ n: countUsers(where: {email: "%@acme.test"}) m: countUsers(where: {email: "___@acme.test"}) }`, want: `{"n": 0, "m": 0}`},
	}
	t.Cleanup(func() { t.Logf("hostile requests sent: %d", hostileTried.Load()) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			before := f.snapshot(t)
			body := tt.body
			if body == "" {
				req := map[string]any{"query": tt.query}
				if tt.variables != "" {
					req["variables"] = json.RawMessage(tt.variables)
				}
				body = string(mustJSON(t, req))
			}
			hostileTried.Add(1)
			status, got := f.post(t, http.Header{"Authorization": {"Bearer " + f.acmeAdminKey}}, body)
			want := tt.status
			if want == 0 {
				want = http.StatusOK
			}
			if status != want {
				t.Fatalf("status = %d, want %d; answer %.300v", status, want, got)
			}
			if tt.want != "" {
				if got["errors"] != nil {
					t.Fatalf("errors: %v", got["errors"])
				}
				f.assertJSON(t, got["data"], tt.want)
				return
			}
			errs, _ := got["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("accepted: %.300v", got)
			}
			e := errs[0].(map[string]any)
			msg, ext := fmt.Sprint(e["message"]), e["extensions"].(map[string]any)
			if !isSentence(msg) || len(msg) > 300 || tt.message != "" && msg != tt.message {
				t.Errorf("message = %.300q, want a short sentence %q", msg, tt.message)
			}
			if status == http.StatusOK {
				field, _ := ext["field"].(string)
				if prefix, ok := strings.CutSuffix(tt.field, "*"); ok && strings.HasPrefix(field, prefix) {
					field = tt.field
				}
				if ext["code"] != tt.code || field != tt.field {
					t.Errorf("got %v %q, want %s on %q (message %q)", ext["code"], field, tt.code, tt.field, msg)
				}
			}
			if f.snapshot(t) != before {
				t.Errorf("a refused request changed what is stored")
			}
		})
	}
}
