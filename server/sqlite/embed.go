package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"useradmin/server"
	"useradmin/server/embedtoken"
)

var _ server.EmbedTokenService = (*AuthService)(nil)

func isEmbedToken(key string) bool { return embedtoken.Is(key) }

// findEmbedToken reads the token whose column (token_hash or id) is value.
func findEmbedToken(ctx context.Context, tx *Tx, column, value string) (*embedtoken.Row, error) {
	var r embedtoken.Row
	user, err := scanUser(scanFunc(func(dest ...any) error {
		return tx.QueryRowContext(ctx, `
			SELECT t.id, t.role, t.origin, t.scope, t.expires_at, t.revoked_at IS NOT NULL,
				k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?) AND m.activated = 1 AND m.role = 'ADMIN'
					AND `+keyIssuerActive+`,
				`+prefixed("u.", userColumns)+`
			FROM embed_tokens t
			JOIN users u ON u.id = t.user_id
			JOIN api_keys k ON k.id = t.key_id
			JOIN users m ON m.id = k.user_id
			WHERE t.`+column+` = ?`, toMicro(tx.now), value).
			Scan(append([]any{&r.ID, &r.Role, &r.Origin, &r.Scope, &r.ExpiresAt, &r.Revoked, &r.KeyWorks}, dest...)...)
	}))
	if err == sql.ErrNoRows {
		return nil, server.ErrKeyNotValid
	} else if err != nil {
		return nil, fmt.Errorf("find embed token: %w", err)
	}
	r.User = user
	return &r, nil
}

// embedChecker reads and checks embed tokens in tx.
func embedChecker(ctx context.Context, tx *Tx) embedtoken.Checker {
	return embedtoken.Checker{
		Find:     func(column, value string) (*embedtoken.Row, error) { return findEmbedToken(ctx, tx, column, value) },
		Now:      toMicro(tx.now),
		Write:    tx.write,
		NotValid: server.ErrKeyEnded, Deactivated: errDeactivated(),
	}
}

// authenticateEmbed returns who an embed token is for, when it works from the request's
// origin (server.OriginFromContext).
func authenticateEmbed(ctx context.Context, tx *Tx, token string) (*server.Auth, error) {
	return embedChecker(ctx, tx).Authenticate(ctx, hashSecret(token))
}

// embedCaller is caller for a request with an embed token (see embedtoken.Checker.Caller).
func embedCaller(ctx context.Context, tx *Tx, auth *server.Auth) (*server.User, error) {
	return embedChecker(ctx, tx).Caller(ctx, auth)
}

func mayWrite(ctx context.Context) error  { return embedtoken.MayWrite(ctx) }
func mayRemove(ctx context.Context) error { return embedtoken.MayRemove(ctx) }
func mayMint(ctx context.Context) error   { return embedtoken.MayMint(ctx) }

// CreateEmbedToken mints a token for a user of the caller's organization, for an ADMIN
// signed in with an API key: not a session's key (a person at a screen has no portal back
// end), not another token. The token keeps the user's role of now: a change of role ends
// it. Tokens that expired are deleted as new ones are minted.
func (s *AuthService) CreateEmbedToken(ctx context.Context, create server.EmbedTokenCreate, allowedOrigins []string) (*server.EmbedToken, error) {
	if err := mayMint(ctx); err != nil {
		return nil, err
	}
	if err := create.Validate(allowedOrigins); err != nil {
		return nil, err
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	if me.Role != server.RoleAdmin {
		return nil, embedtoken.ErrNotAdmin
	}
	keyID := server.AuthFromContext(ctx).KeyID
	if session, err := isSession(ctx, tx, keyID); err != nil {
		return nil, err
	} else if session || keyID == "" {
		return nil, embedtoken.ErrSession
	}
	user, err := findForWrite(ctx, tx, me, server.UserRef{ID: create.UserID}, "")
	if err != nil {
		return nil, err
	}
	if !user.Activated {
		return nil, embedtoken.ErrDeactivatedUser
	}
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM embed_tokens WHERE id IN (SELECT id FROM embed_tokens WHERE expires_at <= ? LIMIT 100)`,
		toMicro(tx.now)); err != nil {
		return nil, fmt.Errorf("delete expired embed tokens: %w", err)
	}
	t := &server.EmbedToken{
		ID: newID(), Token: embedtoken.NewSecret(), UserID: user.ID, Origin: create.Origin, Scope: create.Scope,
		CreatedAt: tx.now, ExpiresAt: tx.now.Add(create.Lifetime),
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO embed_tokens (id, token_hash, user_id, key_id, role, origin, scope, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, hashSecret(t.Token), user.ID, keyID, string(user.Role), t.Origin, string(t.Scope),
		toMicro(t.CreatedAt), toMicro(t.ExpiresAt)); err != nil {
		return nil, fmt.Errorf("insert embed token: %w", err)
	}
	if err := recordEvent(ctx, tx, embedtoken.Minted(user, t)); err != nil {
		return nil, err
	}
	return t, tx.Commit()
}

// revokeEmbedToken ends the token with id: its holder signed out.
func revokeEmbedToken(ctx context.Context, tx *Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE embed_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
		toMicro(tx.now), id); err != nil {
		return fmt.Errorf("revoke embed token: %w", err)
	}
	return nil
}
