-- The key each invitation link was made with: the session, or the API key, of the admin
-- who sent the invitation, sent it again or made another link for it (or the embed token
-- they used). As for reset links (migration 021), a password change and a completed reset
-- end the links made with the sessions and keys they end, and withdraw the invitations
-- left with no working link (see endLinksOfLines in auth.go): whoever stole an admin's
-- session must not join with an address of their own after the change. NULL for a link
-- made before this migration, which stays as it is.
ALTER TABLE invitation_links ADD COLUMN made_with_key TEXT;

CREATE INDEX invitation_links_made_with_key ON invitation_links (made_with_key) WHERE made_with_key IS NOT NULL;
