package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"

	"useradmin/server"
)

var _ server.EmbedTokenService = (*AuthService)(nil)

// embedTokenPrefix starts every embed token, so that one is told from an API key before
// any lookup, and a leaked one is easy to recognize.
const embedTokenPrefix = "uaet_"

func newEmbedSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return embedTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func isEmbedToken(key string) bool { return strings.HasPrefix(key, embedTokenPrefix) }

// The answers to a token that is refused, and to what a token may not do.
var (
	errTokenExpired = server.Errorf(server.EUNAUTHENTICATED,
		"This embed token expired: your portal asks its back end for a new one, or reload the page.")
	errTokenOrigin = server.Errorf(server.EUNAUTHENTICATED,
		"This embed token works only from the portal it was made for: use it from that portal's page, or mint one for this origin.")
	errTokenRole = server.Errorf(server.EUNAUTHENTICATED,
		"Your role changed since your portal made this token: reload the page to get one for your role now.")
	errTokenReadOnly = server.Errorf(server.EFORBIDDEN,
		"This view is read-only: your portal lets you see users but not change anything. Ask an admin of your organization for full access.")
	errTokenNoDelete = server.Errorf(server.EFORBIDDEN,
		"This view cannot delete users or revoke anything: ask an admin of your organization to do it.")
	errTokenMints = server.Errorf(server.EFORBIDDEN,
		"An embed token cannot make API keys or other tokens: your portal's back end mints tokens with an admin's API key.")
)

// embedRow is a stored token with its user, and whether the key that minted it still
// works (not revoked or expired, its user an active ADMIN).
type embedRow struct {
	id, role, origin, scope string
	expiresAt               int64
	revoked, keyWorks       bool
	user                    *server.User
}

// findEmbedToken reads the token whose column (token_hash or id) is value.
func findEmbedToken(ctx context.Context, tx *Tx, column, value string) (*embedRow, error) {
	var r embedRow
	user, err := scanUser(scanFunc(func(dest ...any) error {
		return tx.QueryRowContext(ctx, `
			SELECT t.id, t.role, t.origin, t.scope, t.expires_at, t.revoked_at IS NOT NULL,
				k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?) AND m.activated = 1 AND m.role = 'ADMIN',
				`+prefixed("u.", userColumns)+`
			FROM embed_tokens t
			JOIN users u ON u.id = t.user_id
			JOIN api_keys k ON k.id = t.key_id
			JOIN users m ON m.id = k.user_id
			WHERE t.`+column+` = ?`, toMicro(tx.now), value).
			Scan(append([]any{&r.id, &r.role, &r.origin, &r.scope, &r.expiresAt, &r.revoked, &r.keyWorks}, dest...)...)
	}))
	if err == sql.ErrNoRows {
		return nil, errKeyNotValid()
	} else if err != nil {
		return nil, fmt.Errorf("find embed token: %w", err)
	}
	r.user = user
	return &r, nil
}

// check refuses a token that stopped working, at now, for a request from origin.
func (r *embedRow) check(now int64, origin string) error {
	switch {
	case r.revoked:
		return errKeyNotValid()
	case r.expiresAt <= now:
		return errTokenExpired
	case origin == "" || origin != r.origin:
		return errTokenOrigin
	case !r.user.Activated:
		return errDeactivated()
	case string(r.user.Role) != r.role:
		return errTokenRole
	case !r.keyWorks:
		return errKeyNotValid()
	}
	return nil
}

func (r *embedRow) auth() *server.Auth {
	return &server.Auth{User: r.user, KeyID: r.id, Embed: &server.EmbedGrant{
		Origin: r.origin, Scope: server.EmbedScope(r.scope), ExpiresAt: fromMicro(r.expiresAt)}}
}

// authenticateEmbed returns who an embed token is for, when it works from the request's
// origin (server.OriginFromContext).
func authenticateEmbed(ctx context.Context, tx *Tx, token string) (*server.Auth, error) {
	r, err := findEmbedToken(ctx, tx, "token_hash", hashSecret(token))
	if err != nil {
		return nil, err
	}
	if err := r.check(toMicro(tx.now), server.OriginFromContext(ctx)); err != nil {
		return nil, err
	}
	return r.auth(), nil
}

// embedCaller is caller for a request with an embed token: the token is read again in
// tx, so that an expiry, a deactivation, a change of role or a revoked key counts at
// once, and a read-only token is refused in every write transaction, whatever the
// write.
func embedCaller(ctx context.Context, tx *Tx, auth *server.Auth) (*server.User, error) {
	r, err := findEmbedToken(ctx, tx, "id", auth.KeyID)
	if err != nil {
		return nil, err
	}
	if err := r.check(toMicro(tx.now), server.OriginFromContext(ctx)); err != nil {
		return nil, err
	}
	if tx.write && server.EmbedScope(r.scope) == server.ScopeReadOnly {
		return nil, errTokenReadOnly
	}
	return r.user, nil
}

// mayWrite refuses a caller with a read-only token, for writes that do work before their
// write transaction (counting a password attempt).
func mayWrite(ctx context.Context) error {
	if a := server.AuthFromContext(ctx); a != nil && a.Embed != nil && a.Embed.Scope == server.ScopeReadOnly {
		return errTokenReadOnly
	}
	return nil
}

// mayRemove refuses a caller whose token does not allow removing: deleting a user,
// revoking an invitation or a key.
func mayRemove(ctx context.Context) error {
	if a := server.AuthFromContext(ctx); a != nil && a.Embed != nil {
		switch a.Embed.Scope {
		case server.ScopeReadOnly:
			return errTokenReadOnly
		case server.ScopeNoDelete:
			return errTokenNoDelete
		}
	}
	return nil
}

// mayMint refuses a caller with an embed token: a token makes no keys and no tokens.
func mayMint(ctx context.Context) error {
	if a := server.AuthFromContext(ctx); a != nil && a.Embed != nil {
		return errTokenMints
	}
	return nil
}

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
		return nil, server.Errorf(server.EFORBIDDEN, "Only an admin can mint embed tokens: your portal's back end uses an admin's API key.")
	}
	keyID := server.AuthFromContext(ctx).KeyID
	if session, err := isSession(ctx, tx, keyID); err != nil {
		return nil, err
	} else if session || keyID == "" {
		return nil, server.Errorf(server.EFORBIDDEN,
			"Mint embed tokens with an API key kept by your portal's back end, not with a signed-in session: create one with createApiKey.")
	}
	user, err := findForWrite(ctx, tx, me, server.UserRef{ID: create.UserID}, "")
	if err != nil {
		return nil, err
	}
	if !user.Activated {
		return nil, server.Errorf(server.EFORBIDDEN, "This user is deactivated: activate them before your portal shows them the widget.")
	}
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM embed_tokens WHERE id IN (SELECT id FROM embed_tokens WHERE expires_at <= ? LIMIT 100)`,
		toMicro(tx.now)); err != nil {
		return nil, fmt.Errorf("delete expired embed tokens: %w", err)
	}
	t := &server.EmbedToken{
		ID: newID(), Token: newEmbedSecret(), UserID: user.ID, Origin: create.Origin, Scope: create.Scope,
		CreatedAt: tx.now, ExpiresAt: tx.now.Add(create.Lifetime),
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO embed_tokens (id, token_hash, user_id, key_id, role, origin, scope, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, hashSecret(t.Token), user.ID, keyID, string(user.Role), t.Origin, string(t.Scope),
		toMicro(t.CreatedAt), toMicro(t.ExpiresAt)); err != nil {
		return nil, fmt.Errorf("insert embed token: %w", err)
	}
	// The key that minted it is the actor's; the token itself is never recorded.
	scope := string(t.Scope)
	if err := recordEvent(ctx, tx, event{action: server.AuditEmbedTokenCreated, user: user,
		changes: []server.AuditChange{auditChange("origin", nil, &t.Origin), auditChange("scope", nil, &scope)}}); err != nil {
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
