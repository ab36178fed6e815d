-- A link an admin made for another admin's invitation as ADMIN (another link, or the
-- invitation sent again) ends when its maker is no longer an active admin (demoted,
-- deactivated, deleted), as the invitations they made themselves do (migration 019): the
-- invitation names the admin who made it, not who made each of its links, and a demoted
-- admin could otherwise make themselves an admin again with a link they kept, accepted
-- under the invitee's address. Each link records the key it was made with (migration 022);
-- the links made with a key of the admin, one they made for someone else, or an embed
-- token minted by either, end, and an invitation left with no working link is withdrawn.
-- A link made before that migration records no key, and stays as it is. The time is the
-- database's clock: only that the link ended counts.
CREATE TRIGGER invitation_links_maker_gone AFTER UPDATE OF activated, role ON users
WHEN old.activated = 1 AND old.role = 'ADMIN' AND (new.activated = 0 OR new.role <> 'ADMIN')
BEGIN
	UPDATE invitations SET status = 'REVOKED', ended_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE status = 'PENDING' AND role = 'ADMIN' AND id IN (SELECT l.invitation_id FROM invitation_links l
		WHERE l.revoked_at IS NULL AND l.made_with_key IN (SELECT id FROM api_keys WHERE user_id = new.id OR issued_by = new.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = new.id OR k.issued_by = new.id))
	AND NOT EXISTS (SELECT 1 FROM invitation_links w WHERE w.invitation_id = invitations.id AND w.revoked_at IS NULL
		AND (w.made_with_key IS NULL OR w.made_with_key NOT IN (SELECT id FROM api_keys WHERE user_id = new.id OR issued_by = new.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = new.id OR k.issued_by = new.id)));
	UPDATE invitation_links SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE revoked_at IS NULL AND made_with_key IN (SELECT id FROM api_keys WHERE user_id = new.id OR issued_by = new.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = new.id OR k.issued_by = new.id)
		AND invitation_id IN (SELECT id FROM invitations WHERE role = 'ADMIN');
END;

-- Before the row goes, with its keys.
CREATE TRIGGER invitation_links_maker_deleted BEFORE DELETE ON users
WHEN old.role = 'ADMIN'
BEGIN
	UPDATE invitations SET status = 'REVOKED', ended_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE status = 'PENDING' AND role = 'ADMIN' AND id IN (SELECT l.invitation_id FROM invitation_links l
		WHERE l.revoked_at IS NULL AND l.made_with_key IN (SELECT id FROM api_keys WHERE user_id = old.id OR issued_by = old.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = old.id OR k.issued_by = old.id))
	AND NOT EXISTS (SELECT 1 FROM invitation_links w WHERE w.invitation_id = invitations.id AND w.revoked_at IS NULL
		AND (w.made_with_key IS NULL OR w.made_with_key NOT IN (SELECT id FROM api_keys WHERE user_id = old.id OR issued_by = old.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = old.id OR k.issued_by = old.id)));
	UPDATE invitation_links SET revoked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE revoked_at IS NULL AND made_with_key IN (SELECT id FROM api_keys WHERE user_id = old.id OR issued_by = old.id
		UNION SELECT t.id FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id WHERE k.user_id = old.id OR k.issued_by = old.id)
		AND invitation_id IN (SELECT id FROM invitations WHERE role = 'ADMIN');
END;
