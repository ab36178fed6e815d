-- The key each API key was made with: the session, or the API key, its maker signed in
-- with when they called createApiKey. A password change ends the user's other sessions,
-- and, through this column, the keys made in them and the keys made with those in turn
-- (see revokeKeyLines in auth.go): whoever held one of those sessions, signed out since or
-- not, must keep no key of their making. NULL for a key made without a caller's key (a
-- session's own, an organization's first key, a seed), and for the keys made before this
-- migration, which a password change leaves as they are. No foreign key: keys are revoked,
-- never deleted, but with their user, and the id is only followed, never trusted.
ALTER TABLE api_keys ADD COLUMN made_with_key TEXT;

CREATE INDEX api_keys_made_with_key ON api_keys (made_with_key) WHERE made_with_key IS NOT NULL;
