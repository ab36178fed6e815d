package server

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxUsernameLength is the longest username, in characters (Django's, which CVAT uses).
const MaxUsernameLength = 150

// ValidateUsername checks a username (already trimmed) for the field named field: 1 to
// MaxUsernameLength ASCII letters, digits and . _ -. Other letters are left out on
// purpose: a username is typed to sign in and compared case-insensitively, and letters of
// other scripts that look alike (a Cyrillic а and a Latin a) would make two names that
// read the same.
func ValidateUsername(field, name string) error {
	if name == "" {
		return FieldErrorf(field, "Username cannot be empty: leave it out to have one made from the email.")
	}
	if n := utf8.RuneCountInString(name); n > MaxUsernameLength {
		return FieldErrorf(field, "Username must be at most %d characters (it has %d).", MaxUsernameLength, n)
	}
	for _, r := range name {
		if !usernameRune(r) {
			return FieldErrorf(field, "Username can hold only letters a–z, digits and . _ - (it has %q): choose another.", string(r))
		}
	}
	return nil
}

func usernameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// IsUsername reports whether login is a username rather than an email: a username has no @.
func IsUsername(login string) bool { return !strings.Contains(login, "@") }

// maxDerivedLength leaves room for the suffix that makes a derived username unique.
const maxDerivedLength = MaxUsernameLength - 12

// UsernameFromEmail returns the username made from an email when none is given: its
// local part, lower-case, with the characters a username cannot hold left out ("user"
// when none is left). UniqueUsername makes it unique.
func UsernameFromEmail(email string) string {
	local := email
	if i := strings.LastIndex(local, "@"); i >= 0 {
		local = local[:i]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(local) {
		if usernameRune(r) && b.Len() < maxDerivedLength {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}

// UniqueUsername returns base, or base followed by -2, -3, … : the first that taken does
// not report taken (case-insensitively).
func UniqueUsername(base string, taken func(lower string) bool) string {
	if !taken(strings.ToLower(base)) {
		return base
	}
	for n := 2; ; n++ {
		name := base + "-" + strconv.Itoa(n)
		if !taken(strings.ToLower(name)) {
			return name
		}
	}
}
