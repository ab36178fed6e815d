-- The audit trail: one row per recorded write, in the same transaction as the write
-- (recordEvent). No foreign keys: the history of a user, key or invitation outlives it,
-- and the emails are copied as they were at the time. No secret is ever stored here:
-- changes holds field names and old and new values of the user's profile, role and
-- activation only.
CREATE TABLE audit_events (
	num             INTEGER PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	organization_id TEXT NOT NULL,
	action          TEXT NOT NULL,
	created_at      INTEGER NOT NULL, -- unix microseconds, UTC
	actor_id        TEXT,             -- NULL: the program itself
	actor_email     TEXT,
	actor_key_id    TEXT,             -- the API key or session the actor used
	user_id         TEXT,             -- the user the event is about
	user_email      TEXT,
	invitation_id   TEXT,
	api_key_id      TEXT,             -- the key or session the event is about
	client_address  TEXT,
	changes         TEXT NOT NULL DEFAULT '[]' -- JSON: [{"field", "old", "new"}]
);

-- Pages of an organization's events, newest first, and those about one user or made by
-- one actor; the retention sweep reads the oldest first.
CREATE INDEX audit_events_organization ON audit_events (organization_id, created_at, num);
CREATE INDEX audit_events_user ON audit_events (organization_id, user_id, created_at, num);
CREATE INDEX audit_events_actor ON audit_events (organization_id, actor_id, created_at, num);
CREATE INDEX audit_events_action ON audit_events (organization_id, action, created_at, num);
CREATE INDEX audit_events_created ON audit_events (created_at);

-- How many events each organization has of each action, kept by triggers: counting a
-- million events row by row takes about a second, reading these few rows does not.
CREATE TABLE audit_counts (
	organization_id TEXT NOT NULL,
	action          TEXT NOT NULL,
	n               INTEGER NOT NULL,
	PRIMARY KEY (organization_id, action)
) WITHOUT ROWID;

CREATE TRIGGER audit_counts_insert AFTER INSERT ON audit_events BEGIN
	INSERT INTO audit_counts (organization_id, action, n) VALUES (new.organization_id, new.action, 1)
	ON CONFLICT (organization_id, action) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER audit_counts_delete AFTER DELETE ON audit_events BEGIN
	UPDATE audit_counts SET n = n - 1 WHERE organization_id = old.organization_id AND action = old.action;
END;

-- An event is written once and never changed: only the retention sweep deletes events.
CREATE TRIGGER audit_events_fixed BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'an audit event cannot change');
END;
