-- CSV exports: what an admin asked to export and how far its download went. The link's
-- token is stored as its SHA-256 only (hashSecret); it works once (used_at) until
-- expires_at. The table is in the database, not in one instance's memory, so a link made
-- through one instance downloads from another, and the progress that the download writes
-- every page is read by whichever instance answers export(id).
CREATE TABLE exports (
	id              TEXT PRIMARY KEY,
	token_hash      TEXT NOT NULL UNIQUE,
	organization_id TEXT NOT NULL REFERENCES organizations (id),
	user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE, -- the admin who made it
	filter          TEXT NOT NULL, -- JSON of server.UserFilter, already validated
	sort            TEXT NOT NULL, -- JSON of []server.UserOrder
	columns         TEXT NOT NULL, -- JSON of the column names, in order
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	used_at         INTEGER,        -- NULL: the link was not used yet
	total           INTEGER NOT NULL,
	written         INTEGER NOT NULL DEFAULT 0,
	done            INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX exports_organization ON exports (organization_id, created_at);
CREATE INDEX exports_created ON exports (created_at);
CREATE INDEX exports_user ON exports (user_id);
