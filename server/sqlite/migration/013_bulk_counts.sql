-- A batch of a bulk action changes or deletes up to 1,000 users in one statement; the
-- row triggers of the counters (user_counts, user_sign_in_days, workspace_counts, and
-- audit_counts for the events the batch records) ran two statements per user each,
-- about half of the time of a batch. As user_grams' do since 009, they now stand aside
-- while bulk_writing holds its row, which only a bulk transaction inserts, and deletes
-- again before it commits: the batch then moves each counter once per group, from one
-- GROUP BY over its own rows before and after its write (see bulkWriter.flush). Every
-- other writer leaves bulk_writing empty, so the triggers count its writes as before,
-- without it having to know of them.

DROP TRIGGER user_counts_delete;
CREATE TRIGGER user_counts_delete AFTER DELETE ON users
WHEN NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_counts SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated;
END;

DROP TRIGGER user_counts_update;
CREATE TRIGGER user_counts_update AFTER UPDATE OF organization_id, role, activated ON users
WHEN NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_counts SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated;
	INSERT INTO user_counts (organization_id, role, activated, n)
	VALUES (new.organization_id, new.role, new.activated, 1)
	ON CONFLICT (organization_id, role, activated) DO UPDATE SET n = n + 1;
END;

DROP TRIGGER user_sign_in_days_delete;
CREATE TRIGGER user_sign_in_days_delete AFTER DELETE ON users
WHEN NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_sign_in_days SET n = n - 1
	WHERE organization_id = old.organization_id AND day = COALESCE(old.last_signed_in_at / 86400000000, -1)
	AND role = old.role AND activated = old.activated;
END;

DROP TRIGGER user_sign_in_days_update;
CREATE TRIGGER user_sign_in_days_update AFTER UPDATE OF last_signed_in_at, role, activated ON users
WHEN (COALESCE(old.last_signed_in_at / 86400000000, -1) IS NOT COALESCE(new.last_signed_in_at / 86400000000, -1)
	OR old.role IS NOT new.role OR old.activated IS NOT new.activated)
	AND NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_sign_in_days SET n = n - 1
	WHERE organization_id = old.organization_id AND day = COALESCE(old.last_signed_in_at / 86400000000, -1)
	AND role = old.role AND activated = old.activated;
	INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
	VALUES (new.organization_id, COALESCE(new.last_signed_in_at / 86400000000, -1), new.role, new.activated, 1)
	ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = n + 1;
END;

DROP TRIGGER workspace_counts_user_update;
CREATE TRIGGER workspace_counts_user_update AFTER UPDATE OF role, activated ON users
WHEN (old.role IS NOT new.role OR old.activated IS NOT new.activated)
	AND NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE workspace_counts SET n = n - 1
	WHERE role = old.role AND activated = old.activated
	AND workspace_num IN (SELECT workspace_num FROM workspace_members WHERE user_num = new.num);
	INSERT INTO workspace_counts (workspace_num, role, activated, n)
	SELECT workspace_num, new.role, new.activated, 1 FROM workspace_members WHERE user_num = new.num
	ON CONFLICT (workspace_num, role, activated) DO UPDATE SET n = n + 1;
END;

-- A bulk delete removes its users' memberships itself, in one statement, before the users.
DROP TRIGGER workspace_counts_delete;
CREATE TRIGGER workspace_counts_delete AFTER DELETE ON workspace_members
WHEN NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE workspace_counts SET n = n - 1
	WHERE workspace_num = old.workspace_num
	AND (role, activated) = (SELECT role, activated FROM users WHERE num = old.user_num);
END;

DROP TRIGGER audit_counts_insert;
CREATE TRIGGER audit_counts_insert AFTER INSERT ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	INSERT INTO audit_counts (organization_id, action, n) VALUES (new.organization_id, new.action, 1)
	ON CONFLICT (organization_id, action) DO UPDATE SET n = n + 1;
END;
