package server

import (
	"context"
	"time"
)

// Auth is who is calling: the user behind an API key, and which key it was. For an embed
// token, KeyID is the token's id and Embed what the token allows.
type Auth struct {
	User  *User
	KeyID string
	Embed *EmbedGrant
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
	// Session is true for the key of a session opened by signing in with a password; a
	// change or reset of the password ends it. Other keys stay.
	Session bool
	// CreatedWithSession is true when the key was made by a caller signed in with a
	// session rather than with another API key.
	CreatedWithSession bool
}

// APIKeyCreate is what making an API key takes.
type APIKeyCreate struct {
	Name      string
	ExpiresAt *time.Time // nil: the key never expires; else it must be in the future
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

// The answers of both stores to a secret that does not work. A guess, matching nothing,
// is counted against the client's limit; a key or link that worked once and no longer
// does (revoked, expired, used, or made by an admin who no longer is one) is told the
// same, but not counted: no guess finds such a secret, and a script that kept sending
// its ended key would otherwise lock every client of its address out for the limit's
// window. The stores tell them apart by identity.
var (
	ErrKeyNotValid   = Errorf(EUNAUTHENTICATED, keyNotValid)
	ErrKeyEnded      = Errorf(EUNAUTHENTICATED, keyNotValid)
	ErrResetNotValid = FieldErrorf("token", resetNotValid)
	ErrResetEnded    = FieldErrorf("token", resetNotValid)
)

const (
	keyNotValid   = "Your API key is not valid: ask an admin for a new one or sign in again."
	resetNotValid = "This password reset link is not valid any more (used, expired or mistyped): ask an admin for a new one."
)

// AuthService authenticates callers and manages their keys and passwords.
type AuthService interface {
	// Authenticate returns who owns key; UNAUTHENTICATED when the key is unknown, expired,
	// revoked, or its user is deactivated. It needs no caller in the context, but the
	// client (NewContextWithClient): a client that sent too many keys that do not work
	// is answered RATE_LIMITED without any check.
	Authenticate(ctx context.Context, key string) (*Auth, error)
	// AuthenticatePair is Authenticate for a key sent as its id and its secret (Paradime's
	// X-API-KEY and X-API-SECRET): both must name the same key.
	AuthenticatePair(ctx context.Context, id, secret string) (*Auth, error)
	// SignIn checks an email and password and returns a new session key. Attempts are
	// limited per account and per client (see CredentialLimit). An unknown email, a wrong
	// password and a deactivated account are all ErrSignInNotValid, counted alike.
	SignIn(ctx context.Context, email, password string) (*Session, error)
	// SignOut revokes the key the caller used.
	SignOut(ctx context.Context) error
	// CreateAPIKey makes a key for the caller, or, for an ADMIN, for the user of their
	// organization that user names (nil: the caller).
	CreateAPIKey(ctx context.Context, create APIKeyCreate, user *UserRef) (*APIKey, error)
	// RevokeAPIKey revokes a key of the caller, or, for an ADMIN, of their organization.
	RevokeAPIKey(ctx context.Context, id string) error
	// FindAPIKeys lists the working keys the caller may see that match filter, without
	// their secrets, oldest first: the caller's own, or, for an ADMIN, those of the users
	// of their organization.
	FindAPIKeys(ctx context.Context, filter APIKeyFilter, page Page) ([]*APIKey, error)
	// IssuePasswordReset makes a one-time reset token for the user ref names, for an
	// ADMIN of that user's organization.
	IssuePasswordReset(ctx context.Context, ref UserRef) (*PasswordReset, *User, error)
	// CompletePasswordReset sets a new password with a token and ends the user's
	// sessions; it needs no caller. Wrong tokens are limited per client.
	CompletePasswordReset(ctx context.Context, token, newPassword string) error
}

// CredentialLimit bounds how often credentials (passwords, current passwords, API and
// session keys, reset tokens) may be tried and fail: at most Failures within Window per
// account and per client, counted in the store before the check is made, so that the
// limit holds under any number of concurrent requests and across instances.
type CredentialLimit struct {
	Failures int           // 0 means DefaultCredentialFailures
	Window   time.Duration // 0 means DefaultCredentialWindow
}

// The default CredentialLimit: 10 failures a minute.
const (
	DefaultCredentialFailures = 10
	DefaultCredentialWindow   = time.Minute
)

// OrDefault returns l with its zero fields set to the defaults.
func (l CredentialLimit) OrDefault() CredentialLimit {
	if l.Failures <= 0 {
		l.Failures = DefaultCredentialFailures
	}
	if l.Window <= 0 {
		l.Window = DefaultCredentialWindow
	}
	return l
}

// APIKeyFilter selects API keys. A nil field does not constrain.
type APIKeyFilter struct {
	Key    *string // the key with this secret
	UserID *string // the keys of this user
}

// Validate checks the length of the filter's texts.
func (f *APIKeyFilter) Validate() error {
	if f.Key != nil && len(*f.Key) > MaxKeyLength {
		return FieldErrorf("key", "An API key has at most %d characters: check the one sent.", MaxKeyLength)
	}
	return validateID("userId", f.UserID)
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

type clientContextKey struct{}

// NewContextWithClient returns a context that names the client a request comes from (its
// IP address, or its /64 network for IPv6), for the limits on credential checks.
func NewContextWithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientContextKey{}, client)
}

// ClientFromContext returns the client carried by ctx, or "" when none is known; the
// limits then count every such caller as one client.
func ClientFromContext(ctx context.Context) string {
	client, _ := ctx.Value(clientContextKey{}).(string)
	return client
}

// UserFromContext returns the calling user carried by ctx, or nil.
func UserFromContext(ctx context.Context) *User {
	if auth := AuthFromContext(ctx); auth != nil {
		return auth.User
	}
	return nil
}

// Mailer delivers the directory's links by email: password resets and invitations. The
// directory runs without one; then resetPassword only issues the token, and an ADMIN hands
// reset and invitation links over themselves.
type Mailer interface {
	// SendPasswordReset sends a reset link to the user at to.
	SendPasswordReset(ctx context.Context, to, link string, expiresAt time.Time) error
	// SendInvitations sends each invitation, and returns one error per mail (nil when it
	// was handed to the mail server), in order.
	SendInvitations(ctx context.Context, mails []InvitationMail) []error
}

// Delivers reports whether m's emails reach their recipients: a Mailer that only writes
// them to the log (mail.Log) says so with a method Delivers() bool that answers false,
// and the links it would send are then handed to the admin instead, as without a Mailer.
func Delivers(m Mailer) bool {
	if m == nil {
		return false
	}
	d, ok := m.(interface{ Delivers() bool })
	return !ok || d.Delivers()
}
