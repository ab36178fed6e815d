-- Usernames, as SQLite's migrations 006 and 011 keep them: unique in the directory,
-- compared case-insensitively (they hold only ASCII letters, digits and . _ -, so lower()
-- folds them exactly), and matched by the search.
ALTER TABLE users ADD COLUMN username TEXT COLLATE "C" NOT NULL DEFAULT '';

-- The users stored already get one made from their email as server.UsernameFromEmail
-- makes it (the email is stored lower-case): its local part with the characters a
-- username cannot hold left out, "user" when none is left; the second of a name, oldest
-- first, gets -2, the third -3. A name made so that another email's local part is
-- already (bob-2@…) is made again below. The search column takes the username as a
-- fourth line. Instances that start at once apply this once (see DB.migrate).
UPDATE users u SET username = named.username, search = u.search || E'\n' || lower(named.username)
FROM (
	SELECT id, CASE WHEN k = 1 THEN base ELSE base || '-' || k END AS username
	FROM (
		SELECT id, base, row_number() OVER (PARTITION BY base ORDER BY created_at, id) AS k
		FROM (
			SELECT id, created_at,
				COALESCE(NULLIF(left(regexp_replace(lower(regexp_replace(email, '@[^@]*$', '')), '[^a-z0-9._-]', '', 'g'), 138), ''), 'user') AS base
			FROM users) AS based) AS numbered) AS named
WHERE u.id = named.id;

CREATE INDEX users_username_fill ON users (lower(username));

DO $$
DECLARE
	r RECORD;
	base TEXT;
	name TEXT;
	n INT;
BEGIN
	-- Each user whose name an older user has too, youngest last, takes the first free -N.
	FOR r IN
		SELECT id, email, username FROM users u
		WHERE EXISTS (SELECT 1 FROM users o WHERE lower(o.username) = lower(u.username)
			AND (o.created_at, o.id) < (u.created_at, u.id))
		ORDER BY created_at, id
	LOOP
		base := COALESCE(NULLIF(left(regexp_replace(lower(regexp_replace(r.email, '@[^@]*$', '')), '[^a-z0-9._-]', '', 'g'), 138), ''), 'user');
		n := 2;
		LOOP
			name := base || '-' || n;
			EXIT WHEN NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(name));
			n := n + 1;
		END LOOP;
		UPDATE users SET username = name,
			search = left(search, length(search) - length(r.username)) || lower(name)
		WHERE id = r.id;
	END LOOP;
END $$;

DROP INDEX users_username_fill;

-- One username per person in the whole directory, in any case, whichever instance
-- writes it: the database refuses the second.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- What the program checks, held by the database whatever program writes.
ALTER TABLE users ADD CONSTRAINT users_username_valid CHECK (username ~ '^[A-Za-z0-9._-]{1,150}$');
ALTER TABLE users ALTER COLUMN username DROP DEFAULT;

-- The pages of an organization by username.
CREATE INDEX users_organization_username ON users (organization_id, lower(username), created_at, id);
