-- An embed token ends for good when its user is deactivated or changes role, as a session
-- does: activated again, or given their old role back, the user's old tokens stay ended.
-- Before, a token only failed while the user was deactivated or held another role, and
-- worked again once an admin undid the change within its hour. A trigger, so that every
-- write of a user (one at a time, in bulk, by import) ends them. The time is the
-- database's clock: only that the token is revoked counts.
CREATE TRIGGER embed_tokens_end AFTER UPDATE OF activated, role ON users
WHEN (old.activated = 1 AND new.activated = 0) OR old.role IS NOT new.role
BEGIN
	UPDATE embed_tokens SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE user_id = new.id AND revoked_at IS NULL;
END;
