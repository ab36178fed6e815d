-- An API key an admin made for someone else ends for good when that admin is no longer an
-- active admin (demoted, deactivated, deleted), as their embed tokens do (migration 016).
-- The key check (keyIssuerActive in auth.go) already refused such a key while its issuer
-- was not one; but the key worked again once they were made an admin again, and it was
-- still listed among the user's working keys. The time is the database's clock: only that
-- the key is revoked counts.
CREATE TRIGGER api_keys_issuer_gone AFTER UPDATE OF activated, role ON users
WHEN old.activated = 1 AND old.role = 'ADMIN' AND (new.activated = 0 OR new.role <> 'ADMIN')
BEGIN
	UPDATE api_keys SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE issued_by = new.id AND revoked_at IS NULL;
END;

-- Only an admin issues keys, and an admin demoted before being deleted has had theirs
-- ended above: a bulk deletion of users runs nothing here.
CREATE TRIGGER api_keys_issuer_deleted AFTER DELETE ON users
WHEN old.role = 'ADMIN'
BEGIN
	UPDATE api_keys SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE issued_by = old.id AND revoked_at IS NULL;
END;

-- Keys made before this migration by someone who is no longer an active admin end too.
UPDATE api_keys SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE issued_by IS NOT NULL AND revoked_at IS NULL AND NOT EXISTS (
	SELECT 1 FROM users issuer JOIN users holder ON holder.id = api_keys.user_id
	WHERE issuer.id = api_keys.issued_by AND issuer.role = 'ADMIN' AND issuer.activated = 1
		AND issuer.organization_id = holder.organization_id);

CREATE INDEX api_keys_issued_by ON api_keys (issued_by) WHERE issued_by IS NOT NULL;
