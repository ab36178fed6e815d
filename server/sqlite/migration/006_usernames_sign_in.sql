-- Usernames (Argilla's and CVAT's): unique in the directory, compared case-insensitively.
-- They hold only ASCII letters, digits and . _ - (server.ValidateUsername), so that
-- NOCASE compares them exactly. The users stored already get one made from their email by
-- the program (fillUsernames), which then makes the unique index and the sort index.
ALTER TABLE users ADD COLUMN username TEXT NOT NULL DEFAULT '' COLLATE NOCASE;

-- When the user last signed in with their password, or first used a key that day: unix
-- microseconds, NULL for never. Setting it is not a change of the user: updated_at stays.
ALTER TABLE users ADD COLUMN last_signed_in_at INTEGER;

CREATE INDEX users_organization_signed_in ON users (organization_id, last_signed_in_at, created_at, id);

-- How many users of each organization, role and activation last signed in on each day
-- (day -1: never), kept by triggers: "signed in before" a date and "never signed in" are
-- counted from these rows and the users of one day, instead of a scan of an index of a
-- million rows.
CREATE TABLE user_sign_in_days (
	organization_id TEXT NOT NULL,
	day             INTEGER NOT NULL, -- days since 1970-01-01 UTC; -1: never signed in
	role            TEXT NOT NULL,
	activated       INTEGER NOT NULL,
	n               INTEGER NOT NULL,
	PRIMARY KEY (organization_id, day, role, activated)
) WITHOUT ROWID;

INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
SELECT organization_id, -1, role, activated, COUNT(*) FROM users GROUP BY organization_id, role, activated;

CREATE TRIGGER user_sign_in_days_insert AFTER INSERT ON users BEGIN
	INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
	VALUES (new.organization_id, COALESCE(new.last_signed_in_at / 86400000000, -1), new.role, new.activated, 1)
	ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER user_sign_in_days_delete AFTER DELETE ON users BEGIN
	UPDATE user_sign_in_days SET n = n - 1
	WHERE organization_id = old.organization_id AND day = COALESCE(old.last_signed_in_at / 86400000000, -1)
	AND role = old.role AND activated = old.activated;
END;

CREATE TRIGGER user_sign_in_days_update AFTER UPDATE OF last_signed_in_at, role, activated ON users
WHEN COALESCE(old.last_signed_in_at / 86400000000, -1) IS NOT COALESCE(new.last_signed_in_at / 86400000000, -1)
	OR old.role IS NOT new.role OR old.activated IS NOT new.activated
BEGIN
	UPDATE user_sign_in_days SET n = n - 1
	WHERE organization_id = old.organization_id AND day = COALESCE(old.last_signed_in_at / 86400000000, -1)
	AND role = old.role AND activated = old.activated;
	INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
	VALUES (new.organization_id, COALESCE(new.last_signed_in_at / 86400000000, -1), new.role, new.activated, 1)
	ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = n + 1;
END;
