-- An export's link ends with the credential that made it. Until now the link worked for
-- its five minutes whatever happened to the key or session of its admin: revoked,
-- expired, signed out, ended by a change or reset of the password. The download now
-- checks, in the statement that uses the link, that the key (key_id) or embed token
-- (embed_token_id) the export was made with still works (exportCredentialWorks in
-- csv_export.go). An export made before this migration names neither: its link no
-- longer works, which ends at most five minutes early.
ALTER TABLE exports ADD COLUMN key_id TEXT REFERENCES api_keys (id) ON DELETE CASCADE;
ALTER TABLE exports ADD COLUMN embed_token_id TEXT REFERENCES embed_tokens (id) ON DELETE CASCADE;

-- An admin deactivated or demoted may no longer export; the check above refuses their
-- links while they are not an active admin, and ended_at makes that for good, as a
-- session's end is: activated again, or made an admin again, they start a new export. A
-- trigger, so that every write of a user (one at a time, in bulk, by import) ends them.
-- The time is the database's clock: only that it is set counts.
ALTER TABLE exports ADD COLUMN ended_at INTEGER;

CREATE TRIGGER exports_maker_gone AFTER UPDATE OF activated, role ON users
WHEN old.activated = 1 AND old.role = 'ADMIN' AND (new.activated = 0 OR new.role <> 'ADMIN')
BEGIN
	UPDATE exports SET ended_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE user_id = new.id AND ended_at IS NULL AND done = 0;
END;

CREATE INDEX exports_key ON exports (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX exports_embed_token ON exports (embed_token_id) WHERE embed_token_id IS NOT NULL;
