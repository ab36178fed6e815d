package app

import "testing"

func TestFormatCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "0 users"},
		{1, "1 user"},
		{2, "2 users"},
		{999, "999 users"},
		{1000, "1,000 users"},
		{1234, "1,234 users"},
		{12345, "12,345 users"},
		{1234567, "1,234,567 users"},
	} {
		if got := formatCount(tt.n); got != tt.want {
			t.Errorf("formatCount(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestUser_DisplayName(t *testing.T) {
	if got := (user{Firstname: "Ada", Lastname: "Lovelace", Email: "ada@example.com"}).displayName(); got != "Ada Lovelace" {
		t.Errorf("got %q", got)
	}
	if got := (user{Lastname: "Lovelace", Email: "ada@example.com"}).displayName(); got != "Lovelace" {
		t.Errorf("got %q", got)
	}
	if got := (user{Email: "ada@example.com"}).displayName(); got != "ada@example.com" {
		t.Errorf("got %q", got)
	}
}

func TestFormatDate(t *testing.T) {
	if got := formatDate("2024-05-01T10:20:30Z"); got != "2024-05-01" {
		t.Errorf("got %q", got)
	}
	if got := formatDate("yesterday"); got != "yesterday" {
		t.Errorf("got %q", got)
	}
}

func TestCheckEmail(t *testing.T) {
	for email, want := range map[string]string{
		"ada@example.com":   "",
		" ada@example.com ": "",
		"":                  "Email is required.",
		"ada":               "Enter an address of the form name@example.com.",
		"ada@localhost":     "Enter an address of the form name@example.com.",
		"@example.com":      "Enter an address of the form name@example.com.",
		"a da@example.com":  "Enter an address of the form name@example.com.",
	} {
		if got := checkEmail(email); got != want {
			t.Errorf("checkEmail(%q) = %q, want %q", email, got, want)
		}
	}
}

func TestCheckNewPassword(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		errs := fieldErrors{}
		checkNewPassword(errs, "correct horse", "correct horse")
		if len(errs) != 0 {
			t.Fatalf("got %v", errs)
		}
	})
	t.Run("ErrTooShort", func(t *testing.T) {
		errs := fieldErrors{}
		checkNewPassword(errs, "short", "short")
		if got, want := errs["password"], "Password must be at least 8 characters."; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("ErrDiffer", func(t *testing.T) {
		errs := fieldErrors{}
		checkNewPassword(errs, "correct horse", "correct hose")
		if got, want := errs["password2"], "The two passwords differ: type the same password twice."; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}
