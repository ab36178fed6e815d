-- Workspaces, as SQLite's migration 007 keeps them: named groups of the users of one
-- organization. name_key is the name folded by the program (foldText): unique in the
-- organization, and the order of its pages.
CREATE TABLE workspaces (
	id              TEXT COLLATE "C" PRIMARY KEY,
	organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	name            TEXT COLLATE "C" NOT NULL,
	name_key        TEXT COLLATE "C" NOT NULL,
	created_at      BIGINT NOT NULL
);

CREATE UNIQUE INDEX workspaces_organization_name ON workspaces (organization_id, name_key);

CREATE TABLE workspace_members (
	workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (workspace_id, user_id)
);

CREATE INDEX workspace_members_user ON workspace_members (user_id, workspace_id);

-- How many members of each role and activation each workspace has, kept by triggers in
-- the transaction of each write, as user_counts is: a workspace's member count, and the
-- count of a user list filtered by workspace, read these few rows instead of counting
-- members. The writers of an organization's users and workspaces hold its row lock (see
-- lockOrganization), and the triggers lock the users they count (FOR SHARE), so that a
-- change of role and a new membership of the same user never count past each other.
CREATE TABLE workspace_counts (
	workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	role         TEXT COLLATE "C" NOT NULL,
	activated    BOOLEAN NOT NULL,
	n            BIGINT NOT NULL,
	PRIMARY KEY (workspace_id, role, activated)
);

-- Memberships are added and removed many at once: the triggers work on each statement's
-- rows together. An added membership is also checked to hold a user of the workspace's
-- own organization (tenant isolation, whatever program writes).
CREATE FUNCTION workspace_members_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM added a JOIN users u ON u.id = a.user_id JOIN workspaces w ON w.id = a.workspace_id
		WHERE u.organization_id IS DISTINCT FROM w.organization_id) THEN
		PERFORM refuse('a workspace holds only users of its own organization', 'workspace_members_same_organization');
	END IF;
	INSERT INTO workspace_counts (workspace_id, role, activated, n)
	SELECT a.workspace_id, u.role, u.activated, COUNT(*)
	FROM added a JOIN (SELECT id, role, activated FROM users WHERE id IN (SELECT user_id FROM added) FOR SHARE) u ON u.id = a.user_id
	GROUP BY 1, 2, 3
	ON CONFLICT (workspace_id, role, activated) DO UPDATE SET n = workspace_counts.n + excluded.n;
	RETURN NULL;
END $$;

CREATE TRIGGER workspace_members_added AFTER INSERT ON workspace_members
REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION workspace_members_added();

CREATE FUNCTION workspace_members_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE workspace_counts c SET n = c.n - r.n
	FROM (SELECT r.workspace_id, u.role, u.activated, COUNT(*) AS n
		FROM removed r JOIN (SELECT id, role, activated FROM users WHERE id IN (SELECT user_id FROM removed) FOR SHARE) u ON u.id = r.user_id
		GROUP BY 1, 2, 3) r
	WHERE c.workspace_id = r.workspace_id AND c.role = r.role AND c.activated = r.activated;
	RETURN NULL;
END $$;

CREATE TRIGGER workspace_members_removed AFTER DELETE ON workspace_members
REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION workspace_members_removed();

-- A user's memberships go before the user, while the counts can still read their role.
CREATE FUNCTION users_workspaces_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM workspace_members WHERE user_id = OLD.id;
	RETURN OLD;
END $$;

CREATE TRIGGER users_workspaces_delete BEFORE DELETE ON users
FOR EACH ROW EXECUTE FUNCTION users_workspaces_delete();

-- A change of a member's role or activation moves them in the counts of their workspaces.
CREATE FUNCTION workspace_counts_user_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE workspace_counts SET n = n - 1
	WHERE role = OLD.role AND activated = OLD.activated
	AND workspace_id IN (SELECT workspace_id FROM workspace_members WHERE user_id = NEW.id);
	INSERT INTO workspace_counts (workspace_id, role, activated, n)
	SELECT workspace_id, NEW.role, NEW.activated, 1 FROM workspace_members WHERE user_id = NEW.id
	ON CONFLICT (workspace_id, role, activated) DO UPDATE SET n = workspace_counts.n + 1;
	RETURN NULL;
END $$;

CREATE TRIGGER workspace_counts_user_update AFTER UPDATE OF role, activated ON users
FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.activated IS DISTINCT FROM NEW.activated)
EXECUTE FUNCTION workspace_counts_user_update();

-- Tenant isolation, held by the database whatever program writes to it: a workspace
-- never changes organization; a membership is added or removed, never changed.
CREATE FUNCTION workspaces_organization_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.organization_id IS DISTINCT FROM NEW.organization_id THEN
		PERFORM refuse('a workspace cannot move to another organization', 'workspaces_organization_fixed');
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER workspaces_organization_fixed BEFORE UPDATE OF organization_id ON workspaces
FOR EACH ROW EXECUTE FUNCTION workspaces_organization_fixed();

CREATE FUNCTION workspace_members_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM refuse('a workspace membership cannot change: remove it and add another', 'workspace_members_fixed');
	RETURN NEW;
END $$;

CREATE TRIGGER workspace_members_fixed BEFORE UPDATE ON workspace_members
FOR EACH ROW EXECUTE FUNCTION workspace_members_fixed();
