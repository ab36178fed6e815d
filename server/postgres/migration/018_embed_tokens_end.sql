-- An embed token ends for good when its user is deactivated or changes role, as a session
-- does: activated again, or given their old role back, the user's old tokens stay ended.
-- Before, a token only failed while the user was deactivated or held another role, and
-- worked again once an admin undid the change within its hour. A trigger, so that every
-- write of a user (one at a time, in bulk, by import) ends them, as SQLite's migration 016
-- does. The time is the database's clock: only that the token is revoked counts.
CREATE FUNCTION embed_tokens_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE embed_tokens SET revoked_at = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
	WHERE user_id = NEW.id AND revoked_at IS NULL;
	RETURN NULL;
END $$;

CREATE TRIGGER embed_tokens_end AFTER UPDATE OF activated, role ON users
FOR EACH ROW WHEN ((OLD.activated AND NOT NEW.activated) OR OLD.role IS DISTINCT FROM NEW.role)
EXECUTE FUNCTION embed_tokens_end();
