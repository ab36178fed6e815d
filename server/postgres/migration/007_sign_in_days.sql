-- The pages by last sign-in read an index in their own order: never signed in sorts
-- before any time (as SQLite sorts NULL), so the index keeps NULL first; read backwards
-- it is the descending order, never signed in last.
DROP INDEX users_organization_signed_in;
CREATE INDEX users_organization_signed_in ON users (organization_id, last_signed_in_at NULLS FIRST, created_at, id);

-- How many users of each organization, role and activation last signed in on each day
-- (day -1: never), as SQLite's migration 006 keeps them: "signed in before" a date and
-- "never signed in" are counted from these rows and the users of one day, instead of a
-- scan of an index of a million rows. Every writer of these rows holds the
-- organization's row lock (lockOrganization; recordSignIn takes it too), so that they
-- see one writer of an organization at a time and never wait for each other in a cycle.
CREATE TABLE user_sign_in_days (
	organization_id TEXT COLLATE "C" NOT NULL,
	day             BIGINT NOT NULL, -- days since 1970-01-01 UTC; -1: never signed in
	role            TEXT COLLATE "C" NOT NULL,
	activated       BOOLEAN NOT NULL,
	n               BIGINT NOT NULL,
	PRIMARY KEY (organization_id, day, role, activated)
);

INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1), role, activated, COUNT(*)
FROM users GROUP BY 1, 2, 3, 4;

CREATE FUNCTION user_sign_in_days_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		UPDATE user_sign_in_days SET n = n - 1
		WHERE organization_id = OLD.organization_id AND day = COALESCE(OLD.last_signed_in_at / 86400000000, -1)
		AND role = OLD.role AND activated = OLD.activated;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
		VALUES (NEW.organization_id, COALESCE(NEW.last_signed_in_at / 86400000000, -1), NEW.role, NEW.activated, 1)
		ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = user_sign_in_days.n + 1;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER user_sign_in_days_insert_delete AFTER INSERT OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION user_sign_in_days_keep();

CREATE TRIGGER user_sign_in_days_update AFTER UPDATE OF last_signed_in_at, role, activated ON users
FOR EACH ROW WHEN (COALESCE(OLD.last_signed_in_at / 86400000000, -1) IS DISTINCT FROM COALESCE(NEW.last_signed_in_at / 86400000000, -1)
	OR OLD.role IS DISTINCT FROM NEW.role OR OLD.activated IS DISTINCT FROM NEW.activated)
EXECUTE FUNCTION user_sign_in_days_keep();
