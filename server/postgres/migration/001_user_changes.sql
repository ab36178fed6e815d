-- The change log: every committed write of a user, written in the transaction of the
-- write (see change.go), numbered in the order the writes commit. Each instance listens
-- (LISTEN user_changes) and reads what follows the last change it handed on, for its own
-- subscribers; a subscriber that comes back with the number of the last change it saw,
-- on any instance, is given what it missed from here. Old changes are deleted: a cursor
-- older than what is kept is answered with a resync.
CREATE TABLE user_changes (
	seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	organization_id TEXT COLLATE "C" NOT NULL,
	user_id         TEXT COLLATE "C" NOT NULL,
	kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('CREATED', 'UPDATED', 'DELETED')),
	by_id           TEXT COLLATE "C" NOT NULL DEFAULT '',
	by_name         TEXT COLLATE "C" NOT NULL DEFAULT '',
	at              BIGINT NOT NULL
);

CREATE INDEX user_changes_organization ON user_changes (organization_id, seq);
CREATE INDEX user_changes_at ON user_changes (at);
