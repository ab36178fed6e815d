-- A link an admin made for another admin's invitation as ADMIN (another link, or the
-- invitation sent again) ends when its maker is no longer an active admin (demoted,
-- deactivated, deleted), as the invitations they made themselves do (migration 021), and
-- as SQLite's migration 023 has it: the invitation names the admin who made it, not who
-- made each of its links, and a demoted admin could otherwise make themselves an admin
-- again with a link they kept, accepted under the invitee's address. Each link records
-- the key it was made with (migration 024); the links made with a key of the admin, one
-- they made for someone else, or an embed token minted by either, end, and an invitation
-- left with no working link is withdrawn. A link made before that migration records no
-- key, and stays as it is. The time is the database's clock: only that the link ended
-- counts.
CREATE FUNCTION invitation_links_end() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	at BIGINT := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
BEGIN
	UPDATE invitations SET status = 'REVOKED', ended_at = at
	WHERE status = 'PENDING' AND role = 'ADMIN' AND id IN (SELECT l.invitation_id FROM invitation_links l
		WHERE l.revoked_at IS NULL AND l.made_with_key IN (SELECT id FROM api_keys WHERE user_id = OLD.id OR issued_by = OLD.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = OLD.id OR k.issued_by = OLD.id))
	AND NOT EXISTS (SELECT 1 FROM invitation_links w WHERE w.invitation_id = invitations.id AND w.revoked_at IS NULL
		AND (w.made_with_key IS NULL OR w.made_with_key NOT IN (SELECT id FROM api_keys WHERE user_id = OLD.id OR issued_by = OLD.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = OLD.id OR k.issued_by = OLD.id)));
	UPDATE invitation_links SET revoked_at = at
	WHERE revoked_at IS NULL AND made_with_key IN (SELECT id FROM api_keys WHERE user_id = OLD.id OR issued_by = OLD.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = OLD.id OR k.issued_by = OLD.id)
		AND invitation_id IN (SELECT id FROM invitations WHERE role = 'ADMIN');
	IF TG_OP = 'DELETE' THEN
		RETURN OLD; -- before the delete: anything else would skip it
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER invitation_links_maker_gone AFTER UPDATE OF activated, role ON users
FOR EACH ROW WHEN (OLD.activated AND OLD.role = 'ADMIN' AND (NOT NEW.activated OR NEW.role <> 'ADMIN'))
EXECUTE FUNCTION invitation_links_end();

-- Before the row goes, with its keys.
CREATE TRIGGER invitation_links_maker_deleted BEFORE DELETE ON users
FOR EACH ROW WHEN (OLD.role = 'ADMIN') EXECUTE FUNCTION invitation_links_end();
