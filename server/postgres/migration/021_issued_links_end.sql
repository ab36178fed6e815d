-- A reset link an admin issued, and an invitation as ADMIN an admin made, end for good
-- when that admin is no longer an active admin (demoted, deactivated, deleted), as the
-- keys they made for others do (migration 019), and as SQLite's migration 019 has it.
-- The checks (resetUsable in auth.go, usable in invitation.go) already refused such a
-- link while its issuer was not one; but the link worked again once they were made an
-- admin again, within its hour (a reset) or its days (an invitation). An invitation as
-- USER stays: it gives no more than its maker has now. The time is the database's clock:
-- only that the link ended counts.
ALTER TABLE password_resets ADD COLUMN revoked_at BIGINT;

CREATE FUNCTION issued_links_end() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	at BIGINT := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
BEGIN
	UPDATE password_resets SET revoked_at = at
	WHERE issued_by = OLD.id AND revoked_at IS NULL AND used_at IS NULL;
	UPDATE invitation_links SET revoked_at = at
	WHERE revoked_at IS NULL AND invitation_id IN (
		SELECT id FROM invitations WHERE invited_by = OLD.id AND role = 'ADMIN' AND status = 'PENDING');
	UPDATE invitations SET status = 'REVOKED', ended_at = at
	WHERE invited_by = OLD.id AND role = 'ADMIN' AND status = 'PENDING';
	IF TG_OP = 'DELETE' THEN
		RETURN OLD; -- before the delete: anything else would skip it
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER issued_links_issuer_gone AFTER UPDATE OF activated, role ON users
FOR EACH ROW WHEN (OLD.activated AND OLD.role = 'ADMIN' AND (NOT NEW.activated OR NEW.role <> 'ADMIN'))
EXECUTE FUNCTION issued_links_end();

-- Before the row goes: the foreign key then sets the invitations' invited_by to NULL.
-- An admin demoted before being deleted has had theirs ended above.
CREATE TRIGGER issued_links_issuer_deleted BEFORE DELETE ON users
FOR EACH ROW WHEN (OLD.role = 'ADMIN') EXECUTE FUNCTION issued_links_end();

-- The links made before this migration by someone who is no longer an active admin of
-- the organization end too: an invitation as ADMIN whose maker was deleted (invited_by
-- NULL) among them.
UPDATE password_resets r SET revoked_at = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
WHERE r.issued_by IS NOT NULL AND r.revoked_at IS NULL AND r.used_at IS NULL AND NOT EXISTS (
	SELECT 1 FROM users issuer JOIN users holder ON holder.id = r.user_id
	WHERE issuer.id = r.issued_by AND issuer.role = 'ADMIN' AND issuer.activated
		AND issuer.organization_id = holder.organization_id);

UPDATE invitation_links SET revoked_at = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
WHERE revoked_at IS NULL AND invitation_id IN (
	SELECT id FROM invitations i WHERE i.role = 'ADMIN' AND i.status = 'PENDING' AND NOT EXISTS (
		SELECT 1 FROM users a WHERE a.id = i.invited_by AND a.role = 'ADMIN' AND a.activated
			AND a.organization_id = i.organization_id));
UPDATE invitations i SET status = 'REVOKED', ended_at = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
WHERE i.role = 'ADMIN' AND i.status = 'PENDING' AND NOT EXISTS (
	SELECT 1 FROM users a WHERE a.id = i.invited_by AND a.role = 'ADMIN' AND a.activated
		AND a.organization_id = i.organization_id);

CREATE INDEX password_resets_issued_by ON password_resets (issued_by) WHERE issued_by IS NOT NULL;
