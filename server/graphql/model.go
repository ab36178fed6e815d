package graphql

import (
	"time"

	"useradmin/server"
)

// User is a server.User as the schema's User shows it: empty names and roles are null.
// Its scalars are read straight from the user (gqlgen.yml binds them), without a resolver
// call or a goroutine each; organization and apiKeys have resolvers (userResolver).
type User struct {
	*server.User
	// page is the page of users this one was read with, by Query.users: their
	// workspaces are read for all of them at once (see userPage).
	page *userPage
}

// Firstname is the user's first name, or nil when empty.
func (u User) Firstname() *string { return emptyAsNull(&u.User.Firstname) }

// Lastname is the user's last name, or nil when empty.
func (u User) Lastname() *string { return emptyAsNull(&u.User.Lastname) }

// OrganizationRole is the user's role, or nil when none.
func (u User) OrganizationRole() *server.Role { return emptyAsNull(&u.User.Role) }

// APIKeyInfo is an API key without its secret.
type APIKeyInfo struct {
	*server.APIKey
}

// neverExpires is the expiryDate of a key that never expires: the last instant that
// Python's datetime, which Kili's SDK reads it with, can hold.
var neverExpires = time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC)

// ExpiryDate is when the key stops working, as Kili's SDK reads it: never null.
func (k APIKeyInfo) ExpiryDate() time.Time {
	if k.ExpiresAt == nil {
		return neverExpires
	}
	return *k.ExpiresAt
}

// Session is what signIn answers.
type Session struct {
	APIKey    string
	ExpiresAt time.Time
	User      User
}

// PasswordReset is a one-time link that lets a user choose a new password.
type PasswordReset struct {
	Link      string
	ExpiresAt time.Time
}

// emptyAsNull returns s, or nil when it points to an empty string. It points into the
// user rather than to a copy, which would cost an allocation per field.
func emptyAsNull[T ~string](s *T) *T {
	if *s == "" {
		return nil
	}
	return s
}
