-- Organizations group users; an ADMIN manages the users of their own organization.
CREATE TABLE organizations (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL -- unix microseconds, UTC
);

-- num is an internal integer key: the full-text index refers to rows by it, and an
-- INTEGER PRIMARY KEY never changes (a plain rowid may be renumbered by VACUUM).
CREATE TABLE users (
	num             INTEGER PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	email           TEXT NOT NULL UNIQUE, -- stored lower-case
	firstname       TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	lastname        TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	activated       INTEGER NOT NULL DEFAULT 1 CHECK (activated IN (0, 1)),
	organization_id TEXT NOT NULL REFERENCES organizations (id),
	role            TEXT NOT NULL CHECK (role IN ('ADMIN', 'USER')),
	password_hash   TEXT,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);

-- Pages within an organization, in the default order and in each sortable order. Each
-- ends with created_at, id: the tie-breakers of every order.
CREATE INDEX users_organization_created ON users (organization_id, created_at, id);
CREATE INDEX users_organization_role ON users (organization_id, role, created_at, id);
CREATE INDEX users_organization_activated ON users (organization_id, activated, created_at, id);
CREATE UNIQUE INDEX users_organization_email ON users (organization_id, email);
CREATE INDEX users_organization_firstname ON users (organization_id, firstname, created_at, id);
CREATE INDEX users_organization_lastname ON users (organization_id, lastname, created_at, id);
CREATE INDEX users_organization_updated ON users (organization_id, updated_at, created_at, id);

-- Free-text search: trigrams match any substring of 3 characters or more, case-insensitively
-- (Unicode too). The index keeps no copy of the text (content='users'); triggers keep it in step.
CREATE VIRTUAL TABLE users_search USING fts5 (
	email, firstname, lastname,
	content = 'users', content_rowid = 'num', tokenize = 'trigram'
);

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
	INSERT INTO users_search (rowid, email, firstname, lastname)
	VALUES (new.num, new.email, new.firstname, new.lastname);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
	INSERT INTO users_search (users_search, rowid, email, firstname, lastname)
	VALUES ('delete', old.num, old.email, old.firstname, old.lastname);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF email, firstname, lastname ON users BEGIN
	INSERT INTO users_search (users_search, rowid, email, firstname, lastname)
	VALUES ('delete', old.num, old.email, old.firstname, old.lastname);
	INSERT INTO users_search (rowid, email, firstname, lastname)
	VALUES (new.num, new.email, new.firstname, new.lastname);
END;

-- How many users each organization has by role and activation, kept by triggers: counting
-- a million rows is a scan of tens of milliseconds, reading these few rows is not.
CREATE TABLE user_counts (
	organization_id TEXT NOT NULL,
	role            TEXT NOT NULL,
	activated       INTEGER NOT NULL,
	n               INTEGER NOT NULL,
	PRIMARY KEY (organization_id, role, activated)
) WITHOUT ROWID;

CREATE TRIGGER user_counts_insert AFTER INSERT ON users BEGIN
	INSERT INTO user_counts (organization_id, role, activated, n)
	VALUES (new.organization_id, new.role, new.activated, 1)
	ON CONFLICT (organization_id, role, activated) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER user_counts_delete AFTER DELETE ON users BEGIN
	UPDATE user_counts SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated;
END;

CREATE TRIGGER user_counts_update AFTER UPDATE OF organization_id, role, activated ON users BEGIN
	UPDATE user_counts SET n = n - 1
	WHERE organization_id = old.organization_id AND role = old.role AND activated = old.activated;
	INSERT INTO user_counts (organization_id, role, activated, n)
	VALUES (new.organization_id, new.role, new.activated, 1)
	ON CONFLICT (organization_id, role, activated) DO UPDATE SET n = n + 1;
END;

-- API keys, stored only as SHA-256 hashes. Keys made by signing in expire.
CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	key_hash   TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	revoked_at INTEGER
);

CREATE INDEX api_keys_user ON api_keys (user_id, created_at, id);

-- One-time password reset tokens, stored only as SHA-256 hashes.
CREATE TABLE password_resets (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
);

CREATE INDEX password_resets_user ON password_resets (user_id);
