-- Embed tokens, as SQLite's migration 004 keeps them: short-lived credentials that a
-- portal's back end mints, with an ADMIN's API key, for one user of its organization.
-- Stored only as SHA-256 hashes. A token works from one origin, within its scope, while
-- the user keeps the role they had when it was minted and the key that minted it works.
CREATE TABLE embed_tokens (
	id         TEXT COLLATE "C" PRIMARY KEY,
	token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
	user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key_id     TEXT COLLATE "C" NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE, -- the key that minted it
	role       TEXT COLLATE "C" NOT NULL CHECK (role IN ('ADMIN', 'USER')),           -- the user's role then
	origin     TEXT COLLATE "C" NOT NULL,
	scope      TEXT COLLATE "C" NOT NULL CHECK (scope IN ('FULL', 'READ_ONLY', 'NO_DELETE')),
	created_at BIGINT NOT NULL, -- unix microseconds
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT
);

CREATE INDEX embed_tokens_user ON embed_tokens (user_id);
CREATE INDEX embed_tokens_key ON embed_tokens (key_id);
CREATE INDEX embed_tokens_expires ON embed_tokens (expires_at);

CREATE FUNCTION embed_tokens_user_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'an embed token cannot change user' USING ERRCODE = 'check_violation';
END $$;

CREATE TRIGGER embed_tokens_user_fixed BEFORE UPDATE OF user_id ON embed_tokens
FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id)
EXECUTE FUNCTION embed_tokens_user_fixed();
