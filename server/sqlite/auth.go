package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"useradmin/server"
	"useradmin/server/audit"
)

// AuthService authenticates callers and manages their keys and passwords.
type AuthService struct {
	db *DB
}

var _ server.AuthService = (*AuthService)(nil)

// NewAuthService returns an AuthService on db.
func NewAuthService(db *DB) *AuthService {
	return &AuthService{db: db}
}

// MaxKeyNameLength is the longest name an API key may have, in characters.
const MaxKeyNameLength = 100

func errSignInFirst() error {
	return server.Errorf(server.EUNAUTHENTICATED, "Sign in first: send your API key in the Authorization header.")
}

func errDeactivated() error {
	return server.Errorf(server.EUNAUTHENTICATED, "Your account is deactivated: ask an admin of your organization to activate it.")
}

// caller returns the user calling, as stored now, so that a change of role or a
// deactivation counts at once. UNAUTHENTICATED when there is no caller, their key stopped
// working, or they are deactivated. In a write transaction, a read-only embed token is
// FORBIDDEN: every write of the store passes here.
func caller(ctx context.Context, tx *Tx) (*server.User, error) {
	auth := server.AuthFromContext(ctx)
	if auth == nil || auth.User == nil {
		return nil, errSignInFirst()
	}
	if auth.Embed != nil {
		return embedCaller(ctx, tx, auth)
	}
	user, err := findUserByID(ctx, tx, auth.User.ID)
	if server.ErrorCode(err) == server.ENOTFOUND {
		return nil, server.ErrKeyEnded
	} else if err != nil {
		return nil, err
	}
	if auth.KeyID != "" {
		st, err := tx.prepared(ctx, callerKeyQuery)
		if err != nil {
			return nil, fmt.Errorf("check key: %w", err)
		}
		var n int
		if err := st.QueryRowContext(ctx, auth.KeyID, user.ID, toMicro(tx.now)).Scan(&n); err != nil {
			return nil, fmt.Errorf("check key: %w", err)
		} else if n == 0 {
			return nil, server.ErrKeyEnded
		}
	}
	if !user.Activated {
		return nil, errDeactivated()
	}
	return user, nil
}

// callerKeyQuery counts the working keys with an id ($1) of a user ($2) at a time ($3).
const callerKeyQuery = `
	SELECT COUNT(*) FROM api_keys k
	WHERE k.id = ? AND k.user_id = ? AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)
		AND ` + keyIssuerActive

// Authenticate returns who owns key; UNAUTHENTICATED when the key is unknown, expired,
// revoked, or its user is deactivated. A key is cheap to check, so it is checked first and
// a failure counted after, per client: a client that failed as often as the limit allows
// is refused RATE_LIMITED without a check, and of failures that run at once, those over
// the limit are answered RATE_LIMITED too, so that no more than the limit are ever told
// that a key is wrong.
func (s *AuthService) Authenticate(ctx context.Context, key string) (*server.Auth, error) {
	return s.AuthenticatePair(ctx, "", key)
}

// AuthenticatePair returns who owns the key with id and secret, as Paradime's two headers
// send them (X-API-KEY: the id, X-API-SECRET: the secret); both must name the same key.
// An empty id checks the secret alone, as Authenticate does. Failures count as
// Authenticate's do.
//
// The first use of a key each day (UTC) counts as a sign-in: it sets the user's
// lastSignedInAt, in a write of its own that later uses that day skip.
func (s *AuthService) AuthenticatePair(ctx context.Context, id, secret string) (*server.Auth, error) {
	auth, err := s.authenticate(ctx, id, secret)
	if err == server.ErrKeyNotValid {
		if lerr := s.db.recordFailure(ctx, secretClientSubject(ctx)); lerr != nil {
			return nil, lerr
		}
	}
	if err == nil && !signedInToday(auth.User, toMicro(s.db.now())) {
		if err := s.recordDailySignIn(ctx, auth.User); err != nil {
			return nil, err
		}
	}
	return auth, err
}

// recordDailySignIn sets user's last sign-in to now, unless a request that ran at the
// same time did so today already, and updates user to match.
func (s *AuthService) recordDailySignIn(ctx context.Context, user *server.User) error {
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := recordSignIn(ctx, tx, user.ID, true); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	now := tx.now
	user.LastSignedInAt = &now
	return nil
}

// authenticate checks key and, unless wantID is empty, that it is the key with that id,
// before anything else is told about it. Every request makes this check, so an API key's
// is one prepared statement outside any transaction: the key, its user and the client's
// failures read together.
func (s *AuthService) authenticate(ctx context.Context, wantID, key string) (*server.Auth, error) {
	subject := secretClientSubject(ctx)
	if wantID == "" && isEmbedToken(key) {
		return s.authenticateEmbed(ctx, subject, key)
	}
	st := s.db.shared[authenticateKey]
	now := s.db.now()
	var keyID string
	var expiresAt, revokedAt, failures, resetAt sql.NullInt64
	var issuerActive bool
	user, err := scanUser(scanFunc(func(dest ...any) error {
		return st.QueryRowContext(ctx, hashSecret(key), subject.key(), toMicro(now)).
			Scan(append([]any{&failures, &resetAt, &keyID, &expiresAt, &revokedAt, &issuerActive}, dest...)...)
	}))
	if err == sql.ErrNoRows {
		// No such key: the client's failures are read alone, and a client over the
		// limit learns only that it must wait.
		if err := s.checkNotLimited(ctx, subject); err != nil {
			return nil, err
		}
		return nil, server.ErrKeyNotValid
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if err := s.db.limited(subject, failures, resetAt, now); err != nil {
		return nil, err
	}
	if wantID != "" && keyID != wantID {
		return nil, server.ErrKeyNotValid
	}
	if revokedAt.Valid || (expiresAt.Valid && expiresAt.Int64 <= toMicro(now)) || !issuerActive {
		return nil, server.ErrKeyEnded
	}
	if !user.Activated {
		return nil, errDeactivated()
	}
	return &server.Auth{User: user, KeyID: keyID}, nil
}

// authenticateKey reads an API key by its hash ($1), with its user and the failures of
// the client ($2) in the window that is open at $3.
var authenticateKey = `
	SELECT a.failures, a.reset_at, k.id, k.expires_at, k.revoked_at, ` + keyIssuerActive + `, ` + prefixed("u.", userColumns) + `
	FROM api_keys k JOIN users u ON u.id = k.user_id
	LEFT JOIN credential_attempts a ON a.key = ?2 AND a.reset_at > ?3
	WHERE k.key_hash = ?1`

// checkNotLimited is DB.checkNotLimited in a read transaction of its own.
func (s *AuthService) checkNotLimited(ctx context.Context, subject attemptSubject) error {
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return s.db.checkNotLimited(ctx, tx, subject)
}

// authenticateEmbed checks an embed token, once the client is known not to be over its
// limit, in one read transaction.
func (s *AuthService) authenticateEmbed(ctx context.Context, subject attemptSubject, token string) (*server.Auth, error) {
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := s.db.checkNotLimited(ctx, tx, subject); err != nil {
		return nil, err
	}
	return authenticateEmbed(ctx, tx, token)
}

// keyIssuerActive holds for an API key k that an admin made for someone else while that
// admin is still an active ADMIN of the key's user's organization, and for every other
// key (issued_by NULL: the user's own, a session, or one made before migration 015). A
// key must not outlive its issuer's role, or a demoted admin would keep acting as the
// user, another admin included, with a key they made for them.
const keyIssuerActive = `(k.issued_by IS NULL OR EXISTS (
			SELECT 1 FROM users issuer JOIN users holder ON holder.id = k.user_id
			WHERE issuer.id = k.issued_by AND issuer.role = 'ADMIN' AND issuer.activated = 1 AND issuer.organization_id = holder.organization_id))`

// scanFunc lets a function with extra columns stand in for a row.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// prefixed qualifies each of a comma-separated list of columns with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ", ")
	for i := range cols {
		cols[i] = prefix + cols[i]
	}
	return strings.Join(cols, ", ")
}

// SignIn checks an email and password and returns a new key that expires after
// server.SessionLifetime. An attempt is counted against the account (the email, known or
// not) and the client before the password is checked, and given back when it is right, so
// that however many guesses run at once, at most the limit of them are checked. The
// password is checked outside any transaction: it takes tens of milliseconds on purpose,
// and other writers need not wait for it.
//
// login is an email or a username (it has no @). The attempts of an account are counted
// under its email whichever it is signed in with, so that the two do not double its limit.
func (s *AuthService) SignIn(ctx context.Context, login, password string) (*server.Session, error) {
	user, hash, err := s.findForSignIn(ctx, login)
	if err != nil {
		return nil, err
	}
	account := server.NormalizeEmail(login)
	if user != nil {
		account = user.Email
	}
	if user != nil && !user.Activated {
		// A deactivated account is answered as a wrong password, and checked as an
		// unknown one: whatever password is sent, the attempt counts and the answer is
		// the same, so that it never confirms a password someone guessed.
		user, hash = nil, ""
	}
	res, err := s.db.reserveAttempt(ctx, accountSubject(account), clientSubject(ctx))
	if err != nil {
		return nil, err
	}
	// An unknown user has no hash, which is checked as long as a real one and matches nothing.
	ok, err := s.db.checkReserved(ctx, res, hash, password)
	if err != nil {
		return nil, err
	} else if !ok || user == nil {
		return nil, server.ErrSignInNotValid
	}

	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Read again in the write: one deactivated or deleted while the password was checked
	// gets no session.
	if user, err = findUserByID(ctx, tx, user.ID); server.ErrorCode(err) == server.ENOTFOUND || err == nil && !user.Activated {
		tx.Rollback() // the write lock, which counting the attempt needs
		return nil, s.refuseSignIn(ctx, account)
	} else if err != nil {
		return nil, err
	}

	expiresAt := tx.now.Add(server.SessionLifetime)
	key, err := createAPIKey(ctx, tx, user.ID, newKey{name: "Session", expiresAt: &expiresAt, session: true})
	if err != nil {
		return nil, err
	}
	if err := recordSignIn(ctx, tx, user.ID, false); err != nil {
		return nil, err
	}
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditSignedIn, User: user, Actor: user, ActorKeyID: key.ID, APIKeyID: key.ID}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	now := tx.now
	user.LastSignedInAt = &now
	return &server.Session{APIKey: key.Key, ExpiresAt: expiresAt, User: user}, nil
}

// refuseSignIn answers a sign-in whose password was right, but whose account was
// deactivated or deleted while it was checked, as a wrong password: counted as one, for
// the check gave its attempt back.
func (s *AuthService) refuseSignIn(ctx context.Context, account string) error {
	if _, err := s.db.reserveAttempt(ctx, accountSubject(account), clientSubject(ctx)); err != nil {
		return err
	}
	return server.ErrSignInNotValid
}

// findForSignIn returns the user with the email or username login and their password
// hash; a nil user when there is none.
func (s *AuthService) findForSignIn(ctx context.Context, login string) (*server.User, string, error) {
	where, arg := findLogin(login)
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()

	var hash sql.NullString
	user, err := scanUser(scanFunc(func(dest ...any) error {
		return tx.QueryRowContext(ctx, `SELECT password_hash, `+userColumns+` FROM users WHERE `+where, arg).
			Scan(append([]any{&hash}, dest...)...)
	}))
	if err == sql.ErrNoRows {
		return nil, "", nil
	} else if err != nil {
		return nil, "", fmt.Errorf("sign in: %w", err)
	}
	return user, hash.String, nil
}

// SignOut revokes the key the caller used.
func (s *AuthService) SignOut(ctx context.Context) error {
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return err
	}
	auth := server.AuthFromContext(ctx)
	keyID := auth.KeyID
	if auth.Embed != nil {
		// An embed token's end is its portal's to record; it is neither a key nor a session.
		if err := revokeEmbedToken(ctx, tx, keyID); err != nil {
			return err
		}
		return tx.Commit()
	}
	if revoked, err := revokeAPIKey(ctx, tx, keyID); err != nil {
		return err
	} else if revoked {
		if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditSignedOut, User: me, APIKeyID: keyID}); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// CreateAPIKey makes a key for the caller, or, for an ADMIN, for the user of their
// organization that ref names (nil: the caller). The key is in this answer only. A key
// made by a caller signed in with a session says so.
func (s *AuthService) CreateAPIKey(ctx context.Context, create server.APIKeyCreate, ref *server.UserRef) (*server.APIKey, error) {
	if err := mayMint(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(create.Name)
	if name == "" {
		return nil, server.FieldErrorf("name", "Name the key, e.g. after the script or machine that will use it.")
	} else if n := utf8.RuneCountInString(name); n > MaxKeyNameLength || !utf8.ValidString(name) {
		return nil, server.FieldErrorf("name", "A key's name must be at most %d characters (it has %d).", MaxKeyNameLength, n)
	}
	if create.ExpiresAt != nil && !create.ExpiresAt.After(tx.now) {
		return nil, server.FieldErrorf("expiresAt", "The key's expiry is in the past: pick a later date and time, or none for a key that does not expire.")
	}
	user := me
	if ref != nil {
		if user, err = findForWrite(ctx, tx, me, *ref, "You can create keys only for yourself: ask an admin of your organization for keys of other users."); err != nil {
			return nil, err
		}
	}
	keyID := server.AuthFromContext(ctx).KeyID
	withSession, err := isSession(ctx, tx, keyID)
	if err != nil {
		return nil, err
	}
	nk := newKey{name: name, expiresAt: create.ExpiresAt, createdWithSession: withSession, origin: keyOrigin{madeWith: keyID}}
	if user.ID != me.ID {
		nk.origin.issuedBy = me.ID
	}
	key, err := createAPIKey(ctx, tx, user.ID, nk)
	if err != nil {
		return nil, err
	}
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditAPIKeyCreated, User: user, APIKeyID: key.ID,
		Changes: []server.AuditChange{{Field: "name", New: audit.Text(key.Name)}}}); err != nil {
		return nil, err
	}
	return key, tx.Commit()
}

// newKey is what createAPIKey makes.
type newKey struct {
	name               string
	expiresAt          *time.Time
	session            bool // a session's key, which a password change or reset ends
	createdWithSession bool
	origin             keyOrigin
}

// keyOrigin is who made a key, and with which key, beyond its user.
type keyOrigin struct {
	issuedBy string // the admin who made it for someone else; "" for the user's own
	madeWith string // the id of the key (a session's or not) its maker used; "" for none
}

// createAPIKey stores the hash of a new key for userID and returns the key with its secret.
func createAPIKey(ctx context.Context, tx *Tx, userID string, nk newKey) (*server.APIKey, error) {
	key := &server.APIKey{
		ID:                 newID(),
		Name:               nk.name,
		Key:                newSecret(),
		UserID:             userID,
		CreatedAt:          tx.now,
		ExpiresAt:          nk.expiresAt,
		Session:            nk.session,
		CreatedWithSession: nk.createdWithSession,
	}
	return key, insertAPIKey(ctx, tx, key, nk.origin)
}

// insertAPIKey stores key, with where it comes from.
func insertAPIKey(ctx context.Context, tx *Tx, key *server.APIKey, origin keyOrigin) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO api_keys (id, user_id, name, key_hash, created_at, expires_at, kind, created_with_session, issued_by, made_with_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		key.ID, key.UserID, key.Name, hashSecret(key.Key), toMicro(key.CreatedAt), nullMicro(key.ExpiresAt),
		keyKind(key.Session), key.CreatedWithSession, nullString(origin.issuedBy), nullString(origin.madeWith)); err != nil {
		return fmt.Errorf("insert api key: %w", err)
	}
	return nil
}

// keyKind is how api_keys.kind names a session's key and another key.
func keyKind(session bool) string {
	if session {
		return "session"
	}
	return "key"
}

// isSession reports whether the key with id is a session's; false for no key.
func isSession(ctx context.Context, tx *Tx, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	var kind string
	err := tx.QueryRowContext(ctx, `SELECT kind FROM api_keys WHERE id = ?`, id).Scan(&kind)
	if err == sql.ErrNoRows {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read key kind: %w", err)
	}
	return kind == "session", nil
}

// revokeKeyLines ends for good the keys that roots selects (ids of keys, given the user's
// id as ?2) and every key made with one of them, in turn, but the key with id spare (?3;
// "" for none) and the keys made with it: whoever made a key with a session that ends
// because its user's password changed could have made another with that key.
func revokeKeyLines(ctx context.Context, tx *Tx, roots, userID, spare string) error {
	if _, err := tx.ExecContext(ctx, `
		WITH RECURSIVE line (id) AS (`+roots+`
			UNION SELECT k.id FROM api_keys k JOIN line ON k.made_with_key = line.id WHERE k.id != ?3)
		UPDATE api_keys SET revoked_at = ?1 WHERE revoked_at IS NULL AND id IN (SELECT id FROM line)`,
		toMicro(tx.now), userID, spare); err != nil {
		return fmt.Errorf("revoke keys made with a session: %w", err)
	}
	return nil
}

// endLinksOfLines ends for good the reset links, of any user, and the invitation links
// made with a key that sessions selects (ids of sessions, given the user's id as ?2),
// with a key made with one of those in turn, or with an embed token minted by one, but
// for the key with id spare (?3; "" for none) and its own; a pending invitation left
// with no working link is withdrawn. Whoever stole a session that a password change or
// reset ends could have issued a link, for another admin's account, or to join as one,
// and would otherwise use it after the change. The same line as revokeKeyLines, from the
// sessions themselves.
func endLinksOfLines(ctx context.Context, tx *Tx, sessions, userID, spare string) error {
	line := `WITH RECURSIVE line (id) AS (` + sessions + `
			UNION SELECT k.id FROM api_keys k JOIN line ON k.made_with_key = line.id WHERE k.id != ?3),
		credentials (id) AS (SELECT id FROM line UNION SELECT t.id FROM embed_tokens t JOIN line ON t.key_id = line.id)`
	for _, end := range []struct{ what, statement string }{
		{"password resets", `UPDATE password_resets SET revoked_at = ?1
			WHERE used_at IS NULL AND revoked_at IS NULL AND made_with_key IN (SELECT id FROM credentials)`},
		{"invitations", `UPDATE invitations SET status = 'REVOKED', ended_at = ?1
			WHERE status = 'PENDING' AND id IN (SELECT l.invitation_id FROM invitation_links l
				WHERE l.revoked_at IS NULL AND l.made_with_key IN (SELECT id FROM credentials))
			AND NOT EXISTS (SELECT 1 FROM invitation_links w WHERE w.invitation_id = invitations.id
				AND w.revoked_at IS NULL AND (w.made_with_key IS NULL OR w.made_with_key NOT IN (SELECT id FROM credentials)))`},
		{"invitation links", `UPDATE invitation_links SET revoked_at = ?1
			WHERE revoked_at IS NULL AND made_with_key IN (SELECT id FROM credentials)`},
	} {
		if _, err := tx.ExecContext(ctx, line+"\n\t\t"+end.statement, toMicro(tx.now), userID, spare); err != nil {
			return fmt.Errorf("end %s of ended keys: %w", end.what, err)
		}
	}
	return nil
}

// otherSessions are the sessions a password change ends, or that ended before it: every
// one of the user's but the one the change is sent with.
const otherSessions = `SELECT id FROM api_keys WHERE user_id = ?2 AND kind = 'session' AND id != ?3`

// sessionsAndKeysMadeWithThem are the roots of what a reset ends: every session of the
// user, and every key made with one (keysMadeWithSessions), those made before the keys
// recorded which key made them among them.
const sessionsAndKeysMadeWithThem = `SELECT id FROM api_keys WHERE user_id = ?2 AND kind = 'session'
			UNION SELECT id FROM api_keys WHERE created_with_session = 1 AND (user_id = ?2 OR issued_by = ?2)`

// endResetLinks ends for good the reset links of the user with userID still outstanding:
// their password was changed, and a link issued before, perhaps by whoever stole one of
// the sessions the change ends, must not set another one within its hour.
func endResetLinks(ctx context.Context, tx *Tx, userID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET revoked_at = ?
		WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL`, toMicro(tx.now), userID); err != nil {
		return fmt.Errorf("end password resets: %w", err)
	}
	return nil
}

// keysOfOtherSessions are the keys that a password change ends with the sessions: those
// made with a session of the user other than the one that changed it, still working or
// not (one that signed out or expired could have made them), but the key the change is
// sent with. Keys made before migration 018 record no key they were made with, and stay.
const keysOfOtherSessions = `SELECT k.id FROM api_keys s JOIN api_keys k ON k.made_with_key = s.id
			WHERE s.user_id = ?2 AND s.kind = 'session' AND s.id != ?3 AND k.id != ?3`

// keysMadeWithSessions are the keys that a reset ends with the sessions: every key of the
// user made with a session, and every key they made for others with one.
const keysMadeWithSessions = `SELECT id FROM api_keys WHERE created_with_session = 1 AND (user_id = ?2 OR issued_by = ?2)`

// revokeSessionsOf ends the sessions of the users with userIDs, in one statement: a
// batch of a bulk action or of an import that deactivates them. API keys stay.
func revokeSessionsOf(ctx context.Context, tx *Tx, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?
		WHERE kind = 'session' AND revoked_at IS NULL AND user_id IN (SELECT value FROM json_each(?))`,
		toMicro(tx.now), jsonList(userIDs)); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

// revokeSessions ends every session of the user with userID but the one with exceptKeyID
// (none when empty): their password changed. API keys stay: revokeKeyLines ends those
// that must end with the sessions.
func revokeSessions(ctx context.Context, tx *Tx, userID, exceptKeyID string) error {
	if _, err := tx.ExecContext(ctx, `
		UPDATE api_keys SET revoked_at = ?
		WHERE user_id = ? AND kind = 'session' AND revoked_at IS NULL AND id != ?`,
		toMicro(tx.now), userID, exceptKeyID); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

// revokeAPIKey revokes the key with id and reports whether it was working until now.
func revokeAPIKey(ctx context.Context, tx *Tx, id string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
		toMicro(tx.now), id)
	if err != nil {
		return false, fmt.Errorf("revoke api key: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RevokeAPIKey revokes a key of the caller, or, for an ADMIN, of their organization.
func (s *AuthService) RevokeAPIKey(ctx context.Context, id string) error {
	if err := mayRemove(ctx); err != nil {
		return err
	}
	if err := server.ValidateID("id", id); err != nil {
		return err
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return err
	}
	var userID, orgID, userEmail, keyName string
	err = tx.QueryRowContext(ctx, `
		SELECT k.user_id, u.organization_id, u.email, k.name FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?`, id).
		Scan(&userID, &orgID, &userEmail, &keyName)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("find api key: %w", err)
	}
	if err == sql.ErrNoRows || !(userID == me.ID || (me.Role == server.RoleAdmin && orgID == me.OrganizationID)) {
		return server.Errorf(server.ENOTFOUND, "API key not found.")
	}
	if revoked, err := revokeAPIKey(ctx, tx, id); err != nil {
		return err
	} else if revoked {
		owner := &server.User{ID: userID, Email: userEmail, OrganizationID: orgID}
		if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditAPIKeyRevoked, User: owner, APIKeyID: id,
			Changes: []server.AuditChange{{Field: "name", Old: audit.Text(keyName)}}}); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// FindAPIKeys lists the keys that still work and that the caller may see, without their
// secrets: the caller's own, or, for an ADMIN, those of the users of their organization.
func (s *AuthService) FindAPIKeys(ctx context.Context, filter server.APIKeyFilter, page server.Page) ([]*server.APIKey, error) {
	if err := filter.Validate(); err != nil {
		return nil, err
	}
	if err := page.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	query := `SELECT k.id, k.user_id, k.name, k.created_at, k.expires_at, k.kind, k.created_with_session FROM api_keys k JOIN users u ON u.id = k.user_id
		WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)`
	args := []any{toMicro(tx.now)}
	if me.Role == server.RoleAdmin {
		query, args = query+` AND u.organization_id = ?`, append(args, me.OrganizationID)
	} else {
		query, args = query+` AND k.user_id = ?`, append(args, me.ID)
	}
	if filter.Key != nil {
		query, args = query+` AND k.key_hash = ?`, append(args, hashSecret(*filter.Key))
	}
	if filter.UserID != nil {
		query, args = query+` AND k.user_id = ?`, append(args, *filter.UserID)
	}
	query, args = query+` ORDER BY k.created_at, k.id LIMIT ? OFFSET ?`, append(args, page.Limit, page.Offset)
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find api keys: %w", err)
	}
	defer rows.Close()

	keys := []*server.APIKey{}
	for rows.Next() {
		key := &server.APIKey{}
		var createdAt int64
		var expiresAt sql.NullInt64
		var kind string
		if err := rows.Scan(&key.ID, &key.UserID, &key.Name, &createdAt, &expiresAt, &kind, &key.CreatedWithSession); err != nil {
			return nil, fmt.Errorf("find api keys: %w", err)
		}
		key.CreatedAt, key.Session = fromMicro(createdAt), kind == "session"
		if expiresAt.Valid {
			t := fromMicro(expiresAt.Int64)
			key.ExpiresAt = &t
		}
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find api keys: %w", err)
	}
	return keys, nil
}

// IssuePasswordReset makes a one-time reset token, valid server.PasswordResetLifetime,
// for the user ref names; only an ADMIN of that user's organization may.
func (s *AuthService) IssuePasswordReset(ctx context.Context, ref server.UserRef) (*server.PasswordReset, *server.User, error) {
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	if me.Role != server.RoleAdmin {
		return nil, nil, server.Errorf(server.EFORBIDDEN, "Only an admin can reset passwords: change your own with your current password.")
	}
	user, err := findForWrite(ctx, tx, me, ref, "")
	if err != nil {
		return nil, nil, err
	}
	reset := &server.PasswordReset{Token: newSecret(), ExpiresAt: tx.now.Add(server.PasswordResetLifetime)}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO password_resets (token_hash, user_id, created_at, expires_at, issued_by, made_with_key) VALUES (?, ?, ?, ?, ?, ?)`,
		hashSecret(reset.Token), user.ID, toMicro(tx.now), toMicro(reset.ExpiresAt), me.ID, nullString(server.AuthFromContext(ctx).KeyID)); err != nil {
		return nil, nil, fmt.Errorf("insert password reset: %w", err)
	}
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditPasswordResetIssued, User: user}); err != nil {
		return nil, nil, err
	}
	return reset, user, tx.Commit()
}

// CompletePasswordReset sets a new password with a reset token, which then stops
// working, and ends every session of the user and the API keys made with a session (see
// keysMadeWithSessions). An attempt is counted against the client before the
// token is looked up, and given back when the token is good; the new password is hashed
// only then, outside any transaction.
func (s *AuthService) CompletePasswordReset(ctx context.Context, token, newPassword string) error {
	if err := server.ValidatePassword("newPassword", newPassword); err != nil {
		return err
	}
	res, err := s.db.reserveAttempt(ctx, secretClientSubject(ctx))
	if err != nil {
		return err
	}
	// Only a guess keeps its attempt: a link that worked once (server.ErrResetEnded),
	// clicked again, is not one.
	_, err = s.findReset(ctx, token)
	if err == nil || err == server.ErrResetEnded || server.ErrorCode(err) == server.EINTERNAL {
		if rerr := s.db.refund(ctx, res); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	hash, err := s.db.Hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}

	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Looked up again in the write transaction: a token works once, however many
	// requests bring it at the same time.
	userID, err := findResetTx(ctx, tx, token)
	if err != nil {
		return err
	}
	user, err := findUserByID(ctx, tx, userID)
	if err != nil {
		return err
	}
	if err := setPassword(ctx, tx, user, hash); err != nil {
		return err
	}
	// Every outstanding link of the user stops working, not only this one, every session
	// ends, and so does every key made with a session, and every key made with one of
	// those in turn: whoever held one may be the reason for the reset, and would otherwise
	// keep a key of their own making for good.
	if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`,
		toMicro(tx.now), userID); err != nil {
		return fmt.Errorf("use password reset: %w", err)
	}
	if err := revokeSessions(ctx, tx, userID, ""); err != nil {
		return err
	}
	if err := revokeKeyLines(ctx, tx, keysMadeWithSessions, userID, ""); err != nil {
		return err
	}
	if err := endLinksOfLines(ctx, tx, sessionsAndKeysMadeWithThem, userID, ""); err != nil {
		return err
	}
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditPasswordResetCompleted, User: user, Actor: user}); err != nil {
		return err
	}
	return tx.Commit()
}

// findReset returns the user of a reset token that still works, or BAD_USER_INPUT.
func (s *AuthService) findReset(ctx context.Context, token string) (string, error) {
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	return findResetTx(ctx, tx, token)
}

// resetIssuerActive holds for a reset link r whose issuer is still an active ADMIN of its
// user's organization, or that names no issuer (made before migration 014): a link must
// not outlive its issuer's role, or a demoted admin could take over an account, an
// admin's included, with a link they kept. Since migration 019 such a link is revoked
// for good (revoked_at) when its issuer stops being one, so that it does not work again
// if they are made an admin again; the check stays, a second guard of the same rule.
const resetIssuerActive = `(r.issued_by IS NULL OR EXISTS (
			SELECT 1 FROM users a JOIN users t ON t.id = r.user_id
			WHERE a.id = r.issued_by AND a.role = 'ADMIN' AND a.activated AND a.organization_id = t.organization_id))`

// findResetTx returns the user of a reset link that still works: server.ErrResetNotValid
// for a link that matches none, a guess; server.ErrResetEnded for one that worked once.
func findResetTx(ctx context.Context, tx *Tx, token string) (string, error) {
	var userID string
	var works bool
	err := tx.QueryRowContext(ctx, `
		SELECT r.user_id, r.used_at IS NULL AND r.revoked_at IS NULL AND r.expires_at > ? AND `+resetIssuerActive+`
		FROM password_resets r WHERE r.token_hash = ?`,
		toMicro(tx.now), hashSecret(token)).Scan(&userID, &works)
	if err == sql.ErrNoRows {
		return "", server.ErrResetNotValid
	} else if err != nil {
		return "", fmt.Errorf("find password reset: %w", err)
	} else if !works {
		return "", server.ErrResetEnded
	}
	return userID, nil
}
