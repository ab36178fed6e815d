package server

import (
	"context"
	"time"
)

// Auth is who is calling: the user behind an API key, and which key it was.
type Auth struct {
	User  *User
	KeyID string
}

// APIKey is a secret that authenticates its user. Only a hash of Key is stored; Key is
// set only in the answer that creates it.
type APIKey struct {
	ID        string
	Name      string
	Key       string
	UserID    string
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: never expires (keys made by signing in expire)
}

// Session is what signing in with a password gives: a key that expires.
type Session struct {
	APIKey    string
	ExpiresAt time.Time
	User      *User
}

// PasswordReset is a one-time token that lets a user choose a new password.
type PasswordReset struct {
	Token     string
	ExpiresAt time.Time
}

// How long the secrets that the directory hands out stay valid.
const (
	SessionLifetime       = 12 * time.Hour
	PasswordResetLifetime = time.Hour
)

// AuthService authenticates callers and manages their keys and passwords.
type AuthService interface {
	// Authenticate returns who owns key; UNAUTHENTICATED when the key is unknown, expired,
	// revoked, or its user is deactivated. It needs no caller in the context.
	Authenticate(ctx context.Context, key string) (*Auth, error)
	// SignIn checks an email and password and returns a new session key.
	SignIn(ctx context.Context, email, password string) (*Session, error)
	// SignOut revokes the key the caller used.
	SignOut(ctx context.Context) error
	// CreateAPIKey makes a key for the caller, or, for an ADMIN, for the one user of
	// their organization matching filter (nil: the caller).
	CreateAPIKey(ctx context.Context, name string, filter *UserFilter) (*APIKey, error)
	// RevokeAPIKey revokes a key of the caller, or, for an ADMIN, of their organization.
	RevokeAPIKey(ctx context.Context, id string) error
	// FindAPIKeys lists a user's keys without their secrets.
	FindAPIKeys(ctx context.Context, userID string) ([]*APIKey, error)
	// IssuePasswordReset makes a one-time reset token for the one user matching filter,
	// for an ADMIN of that user's organization.
	IssuePasswordReset(ctx context.Context, filter UserFilter) (*PasswordReset, *User, error)
	// CompletePasswordReset sets a new password with a token; it needs no caller.
	CompletePasswordReset(ctx context.Context, token, newPassword string) error
}

type authContextKey struct{}

// NewContextWithAuth returns a context that carries the caller.
func NewContextWithAuth(ctx context.Context, auth *Auth) context.Context {
	return context.WithValue(ctx, authContextKey{}, auth)
}

// AuthFromContext returns the caller carried by ctx, or nil.
func AuthFromContext(ctx context.Context) *Auth {
	auth, _ := ctx.Value(authContextKey{}).(*Auth)
	return auth
}

// UserFromContext returns the calling user carried by ctx, or nil.
func UserFromContext(ctx context.Context) *User {
	if auth := AuthFromContext(ctx); auth != nil {
		return auth.User
	}
	return nil
}

// Mailer delivers password-reset links by email. The directory runs without one; then
// resetPassword only issues the token and an ADMIN hands the link over themselves.
type Mailer interface {
	SendPasswordReset(ctx context.Context, to, link string, expiresAt time.Time) error
}
