-- A reset link an admin issued, and an invitation as ADMIN an admin made, end for good
-- when that admin is no longer an active admin (demoted, deactivated, deleted), as the
-- keys they made for others do (migration 017). The checks (resetIssuerActive in auth.go,
-- usable in invitation.go) already refused such a link while its issuer was not one; but
-- the link worked again once they were made an admin again, within its hour (a reset) or
-- its days (an invitation), and a demoted admin could take over an account with it, or
-- make themselves an admin again. An invitation as USER stays: it gives no more than its
-- maker has now. The time is the database's clock: only that the link ended counts.
ALTER TABLE password_resets ADD COLUMN revoked_at INTEGER;

CREATE TRIGGER issued_links_issuer_gone AFTER UPDATE OF activated, role ON users
WHEN old.activated = 1 AND old.role = 'ADMIN' AND (new.activated = 0 OR new.role <> 'ADMIN')
BEGIN
	UPDATE password_resets SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE issued_by = new.id AND revoked_at IS NULL AND used_at IS NULL;
	UPDATE invitation_links SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE revoked_at IS NULL AND invitation_id IN (
		SELECT id FROM invitations WHERE invited_by = new.id AND role = 'ADMIN' AND status = 'PENDING');
	UPDATE invitations SET status = 'REVOKED', ended_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE invited_by = new.id AND role = 'ADMIN' AND status = 'PENDING';
END;

-- Before the row goes: the foreign key then sets the invitations' invited_by to NULL.
-- An admin demoted before being deleted has had theirs ended above.
CREATE TRIGGER issued_links_issuer_deleted BEFORE DELETE ON users
WHEN old.role = 'ADMIN'
BEGIN
	UPDATE password_resets SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE issued_by = old.id AND revoked_at IS NULL AND used_at IS NULL;
	UPDATE invitation_links SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE revoked_at IS NULL AND invitation_id IN (
		SELECT id FROM invitations WHERE invited_by = old.id AND role = 'ADMIN' AND status = 'PENDING');
	UPDATE invitations SET status = 'REVOKED', ended_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE invited_by = old.id AND role = 'ADMIN' AND status = 'PENDING';
END;

-- The links made before this migration by someone who is no longer an active admin of
-- the organization end too: an invitation as ADMIN whose maker was deleted (invited_by
-- NULL) among them.
UPDATE password_resets SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE issued_by IS NOT NULL AND revoked_at IS NULL AND used_at IS NULL AND NOT EXISTS (
	SELECT 1 FROM users issuer JOIN users holder ON holder.id = password_resets.user_id
	WHERE issuer.id = password_resets.issued_by AND issuer.role = 'ADMIN' AND issuer.activated = 1
		AND issuer.organization_id = holder.organization_id);

UPDATE invitation_links SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE revoked_at IS NULL AND invitation_id IN (
	SELECT id FROM invitations i WHERE i.role = 'ADMIN' AND i.status = 'PENDING' AND NOT EXISTS (
		SELECT 1 FROM users a WHERE a.id = i.invited_by AND a.role = 'ADMIN' AND a.activated = 1
			AND a.organization_id = i.organization_id));
UPDATE invitations SET status = 'REVOKED', ended_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
WHERE role = 'ADMIN' AND status = 'PENDING' AND NOT EXISTS (
	SELECT 1 FROM users a WHERE a.id = invitations.invited_by AND a.role = 'ADMIN' AND a.activated = 1
		AND a.organization_id = invitations.organization_id);

CREATE INDEX password_resets_issued_by ON password_resets (issued_by) WHERE issued_by IS NOT NULL;
