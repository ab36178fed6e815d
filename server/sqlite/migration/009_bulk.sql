-- Bulk actions walk an organization's users in the order of num, a batch at a time, from
-- where the last batch stopped: an index on the organization alone is ordered by
-- (organization_id, num), since num is the rowid, so each batch starts at its cursor and
-- reads only its own rows, whatever the size of the other organizations.
CREATE INDEX users_organization_num ON users (organization_id);

-- Deleting a user sets the invitations they made or accepted to NULL (ON DELETE SET
-- NULL): without these indexes, every deleted user would read all the invitations.
CREATE INDEX invitations_invited_by ON invitations (invited_by);
CREATE INDEX invitations_user ON invitations (user_id);
