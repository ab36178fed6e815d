-- Bulk actions walk an organization's users in the order of num, a batch at a time, from
-- where the last batch stopped: an index on the organization alone is ordered by
-- (organization_id, num), since num is the rowid, so each batch starts at its cursor and
-- reads only its own rows, whatever the size of the other organizations.
CREATE INDEX users_organization_num ON users (organization_id);

-- Deleting a user sets the invitations they made or accepted to NULL (ON DELETE SET
-- NULL): without these indexes, every deleted user would read all the invitations.
CREATE INDEX invitations_invited_by ON invitations (invited_by);
CREATE INDEX invitations_user ON invitations (user_id);

-- A bulk action changes the role or activation of up to 1,000 users in one transaction;
-- user_grams' triggers would move each user's grams one by one, about 150 row writes per
-- user, most of the time of a batch. While bulk_writing holds its row, which only a bulk
-- transaction inserts and deletes again before it commits (no other transaction ever
-- sees it), these two triggers stand aside and the program moves the grams of the whole
-- batch at once, a row per distinct gram (see bulkWriter.moveGrams).
CREATE TABLE bulk_writing (one INTEGER PRIMARY KEY CHECK (one = 1));

DROP TRIGGER user_grams_delete;
CREATE TRIGGER user_grams_delete AFTER DELETE ON users
WHEN NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname)));
END;

DROP TRIGGER user_grams_update_group;
CREATE TRIGGER user_grams_update_group AFTER UPDATE OF organization_id, role, activated ON users
WHEN (old.organization_id IS NOT new.organization_id OR old.role IS NOT new.role OR old.activated IS NOT new.activated)
	AND NOT EXISTS (SELECT 1 FROM bulk_writing)
BEGIN
	UPDATE user_grams SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated
	AND gram IN (SELECT value FROM json_each(short_grams(old.email, old.firstname, old.lastname)));
	INSERT INTO user_grams (organization_id, gram, role, activated, n)
	SELECT new.organization_id, value, new.role, new.activated, 1
	FROM json_each(short_grams(new.email, new.firstname, new.lastname)) WHERE true
	ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = n + 1;
END;
