package graphql_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"useradmin/server"
)

// errorCodes are the codes the contract allows in errors[].extensions.code.
var errorCodes = []string{server.EINVALID, server.EUNAUTHENTICATED, server.EFORBIDDEN,
	server.ENOTFOUND, server.ECONFLICT, server.ERATELIMITED}

// FuzzHandler posts random queries and variables to the handler on a real database, as one
// of the callers of the authorization matrix; a caller with the high bit set sends query
// and variables as the raw body instead, and one with the next bit asks for
// application/graphql-response+json. Whatever is sent, the handler must not panic, must
// answer JSON with 200, 400 or 413, each error a sentence with a known code (never an
// internal error: the database is healthy), and must leave what is stored unchanged unless
// a mutation succeeded. Its seed corpus is testdata/fuzz/FuzzHandler.
func FuzzHandler(f *testing.F) {
	f.Fuzz(func(t *testing.T, query, variables string, caller byte) {
		fx := newFixture(t)
		before := fx.snapshot(t)

		body := query + variables
		if caller&0x80 == 0 {
			req := map[string]any{"query": query}
			if json.Valid([]byte(variables)) {
				req["variables"] = json.RawMessage(variables)
			} else if variables != "" {
				req["variables"] = variables
			}
			// Variables that are valid JSON yet cannot be marshaled go as they are, raw.
			if b, err := json.Marshal(req); err == nil {
				body = string(b)
			}
		}
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		media := "application/json"
		if caller&0x40 != 0 {
			media = "application/graphql-response+json"
			r.Header.Set("Accept", media)
		}
		if key := fx.callerKey(callers[int(caller&0x3f)%len(callers)]); key != "" {
			r.Header.Set("Authorization", "X-API-Key: "+key)
		}
		w := httptest.NewRecorder()
		start := time.Now()
		fx.handler.ServeHTTP(w, r)
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("answering took %v", elapsed)
		}

		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d", w.Code)
		}
		if ct := w.Header().Get("Content-Type"); ct != media {
			t.Errorf("Content-Type = %q", ct)
		}
		var got struct {
			Data   json.RawMessage `json:"data"`
			Errors []struct {
				Message    string         `json:"message"`
				Path       []any          `json:"path"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("answer is not JSON: %v\n%s", err, w.Body.String())
		}
		if len(got.Errors) == 0 && (len(got.Data) == 0 || string(got.Data) == "null") {
			t.Errorf("answer has neither data nor errors: %s", w.Body.String())
		}
		for _, e := range got.Errors {
			code, _ := e.Extensions["code"].(string)
			if !slices.Contains(errorCodes, code) || !isSentence(e.Message) {
				t.Errorf("error %q with code %q", e.Message, code)
			}
		}
		if log := fx.log.String(); strings.Contains(log, "level=ERROR") {
			t.Errorf("errors logged: %s", log)
		}
		if strings.Contains(w.Body.String(), "<") {
			t.Errorf("the answer holds a raw '<': %s", w.Body.String())
		}
		// A request refused before it ran (not 200, or an error that is about no field)
		// changes nothing. One that ran may have changed something only if it was a mutation
		// and not every one of its fields failed; a field that failed can still null the
		// whole answer, so the data alone cannot tell.
		if fx.snapshot(t) != before {
			ran := w.Code == http.StatusOK && strings.Contains(body, "mutation")
			for _, e := range got.Errors {
				ran = ran && len(e.Path) > 0
			}
			if !ran || len(got.Errors) > 0 && len(got.Data) > 0 && string(got.Data) != "null" && allFailed(got.Data) {
				t.Errorf("what is stored changed, but no mutation ran: %s", w.Body.String())
			}
		}
	})
}

// allFailed reports whether every root field of data is null, which a mutation that
// succeeded never is.
func allFailed(data json.RawMessage) bool {
	var fields map[string]any
	if json.Unmarshal(data, &fields) != nil {
		return false
	}
	for _, v := range fields {
		if v != nil {
			return false
		}
	}
	return true
}

// FuzzValidate checks the domain's validation of new users and updates, on which the
// handler relies: it never panics; what it accepts is normalized and clean (an email
// trimmed, lower-case, valid UTF-8, without control characters; names and passwords within
// their limits), and stays accepted and unchanged when validated again; what it refuses
// gets BAD_USER_INPUT with the field at fault and a sentence. Its seed corpus is
// testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	f.Fuzz(func(t *testing.T, email, password, firstname, lastname, role, organizationID string, set byte) {
		c := server.UserCreate{Email: email, Password: password, Role: server.Role(role), Firstname: firstname, Lastname: lastname}
		if err := c.Validate(); err != nil {
			checkRefusal(t, err)
		} else {
			checkEmail(t, c.Email)
			checkPassword(t, c.Password)
			checkName(t, c.Firstname, true)
			checkName(t, c.Lastname, true)
			if !c.Role.Valid() {
				t.Errorf("accepted role %q", c.Role)
			}
			again := c
			if err := again.Validate(); err != nil || again != c {
				t.Errorf("validating %+v again gives %+v, %v", c, again, err)
			}
		}

		u := server.UserUpdate{}
		fields := []**string{&u.Firstname, &u.Lastname, &u.Email, &u.OrganizationID}
		values := []string{firstname, lastname, email, organizationID}
		for i, p := range fields {
			if set&(1<<i) != 0 {
				*p = &values[i]
			}
		}
		if set&(1<<4) != 0 {
			r := server.Role(role)
			u.Role = &r
		}
		if err := u.Validate(); err != nil {
			checkRefusal(t, err)
			return
		}
		if u.Email != nil {
			checkEmail(t, *u.Email)
		}
		if u.Firstname != nil {
			checkName(t, *u.Firstname, false)
		}
		if u.Lastname != nil {
			checkName(t, *u.Lastname, false)
		}
		if u.Role != nil && !u.Role.Valid() {
			t.Errorf("accepted role %q", *u.Role)
		}
		if u.OrganizationID != nil && strings.TrimSpace(*u.OrganizationID) == "" {
			t.Errorf("accepted a blank organization id")
		}
	})
}

func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var se *server.Error
	fields := []string{"email", "password", "role", "firstname", "lastname", "organizationId"}
	if !errors.As(err, &se) || se.Code != server.EINVALID || !slices.Contains(fields, se.Field) || !isSentence(se.Message) {
		t.Errorf("refusal %#v", err)
	}
}

func checkEmail(t *testing.T, email string) {
	t.Helper()
	if email != strings.ToLower(email) || email != strings.TrimSpace(email) || !utf8.ValidString(email) ||
		hasControl(email) || utf8.RuneCountInString(email) > server.MaxEmailLength || !strings.Contains(email, "@") {
		t.Errorf("accepted email %q", email)
	}
}

func checkPassword(t *testing.T, password string) {
	t.Helper()
	n := utf8.RuneCountInString(password)
	if n < server.MinPasswordLength || n > server.MaxPasswordLength || !utf8.ValidString(password) || hasControl(password) {
		t.Errorf("accepted password %q", password)
	}
}

// checkName checks an accepted name; in a new user an empty name means none.
func checkName(t *testing.T, name string, emptyIsNone bool) {
	t.Helper()
	if name == "" && emptyIsNone {
		return
	}
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) || hasControl(name) || utf8.RuneCountInString(name) > server.MaxNameLength {
		t.Errorf("accepted name %q", name)
	}
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' })
}
