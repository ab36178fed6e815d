package server_test

import (
	"errors"
	"strings"
	"testing"

	"useradmin/server"
)

func ptr[T any](v T) *T { return &v }

// checkField fails unless err is a BAD_USER_INPUT *server.Error about field.
func checkField(t *testing.T, err error, field string) {
	t.Helper()
	var e *server.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a *server.Error about %s", err, field)
	}
	if e.Code != server.EINVALID || e.Field != field || !strings.HasSuffix(e.Message, ".") {
		t.Fatalf("got code=%s field=%s message=%q, want BAD_USER_INPUT about %s with a sentence", e.Code, e.Field, e.Message, field)
	}
}

func TestUserCreate_Validate(t *testing.T) {
	valid := func() server.UserCreate {
		return server.UserCreate{Email: "  Ada.Lovelace@Example.COM ", Password: "correct horse", Role: server.RoleUser, Firstname: "Ada"}
	}
	t.Run("OK", func(t *testing.T) {
		c := valid()
		c.Lastname = "Patel 👩\u200d💻" // a zero-width joiner inside an emoji is fine in a name
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if c.Email != "ada.lovelace@example.com" {
			t.Fatalf("email not normalized: %q", c.Email)
		}
	})
	for _, tt := range []struct {
		name, field string
		change      func(*server.UserCreate)
	}{
		{"ErrEmailEmpty", "data.email", func(c *server.UserCreate) { c.Email = " " }},
		{"ErrEmailMalformed", "data.email", func(c *server.UserCreate) { c.Email = "ada@" }},
		{"ErrEmailNoDomainDot", "data.email", func(c *server.UserCreate) { c.Email = "ada@localhost" }},
		{"ErrEmailDisplayName", "data.email", func(c *server.UserCreate) { c.Email = "Ada <ada@example.com>" }},
		{"ErrEmailControl", "data.email", func(c *server.UserCreate) { c.Email = "ada\x00@example.com" }},
		{"ErrEmailTooLong", "data.email", func(c *server.UserCreate) { c.Email = strings.Repeat("a", 250) + "@example.com" }},
		{"ErrPasswordShort", "data.password", func(c *server.UserCreate) { c.Password = "short" }},
		{"ErrPasswordLong", "data.password", func(c *server.UserCreate) { c.Password = strings.Repeat("p", 129) }},
		{"ErrRole", "data.organizationRole", func(c *server.UserCreate) { c.Role = "OWNER" }},
		{"ErrFirstnameBlank", "data.firstname", func(c *server.UserCreate) { c.Firstname = "   " }},
		{"ErrFirstnameTooLong", "data.firstname", func(c *server.UserCreate) { c.Firstname = strings.Repeat("é", 101) }},
		{"ErrLastnameControl", "data.lastname", func(c *server.UserCreate) { c.Lastname = "Love\nlace" }},
		{"ErrLastnameLineSeparator", "data.lastname", func(c *server.UserCreate) { c.Lastname = "Love\u2028lace" }},
		{"ErrEmailRightToLeftOverride", "data.email", func(c *server.UserCreate) { c.Email = "admin@acme.test\u202e" }},
		{"ErrEmailZeroWidth", "data.email", func(c *server.UserCreate) { c.Email = "ad\u200bmin@acme.test" }},
		{"ErrFirstnameInvisibleOnly", "data.firstname", func(c *server.UserCreate) { c.Firstname = "\u200b\u200d" }},
		{"ErrFirstnameBidiOverride", "data.firstname", func(c *server.UserCreate) { c.Firstname = "Ada\u202egnp.exe" }},
		{"ErrLastnameInvalidUTF8", "data.lastname", func(c *server.UserCreate) { c.Lastname = "Love\xfflace" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			checkField(t, c.Validate(), tt.field)
		})
	}
}

func TestUserUpdate_Validate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		u := server.UserUpdate{Firstname: ptr("Grace"), Email: ptr("GRACE@example.com"), Role: ptr(server.RoleAdmin)}
		if err := u.Validate(); err != nil {
			t.Fatal(err)
		}
		if *u.Email != "grace@example.com" {
			t.Fatalf("email not normalized: %q", *u.Email)
		}
	})
	t.Run("ErrEmptyName", func(t *testing.T) {
		checkField(t, (&server.UserUpdate{Firstname: ptr("")}).Validate(), "data.firstname")
	})
	t.Run("ErrOrganizationEmpty", func(t *testing.T) {
		checkField(t, (&server.UserUpdate{OrganizationID: ptr(" ")}).Validate(), "data.organizationId")
	})
	t.Run("OnlyNames", func(t *testing.T) {
		if !(&server.UserUpdate{Firstname: ptr("a"), Lastname: ptr("b")}).OnlyNames() {
			t.Error("names only: OnlyNames() = false")
		}
		if (&server.UserUpdate{Firstname: ptr("a"), Activated: ptr(false)}).OnlyNames() {
			t.Error("with activated: OnlyNames() = true")
		}
	})
}

func TestUserFilter_Validate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		filter server.UserFilter
		field  string
	}{
		{"ErrFirstZero", server.UserFilter{Limit: 0}, "first"},
		{"ErrFirstTooLarge", server.UserFilter{Limit: 5000}, "first"},
		{"ErrSkipNegative", server.UserFilter{Limit: 10, Offset: -1}, "skip"},
		{"ErrSort", server.UserFilter{Limit: 10, OrderBy: []server.UserOrder{{Field: "PASSWORD"}}}, "orderBy"},
		{"ErrSearchControl", server.UserFilter{Limit: 10, Search: ptr("a\x00b")}, "where.search"},
		{"ErrSearchTooLong", server.UserFilter{Limit: 10, Search: ptr(strings.Repeat("s", 300))}, "where.search"},
	} {
		t.Run(tt.name, func(t *testing.T) { checkField(t, tt.filter.Validate(), tt.field) })
	}
	t.Run("OK", func(t *testing.T) {
		f := server.UserFilter{Limit: 100, Offset: 0, OrderBy: []server.UserOrder{{Field: server.SortEmail, Desc: true}}}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestErrorCodeAndMessage(t *testing.T) {
	if got := server.ErrorCode(errors.New("disk full")); got != server.EINTERNAL {
		t.Errorf("ErrorCode(plain) = %s", got)
	}
	if got := server.ErrorMessage(errors.New("disk full")); got != "Internal error." {
		t.Errorf("ErrorMessage(plain) = %q: internal details must not reach the screen", got)
	}
	wrapped := errors.Join(errors.New("context"), server.Errorf(server.ENOTFOUND, "User not found."))
	if server.ErrorCode(wrapped) != server.ENOTFOUND || server.ErrorMessage(wrapped) != "User not found." {
		t.Errorf("a wrapped *Error lost its code or message")
	}
	if server.ErrorCode(nil) != "" || server.ErrorMessage(nil) != "" {
		t.Errorf("nil error has a code or message")
	}
}
