-- How many users of each organization, role and activation contain each text of one or
-- two characters (folded, see short_grams), kept by triggers. The trigram index cannot
-- answer searches that short, and counting them row by row takes over 300 ms at a million
-- users; reading one of these rows is exact and takes well under a millisecond. Rows
-- that fall to 0 stay, as in user_counts: there are only as many as distinct pairs of
-- characters in names.
CREATE TABLE user_grams (
	organization_id TEXT NOT NULL,
	gram            TEXT NOT NULL,
	role            TEXT NOT NULL,
	activated       INTEGER NOT NULL,
	n               INTEGER NOT NULL,
	PRIMARY KEY (organization_id, gram, role, activated)
) WITHOUT ROWID;

CREATE TRIGGER user_grams_insert AFTER INSERT ON users BEGIN
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT new.organization_id, value, new.role, new.activated, 1
	FROM json_each(short_grams(new.email, new.firstname, new.lastname)) WHERE true
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER user_grams_delete AFTER DELETE ON users BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname)));
END;

-- A change of names or email changes few grams: only those are counted again. updateUser
-- sets every column, so the triggers check what really changed.
CREATE TRIGGER user_grams_update_text AFTER UPDATE OF email, firstname, lastname ON users
WHEN (old.email IS NOT new.email OR old.firstname IS NOT new.firstname OR old.lastname IS NOT new.lastname)
	AND old.organization_id IS new.organization_id AND old.role IS new.role AND old.activated IS new.activated
BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (
		SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname))
		EXCEPT SELECT value FROM json_each(short_grams(new.email, new.firstname, new.lastname)));
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT new.organization_id, value, new.role, new.activated, 1 FROM (
		SELECT value FROM json_each(short_grams(new.email, new.firstname, new.lastname))
		EXCEPT SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname))) WHERE true
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + 1;
END;

-- A change of organization, role or activation moves all the user's grams.
CREATE TRIGGER user_grams_update_group AFTER UPDATE OF organization_id, role, activated ON users
WHEN old.organization_id IS NOT new.organization_id OR old.role IS NOT new.role OR old.activated IS NOT new.activated
BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname)));
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT new.organization_id, value, new.role, new.activated, 1
	FROM json_each(short_grams(new.email, new.firstname, new.lastname)) WHERE true
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + 1;
END;

-- The rows for the users already stored are counted by the program (fillUserGrams):
-- the same in SQL takes minutes at a million users.
