-- The counts kept of workspaces' members and of sign-in days move once per statement,
-- as user_counts does since migration 008: a batch of a bulk action changes or deletes
-- up to 1,000 users in one statement, and these row triggers would run two statements
-- for each of them, most of the batch's time. The counts are the same; the writers of
-- an organization's users still hold its row lock while they move them.
DROP TRIGGER workspace_counts_user_update ON users;
DROP FUNCTION workspace_counts_user_update();

CREATE FUNCTION workspace_counts_users_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO workspace_counts (workspace_id, role, activated, n)
	SELECT m.workspace_id, g.role, g.activated, SUM(g.d)
	FROM old_rows o JOIN new_rows n ON n.id = o.id
	JOIN workspace_members m ON m.user_id = o.id
	CROSS JOIN LATERAL (VALUES (o.role, o.activated, -1), (n.role, n.activated, 1)) AS g (role, activated, d)
	WHERE o.role IS DISTINCT FROM n.role OR o.activated IS DISTINCT FROM n.activated
	GROUP BY 1, 2, 3 HAVING SUM(g.d) != 0 ORDER BY 1, 2, 3
	ON CONFLICT (workspace_id, role, activated) DO UPDATE SET n = workspace_counts.n + excluded.n;
	RETURN NULL;
END $$;

CREATE TRIGGER workspace_counts_users_moved AFTER UPDATE ON users
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workspace_counts_users_moved();

DROP TRIGGER user_sign_in_days_insert_delete ON users;
DROP TRIGGER user_sign_in_days_update ON users;
DROP FUNCTION user_sign_in_days_keep();

-- day is as migration 007 counts it: days since 1970-01-01 UTC, -1 for never.
CREATE FUNCTION user_sign_in_days_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
		SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1), role, activated, COUNT(*)
		FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
		ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = user_sign_in_days.n + excluded.n;
	ELSE
		INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
		SELECT organization_id, day, role, activated, SUM(d) FROM (
			SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1) AS day, role, activated, -1 AS d FROM old_rows
			UNION ALL
			SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1), role, activated, 1 FROM new_rows) m
		GROUP BY 1, 2, 3, 4 HAVING SUM(d) != 0 ORDER BY 1, 2, 3, 4
		ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = user_sign_in_days.n + excluded.n;
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION user_sign_in_days_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE user_sign_in_days c SET n = c.n - d.n
	FROM (SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1) AS day, role, activated, COUNT(*) AS n
		FROM old_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4) d
	WHERE c.organization_id = d.organization_id AND c.day = d.day AND c.role = d.role AND c.activated = d.activated;
	RETURN NULL;
END $$;

CREATE TRIGGER user_sign_in_days_insert AFTER INSERT ON users
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_sign_in_days_move();
CREATE TRIGGER user_sign_in_days_update AFTER UPDATE ON users
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_sign_in_days_move();
CREATE TRIGGER user_sign_in_days_delete AFTER DELETE ON users
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_sign_in_days_delete();
