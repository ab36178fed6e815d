package graphql

import (
	"context"
	"net/url"
	"strings"
	"time"

	gql "github.com/graph-gophers/graphql-go"

	"useradmin/server"
)

// SignIn answers Mutation.signIn; it needs no key.
func (r *resolver) SignIn(ctx context.Context, args struct{ Email, Password string }) (*sessionResolver, error) {
	s, err := r.auth.SignIn(ctx, args.Email, args.Password)
	if err != nil {
		return nil, err
	}
	return &sessionResolver{r: r, s: s}, nil
}

// SignOut answers Mutation.signOut.
func (r *resolver) SignOut(ctx context.Context) (bool, error) {
	if err := r.authenticated(ctx); err != nil {
		return false, err
	}
	if err := r.auth.SignOut(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// CreateAPIKey answers Mutation.createApiKey.
func (r *resolver) CreateAPIKey(ctx context.Context, args struct {
	Name      string
	Where     *userWhere
	ExpiresAt *DateTime
}) (*apiKeyResolver, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, err
	}
	if strings.TrimSpace(args.Name) != "" {
		// The store refuses a blank name with its own advice; what else a name may hold is
		// what a person's name may hold.
		if err := server.ValidateName("name", "A key's name", args.Name); err != nil {
			return nil, err
		}
	}
	var filter *server.UserFilter
	if args.Where != nil {
		f, err := args.Where.filter("where")
		if err != nil {
			return nil, err
		}
		filter = &f
	}
	create := server.APIKeyCreate{Name: args.Name}
	if args.ExpiresAt != nil {
		if err := args.ExpiresAt.check("expiresAt"); err != nil {
			return nil, err
		}
		create.ExpiresAt = &args.ExpiresAt.Time
	}
	k, err := r.auth.CreateAPIKey(ctx, create, filter)
	if err != nil {
		return nil, err
	}
	return &apiKeyResolver{k}, nil
}

// RevokeAPIKey answers Mutation.revokeApiKey.
func (r *resolver) RevokeAPIKey(ctx context.Context, args struct{ ID gql.ID }) (bool, error) {
	if err := r.authenticated(ctx); err != nil {
		return false, err
	}
	if err := r.auth.RevokeAPIKey(ctx, string(args.ID)); err != nil {
		return false, err
	}
	return true, nil
}

// ResetPassword answers Mutation.resetPassword (Kili's form): it issues a reset and, when
// the directory has a mail sender, sends the link to the user.
func (r *resolver) ResetPassword(ctx context.Context, args struct{ Where userWhere }) (*userResolver, error) {
	reset, u, err := r.issuePasswordReset(ctx, args.Where)
	if err != nil {
		return nil, err
	}
	if r.mailer != nil {
		if err := r.mailer.SendPasswordReset(ctx, u.Email, r.resetLink(reset.Token), reset.ExpiresAt); err != nil {
			if server.ErrorCode(err) != server.EINTERNAL {
				return nil, err
			}
			r.logger.Error("send password reset", "err", err)
			return nil, server.Errorf(server.EINTERNAL,
				"The reset email could not be sent: try again later, or hand the user a link from issuePasswordReset.")
		}
	}
	return r.user(u), nil
}

// IssuePasswordReset answers Mutation.issuePasswordReset: the link for an ADMIN to hand over.
func (r *resolver) IssuePasswordReset(ctx context.Context, args struct{ Where userWhere }) (*passwordResetResolver, error) {
	reset, _, err := r.issuePasswordReset(ctx, args.Where)
	if err != nil {
		return nil, err
	}
	return &passwordResetResolver{link: r.resetLink(reset.Token), expiresAt: reset.ExpiresAt}, nil
}

func (r *resolver) issuePasswordReset(ctx context.Context, where userWhere) (*server.PasswordReset, *server.User, error) {
	if err := r.authenticated(ctx); err != nil {
		return nil, nil, err
	}
	f, err := where.filter("where")
	if err != nil {
		return nil, nil, err
	}
	return r.auth.IssuePasswordReset(ctx, f)
}

// resetLink is the page where the holder of token chooses a new password.
func (r *resolver) resetLink(token string) string {
	return r.resetURL + "?token=" + url.QueryEscape(token)
}

// CompletePasswordReset answers Mutation.completePasswordReset; it needs no key.
func (r *resolver) CompletePasswordReset(ctx context.Context, args struct{ Token, NewPassword string }) (bool, error) {
	if err := r.auth.CompletePasswordReset(ctx, args.Token, args.NewPassword); err != nil {
		return false, err
	}
	return true, nil
}

// sessionResolver resolves the fields of a Session.
type sessionResolver struct {
	r *resolver
	s *server.Session
}

// APIKey resolves Session.apiKey.
func (s *sessionResolver) APIKey() string { return s.s.APIKey }

// ExpiresAt resolves Session.expiresAt.
func (s *sessionResolver) ExpiresAt() DateTime { return DateTime{Time: s.s.ExpiresAt} }

// User resolves Session.user.
func (s *sessionResolver) User() *userResolver { return s.r.user(s.s.User) }

// apiKeyResolver resolves the fields of an ApiKey, the answer that shows the secret once.
type apiKeyResolver struct {
	k *server.APIKey
}

// ID resolves ApiKey.id.
func (k *apiKeyResolver) ID() gql.ID { return gql.ID(k.k.ID) }

// Name resolves ApiKey.name.
func (k *apiKeyResolver) Name() string { return k.k.Name }

// Key resolves ApiKey.key.
func (k *apiKeyResolver) Key() string { return k.k.Key }

// CreatedAt resolves ApiKey.createdAt.
func (k *apiKeyResolver) CreatedAt() DateTime { return DateTime{Time: k.k.CreatedAt} }

// ExpiresAt resolves ApiKey.expiresAt.
func (k *apiKeyResolver) ExpiresAt() *DateTime { return expiresAt(k.k) }

// apiKeyInfoResolver resolves the fields of an ApiKeyInfo, which has no secret.
type apiKeyInfoResolver struct {
	k *server.APIKey
}

// ID resolves ApiKeyInfo.id.
func (k *apiKeyInfoResolver) ID() gql.ID { return gql.ID(k.k.ID) }

// Name resolves ApiKeyInfo.name.
func (k *apiKeyInfoResolver) Name() string { return k.k.Name }

// CreatedAt resolves ApiKeyInfo.createdAt.
func (k *apiKeyInfoResolver) CreatedAt() DateTime { return DateTime{Time: k.k.CreatedAt} }

// ExpiresAt resolves ApiKeyInfo.expiresAt.
func (k *apiKeyInfoResolver) ExpiresAt() *DateTime { return expiresAt(k.k) }

func expiresAt(k *server.APIKey) *DateTime {
	if k.ExpiresAt == nil {
		return nil
	}
	return &DateTime{Time: *k.ExpiresAt}
}

// Session resolves ApiKeyInfo.session.
func (k *apiKeyInfoResolver) Session() bool { return k.k.Session }

// CreatedWithSession resolves ApiKeyInfo.createdWithSession.
func (k *apiKeyInfoResolver) CreatedWithSession() bool { return k.k.CreatedWithSession }

// passwordResetResolver resolves the fields of a PasswordReset.
type passwordResetResolver struct {
	link      string
	expiresAt time.Time
}

// Link resolves PasswordReset.link.
func (p *passwordResetResolver) Link() string { return p.link }

// ExpiresAt resolves PasswordReset.expiresAt.
func (p *passwordResetResolver) ExpiresAt() DateTime { return DateTime{Time: p.expiresAt} }
