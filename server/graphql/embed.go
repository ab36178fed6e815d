package graphql

import (
	"context"
	"time"

	gql "github.com/99designs/gqlgen/graphql"

	"useradmin/server"
)

// MarshalEmbedScope writes an EmbedScope.
func MarshalEmbedScope(s server.EmbedScope) gql.Marshaler {
	return MarshalString(string(s))
}

// UnmarshalEmbedScope reads an EmbedScope.
func UnmarshalEmbedScope(v any) (server.EmbedScope, error) {
	if s, ok := v.(string); ok {
		switch sc := server.EmbedScope(s); sc {
		case server.ScopeFull, server.ScopeReadOnly, server.ScopeNoDelete:
			return sc, nil
		}
	}
	return "", &inputError{want: "one of FULL, READ_ONLY, NO_DELETE", got: v}
}

// CreateEmbedToken answers Mutation.createEmbedToken.
func (r *mutationResolver) CreateEmbedToken(ctx context.Context, userID string, origin string, lifetimeSeconds *int, scope *server.EmbedScope) (*server.EmbedToken, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if r.embeds == nil {
		return nil, errNoEmbedTokens
	}
	create := server.EmbedTokenCreate{UserID: userID, Origin: origin}
	if lifetimeSeconds != nil {
		if *lifetimeSeconds <= 0 {
			return nil, server.FieldErrorf("lifetimeSeconds", "A token lives from %d to %d seconds (%d by default): pick a lifetime in that range.",
				int(server.MinEmbedTokenLifetime.Seconds()), int(server.MaxEmbedTokenLifetime.Seconds()), int(server.DefaultEmbedTokenLifetime.Seconds()))
		}
		create.Lifetime = time.Duration(*lifetimeSeconds) * time.Second
	}
	if scope != nil {
		create.Scope = *scope
	}
	return r.embeds.CreateEmbedToken(ctx, create, r.allowedOrigins)
}

// EmbedGrant answers Query.embedGrant: what the caller's embed token allows, as the
// store checked it when the request authenticated; null for another credential.
func (r *queryResolver) EmbedGrant(ctx context.Context) (*server.EmbedGrant, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	return server.AuthFromContext(ctx).Embed, nil
}
