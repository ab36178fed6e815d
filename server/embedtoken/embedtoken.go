// Package embedtoken holds what the stores (server/sqlite, server/postgres) share of embed
// tokens: how a token looks, when a stored one still works, and what its scope lets its
// holder do. Each store keeps its tokens in its own embed_tokens table.
package embedtoken

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"useradmin/server"
	"useradmin/server/audit"
)

// prefix starts every embed token, so that one is told from an API key before any
// lookup, and a leaked one is easy to recognize.
const prefix = "uaet_"

// NewSecret returns a new token.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Is reports whether key is an embed token rather than an API key.
func Is(key string) bool { return strings.HasPrefix(key, prefix) }

// The answers to a token that is refused, and to what a token may not do.
var (
	ErrExpired = server.Errorf(server.EUNAUTHENTICATED,
		"This embed token expired: your portal asks its back end for a new one, or reload the page.")
	ErrOrigin = server.Errorf(server.EUNAUTHENTICATED,
		"This embed token works only from the portal it was made for: use it from that portal's page, or mint one for this origin.")
	ErrRole = server.Errorf(server.EUNAUTHENTICATED,
		"Your role changed since your portal made this token: reload the page to get one for your role now.")
	ErrReadOnly = server.Errorf(server.EFORBIDDEN,
		"This view is read-only: your portal lets you see users but not change anything. Ask an admin of your organization for full access.")
	ErrNoDelete = server.Errorf(server.EFORBIDDEN,
		"This view cannot delete or revoke anything (users, workspaces, invitations, keys): ask an admin of your organization to do it.")
	ErrMints = server.Errorf(server.EFORBIDDEN,
		"An embed token cannot make API keys or other tokens: your portal's back end mints tokens with an admin's API key.")
	ErrNotAdmin = server.Errorf(server.EFORBIDDEN,
		"Only an admin can mint embed tokens: your portal's back end uses an admin's API key.")
	ErrSession = server.Errorf(server.EFORBIDDEN,
		"Mint embed tokens with an API key kept by your portal's back end, not with a signed-in session: create one with createApiKey.")
	ErrDeactivatedUser = server.Errorf(server.EFORBIDDEN,
		"This user is deactivated: activate them before your portal shows them the widget.")
)

// Row is a stored token with its user, and whether the key that minted it still works
// (not revoked or expired, its user an active ADMIN).
type Row struct {
	ID, Role, Origin, Scope string
	ExpiresAt               int64 // unix microseconds
	Revoked, KeyWorks       bool
	User                    *server.User
}

// Check refuses a token that stopped working, at now (unix microseconds), for a request
// from origin; notValid and deactivated are the store's answers to a key that does not
// work and to a deactivated user. A deactivation or a change of role also revokes the
// token for good (the stores' migrations: SQLite 016, PostgreSQL 018); while it lasts,
// the person is told of it rather than of the revocation, which follows from it.
func (r *Row) Check(now int64, origin string, notValid, deactivated error) error {
	switch {
	case r.ExpiresAt <= now:
		return ErrExpired
	case origin == "" || origin != r.Origin:
		return ErrOrigin
	case !r.User.Activated:
		return deactivated
	case string(r.User.Role) != r.Role:
		return ErrRole
	case r.Revoked || !r.KeyWorks:
		return notValid
	}
	return nil
}

// ReadOnly reports whether the token allows reads only.
func (r *Row) ReadOnly() bool { return server.EmbedScope(r.Scope) == server.ScopeReadOnly }

// Auth is who the token is for, with its grant.
func (r *Row) Auth() *server.Auth {
	return &server.Auth{User: r.User, KeyID: r.ID, Embed: &server.EmbedGrant{
		Origin: r.Origin, Scope: server.EmbedScope(r.Scope), ExpiresAt: time.UnixMicro(r.ExpiresAt).UTC()}}
}

// MayWrite refuses a caller with a read-only token, for writes that do work before their
// write transaction (counting a password attempt).
func MayWrite(ctx context.Context) error {
	if a := server.AuthFromContext(ctx); a != nil && a.Embed != nil && a.Embed.Scope == server.ScopeReadOnly {
		return ErrReadOnly
	}
	return nil
}

// MayRemove refuses a caller whose token does not allow removing: deleting a user or a
// workspace, revoking an invitation or a key.
func MayRemove(ctx context.Context) error {
	if a := server.AuthFromContext(ctx); a != nil && a.Embed != nil {
		switch a.Embed.Scope {
		case server.ScopeReadOnly:
			return ErrReadOnly
		case server.ScopeNoDelete:
			return ErrNoDelete
		}
	}
	return nil
}

// MayMint refuses a caller with an embed token: a token makes no keys and no tokens.
func MayMint(ctx context.Context) error {
	if a := server.AuthFromContext(ctx); a != nil && a.Embed != nil {
		return ErrMints
	}
	return nil
}

// Minted is the audit record of t, minted for user: the key that minted it is the
// actor's, and the token's id (never its secret) is the one the events of its requests
// name as their actor's key, so that what was done with a token leads to who minted it.
func Minted(user *server.User, t *server.EmbedToken) audit.Record {
	scope := string(t.Scope)
	return audit.Record{Action: server.AuditEmbedTokenCreated, User: user, APIKeyID: t.ID,
		Changes: []server.AuditChange{{Field: "origin", New: &t.Origin}, {Field: "scope", New: &scope}}}
}

// Find reads a stored token by a column of embed_tokens (token_hash or id), in the
// store's transaction.
type Find func(column, value string) (*Row, error)

// Checker is a store's way to read and check tokens within one transaction.
type Checker struct {
	Find        Find
	Now         int64 // the transaction's time, unix microseconds
	Write       bool  // a write transaction, which a read-only token may not use
	NotValid    error // the store's answer to a token that worked and no longer does
	Deactivated error // the store's answer to a deactivated user
}

// Authenticate returns who the token hashed as hash is for, when it works from the
// request's origin (server.OriginFromContext).
func (c Checker) Authenticate(ctx context.Context, hash string) (*server.Auth, error) {
	r, err := c.Find("token_hash", hash)
	if err != nil {
		return nil, err
	}
	if err := r.Check(c.Now, server.OriginFromContext(ctx), c.NotValid, c.Deactivated); err != nil {
		return nil, err
	}
	return r.Auth(), nil
}

// Caller is the caller of a request with the token of auth: the token is read again,
// so that an expiry, a deactivation, a change of role or a revoked key counts at once,
// and a read-only token is refused in every write transaction, whatever the write.
func (c Checker) Caller(ctx context.Context, auth *server.Auth) (*server.User, error) {
	r, err := c.Find("id", auth.KeyID)
	if err != nil {
		return nil, err
	}
	if err := r.Check(c.Now, server.OriginFromContext(ctx), c.NotValid, c.Deactivated); err != nil {
		return nil, err
	}
	if c.Write && r.ReadOnly() {
		return nil, ErrReadOnly
	}
	return r.User, nil
}
