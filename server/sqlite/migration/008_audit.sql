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
CREATE INDEX audit_events_created ON audit_events (created_at);

-- An event is written once and never changed: only the retention sweep deletes events.
CREATE TRIGGER audit_events_fixed BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'an audit event cannot change');
END;
