-- Workspaces: named groups of the users of one organization. num is an internal key
-- that memberships refer to, as users.num is.
CREATE TABLE workspaces (
	num             INTEGER PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	organization_id TEXT NOT NULL REFERENCES organizations (id),
	name            TEXT NOT NULL,
	name_key        TEXT NOT NULL, -- the name folded (foldText): unique in the organization
	created_at      INTEGER NOT NULL
);

-- One name per organization, and the pages of its workspaces by name.
CREATE UNIQUE INDEX workspaces_organization_name ON workspaces (organization_id, name_key);

CREATE TABLE workspace_members (
	workspace_num INTEGER NOT NULL REFERENCES workspaces (num) ON DELETE CASCADE,
	user_num      INTEGER NOT NULL REFERENCES users (num) ON DELETE CASCADE,
	PRIMARY KEY (workspace_num, user_num)
) WITHOUT ROWID;

CREATE INDEX workspace_members_user ON workspace_members (user_num, workspace_num);

-- How many members of each role and activation each workspace has, kept by triggers as
-- user_counts is: a workspace's member count, and the count of a user list filtered by
-- workspace, read these few rows instead of counting members.
CREATE TABLE workspace_counts (
	workspace_num INTEGER NOT NULL,
	role          TEXT NOT NULL,
	activated     INTEGER NOT NULL,
	n             INTEGER NOT NULL,
	PRIMARY KEY (workspace_num, role, activated)
) WITHOUT ROWID;

CREATE TRIGGER workspace_counts_insert AFTER INSERT ON workspace_members BEGIN
	INSERT INTO workspace_counts (workspace_num, role, activated, n)
	SELECT new.workspace_num, role, activated, 1 FROM users WHERE num = new.user_num
	ON CONFLICT (workspace_num, role, activated) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER workspace_counts_delete AFTER DELETE ON workspace_members BEGIN
	UPDATE workspace_counts SET n = n - 1
	WHERE workspace_num = old.workspace_num
	AND (role, activated) = (SELECT role, activated FROM users WHERE num = old.user_num);
END;

CREATE TRIGGER workspace_counts_user_update AFTER UPDATE OF role, activated ON users
WHEN old.role IS NOT new.role OR old.activated IS NOT new.activated
BEGIN
	UPDATE workspace_counts SET n = n - 1
	WHERE role = old.role AND activated = old.activated
	AND workspace_num IN (SELECT workspace_num FROM workspace_members WHERE user_num = new.num);
	INSERT INTO workspace_counts (workspace_num, role, activated, n)
	SELECT workspace_num, new.role, new.activated, 1 FROM workspace_members WHERE user_num = new.num
	ON CONFLICT (workspace_num, role, activated) DO UPDATE SET n = n + 1;
END;

-- A user's memberships go before the user, while the counts can still read their role.
CREATE TRIGGER users_workspaces_delete BEFORE DELETE ON users BEGIN
	DELETE FROM workspace_members WHERE user_num = old.num;
END;

CREATE TRIGGER workspaces_counts_delete AFTER DELETE ON workspaces BEGIN
	DELETE FROM workspace_counts WHERE workspace_num = old.num;
END;

-- Tenant isolation, held by the database whatever program writes to it: a workspace
-- never changes organization, and holds only users of its own; a membership is added or
-- removed, never changed.
CREATE TRIGGER workspaces_organization_fixed BEFORE UPDATE OF organization_id ON workspaces
WHEN old.organization_id IS NOT new.organization_id
BEGIN
	SELECT RAISE(ABORT, 'a workspace cannot move to another organization');
END;

CREATE TRIGGER workspace_members_same_organization BEFORE INSERT ON workspace_members
WHEN (SELECT organization_id FROM users WHERE num = new.user_num)
	IS NOT (SELECT organization_id FROM workspaces WHERE num = new.workspace_num)
BEGIN
	SELECT RAISE(ABORT, 'a workspace holds only users of its own organization');
END;

CREATE TRIGGER workspace_members_fixed BEFORE UPDATE ON workspace_members BEGIN
	SELECT RAISE(ABORT, 'a workspace membership cannot change: remove it and add another');
END;
