-- The search matches usernames too (CVAT searches by username): the full-text index and
-- the counts of short texts take the username as a fourth text. Both are made again for
-- the users stored: the index by FTS5's rebuild, the counts by the program (fillUserGrams).
-- IF EXISTS: a test makes a database from before user_grams again and runs this once more.
DROP TRIGGER IF EXISTS users_search_insert;
DROP TRIGGER IF EXISTS users_search_delete;
DROP TRIGGER IF EXISTS users_search_update;
DROP TABLE IF EXISTS users_search;

CREATE VIRTUAL TABLE users_search USING fts5 (
	email, firstname, lastname, username,
	content = 'users', content_rowid = 'num', tokenize = 'trigram'
);
INSERT INTO users_search (users_search) VALUES ('rebuild');

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
	INSERT INTO users_search (rowid, email, firstname, lastname, username)
	VALUES (new.num, new.email, new.firstname, new.lastname, new.username);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
	INSERT INTO users_search (users_search, rowid, email, firstname, lastname, username)
	VALUES ('delete', old.num, old.email, old.firstname, old.lastname, old.username);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF email, firstname, lastname, username ON users BEGIN
	INSERT INTO users_search (users_search, rowid, email, firstname, lastname, username)
	VALUES ('delete', old.num, old.email, old.firstname, old.lastname, old.username);
	INSERT INTO users_search (rowid, email, firstname, lastname, username)
	VALUES (new.num, new.email, new.firstname, new.lastname, new.username);
END;

DROP TRIGGER IF EXISTS user_grams_insert;
DROP TRIGGER IF EXISTS user_grams_delete;
DROP TRIGGER IF EXISTS user_grams_update_text;
DROP TRIGGER IF EXISTS user_grams_update_group;
DELETE FROM user_grams;

CREATE TRIGGER user_grams_insert AFTER INSERT ON users BEGIN
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT new.organization_id, value, new.role, new.activated, 1
	FROM json_each(short_grams(new.email, new.firstname, new.lastname, new.username)) WHERE true
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + 1;
END;

-- As in 009: a bulk transaction moves the grams of its batch itself.
CREATE TRIGGER user_grams_delete AFTER DELETE ON users
WHEN NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname, old.username)));
END;

CREATE TRIGGER user_grams_update_text AFTER UPDATE OF email, firstname, lastname, username ON users
WHEN (old.email IS NOT new.email OR old.firstname IS NOT new.firstname OR old.lastname IS NOT new.lastname
		OR old.username IS NOT new.username)
	AND old.organization_id IS new.organization_id AND old.role IS new.role AND old.activated IS new.activated
BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (
		SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname, old.username))
		EXCEPT SELECT value FROM json_each(short_grams(new.email, new.firstname, new.lastname, new.username)));
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT new.organization_id, value, new.role, new.activated, 1 FROM (
		SELECT value FROM json_each(short_grams(new.email, new.firstname, new.lastname, new.username))
		EXCEPT SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname, old.username))) WHERE true
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER user_grams_update_group AFTER UPDATE OF organization_id, role, activated ON users
WHEN (old.organization_id IS NOT new.organization_id OR old.role IS NOT new.role OR old.activated IS NOT new.activated)
	AND NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname, old.username)));
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT new.organization_id, value, new.role, new.activated, 1
	FROM json_each(short_grams(new.email, new.firstname, new.lastname, new.username)) WHERE true
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + 1;
END;
