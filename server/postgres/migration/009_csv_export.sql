-- CSV exports, as SQLite's migration 012 keeps them: what an admin asked to export and
-- how far its download went. The link's token is stored as its SHA-256 only
-- (hashSecret); it works once (used_at) until expires_at. The table is in the database,
-- not in one instance's memory: a link made through one instance downloads from
-- another, the progress that the download writes every page is read by whichever
-- instance answers export(id), and the exports an organization made in the last hour,
-- which bound the next one, are counted here by every instance.
CREATE TABLE exports (
	id              TEXT COLLATE "C" PRIMARY KEY,
	token_hash      TEXT COLLATE "C" NOT NULL UNIQUE,
	organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE, -- the admin who made it
	filter          TEXT NOT NULL, -- JSON of server.UserFilter, already validated
	sort            TEXT NOT NULL, -- JSON of []server.UserOrder
	columns         TEXT NOT NULL, -- JSON of the column names, in order
	created_at      BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	used_at         BIGINT,         -- NULL: the link was not used yet
	total           BIGINT NOT NULL,
	written         BIGINT NOT NULL DEFAULT 0,
	done            BOOLEAN NOT NULL DEFAULT false
);

CREATE INDEX exports_organization ON exports (organization_id, created_at);
CREATE INDEX exports_created ON exports (created_at);
CREATE INDEX exports_user ON exports (user_id);
