-- An instance still running code from before migration 005 inserts users without a
-- username, which the column refuses: while several instances are upgraded one by one,
-- those not yet upgraded could create no user. Such a row now gets its username here, as
-- server.UsernameFromEmail and server.UniqueUsername make it (the local part of the
-- email without the characters a username cannot hold, "user" when none is left, then
-- -2, -3, … until it is free), and its search text the username as its fourth line.
-- NOT NULL is checked after this trigger, so it sees the filled row. A writer that gives
-- a username is left as it is.
CREATE FUNCTION users_username_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	base TEXT;
	name TEXT;
	n INT := 1;
BEGIN
	IF NEW.username IS NOT NULL THEN
		RETURN NEW;
	END IF;
	base := COALESCE(NULLIF(left(regexp_replace(lower(regexp_replace(NEW.email, '@[^@]*$', '')), '[^a-z0-9._-]', '', 'g'), 138), ''), 'user');
	name := base;
	WHILE EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(name)) LOOP
		n := n + 1;
		name := base || '-' || n;
	END LOOP;
	NEW.username := name;
	NEW.search := NEW.search || E'\n' || lower(name);
	RETURN NEW;
END $$;

CREATE TRIGGER users_username_fill BEFORE INSERT ON users
FOR EACH ROW EXECUTE FUNCTION users_username_fill();
