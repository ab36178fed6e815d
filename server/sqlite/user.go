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

// UserService reads and writes users on behalf of the caller in the context.
type UserService struct {
	db *DB
}

var _ server.UserService = (*UserService)(nil)

// NewUserService returns a UserService on db.
func NewUserService(db *DB) *UserService {
	return &UserService{db: db}
}

// FindUsers returns one page of the users the caller may see that match filter.
func (s *UserService) FindUsers(ctx context.Context, filter server.UserFilter, page server.Page, order []server.UserOrder) ([]*server.User, error) {
	if err := filter.Validate(); err != nil {
		return nil, err
	}
	if err := page.Validate(); err != nil {
		return nil, err
	}
	if err := server.ValidateOrder(order); err != nil {
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
	filter, ok := scope(filter, me)
	if !ok {
		return []*server.User{}, nil
	}
	if err := checkWorkspaceFilter(ctx, tx, me, filter); err != nil {
		return nil, err
	}
	return findUsers(ctx, tx, filter, page, order)
}

// CountUsers returns how many users the caller may see match filter.
func (s *UserService) CountUsers(ctx context.Context, filter server.UserFilter) (int, error) {
	if err := filter.Validate(); err != nil {
		return 0, err
	}
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return 0, err
	}
	filter, ok := scope(filter, me)
	if !ok {
		return 0, nil
	}
	if err := checkWorkspaceFilter(ctx, tx, me, filter); err != nil {
		return 0, err
	}
	return countUsers(ctx, tx, filter)
}

// CreateUser adds a user to the caller's organization; only an ADMIN may.
func (s *UserService) CreateUser(ctx context.Context, create server.UserCreate) (*server.User, error) {
	if err := mayWrite(ctx); err != nil {
		return nil, err
	}
	if err := create.Validate(); err != nil {
		return nil, err
	}
	// The slow hash is made before the write transaction, which would otherwise hold the
	// database's one write lock for the whole hash and queue every other write behind it.
	hash, err := s.db.Hasher.Hash(ctx, create.Password)
	if err != nil {
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
	if me.Role != server.RoleAdmin {
		return nil, server.Errorf(server.EFORBIDDEN, "Only an admin can add users: ask an admin of your organization.")
	}
	if create.OrganizationID != "" && create.OrganizationID != me.OrganizationID {
		return nil, server.Errorf(server.EFORBIDDEN, "You can add users only to your own organization.")
	}
	create.OrganizationID = me.OrganizationID
	user, err := createUser(ctx, tx, create, hash)
	if err != nil {
		return nil, err
	}
	if err := recordEvent(ctx, tx, audit.UserCreated(user, nil)); err != nil {
		return nil, err
	}
	return user, tx.Commit()
}

// UpdateUser changes the user ref names. An ADMIN may change anything of the users of
// their organization; a USER only their own names.
func (s *UserService) UpdateUser(ctx context.Context, ref server.UserRef, upd server.UserUpdate) (*server.User, error) {
	if err := ref.Validate(); err != nil {
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
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	if err := upd.KeepOrganization(me.OrganizationID); err != nil {
		return nil, err
	}
	if me.Role != server.RoleAdmin && !upd.OnlyNames() {
		return nil, server.Errorf(server.EFORBIDDEN, "You can change only your own first and last name: ask an admin of your organization to change the rest.")
	}
	user, err := findForWrite(ctx, tx, me, ref, "You can change only your own profile: ask an admin of your organization to change other users.")
	if err != nil {
		return nil, err
	}
	if err := updateUser(ctx, tx, me, user, upd); err != nil {
		return nil, err
	}
	return user, tx.Commit()
}

// UpdatePassword changes the caller's own password, given the old one, and ends their
// other sessions, the keys made with them, and their outstanding reset links. The old
// password is checked only after an attempt is counted against the account and the
// client (see reserveAttempt), and outside any transaction: the check takes tens of
// milliseconds on purpose, and other writers need not wait for it.
func (s *UserService) UpdatePassword(ctx context.Context, ref server.UserRef, change server.PasswordChange) (*server.User, error) {
	if err := mayWrite(ctx); err != nil {
		return nil, err
	}
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if err := change.Validate(); err != nil {
		return nil, err
	}
	me, oldHash, err := s.findSelfForPassword(ctx, ref)
	if err != nil {
		return nil, err
	}
	res, err := s.db.reserveAttempt(ctx, accountSubject(me.Email), clientSubject(ctx))
	if err != nil {
		return nil, err
	}
	ok, err := s.db.checkReserved(ctx, res, oldHash, change.Old)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, server.FieldErrorf("currentPassword", "Your current password is not correct.")
	}
	newHash, err := s.db.Hasher.Hash(ctx, change.New1)
	if err != nil {
		return nil, err
	}

	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if me, err = caller(ctx, tx); err != nil {
		return nil, err
	}
	if err := checkUpdatedAt(me, ref); err != nil {
		return nil, err
	}
	if hash, err := passwordHash(ctx, tx, me.ID); err != nil {
		return nil, err
	} else if hash != oldHash {
		return nil, server.Errorf(server.ECONFLICT, "Your password was changed meanwhile, in another window or by a reset link: sign in again with the new one.")
	}
	if err := setPassword(ctx, tx, me, newHash); err != nil {
		return nil, err
	}
	// The other sessions end, and so do the keys made with them and the user's reset
	// links: a session stolen, ended since or not, must leave no key or link behind. The
	// caller's own key, session or not, and the keys made with it stay: its holder just
	// proved the old password.
	keyID := server.AuthFromContext(ctx).KeyID
	if err := revokeSessions(ctx, tx, me.ID, keyID); err != nil {
		return nil, err
	}
	if err := revokeKeyLines(ctx, tx, keysOfOtherSessions, me.ID, keyID); err != nil {
		return nil, err
	}
	if err := endResetLinks(ctx, tx, me.ID); err != nil {
		return nil, err
	}
	if err := endLinksOfLines(ctx, tx, otherSessions, me.ID, keyID); err != nil {
		return nil, err
	}
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditPasswordChanged, User: me}); err != nil {
		return nil, err
	}
	return me, tx.Commit()
}

// findSelfForPassword returns the caller, when ref names them, and their password hash.
func (s *UserService) findSelfForPassword(ctx context.Context, ref server.UserRef) (*server.User, string, error) {
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, "", err
	}
	if ref.ID != me.ID {
		return nil, "", server.Errorf(server.EFORBIDDEN, "You can change only your own password: an admin can give other users a password reset link.")
	}
	hash, err := passwordHash(ctx, tx, me.ID)
	if err != nil {
		return nil, "", err
	}
	return me, hash, nil
}

// DeleteUser removes the user ref names, with their keys and reset tokens; only an
// ADMIN of the user's organization may.
func (s *UserService) DeleteUser(ctx context.Context, ref server.UserRef) error {
	if err := mayRemove(ctx); err != nil {
		return err
	}
	if err := ref.Validate(); err != nil {
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
	if me.Role != server.RoleAdmin {
		return server.Errorf(server.EFORBIDDEN, "Only an admin can delete users: ask an admin of your organization.")
	}
	user, err := findForWrite(ctx, tx, me, ref, "")
	if err != nil {
		return err
	}
	if isActiveAdmin(user) {
		if err := checkNotLastAdmin(ctx, tx, user, "delete"); err != nil {
			return err
		}
	}
	if err := deleteUserRow(ctx, tx, me.OrganizationID, user.ID); err != nil {
		return err
	}
	names, role, _ := audit.ProfileChanges(user, nil)
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditUserDeleted, User: user, Changes: append(names, role...)}); err != nil {
		return err
	}
	return tx.Commit()
}

// scope narrows filter to the users that caller may see: an ADMIN sees their own
// organization, a USER only themselves. It reports false when nothing can match.
func scope(filter server.UserFilter, caller *server.User) (server.UserFilter, bool) {
	if caller.Role == server.RoleAdmin {
		if filter.OrganizationID != nil && *filter.OrganizationID != caller.OrganizationID {
			return filter, false
		}
		filter.OrganizationID = &caller.OrganizationID
		return filter, true
	}
	if filter.ID != nil && *filter.ID != caller.ID {
		return filter, false
	}
	filter.ID = &caller.ID
	return filter, true
}

// findForWrite returns the user that ref names, for caller to change: an ADMIN changes
// the users of their organization, a USER only themselves (FORBIDDEN with message for
// another user of their organization). A user the caller may not see is NOT_FOUND, so
// that a write tells no more than a read. It checks ref's updatedAt precondition.
func findForWrite(ctx context.Context, tx *Tx, caller *server.User, ref server.UserRef, message string) (*server.User, error) {
	user, err := findUserByID(ctx, tx, ref.ID)
	if err != nil {
		return nil, err
	}
	if user.OrganizationID != caller.OrganizationID {
		return nil, errUserNotFound()
	}
	if caller.Role != server.RoleAdmin && user.ID != caller.ID {
		return nil, server.Errorf(server.EFORBIDDEN, "%s", message)
	}
	return user, checkUpdatedAt(user, ref)
}

// checkUpdatedAt answers CONFLICT, with the user as stored, when ref has an updatedAt
// precondition that the stored user no longer meets.
func checkUpdatedAt(user *server.User, ref server.UserRef) error {
	if ref.UpdatedAt == nil || toMicro(*ref.UpdatedAt) == toMicro(user.UpdatedAt) {
		return nil
	}
	return &server.Error{
		Code:    server.ECONFLICT,
		Message: "Someone else changed this user since you opened it: review their changes and try again.",
		Current: user,
	}
}

func errUserNotFound() error {
	return server.Errorf(server.ENOTFOUND, "User not found.")
}

func errEmailTaken() error {
	return &server.Error{Code: server.ECONFLICT, Field: "email", Message: "Email is already taken."}
}

// createUser inserts a validated new user with the given password hash ("" for none).
func createUser(ctx context.Context, tx *Tx, create server.UserCreate, passwordHash string) (*server.User, error) {
	if err := checkEmailFree(ctx, tx, create.Email, ""); err != nil {
		return nil, err
	}
	username, err := chooseUsername(ctx, tx, create)
	if err != nil {
		return nil, err
	}
	user := &server.User{
		Username:       username,
		ID:             newID(),
		Email:          create.Email,
		Firstname:      create.Firstname,
		Lastname:       create.Lastname,
		Activated:      true,
		OrganizationID: create.OrganizationID,
		Role:           create.Role,
		CreatedAt:      tx.now,
		UpdatedAt:      tx.now,
	}
	if err := insertUser(ctx, tx, user, passwordHash); err != nil {
		return nil, err
	}
	return user, nil
}

// insertUser stores u; one without a username gets one made from its email, unique.
func insertUser(ctx context.Context, tx *Tx, u *server.User, passwordHash string) error {
	if u.Username == "" {
		name, err := uniqueUsername(ctx, tx, server.UsernameFromEmail(u.Email))
		if err != nil {
			return err
		}
		u.Username = name
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO users (id, email, firstname, lastname, activated, organization_id, role, password_hash, created_at, updated_at,
			username, last_signed_in_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Firstname, u.Lastname, u.Activated, u.OrganizationID, string(u.Role),
		sql.NullString{String: passwordHash, Valid: passwordHash != ""},
		toMicro(u.CreatedAt), toMicro(u.UpdatedAt), u.Username, nullMicro(u.LastSignedInAt))
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	tx.changed(ctx, server.ChangeCreated, u.OrganizationID, u.ID)
	return nil
}

// updateUser applies a validated update by caller to user, after checking the email and
// the last-admin rule, and updates user in place; deactivating a user ends their sessions. The organization never changes: the
// update carries none (see server.UserUpdate.KeepOrganization) and writeUser refuses it.
func updateUser(ctx context.Context, tx *Tx, caller, user *server.User, upd server.UserUpdate) error {
	if err := upd.KeepOrganization(caller.OrganizationID); err != nil {
		return err
	}
	next := *user
	if upd.Firstname != nil {
		next.Firstname = *upd.Firstname
	}
	if upd.Lastname != nil {
		next.Lastname = *upd.Lastname
	}
	if upd.Email != nil {
		next.Email = *upd.Email
	}
	if upd.Role != nil {
		next.Role = *upd.Role
	}
	if upd.Activated != nil {
		next.Activated = *upd.Activated
	}
	if upd.Username != nil {
		next.Username = *upd.Username
	}
	if next == *user {
		return nil
	}
	if next.Username != user.Username {
		if err := checkUsernameFree(ctx, tx, next.Username, user.ID); err != nil {
			return err
		}
	}

	if next.Email != user.Email {
		if err := checkEmailFree(ctx, tx, next.Email, user.ID); err != nil {
			return err
		}
	}
	if isActiveAdmin(user) && !isActiveAdmin(&next) {
		if err := checkNotLastAdmin(ctx, tx, user, "demote or deactivate"); err != nil {
			return err
		}
	}
	next.UpdatedAt = nextUpdatedAt(tx.now, user.UpdatedAt)
	if err := writeUser(ctx, tx, caller.OrganizationID, &next, nil); err != nil {
		return err
	}
	if err := recordEvents(ctx, tx, audit.UserChanged(user, &next)...); err != nil {
		return err
	}
	if user.Activated && !next.Activated {
		// A deactivated user's keys stop working until they are activated again; their
		// sessions end for good.
		if err := revokeSessions(ctx, tx, user.ID, ""); err != nil {
			return err
		}
	}
	*user = next
	return nil
}

// setPassword stores a new password hash for user; it is a change of the user, so its
// updatedAt moves on. The user's own organization is the scope: the caller is the user,
// or the holder of a reset token, which names its user.
func setPassword(ctx context.Context, tx *Tx, user *server.User, hash string) error {
	next := *user
	next.UpdatedAt = nextUpdatedAt(tx.now, user.UpdatedAt)
	if err := writeUser(ctx, tx, user.OrganizationID, &next, &hash); err != nil {
		return err
	}
	*user = next
	return nil
}

// errOutsideOrganization is the answer to a write of a user outside the caller's
// organization. The services find users within it first, so only a fault gets here.
func errOutsideOrganization() error {
	return server.Errorf(server.EFORBIDDEN, "This user is in another organization: you can change only the users of your own.")
}

// writeUser stores next, and passwordHash when not nil: it is the one statement that
// changes a stored user. It is scoped to the organization orgID of the caller: the row
// must be in it before the change (the WHERE) and after it (the RETURNING), or the write
// is refused, FORBIDDEN, and the caller's transaction rolls back. The organization is not
// among the columns it sets, and the database itself refuses any change of it (migration
// 002), whatever the program does.
func writeUser(ctx context.Context, tx *Tx, orgID string, next *server.User, passwordHash *string) error {
	if next.OrganizationID != orgID {
		return errOutsideOrganization()
	}
	var hash sql.NullString
	if passwordHash != nil {
		hash = sql.NullString{String: *passwordHash, Valid: true}
	}
	st, err := tx.prepared(ctx, `
		UPDATE users SET email = ?, firstname = ?, lastname = ?, activated = ?, role = ?, updated_at = ?,
			password_hash = COALESCE(?, password_hash), username = ?
		WHERE id = ? AND organization_id = ?
		RETURNING organization_id`)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	var after string
	err = st.QueryRowContext(ctx, next.Email, next.Firstname, next.Lastname, next.Activated, string(next.Role),
		toMicro(next.UpdatedAt), hash, next.Username, next.ID, orgID).Scan(&after)
	if err == sql.ErrNoRows {
		return errOutsideOrganization()
	} else if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if after != orgID {
		return errOutsideOrganization()
	}
	tx.changed(ctx, server.ChangeUpdated, orgID, next.ID)
	return nil
}

// deleteUserRow deletes the user with id, when it is in organization orgID; its keys and
// reset tokens go with it (ON DELETE CASCADE).
func deleteUserRow(ctx context.Context, tx *Tx, orgID, id string) error {
	var before string
	err := tx.QueryRowContext(ctx, `DELETE FROM users WHERE id = ? AND organization_id = ? RETURNING organization_id`, id, orgID).Scan(&before)
	if err == sql.ErrNoRows {
		return errOutsideOrganization()
	} else if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	tx.changed(ctx, server.ChangeDeleted, orgID, id)
	return nil
}

// nextUpdatedAt returns the updatedAt of a write at now of a user last written at old.
// It always moves forward, even when the clock did not, because clients use it as the
// precondition of their next write.
func nextUpdatedAt(now, old time.Time) time.Time {
	if !now.After(old) {
		return old.Add(time.Microsecond)
	}
	return now
}

func passwordHash(ctx context.Context, tx *Tx, userID string) (string, error) {
	var hash sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&hash); err != nil {
		return "", fmt.Errorf("read password hash: %w", err)
	}
	return hash.String, nil
}

func checkEmailFree(ctx context.Context, tx *Tx, email, exceptID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = ? AND id != ?`, email, exceptID).Scan(&n); err != nil {
		return fmt.Errorf("check email: %w", err)
	}
	if n > 0 {
		return errEmailTaken()
	}
	return nil
}

func isActiveAdmin(u *server.User) bool {
	return u.Role == server.RoleAdmin && u.Activated
}

// checkNotLastAdmin answers CONFLICT when user is the only active ADMIN of their
// organization: an organization must keep someone who can manage it.
func checkNotLastAdmin(ctx context.Context, tx *Tx, user *server.User, verb string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM users
		WHERE organization_id = ? AND role = 'ADMIN' AND activated = 1 AND id != ?`,
		user.OrganizationID, user.ID).Scan(&n); err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n == 0 {
		return server.Errorf(server.ECONFLICT, "You cannot %s the last active admin of an organization: make another user an admin first.", verb)
	}
	return nil
}

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, email, firstname, lastname, activated, organization_id, role, created_at, updated_at, username, last_signed_in_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (*server.User, error) {
	var u server.User
	var role string
	var createdAt, updatedAt int64
	var signedIn sql.NullInt64
	if err := row.Scan(&u.ID, &u.Email, &u.Firstname, &u.Lastname, &u.Activated, &u.OrganizationID, &role, &createdAt, &updatedAt,
		&u.Username, &signedIn); err != nil {
		return nil, err
	}
	u.Role = server.Role(role)
	u.CreatedAt, u.UpdatedAt = fromMicro(createdAt), fromMicro(updatedAt)
	if signedIn.Valid {
		t := fromMicro(signedIn.Int64)
		u.LastSignedInAt = &t
	}
	return &u, nil
}

// findUserByID returns the user with id, or NOT_FOUND; it does not check who may see it.
// findUserQuery reads a user by id.
const findUserQuery = `SELECT ` + userColumns + ` FROM users WHERE id = ?`

func findUserByID(ctx context.Context, tx *Tx, id string) (*server.User, error) {
	st, err := tx.prepared(ctx, findUserQuery)
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	user, err := scanUser(st.QueryRowContext(ctx, id))
	if err == sql.ErrNoRows {
		return nil, errUserNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return user, nil
}

// findUsers returns a page of the users matching filter, which must already be scoped to
// the caller, in order.
func findUsers(ctx context.Context, tx *Tx, filter server.UserFilter, page server.Page, order []server.UserOrder) ([]*server.User, error) {
	var p plan
	var err error
	if gramCounted(filter) {
		var empty bool
		if empty, p.scan, err = planShortSearch(ctx, tx, filter, page); err != nil {
			return nil, err
		} else if empty {
			return []*server.User{}, nil
		}
	}
	if p, err = planMembersAndSignIn(ctx, tx, filter, page, order, p); err != nil {
		return nil, err
	}
	where, args := userWhere(filter, p)
	orderBy := userOrder(order)
	args = append(args, page.Limit, page.Offset)
	query := `SELECT ` + userColumns + ` FROM users WHERE ` + where + ` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?`
	if page.Offset > 0 {
		// The rows skipped are read from the index alone (which holds num), and only the
		// rows of the page from the table: 28 ms instead of 36 ms for a page half way
		// through a million users.
		query = `SELECT ` + userColumns + ` FROM users WHERE num IN (
			SELECT num FROM users WHERE ` + where + ` ORDER BY ` + orderBy + ` LIMIT ? OFFSET ?)
			ORDER BY ` + orderBy
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()

	users := []*server.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	return users, nil
}

// planShortSearch decides how to find a page of a search of one or two characters, which
// no index can find: by walking an index in page order and checking each row, which stops
// at the end of the page, or by reading the whole table in its own order and sorting the
// matches. It reports empty when the page is past the last match, from the counts of
// user_grams, so that a search that matches nothing reads nothing.
//
// At a million users, reading the table takes about 330 ms whatever the search; walking
// takes about 2 µs per row walked (each is a random read of the table), and it walks
// about (offset+limit)·total/matches rows. It walks when that is at most a fifth of the
// table: a common pair such as "ma" (19% of users) walks 520 rows for its first page.
func planShortSearch(ctx context.Context, tx *Tx, filter server.UserFilter, page server.Page) (empty, scan bool, err error) {
	matches, err := countUsers(ctx, tx, filter)
	if err != nil {
		return false, false, err
	}
	if matches == 0 || matches <= page.Offset {
		return true, false, nil
	}
	all := filter
	all.Search = nil
	total, err := countUsers(ctx, tx, all)
	if err != nil {
		return false, false, err
	}
	walked := int64(page.Offset+page.Limit) * int64(total) / int64(matches)
	return false, walked > int64(total)/5, nil
}

// countUsers counts the users matching filter, which must already be scoped to the
// caller. When the filter is only an organization, a role, an activation and perhaps a
// search of one or two characters, it reads the counters that triggers keep instead of
// counting rows.
func countUsers(ctx context.Context, tx *Tx, filter server.UserFilter) (int, error) {
	var query string
	var args []any
	switch {
	case onlyCounted(filter):
		where, whereArgs := countedWhere(filter)
		query, args = `SELECT COALESCE(SUM(n), 0) FROM user_counts WHERE `+where, whereArgs
	case workspaceCounted(filter):
		return countMembers(ctx, tx, filter)
	case signInCounted(filter):
		return countSignIns(ctx, tx, filter)
	case gramCounted(filter):
		where, whereArgs := countedWhere(filter)
		query = `SELECT COALESCE(SUM(n), 0) FROM user_grams WHERE ` + where + ` AND gram = ?`
		args = append(whereArgs, foldText(searchText(filter)))
	default:
		where, whereArgs := userWhere(filter, plan{scan: true})
		query, args = `SELECT COUNT(*) FROM users WHERE `+where, whereArgs
	}
	var n int
	if err := tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// countedWhere returns the condition on user_counts or user_grams of a filter for which
// onlyCounted or gramCounted holds.
func countedWhere(f server.UserFilter) (string, []any) {
	where, args := `organization_id = ?`, []any{*f.OrganizationID}
	if f.Role != nil {
		where, args = where+` AND role = ?`, append(args, string(*f.Role))
	}
	if f.Activated != nil {
		where, args = where+` AND activated = ?`, append(args, *f.Activated)
	}
	return where, args
}

// onlyCounted reports whether f is only an organization, a role and an activation, which
// user_counts counts.
func onlyCounted(f server.UserFilter) bool {
	return onlyOrganizationRoleActivated(f) && searchText(f) == ""
}

// gramCounted reports whether f is an organization, a role, an activation and a search of
// one or two characters, which user_grams counts.
func gramCounted(f server.UserFilter) bool {
	n := utf8.RuneCountInString(searchText(f))
	return onlyOrganizationRoleActivated(f) && n >= 1 && n <= 2
}

func onlyOrganizationRoleActivated(f server.UserFilter) bool {
	return f.OrganizationID != nil && f.ID == nil && f.IDIn == nil && f.Email == nil && f.APIKey == nil &&
		f.Username == nil && f.WorkspaceID == nil && f.SignedInBefore == nil && f.NeverSignedIn == nil
}

// plan is how userWhere writes its conditions, for a page to be read the fastest way.
type plan struct {
	// scan: a short search reads the table in its own order (for a count, or a page of
	// rare matches, see planShortSearch).
	scan bool
	// walkMembers: the page walks the index of its order and checks each user's
	// membership, rather than reading the workspace's members and sorting them; walkSignIn
	// the same for a "signed in before" filter (see planMembersAndSignIn).
	walkMembers, walkSignIn bool
}

// userWhere returns the SQL condition of filter and its arguments, written as p says.
func userWhere(f server.UserFilter, p plan) (string, []any) {
	scan := p.scan
	conds, args := []string{"1"}, []any{}
	if f.ID != nil {
		conds, args = append(conds, "id = ?"), append(args, *f.ID)
	}
	if f.IDIn != nil {
		if len(f.IDIn) == 0 {
			conds = append(conds, "0")
		} else {
			conds = append(conds, "id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.IDIn)), ",")+")")
			for _, id := range f.IDIn {
				args = append(args, id)
			}
		}
	}
	if f.Email != nil {
		conds, args = append(conds, "email = ?"), append(args, server.NormalizeEmail(*f.Email))
	}
	if f.APIKey != nil {
		conds = append(conds, "id IN (SELECT user_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL)")
		args = append(args, hashSecret(*f.APIKey))
	}
	if f.Username != nil {
		conds, args = append(conds, "username = ?"), append(args, strings.TrimSpace(*f.Username))
	}
	if f.WorkspaceID != nil {
		conds, args = append(conds, membersCondition(p.walkMembers)), append(args, *f.WorkspaceID)
	}
	if f.NeverSignedIn != nil {
		if *f.NeverSignedIn {
			conds = append(conds, "last_signed_in_at IS NULL")
		} else {
			conds = append(conds, "last_signed_in_at IS NOT NULL")
		}
	}
	if f.SignedInBefore != nil {
		col := "last_signed_in_at"
		if p.walkSignIn {
			col = "+" + col
		}
		conds, args = append(conds, col+" < ?"), append(args, toMicro(*f.SignedInBefore))
	}
	// With a search, a unary + keeps SQLite from walking an organization's index and
	// fetching each of its rows: a full-text search finds its matches first and checks
	// these columns after; a count with a short search is fastest by reading the table in
	// its own order. (A page with a short search of common characters walks the index in
	// page order: it stops at the first matches.)
	plus := ""
	if text := searchText(f); text != "" {
		cond, searchArgs := searchCondition(text)
		conds, args = append(conds, cond), append(args, searchArgs...)
		if scan || utf8.RuneCountInString(text) >= 3 {
			plus = "+"
		}
	}
	if f.WorkspaceID != nil && !p.walkMembers {
		plus = "+" // the members are read first, by their numbers
	}
	if f.Activated != nil {
		conds, args = append(conds, plus+"activated = ?"), append(args, *f.Activated)
	}
	if f.OrganizationID != nil {
		conds, args = append(conds, plus+"organization_id = ?"), append(args, *f.OrganizationID)
	}
	if f.Role != nil {
		conds, args = append(conds, plus+"role = ?"), append(args, string(*f.Role))
	}
	return strings.Join(conds, " AND "), args
}

func searchText(f server.UserFilter) string {
	if f.Search == nil {
		return ""
	}
	return strings.TrimSpace(*f.Search)
}

// searchCondition matches text as a literal, case-insensitive substring of the email,
// first name, last name or username. From 3 characters on, the trigram index answers: the text is
// quoted as one FTS5 string, so none of its characters is query syntax. Shorter text has
// no trigram; then each row is checked, with LIKE for most ASCII text and with
// contains_fold (see function.go) for other text.
func searchCondition(text string) (string, []any) {
	if utf8.RuneCountInString(text) >= 3 {
		phrase := `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
		return "num IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)", []any{phrase}
	}
	// LIKE ignores the case of ASCII letters only; two other characters fold to ASCII
	// letters (İ to i, the Kelvin sign K to k), so text with an i or a k needs contains_fold.
	if isASCII(text) && !strings.ContainsAny(text, "iIkK") {
		// % and _ in text are escaped to be literal.
		pattern := "%" + likeEscaper.Replace(text) + "%"
		return `(email LIKE ? ESCAPE '\' OR firstname LIKE ? ESCAPE '\' OR lastname LIKE ? ESCAPE '\' OR username LIKE ? ESCAPE '\')`,
			[]any{pattern, pattern, pattern, pattern}
	}
	return "(contains_fold(email, ?) OR contains_fold(firstname, ?) OR contains_fold(lastname, ?) OR contains_fold(username, ?))", []any{text, text, text, text}
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// userOrder returns the ORDER BY clause for orders: the requested keys, then createdAt,
// then id, so that the order is total and pages never overlap. The tie-breakers take the
// direction of the last key, so that an index can be read in one direction.
func userOrder(orders []server.UserOrder) string {
	var terms []string
	dir := "ASC"
	for _, o := range orders {
		dir = "ASC"
		if o.Desc {
			dir = "DESC"
		}
		terms = append(terms, sortColumn(o.Field)+" "+dir)
	}
	terms = append(terms, "created_at "+dir, "id "+dir)
	return strings.Join(terms, ", ")
}

func sortColumn(f server.SortField) string {
	switch f {
	case server.SortEmail:
		return "email"
	case server.SortFirstname:
		return "firstname"
	case server.SortLastname:
		return "lastname"
	case server.SortUpdatedAt:
		return "updated_at"
	case server.SortRole:
		return "role"
	case server.SortActivated:
		return "activated"
	case server.SortUsername:
		return "username"
	case server.SortLastSignedInAt:
		return "last_signed_in_at"
	default:
		return "created_at"
	}
}
