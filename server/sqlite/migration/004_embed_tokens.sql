-- Embed tokens: short-lived credentials that a portal's back end mints, with an ADMIN's API
-- key, for one user of its organization, and hands to the widget it frames. Stored only as
-- SHA-256 hashes. A token works from one origin, within its scope, while the user keeps the
-- role they had when it was minted and the key that minted it still works.
CREATE TABLE embed_tokens (
	id         TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key_id     TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE, -- the key that minted it
	role       TEXT NOT NULL CHECK (role IN ('ADMIN', 'USER')),           -- the user's role then
	origin     TEXT NOT NULL,
	scope      TEXT NOT NULL CHECK (scope IN ('FULL', 'READ_ONLY', 'NO_DELETE')),
	created_at INTEGER NOT NULL, -- unix microseconds
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER
);

CREATE INDEX embed_tokens_user ON embed_tokens (user_id);
CREATE INDEX embed_tokens_key ON embed_tokens (key_id);
CREATE INDEX embed_tokens_expires ON embed_tokens (expires_at);

CREATE TRIGGER embed_tokens_user_fixed BEFORE UPDATE OF user_id ON embed_tokens
WHEN old.user_id IS NOT new.user_id
BEGIN
	SELECT RAISE(ABORT, 'an embed token cannot change user');
END;
