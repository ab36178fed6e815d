-- The directory on PostgreSQL: what SQLite's migrations 000 to 005 make, in one step.
-- Instants are unix microseconds (BIGINT), as in the SQLite store: the same values to
-- the microsecond, compared as integers.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Texts compare byte by byte (COLLATE "C"), as SQLite's do, whatever the database's
-- locale: pages come in the same order on both stores. lower_ascii is SQLite's NOCASE:
-- names sort by their form with ASCII letters in lower case.
CREATE FUNCTION lower_ascii(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');

-- Organizations group users; an ADMIN manages the users of their own organization.
CREATE TABLE organizations (
	id         TEXT COLLATE "C" PRIMARY KEY,
	name       TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL
);

-- search holds the email, first name and last name folded by the program (Go's
-- strings.ToLower, as the SQLite store folds them), one per line, for the trigram index:
-- a search can never match across two of them, since a search has no line break.
CREATE TABLE users (
	id              TEXT COLLATE "C" PRIMARY KEY,
	email           TEXT COLLATE "C" NOT NULL UNIQUE, -- stored lower-case
	firstname       TEXT COLLATE "C" NOT NULL DEFAULT '',
	lastname        TEXT COLLATE "C" NOT NULL DEFAULT '',
	activated       BOOLEAN NOT NULL DEFAULT true,
	organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	role            TEXT COLLATE "C" NOT NULL CHECK (role IN ('ADMIN', 'USER')),
	password_hash   TEXT COLLATE "C",
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	search          TEXT COLLATE "C" NOT NULL DEFAULT ''
);

-- Pages within an organization, in the default order and in each sortable order. Each
-- ends with created_at, id: the tie-breakers of every order.
CREATE INDEX users_organization_created ON users (organization_id, created_at, id);
CREATE INDEX users_organization_role ON users (organization_id, role, created_at, id);
CREATE INDEX users_organization_activated ON users (organization_id, activated, created_at, id);
CREATE UNIQUE INDEX users_organization_email ON users (organization_id, email);
CREATE INDEX users_organization_firstname ON users (organization_id, lower_ascii(firstname), created_at, id);
CREATE INDEX users_organization_lastname ON users (organization_id, lower_ascii(lastname), created_at, id);
CREATE INDEX users_organization_updated ON users (organization_id, updated_at, created_at, id);

-- Free-text search: trigrams find any substring of 3 characters or more with LIKE.
CREATE INDEX users_search ON users USING gin (search gin_trgm_ops);

-- How many users each organization has by role and activation, kept by a trigger:
-- counting a million rows is a scan of tens of milliseconds, reading these few rows is
-- not. The writers of an organization take its row lock (see lockOrganization), so
-- these rows see one writer of an organization at a time.
CREATE TABLE user_counts (
	organization_id TEXT COLLATE "C" NOT NULL,
	role            TEXT COLLATE "C" NOT NULL,
	activated       BOOLEAN NOT NULL,
	n               BIGINT NOT NULL,
	PRIMARY KEY (organization_id, role, activated)
);

CREATE FUNCTION user_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		UPDATE user_counts SET n = n - 1
		WHERE organization_id = OLD.organization_id AND role = OLD.role AND activated = OLD.activated;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO user_counts (organization_id, role, activated, n)
		VALUES (NEW.organization_id, NEW.role, NEW.activated, 1)
		ON CONFLICT (organization_id, role, activated) DO UPDATE SET n = user_counts.n + 1;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER user_counts_insert_delete AFTER INSERT OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION user_counts_keep();

CREATE TRIGGER user_counts_update AFTER UPDATE OF organization_id, role, activated ON users
FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
	OR OLD.role IS DISTINCT FROM NEW.role OR OLD.activated IS DISTINCT FROM NEW.activated)
EXECUTE FUNCTION user_counts_keep();

-- API keys and session keys, stored only as SHA-256 hashes. Keys made by signing in
-- expire; a change or reset of the password ends the sessions, and the keys stay.
CREATE TABLE api_keys (
	id                   TEXT COLLATE "C" PRIMARY KEY,
	user_id              TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name                 TEXT COLLATE "C" NOT NULL,
	key_hash             TEXT COLLATE "C" NOT NULL UNIQUE,
	created_at           BIGINT NOT NULL,
	expires_at           BIGINT,
	revoked_at           BIGINT,
	kind                 TEXT COLLATE "C" NOT NULL DEFAULT 'key' CHECK (kind IN ('key', 'session')),
	created_with_session BOOLEAN NOT NULL DEFAULT false
);

CREATE INDEX api_keys_user ON api_keys (user_id, created_at, id);

-- One-time password reset tokens, stored only as SHA-256 hashes.
CREATE TABLE password_resets (
	token_hash TEXT COLLATE "C" PRIMARY KEY,
	user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT
);

CREATE INDEX password_resets_user ON password_resets (user_id);

-- Failed credential checks, counted per account and per client in windows (see
-- attempt.go). Every instance counts in these rows: a client cannot multiply its limit by
-- the number of instances.
CREATE TABLE credential_attempts (
	key      TEXT COLLATE "C" PRIMARY KEY, -- SHA-256 of what is counted
	failures INTEGER NOT NULL,
	reset_at BIGINT NOT NULL   -- when the window ends
);

CREATE INDEX credential_attempts_reset ON credential_attempts (reset_at);

-- Invitations: an ADMIN asks a person, by email, to join their organization with a role
-- (see SQLite's migration 005 for the statuses).
CREATE TABLE invitations (
	id              TEXT COLLATE "C" PRIMARY KEY,
	organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	email           TEXT COLLATE "C" NOT NULL,
	role            TEXT COLLATE "C" NOT NULL CHECK (role IN ('ADMIN', 'USER')),
	status          TEXT COLLATE "C" NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED')),
	invited_by      TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
	user_id         TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
	created_at      BIGINT NOT NULL,
	sent_at         BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	ended_at        BIGINT
);

CREATE UNIQUE INDEX invitations_pending ON invitations (organization_id, email) WHERE status = 'PENDING';
CREATE INDEX invitations_organization_created ON invitations (organization_id, created_at, id);
CREATE INDEX invitations_organization_status ON invitations (organization_id, status, expires_at);

CREATE TABLE invitation_links (
	token_hash    TEXT COLLATE "C" PRIMARY KEY,
	invitation_id TEXT COLLATE "C" NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
	created_at    BIGINT NOT NULL,
	revoked_at    BIGINT
);

CREATE INDEX invitation_links_invitation ON invitation_links (invitation_id, created_at);

CREATE TABLE invitation_mail_counts (
	organization_id TEXT COLLATE "C" PRIMARY KEY REFERENCES organizations (id),
	mails           INTEGER NOT NULL CHECK (mails >= 0),
	reset_at        BIGINT NOT NULL
);

-- What the database holds whatever program writes to it, as SQLite's migrations 002 and
-- 005 hold it: a user never changes organization; a key or a reset token never changes
-- user; an invitation never changes organization, address or role, nor a link its
-- invitation; only a pending invitation changes status; an accepted invitation names the
-- user it made, of its address, in its organization, with its role; and an address that
-- belongs to a user cannot be invited. The errors carry SQLSTATE 23514
-- (check_violation) and the rule's name as their constraint, which the program reads.
CREATE FUNCTION refuse(message TEXT, name TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = name;
END $$;

CREATE FUNCTION users_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.organization_id IS DISTINCT FROM NEW.organization_id THEN
		PERFORM refuse('a user cannot move to another organization', 'users_organization_fixed');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER users_organization_fixed BEFORE UPDATE OF organization_id ON users
FOR EACH ROW EXECUTE FUNCTION users_fixed();

CREATE FUNCTION user_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.user_id IS DISTINCT FROM NEW.user_id THEN
		PERFORM refuse('a key or a reset token cannot change user', TG_TABLE_NAME || '_user_fixed');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER api_keys_user_fixed BEFORE UPDATE OF user_id ON api_keys
FOR EACH ROW EXECUTE FUNCTION user_fixed();
CREATE TRIGGER password_resets_user_fixed BEFORE UPDATE OF user_id ON password_resets
FOR EACH ROW EXECUTE FUNCTION user_fixed();

CREATE FUNCTION invitations_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		IF OLD.organization_id IS DISTINCT FROM NEW.organization_id OR OLD.email IS DISTINCT FROM NEW.email
			OR OLD.role IS DISTINCT FROM NEW.role THEN
			PERFORM refuse('an invitation cannot change organization, address or role', 'invitations_fixed');
		END IF;
		IF OLD.status IS DISTINCT FROM NEW.status AND OLD.status != 'PENDING' THEN
			PERFORM refuse('only a pending invitation can change status', 'invitations_status_once');
		END IF;
	END IF;
	IF NEW.status = 'ACCEPTED' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status) AND NOT EXISTS (
		SELECT 1 FROM users WHERE id = NEW.user_id AND email = NEW.email
		AND organization_id = NEW.organization_id AND role = NEW.role) THEN
		PERFORM refuse('an accepted invitation makes its user in its organization with its role', 'invitations_accepted_user');
	END IF;
	IF TG_OP = 'INSERT' THEN
		-- The lock on the address is the one a writer of a user with it takes (see
		-- users_address_lock): the check sees every such user that committed.
		PERFORM pg_advisory_xact_lock(hashtextextended(NEW.email, 0));
		IF EXISTS (SELECT 1 FROM users WHERE email = NEW.email) THEN
			PERFORM refuse('this address belongs to a user already', 'invitations_not_a_user');
		END IF;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER invitations_check BEFORE INSERT OR UPDATE ON invitations
FOR EACH ROW EXECUTE FUNCTION invitations_check();

-- A user's address is locked while their transaction writes it, so that an invitation of
-- it in another organization, at the same moment, waits and then sees the user.
CREATE FUNCTION users_address_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended(NEW.email, 0));
	RETURN NEW;
END $$;
CREATE TRIGGER users_address_lock BEFORE INSERT OR UPDATE OF email ON users
FOR EACH ROW EXECUTE FUNCTION users_address_lock();

CREATE FUNCTION invitation_links_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.invitation_id IS DISTINCT FROM NEW.invitation_id THEN
		PERFORM refuse('an invitation link cannot change invitation', 'invitation_links_fixed');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER invitation_links_fixed BEFORE UPDATE OF invitation_id ON invitation_links
FOR EACH ROW EXECUTE FUNCTION invitation_links_fixed();
