-- Sessions (the keys signIn makes) are told from API keys: a change or reset of the
-- password ends the sessions, and the keys stay. A key made by a caller signed in with a
-- session says so.
ALTER TABLE api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'key' CHECK (kind IN ('key', 'session'));
ALTER TABLE api_keys ADD COLUMN created_with_session INTEGER NOT NULL DEFAULT 0 CHECK (created_with_session IN (0, 1));

-- Until now only signIn made keys that expire.
UPDATE api_keys SET kind = 'session' WHERE expires_at IS NOT NULL;

-- Failed credential checks, counted per account and per client in windows: an attempt is
-- counted (reserved) before the slow check, atomically, and given back when the
-- credential was right. A row whose window ended counts nothing; such rows are deleted as
-- new attempts come.
CREATE TABLE credential_attempts (
	key      TEXT PRIMARY KEY, -- SHA-256 of what is counted: "account:" + email, "client:" + address
	failures INTEGER NOT NULL,
	reset_at INTEGER NOT NULL  -- unix microseconds: when the window ends
) WITHOUT ROWID;

CREATE INDEX credential_attempts_reset ON credential_attempts (reset_at);
