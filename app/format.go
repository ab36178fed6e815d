package app

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// formatCount writes a number of users as people read it: "1 user", "1,234 users".
func formatCount(n int) string {
	if n == 1 {
		return "1 user"
	}
	return groupDigits(n) + " users"
}

// groupDigits writes n with a comma between groups of three digits.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// displayName is how a user is named on screen: their full name, else their email.
func (u user) displayName() string {
	name := strings.TrimSpace(u.Firstname + " " + u.Lastname)
	if name == "" {
		return u.Email
	}
	return name
}

// formatDate shows the day of an RFC 3339 timestamp ("2024-05-01").
func formatDate(ts string) string {
	if len(ts) >= 10 && ts[4] == '-' && ts[7] == '-' {
		return ts[:10]
	}
	return ts
}

// roleLabel is how a role reads in the list.
func roleLabel(role string) string {
	switch role {
	case "ADMIN":
		return "Admin"
	case "USER":
		return "User"
	case "":
		return "—"
	}
	return role
}

// statusLabel is how the activated flag reads in the list.
func statusLabel(activated bool) string {
	if activated {
		return "Active"
	}
	return "Inactive"
}

// fieldErrors holds one message per form field, keyed by field name ("email").
type fieldErrors map[string]string

// Limits the widget checks before sending, the same as the built-in directory's.
const (
	maxNameLength     = 100
	maxEmailLength    = 254
	minPasswordLength = 8
)

// checkEmail returns a message when email cannot be an address, or "".
func checkEmail(email string) string {
	email = strings.TrimSpace(email)
	at := strings.LastIndex(email, "@")
	switch {
	case email == "":
		return "Email is required."
	case utf8.RuneCountInString(email) > maxEmailLength:
		return "Email must be at most " + strconv.Itoa(maxEmailLength) + " characters."
	case at < 1 || !strings.Contains(email[at:], ".") || strings.ContainsAny(email, " <>\"(),;:"):
		return "Enter an address of the form name@example.com."
	}
	return ""
}

// checkName returns a message when a first or last name is too long, or "".
func checkName(label, name string) string {
	if utf8.RuneCountInString(name) > maxNameLength {
		return label + " must be at most " + strconv.Itoa(maxNameLength) + " characters."
	}
	return ""
}

// checkNewPassword returns messages for a new password and its repetition.
func checkNewPassword(errs fieldErrors, password, repeat string) {
	if utf8.RuneCountInString(password) < minPasswordLength {
		errs["password"] = "Password must be at least " + strconv.Itoa(minPasswordLength) + " characters."
	} else if repeat != password {
		errs["password2"] = "The two passwords differ: type the same password twice."
	}
}

// formatTime shows an RFC 3339 timestamp in the reader's time zone, to the minute.
func formatTime(ts string) string {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ts
	}
	return t.Local().Format("2006-01-02 15:04")
}
