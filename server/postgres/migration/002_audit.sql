-- The audit trail, as SQLite's migration 008 keeps it: one row per recorded write, in
-- the same transaction as the write (recordEvent). No foreign keys: the history of a
-- user, key or invitation outlives it, and the emails are copied as they were at the
-- time. No secret is ever stored here.
CREATE TABLE audit_events (
	num             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id              TEXT COLLATE "C" NOT NULL UNIQUE,
	organization_id TEXT COLLATE "C" NOT NULL,
	action          TEXT COLLATE "C" NOT NULL,
	created_at      BIGINT NOT NULL, -- unix microseconds, UTC
	actor_id        TEXT COLLATE "C", -- NULL: the program itself
	actor_email     TEXT COLLATE "C",
	actor_key_id    TEXT COLLATE "C", -- the API key or session the actor used
	user_id         TEXT COLLATE "C", -- the user the event is about
	user_email      TEXT COLLATE "C",
	invitation_id   TEXT COLLATE "C",
	api_key_id      TEXT COLLATE "C", -- the key or session the event is about
	client_address  TEXT COLLATE "C",
	changes         TEXT NOT NULL DEFAULT '[]' -- JSON: [{"field", "old", "new"}]
);

CREATE INDEX audit_events_organization ON audit_events (organization_id, created_at, num);
CREATE INDEX audit_events_user ON audit_events (organization_id, user_id, created_at, num);
CREATE INDEX audit_events_actor ON audit_events (organization_id, actor_id, created_at, num);
CREATE INDEX audit_events_action ON audit_events (organization_id, action, created_at, num);
CREATE INDEX audit_events_created ON audit_events (created_at);

-- How many events each organization has of each action, kept by a trigger. The writers
-- of an organization hold its row lock, so these rows see one of them at a time; the
-- retention sweep may meet them, and the upsert waits its turn.
CREATE TABLE audit_counts (
	organization_id TEXT COLLATE "C" NOT NULL,
	action          TEXT COLLATE "C" NOT NULL,
	n               BIGINT NOT NULL,
	PRIMARY KEY (organization_id, action)
);

CREATE FUNCTION audit_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO audit_counts (organization_id, action, n) VALUES (NEW.organization_id, NEW.action, 1)
		ON CONFLICT (organization_id, action) DO UPDATE SET n = audit_counts.n + 1;
	ELSE
		UPDATE audit_counts SET n = n - 1 WHERE organization_id = OLD.organization_id AND action = OLD.action;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER audit_counts_keep AFTER INSERT OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_counts_keep();

-- An event is written once and never changed: only the retention sweep deletes events.
CREATE FUNCTION audit_events_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'an audit event cannot change' USING ERRCODE = 'check_violation';
END $$;

CREATE TRIGGER audit_events_fixed BEFORE UPDATE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_fixed();
