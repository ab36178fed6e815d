-- Each membership keeps its user's creation time, so that a page of a workspace's
-- members in the list's default order (created_at, id) reads the memberships in that
-- order and joins only the users of the page, instead of walking the organization's
-- users in order and probing the memberships of each until the page is full (for a
-- workspace of a fifth of the users, many rows before the page fills, and a whole walk
-- when it is small).
--
-- The copy cannot drift: the foreign key (user_id, user_created_at) to users (id,
-- created_at) makes the database refuse a membership whose time is not its user's, and
-- a change of a member's created_at (which no write of the store makes). A writer that
-- gives no time has it filled from the user, before the key checks it.
CREATE UNIQUE INDEX users_id_created ON users (id, created_at);

ALTER TABLE workspace_members ADD COLUMN user_created_at BIGINT;

-- A membership never changes (workspace_members_fixed), except here, once.
ALTER TABLE workspace_members DISABLE TRIGGER workspace_members_fixed;
UPDATE workspace_members m SET user_created_at = u.created_at FROM users u WHERE u.id = m.user_id;
ALTER TABLE workspace_members ENABLE TRIGGER workspace_members_fixed;

ALTER TABLE workspace_members ALTER COLUMN user_created_at SET NOT NULL;

ALTER TABLE workspace_members DROP CONSTRAINT workspace_members_user_id_fkey;
ALTER TABLE workspace_members ADD CONSTRAINT workspace_members_user_created
	FOREIGN KEY (user_id, user_created_at) REFERENCES users (id, created_at) ON DELETE CASCADE;

CREATE INDEX workspace_members_order ON workspace_members (workspace_id, user_created_at, user_id);

CREATE FUNCTION workspace_members_created_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.user_created_at IS NULL THEN
		SELECT created_at INTO NEW.user_created_at FROM users WHERE id = NEW.user_id;
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER workspace_members_created_at BEFORE INSERT ON workspace_members
FOR EACH ROW EXECUTE FUNCTION workspace_members_created_at();
