-- Tenant isolation, held by the database whatever program writes to it: a user never
-- changes organization (no caller administers two, so no one moves users between them),
-- and a key or a reset token never changes user.
CREATE TRIGGER users_organization_fixed BEFORE UPDATE OF organization_id ON users
WHEN old.organization_id IS NOT new.organization_id
BEGIN
	SELECT RAISE(ABORT, 'a user cannot move to another organization');
END;

CREATE TRIGGER api_keys_user_fixed BEFORE UPDATE OF user_id ON api_keys
WHEN old.user_id IS NOT new.user_id
BEGIN
	SELECT RAISE(ABORT, 'an API key cannot change user');
END;

CREATE TRIGGER password_resets_user_fixed BEFORE UPDATE OF user_id ON password_resets
WHEN old.user_id IS NOT new.user_id
BEGIN
	SELECT RAISE(ABORT, 'a password reset cannot change user');
END;
