-- Who issued each password reset link: the admin whose issuePasswordReset,
-- issuePasswordResets or import made it. A link outlives its issuer's role, and whoever
-- holds one can set the password of its user, an admin's too: a link works only while
-- its issuer is still an active admin of the user's organization (see resetIssuerActive in auth.go).
-- No foreign key: a deleted issuer leaves the id behind, which then names no one, and
-- the link stops working. Links made before this migration name no issuer and keep
-- working until they expire, within PasswordResetLifetime or an import's 7 days.
ALTER TABLE password_resets ADD COLUMN issued_by TEXT;
