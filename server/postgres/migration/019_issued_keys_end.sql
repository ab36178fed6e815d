-- An API key an admin made for someone else ends for good when that admin is no longer an
-- active admin (demoted, deactivated, deleted), as their embed tokens do (migration 018),
-- and as SQLite's migration 017 does. The key check (keyIssuerActive in auth.go) already
-- refused such a key while its issuer was not one; but the key worked again once they
-- were made an admin again, and it was still listed among the user's working keys. The
-- time is the database's clock: only that the key is revoked counts.
CREATE FUNCTION api_keys_issuer_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE api_keys SET revoked_at = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
	WHERE issued_by = OLD.id AND revoked_at IS NULL;
	RETURN NULL;
END $$;

CREATE TRIGGER api_keys_issuer_gone AFTER UPDATE OF activated, role ON users
FOR EACH ROW WHEN (OLD.activated AND OLD.role = 'ADMIN' AND (NOT NEW.activated OR NEW.role <> 'ADMIN'))
EXECUTE FUNCTION api_keys_issuer_gone();

-- Only an admin issues keys, and an admin demoted before being deleted has had theirs
-- ended above: a bulk deletion of users runs nothing here.
CREATE TRIGGER api_keys_issuer_deleted AFTER DELETE ON users
FOR EACH ROW WHEN (OLD.role = 'ADMIN') EXECUTE FUNCTION api_keys_issuer_gone();

-- Keys made before this migration by someone who is no longer an active admin end too.
UPDATE api_keys k SET revoked_at = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
WHERE k.issued_by IS NOT NULL AND k.revoked_at IS NULL AND NOT EXISTS (
	SELECT 1 FROM users issuer JOIN users holder ON holder.id = k.user_id
	WHERE issuer.id = k.issued_by AND issuer.role = 'ADMIN' AND issuer.activated
		AND issuer.organization_id = holder.organization_id);

CREATE INDEX api_keys_issued_by ON api_keys (issued_by) WHERE issued_by IS NOT NULL;
