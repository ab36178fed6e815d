-- When the user last signed in with their password, or first used a key that day, as
-- SQLite's migration 006 keeps it: unix microseconds, NULL for never. Setting it is not a
-- change of the user: updated_at stays.
ALTER TABLE users ADD COLUMN last_signed_in_at BIGINT;

CREATE INDEX users_organization_signed_in ON users (organization_id, last_signed_in_at, created_at, id);
