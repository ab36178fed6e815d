package graphql

import (
	"context"
	"net/url"
	"strings"
	"time"

	"useradmin/server"
)

// SignIn answers Mutation.signIn; it needs no key.
func (r *mutationResolver) SignIn(ctx context.Context, email string, password string) (*Session, error) {
	s, err := r.auth.SignIn(ctx, email, password)
	if err != nil {
		return nil, err
	}
	return &Session{APIKey: s.APIKey, ExpiresAt: s.ExpiresAt, User: User{User: s.User}}, nil
}

// SignOut answers Mutation.signOut.
func (r *mutationResolver) SignOut(ctx context.Context) (bool, error) {
	if err := authenticated(ctx); err != nil {
		return false, err
	}
	if err := r.auth.SignOut(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// CreateAPIKey answers Mutation.createApiKey.
func (r *mutationResolver) CreateAPIKey(ctx context.Context, name string, where *UserWhere, expiresAt *time.Time) (*server.APIKey, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) != "" {
		// The store refuses a blank name with its own advice; what else a name may hold is
		// what a person's name may hold.
		if err := server.ValidateName("name", "A key's name", name); err != nil {
			return nil, err
		}
	}
	var ref *server.UserRef
	if where != nil {
		one, err := (*resolver)(r).one(ctx, where)
		if err != nil {
			return nil, err
		}
		ref = &one
	}
	k, err := r.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: name, ExpiresAt: expiresAt}, ref)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// RevokeAPIKey answers Mutation.revokeApiKey.
func (r *mutationResolver) RevokeAPIKey(ctx context.Context, id string) (bool, error) {
	if err := authenticated(ctx); err != nil {
		return false, err
	}
	if err := r.auth.RevokeAPIKey(ctx, id); err != nil {
		return false, err
	}
	return true, nil
}

// ResetPassword answers Mutation.resetPassword (Kili's form): it issues a reset and, when
// the directory has a mail sender, sends the link to the user.
func (r *mutationResolver) ResetPassword(ctx context.Context, where UserWhere) (*User, error) {
	reset, u, err := r.issuePasswordReset(ctx, where)
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
	return user(u), nil
}

// IssuePasswordReset answers Mutation.issuePasswordReset: the link for an ADMIN to hand over.
func (r *mutationResolver) IssuePasswordReset(ctx context.Context, where UserWhere) (*PasswordReset, error) {
	reset, _, err := r.issuePasswordReset(ctx, where)
	if err != nil {
		return nil, err
	}
	return &PasswordReset{Link: r.resetLink(reset.Token), ExpiresAt: reset.ExpiresAt}, nil
}

func (r *mutationResolver) issuePasswordReset(ctx context.Context, where UserWhere) (*server.PasswordReset, *server.User, error) {
	if err := authenticated(ctx); err != nil {
		return nil, nil, err
	}
	ref, err := (*resolver)(r).one(ctx, &where)
	if err != nil {
		return nil, nil, err
	}
	return r.auth.IssuePasswordReset(ctx, ref)
}

// resetLink is the page where the holder of token chooses a new password.
func (r *mutationResolver) resetLink(token string) string {
	return r.resetURL + "?token=" + url.QueryEscape(token)
}

// CompletePasswordReset answers Mutation.completePasswordReset; it needs no key.
func (r *mutationResolver) CompletePasswordReset(ctx context.Context, token string, newPassword string) (bool, error) {
	if err := r.auth.CompletePasswordReset(ctx, token, newPassword); err != nil {
		return false, err
	}
	return true, nil
}

// APIKeys answers Query.apiKeys: the working keys the caller may see, without their
// secrets. Kili's SDK asks for its own key this way when it starts, to warn before it expires.
func (r *queryResolver) APIKeys(ctx context.Context, where APIKeyWhere, first int, skip int) ([]APIKeyInfo, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	keys, err := r.auth.FindAPIKeys(ctx, server.APIKeyFilter{Key: where.Key, UserID: where.UserID}, server.Page{Offset: skip, Limit: first})
	if err != nil {
		return nil, inContract(err, keyWhereFields, pageFields)
	}
	return keyInfos(keys), nil
}
