-- Invitations: an ADMIN asks a person, by email, to join their organization with a role.
-- A stored status is PENDING, ACCEPTED, REVOKED, or EXPIRED for a pending invitation that
-- a newer one of the same address replaced; a PENDING one whose expires_at has passed
-- reads as EXPIRED (resending it makes it pending again).
CREATE TABLE invitations (
	id              TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL REFERENCES organizations (id),
	email           TEXT NOT NULL, -- stored lower-case
	role            TEXT NOT NULL CHECK (role IN ('ADMIN', 'USER')),
	status          TEXT NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED')),
	invited_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
	user_id         TEXT REFERENCES users (id) ON DELETE SET NULL, -- who accepted it
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL, -- when it was last sent (made or resent)
	expires_at      INTEGER NOT NULL,
	ended_at        INTEGER           -- when it was accepted, revoked or replaced
);

-- One pending invitation per address and organization, whatever runs at once.
CREATE UNIQUE INDEX invitations_pending ON invitations (organization_id, email) WHERE status = 'PENDING';
-- Pages of an organization's invitations, newest first, and their counts by status.
CREATE INDEX invitations_organization_created ON invitations (organization_id, created_at, id);
CREATE INDEX invitations_organization_status ON invitations (organization_id, status, expires_at);

-- The links of an invitation, stored only as SHA-256 hashes of their tokens. Resending
-- revokes them all and makes one; accepting or revoking the invitation ends them.
CREATE TABLE invitation_links (
	token_hash    TEXT PRIMARY KEY,
	invitation_id TEXT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
	created_at    INTEGER NOT NULL,
	revoked_at    INTEGER
);

CREATE INDEX invitation_links_invitation ON invitation_links (invitation_id, created_at);

-- How many invitation emails each organization sent in its current window (an hour by
-- default), so that the limit holds across instances.
CREATE TABLE invitation_mail_counts (
	organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
	mails           INTEGER NOT NULL CHECK (mails >= 0),
	reset_at        INTEGER NOT NULL -- unix microseconds: when the window ends
) WITHOUT ROWID;

-- What the database holds whatever program writes to it:
-- an invitation never changes organization, address or role, and a link never changes
-- invitation (tenant isolation, as for users in migration 002);
CREATE TRIGGER invitations_fixed BEFORE UPDATE OF organization_id, email, role ON invitations
WHEN old.organization_id IS NOT new.organization_id OR old.email IS NOT new.email OR old.role IS NOT new.role
BEGIN
	SELECT RAISE(ABORT, 'an invitation cannot change organization, address or role');
END;

CREATE TRIGGER invitation_links_fixed BEFORE UPDATE OF invitation_id ON invitation_links
WHEN old.invitation_id IS NOT new.invitation_id
BEGIN
	SELECT RAISE(ABORT, 'an invitation link cannot change invitation');
END;

-- an address that belongs to a user cannot be invited;
CREATE TRIGGER invitations_not_a_user BEFORE INSERT ON invitations
WHEN EXISTS (SELECT 1 FROM users WHERE email = new.email)
BEGIN
	SELECT RAISE(ABORT, 'this address belongs to a user already');
END;

-- only a pending invitation changes status, and once;
CREATE TRIGGER invitations_status_once BEFORE UPDATE OF status ON invitations
WHEN old.status IS NOT new.status AND old.status != 'PENDING'
BEGIN
	SELECT RAISE(ABORT, 'only a pending invitation can change status');
END;

-- an accepted invitation names the user it made: of its address, in its organization,
-- with its role.
CREATE TRIGGER invitations_accepted_user BEFORE UPDATE OF status ON invitations
WHEN new.status = 'ACCEPTED' AND NOT EXISTS (
	SELECT 1 FROM users
	WHERE id = new.user_id AND email = new.email AND organization_id = new.organization_id AND role = new.role)
BEGIN
	SELECT RAISE(ABORT, 'an accepted invitation makes its user in its organization with its role');
END;
