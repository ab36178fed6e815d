-- Who made each API key for someone else: the admin whose createApiKey named another
-- user. A key outlives its issuer's role, and whoever holds it acts as its user, an admin
-- too: such a key works only while its issuer is still an active admin of the user's
-- organization (see keyIssuerActive in auth.go). No foreign key: a deleted issuer leaves
-- the id behind, which then names no one, and the key stops working. A user's own keys,
-- sessions, and keys made before this migration name no issuer and work as before.
ALTER TABLE api_keys ADD COLUMN issued_by TEXT;
