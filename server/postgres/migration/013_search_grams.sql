-- How many users of each organization, role and activation contain each text of one or
-- two characters, as the SQLite store keeps them (its migrations 001 and 011): the
-- trigram index cannot find searches that short, and counting them row by row scans the
-- organization, 333 ms at a million users; summing these rows is exact and reads a few.
-- Rows that fall to 0 stay, as in user_counts: there are only as many as distinct pairs
-- of characters in names.
CREATE TABLE user_grams (
	organization_id TEXT COLLATE "C" NOT NULL,
	gram            TEXT COLLATE "C" NOT NULL,
	role            TEXT COLLATE "C" NOT NULL,
	activated       BOOLEAN NOT NULL,
	n               BIGINT NOT NULL,
	PRIMARY KEY (organization_id, gram, role, activated)
);

-- The distinct texts of one and two characters of a user's search column. That column
-- holds the email, first name, last name and username folded by the program (Go's
-- strings.ToLower, as the SQLite store folds them), one per line: the grams are taken
-- from it, not from the columns folded again here, so that they are folded exactly as
-- searches are, whatever the database's locale. A pair never spans two lines (two
-- fields). Each line is cut in C rather than a row per position: into its characters,
-- and into its pairs from the first character and from the second (a mark, chr(1),
-- after every two; the program refuses control characters in every field, so none holds
-- it). That is 1.5 to 3 times faster than substr over generate_series, which a bulk
-- batch of 1,000 users pays for every user.
CREATE FUNCTION search_grams(search TEXT) RETURNS TABLE (gram TEXT) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT DISTINCT g COLLATE "C"
	FROM unnest(string_to_array(search, E'\n')) AS line,
	unnest(string_to_array(line, NULL)
		|| string_to_array(regexp_replace(line, '..', '\&' || chr(1), 'g'), chr(1))
		|| string_to_array(regexp_replace(substr(line, 2), '..', '\&' || chr(1), 'g'), chr(1))) AS g
	WHERE g != ''
$$;

-- The counts move once per statement, as user_counts does since migration 008: a batch
-- of a bulk action writes up to 1,000 users in one statement. The writers of an
-- organization's users hold its row lock while they move them, and the rows are written
-- in key order, so that two writers never wait for each other in opposite orders.
-- jit is off in them: the planner cannot tell how many grams a user has (search_grams is
-- inlined, its rows guessed), and with a first version of search_grams it estimated a
-- batch of a bulk action in millions of rows and compiled it to machine code each time,
-- 10 s a batch of 1,000 users where running it took 0.3 s.
CREATE FUNCTION user_grams_insert() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT u.organization_id, g.gram, u.role, u.activated, COUNT(*)
	FROM new_rows u CROSS JOIN LATERAL search_grams(u.search) g
	GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = user_grams.n + excluded.n;
	RETURN NULL;
END $$;

-- Only the users whose search text, organization, role or activation changed move
-- grams. A user who keeps their text but changes group (a bulk deactivation) has their
-- grams taken once and counted -1 in the old group and +1 in the new: half the work of
-- taking them from both rows. A user whose text changed has both sets taken, and the
-- grams in both cancel out (HAVING), so an edit of a first name writes only the grams
-- that name adds or removes.
CREATE FUNCTION user_grams_update() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
	-- Most updates move no gram (a sign-in, a password): they are let go after one cheap
	-- join rather than the whole statement below.
	IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
		WHERE (o.search, o.organization_id, o.role, o.activated) IS DISTINCT FROM (n.search, n.organization_id, n.role, n.activated)) THEN
		RETURN NULL;
	END IF;
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT organization_id, gram, role, activated, SUM(d) FROM (
		SELECT k.organization_id, m.gram, k.role, k.activated, m.n * k.d AS d
		FROM (SELECT o.organization_id AS old_org, o.role AS old_role, o.activated AS old_activated,
				n.organization_id AS new_org, n.role AS new_role, n.activated AS new_activated, g.gram, COUNT(*) AS n
			FROM old_rows o JOIN new_rows n ON n.id = o.id CROSS JOIN LATERAL search_grams(o.search) g
			WHERE o.search = n.search AND (o.organization_id, o.role, o.activated) IS DISTINCT FROM (n.organization_id, n.role, n.activated)
			GROUP BY 1, 2, 3, 4, 5, 6, 7) m
		CROSS JOIN LATERAL (VALUES (m.old_org, m.old_role, m.old_activated, -1), (m.new_org, m.new_role, m.new_activated, 1))
			AS k (organization_id, role, activated, d)
		UNION ALL
		SELECT k.organization_id, g.gram, k.role, k.activated, k.d
		FROM old_rows o JOIN new_rows n ON n.id = o.id
		CROSS JOIN LATERAL (VALUES (o.organization_id, o.role, o.activated, o.search, -1), (n.organization_id, n.role, n.activated, n.search, 1))
			AS k (organization_id, role, activated, search, d)
		CROSS JOIN LATERAL search_grams(k.search) g
		WHERE o.search != n.search) c
	GROUP BY 1, 2, 3, 4 HAVING SUM(d) != 0 ORDER BY 1, 2, 3, 4
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = user_grams.n + excluded.n;
	RETURN NULL;
END $$;

CREATE FUNCTION user_grams_delete() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
	UPDATE user_grams c SET n = c.n - d.n
	FROM (SELECT u.organization_id, g.gram, u.role, u.activated, COUNT(*) AS n
		FROM old_rows u CROSS JOIN LATERAL search_grams(u.search) g
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4) d
	WHERE c.organization_id = d.organization_id AND c.gram = d.gram AND c.role = d.role AND c.activated = d.activated;
	RETURN NULL;
END $$;

CREATE TRIGGER user_grams_insert AFTER INSERT ON users
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_grams_insert();
CREATE TRIGGER user_grams_update AFTER UPDATE ON users
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_grams_update();
CREATE TRIGGER user_grams_delete AFTER DELETE ON users
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_grams_delete();

-- The users already stored are counted by the program (fillUserGrams), in this
-- migration's transaction: the instances that start at once wait for it (see DB.migrate),
-- and no write of a user falls between the count and the triggers, which lock the table
-- until it commits. The same in SQL takes minutes at a million users.
