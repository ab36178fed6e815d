package server

import (
	"context"
	"slices"
	"time"
)

// EmbedScope narrows what an embed token lets its holder do, below what the user's own
// role allows.
type EmbedScope string

// The scopes of embed tokens.
const (
	ScopeFull     EmbedScope = "FULL"      // what the user's role allows
	ScopeReadOnly EmbedScope = "READ_ONLY" // reads only: every write is refused
	ScopeNoDelete EmbedScope = "NO_DELETE" // everything but removing: no user or workspace deleted, no invitation or key revoked
)

// How long an embed token may live.
const (
	DefaultEmbedTokenLifetime = 15 * time.Minute
	MaxEmbedTokenLifetime     = time.Hour
	MinEmbedTokenLifetime     = 10 * time.Second
)

// EmbedToken is a short-lived credential that a portal's back end mints for one user of
// its organization and hands to the widget it frames. Only a hash of Token is stored;
// Token is set only in the answer that mints it.
type EmbedToken struct {
	ID        string
	Token     string
	UserID    string
	Origin    string // the only origin the token works from
	Scope     EmbedScope
	CreatedAt time.Time
	ExpiresAt time.Time
}

// EmbedTokenCreate is what minting an embed token takes.
type EmbedTokenCreate struct {
	UserID   string
	Origin   string
	Lifetime time.Duration // 0: DefaultEmbedTokenLifetime
	Scope    EmbedScope    // "": ScopeFull
}

// Validate checks the request against the origins the server allows portals on, and sets
// the defaults.
func (c *EmbedTokenCreate) Validate(allowedOrigins []string) error {
	if err := validateID("userId", &c.UserID); err != nil {
		return err
	}
	if len(c.Origin) > MaxOriginLength {
		return FieldErrorf("origin", "An origin has at most %d characters: check the one sent.", MaxOriginLength)
	}
	if !slices.Contains(allowedOrigins, c.Origin) {
		if len(allowedOrigins) == 0 {
			return FieldErrorf("origin", "The directory allows no portal: start it with -allowed-origins naming your portal's origin, then mint tokens for that origin.")
		}
		return FieldErrorf("origin", "%q is not one of the portals the directory allows (-allowed-origins): send your portal's origin exactly, as scheme://host[:port].", c.Origin)
	}
	if c.Lifetime == 0 {
		c.Lifetime = DefaultEmbedTokenLifetime
	}
	if c.Lifetime < MinEmbedTokenLifetime || c.Lifetime > MaxEmbedTokenLifetime {
		return FieldErrorf("lifetimeSeconds", "A token lives from %d to %d seconds (%d by default): pick a lifetime in that range.",
			int(MinEmbedTokenLifetime.Seconds()), int(MaxEmbedTokenLifetime.Seconds()), int(DefaultEmbedTokenLifetime.Seconds()))
	}
	if c.Scope == "" {
		c.Scope = ScopeFull
	}
	switch c.Scope {
	case ScopeFull, ScopeReadOnly, ScopeNoDelete:
	default:
		return FieldErrorf("scope", "The scope must be FULL, READ_ONLY or NO_DELETE.")
	}
	return nil
}

// MaxOriginLength is the longest origin a token may be bound to.
const MaxOriginLength = 256

// EmbedGrant is what an embed token allows, carried in Auth for a caller that sent one.
type EmbedGrant struct {
	Origin    string
	Scope     EmbedScope
	ExpiresAt time.Time
}

// EmbedTokenService mints embed tokens.
type EmbedTokenService interface {
	// CreateEmbedToken mints a token for a user of the caller's organization, for an
	// ADMIN signed in with an API key (not a session, not another token). The origin
	// must be one of allowedOrigins.
	CreateEmbedToken(ctx context.Context, create EmbedTokenCreate, allowedOrigins []string) (*EmbedToken, error)
}

type originContextKey struct{}

// NewContextWithOrigin returns a context that names the web origin a request comes from
// (its Origin header, or the portal that frames the widget), which an embed token must
// be bound to.
func NewContextWithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originContextKey{}, origin)
}

// OriginFromContext returns the origin carried by ctx, or "".
func OriginFromContext(ctx context.Context) string {
	origin, _ := ctx.Value(originContextKey{}).(string)
	return origin
}
