-- The key each reset link was issued with: the session, or the API key, of the admin who
-- issued it (issuePasswordReset, or an import that made the user). A password change
-- ends the user's other sessions and the keys made in them (migration 018); through this
-- column it ends the links issued with them too (see endLinksOfLines in auth.go), and a
-- completed reset those issued with any session of the user and the keys made in them:
-- whoever stole an admin's session must keep no link to another user's account. NULL for
-- a link issued before this migration, which stays as it is.
ALTER TABLE password_resets ADD COLUMN made_with_key TEXT;

CREATE INDEX password_resets_made_with_key ON password_resets (made_with_key) WHERE made_with_key IS NOT NULL;
