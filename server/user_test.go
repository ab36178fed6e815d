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
		{"ErrEmailEmpty", "email", func(c *server.UserCreate) { c.Email = " " }},
		{"ErrEmailMalformed", "email", func(c *server.UserCreate) { c.Email = "ada@" }},
		{"ErrEmailNoDomainDot", "email", func(c *server.UserCreate) { c.Email = "ada@localhost" }},
		{"ErrEmailDisplayName", "email", func(c *server.UserCreate) { c.Email = "Ada <ada@example.com>" }},
		{"ErrEmailControl", "email", func(c *server.UserCreate) { c.Email = "ada\x00@example.com" }},
		{"ErrEmailTooLong", "email", func(c *server.UserCreate) { c.Email = strings.Repeat("a", 250) + "@example.com" }},
		{"ErrPasswordShort", "password", func(c *server.UserCreate) { c.Password = "short" }},
		{"ErrPasswordLong", "password", func(c *server.UserCreate) { c.Password = strings.Repeat("p", 129) }},
		{"ErrRole", "role", func(c *server.UserCreate) { c.Role = "OWNER" }},
		{"ErrFirstnameBlank", "firstname", func(c *server.UserCreate) { c.Firstname = "   " }},
		{"ErrFirstnameTooLong", "firstname", func(c *server.UserCreate) { c.Firstname = strings.Repeat("é", 101) }},
		{"ErrLastnameControl", "lastname", func(c *server.UserCreate) { c.Lastname = "Love\nlace" }},
		{"ErrLastnameLineSeparator", "lastname", func(c *server.UserCreate) { c.Lastname = "Love\u2028lace" }},
		{"ErrEmailRightToLeftOverride", "email", func(c *server.UserCreate) { c.Email = "admin@acme.test\u202e" }},
		{"ErrEmailZeroWidth", "email", func(c *server.UserCreate) { c.Email = "ad\u200bmin@acme.test" }},
		{"ErrFirstnameInvisibleOnly", "firstname", func(c *server.UserCreate) { c.Firstname = "\u200b\u200d" }},
		{"ErrFirstnameBidiOverride", "firstname", func(c *server.UserCreate) { c.Firstname = "Ada\u202egnp.exe" }},
		{"ErrLastnameInvalidUTF8", "lastname", func(c *server.UserCreate) { c.Lastname = "Love\xfflace" }},
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
		checkField(t, (&server.UserUpdate{Firstname: ptr("")}).Validate(), "firstname")
	})
	t.Run("ErrOrganizationEmpty", func(t *testing.T) {
		checkField(t, (&server.UserUpdate{OrganizationID: ptr(" ")}).Validate(), "organizationId")
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
	long := strings.Repeat("x", 65)
	ids := make([]string, server.MaxIDs+1)
	for _, tt := range []struct {
		name   string
		filter server.UserFilter
		field  string
	}{
		{"ErrSearchControl", server.UserFilter{Search: ptr("a\x00b")}, "search"},
		{"ErrSearchTooLong", server.UserFilter{Search: ptr(strings.Repeat("s", 255))}, "search"},
		{"ErrIDTooLong", server.UserFilter{ID: &long}, "id"},
		{"ErrOrganizationIDTooLong", server.UserFilter{OrganizationID: &long}, "organizationId"},
		{"ErrIDInTooMany", server.UserFilter{IDIn: ids}, "idIn"},
		{"ErrIDInTooLong", server.UserFilter{IDIn: []string{"a", long}}, "idIn"},
		{"ErrEmailTooLong", server.UserFilter{Email: ptr(strings.Repeat("e", 255))}, "email"},
		{"ErrAPIKeyTooLong", server.UserFilter{APIKey: ptr(strings.Repeat("k", 129))}, "apiKey"},
		{"ErrRole", server.UserFilter{Role: ptr(server.Role("OWNER"))}, "role"},
	} {
		t.Run(tt.name, func(t *testing.T) { checkField(t, tt.filter.Validate(), tt.field) })
	}
	t.Run("OK", func(t *testing.T) {
		f := server.UserFilter{ID: ptr("u1"), IDIn: ids[:server.MaxIDs], Email: ptr("a@b.c"), Search: ptr(strings.Repeat("s", 254)), Role: ptr(server.RoleUser)}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPage_Validate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		page  server.Page
		field string
	}{
		{"ErrLimitZero", server.Page{Limit: 0}, "limit"},
		{"ErrLimitTooLarge", server.Page{Limit: 5000}, "limit"},
		{"ErrOffsetNegative", server.Page{Limit: 10, Offset: -1}, "offset"},
	} {
		t.Run(tt.name, func(t *testing.T) { checkField(t, tt.page.Validate(), tt.field) })
	}
	if err := (server.Page{Limit: 100, Offset: 5}).Validate(); err != nil {
		t.Fatal(err)
	}
	checkField(t, server.ValidateOrder([]server.UserOrder{{Field: "PASSWORD"}}), "order")
	checkField(t, server.ValidateOrder(make([]server.UserOrder, len(server.SortFields)+1)), "order")
	if err := server.ValidateOrder([]server.UserOrder{{Field: server.SortEmail, Desc: true}}); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordChange_Validate(t *testing.T) {
	checkField(t, (&server.PasswordChange{Old: "x", New1: "battery staple", New2: "battery stapler"}).Validate(), "newPasswordAgain")
	checkField(t, (&server.PasswordChange{Old: "x", New1: "short", New2: "short"}).Validate(), "newPassword")
	if err := (&server.PasswordChange{Old: "x", New1: "battery staple", New2: "battery staple"}).Validate(); err != nil {
		t.Fatal(err)
	}
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
