package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"useradmin/server"
	"useradmin/server/audit"
	"useradmin/server/embedtoken"
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
	tx := s.db.beginReadView()
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
	tx := s.db.beginReadView()
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
	if err := embedtoken.MayWrite(ctx); err != nil {
		return nil, err
	}
	if err := create.Validate(); err != nil {
		return nil, err
	}
	// The slow hash is made before the write transaction, which would otherwise hold the
	// organization's lock for the whole hash and queue its other writes behind it.
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
	if err := embedtoken.MayWrite(ctx); err != nil {
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
	if err := embedtoken.MayRemove(ctx); err != nil {
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
	if err := recordEvent(ctx, tx, audit.UserDeleted(user)); err != nil {
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

// isEmailTaken reports whether err is the unique index on emails refusing a write: a
// user of another organization took the address since it was checked.
func isEmailTaken(err error) bool {
	code, name := constraint(err)
	return code == uniqueViolation && (name == "users_email_key" || name == "users_organization_email")
}

func errEmailTaken() error {
	return &server.Error{Code: server.ECONFLICT, Field: "email", Message: "Email is already taken."}
}

// createUser inserts a validated new user with the given password hash ("" for none).
func createUser(ctx context.Context, tx *Tx, create server.UserCreate, passwordHash string) (*server.User, error) {
	if err := checkEmailFree(ctx, tx, create.Email, ""); err != nil {
		return nil, err
	}
	user := &server.User{
		Username:       create.Username,
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

// insertUser stores u; one without a username gets one made from its email, unique (see
// insertWithUsername).
func insertUser(ctx context.Context, tx *Tx, u *server.User, passwordHash string) error {
	err := insertWithUsername(ctx, tx, u, func() error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO users (id, email, firstname, lastname, activated, organization_id, role, password_hash, created_at, updated_at,
				search, username, last_signed_in_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			u.ID, u.Email, u.Firstname, u.Lastname, u.Activated, u.OrganizationID, string(u.Role),
			sql.NullString{String: passwordHash, Valid: passwordHash != ""},
			toMicro(u.CreatedAt), toMicro(u.UpdatedAt), searchText(u), u.Username, nullMicro(u.LastSignedInAt))
		return err
	})
	if isEmailTaken(err) {
		return errEmailTaken()
	} else if err != nil {
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
// 000, its trigger users_organization_fixed), whatever the program does.
func writeUser(ctx context.Context, tx *Tx, orgID string, next *server.User, passwordHash *string) error {
	if next.OrganizationID != orgID {
		return errOutsideOrganization()
	}
	var hash sql.NullString
	if passwordHash != nil {
		hash = sql.NullString{String: *passwordHash, Valid: true}
	}
	var after string
	err := tx.QueryRowContext(ctx, `
		UPDATE users SET email = $1, firstname = $2, lastname = $3, activated = $4, role = $5, updated_at = $6,
			password_hash = COALESCE($7, password_hash), search = $10, username = $11
		WHERE id = $8 AND organization_id = $9
		RETURNING organization_id`,
		next.Email, next.Firstname, next.Lastname, next.Activated, string(next.Role), toMicro(next.UpdatedAt),
		hash, next.ID, orgID, searchText(next), next.Username).Scan(&after)
	if err == sql.ErrNoRows {
		return errOutsideOrganization()
	} else if isEmailTaken(err) {
		return errEmailTaken()
	} else if isUsernameTaken(err) {
		return errUsernameTaken()
	} else if code, _ := constraint(err); code == checkViolation {
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

// writeUsers writes the names, role, activation and updatedAt of users, all of
// organization orgID, in one statement; their emails and usernames stay as stored, so
// that no unique index can refuse one row for another's sake, whatever their order. Like
// writeUser, it must reach every one of them in the organization, or it fails.
func writeUsers(ctx context.Context, tx *Tx, orgID string, users []server.User) error {
	if len(users) == 0 {
		return nil
	}
	n := len(users)
	ids, firsts, lasts, roles, searches := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	activated, updated := make([]bool, n), make([]int64, n)
	for i := range users {
		u := &users[i]
		if u.OrganizationID != orgID {
			return errOutsideOrganization()
		}
		ids[i], firsts[i], lasts[i], roles[i], searches[i] = u.ID, u.Firstname, u.Lastname, string(u.Role), searchText(u)
		activated[i], updated[i] = u.Activated, toMicro(u.UpdatedAt)
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE users u SET firstname = r.firstname, lastname = r.lastname, activated = r.activated, role = r.role,
			updated_at = r.updated_at, search = r.search
		FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::bigint[], $7::text[])
			AS r (id, firstname, lastname, activated, role, updated_at, search)
		WHERE u.id = r.id AND u.organization_id = $8`,
		ids, firsts, lasts, activated, roles, updated, searches, orgID)
	if code, _ := constraint(err); code == checkViolation {
		return errOutsideOrganization()
	} else if err != nil {
		return fmt.Errorf("update users: %w", err)
	}
	if done, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update users: %w", err)
	} else if done != int64(n) {
		return errOutsideOrganization()
	}
	for _, id := range ids {
		tx.changed(ctx, server.ChangeUpdated, orgID, id)
	}
	return nil
}

// deleteUserRow deletes the user with id, when it is in organization orgID; its keys and
// reset tokens go with it (ON DELETE CASCADE).
func deleteUserRow(ctx context.Context, tx *Tx, orgID, id string) error {
	var before string
	err := tx.QueryRowContext(ctx, `DELETE FROM users WHERE id = $1 AND organization_id = $2 RETURNING organization_id`, id, orgID).Scan(&before)
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
	if err := tx.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash); err != nil {
		return "", fmt.Errorf("read password hash: %w", err)
	}
	return hash.String, nil
}

func checkEmailFree(ctx context.Context, tx *Tx, email, exceptID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1 AND id != $2`, email, exceptID).Scan(&n); err != nil {
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
		WHERE organization_id = $1 AND role = 'ADMIN' AND activated AND id != $2`,
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
	if err := row.Scan(&u.ID, &u.Email, &u.Firstname, &u.Lastname, &u.Activated, &u.OrganizationID, &role, &createdAt, &updatedAt, &u.Username, &signedIn); err != nil {
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
func findUserByID(ctx context.Context, tx *Tx, id string) (*server.User, error) {
	user, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
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
	if dir, ok := memberOrder(filter, order); ok {
		return findMembers(ctx, tx, filter, page, dir)
	}
	if gramCounted(filter) {
		// No index finds a search this short: a page past the last match, or of a search
		// that matches nothing, would scan the whole organization to find no row. The
		// count says so from a few rows of user_grams, as on SQLite.
		matches, err := countUsers(ctx, tx, filter)
		if err != nil {
			return nil, err
		}
		if matches <= page.Offset {
			return []*server.User{}, nil
		}
	}
	var a queryArgs
	where := userWhere(&a, filter)
	orderBy := userOrder(order)
	limit := ` LIMIT ` + a.add(page.Limit) + ` OFFSET ` + a.add(page.Offset)
	query := `SELECT ` + userColumns + ` FROM users WHERE ` + where + ` ORDER BY ` + orderBy + limit
	if page.Offset > 0 || filter.WorkspaceID != nil {
		// The rows skipped are read from the index alone (each index of an order ends
		// with id), and only the rows of the page from the table, as on SQLite; so are
		// the rows walked past that are not members of the workspace filtered by.
		query = `SELECT ` + userColumns + ` FROM users WHERE id IN (
			SELECT id FROM users WHERE ` + where + ` ORDER BY ` + orderBy + limit + `)
			ORDER BY ` + orderBy
	}
	return queryUsers(ctx, tx, query, a...)
}

// findMembers returns a page of the members of a workspace, for a filter and order that
// memberOrder accepts, in the direction dir. The page, and the rows its offset skips,
// are read from the index of the memberships in that order alone (migration 011), and
// only the users of the page from the table: a large workspace costs as much as a small
// one. Members are of their workspace's organization (the database refuses others, and
// the workspace was found in the caller's), which the outer query checks again.
func findMembers(ctx context.Context, tx *Tx, filter server.UserFilter, page server.Page, dir string) ([]*server.User, error) {
	var a queryArgs
	query := `SELECT ` + userColumns + ` FROM users WHERE id IN (
		SELECT user_id FROM workspace_members WHERE workspace_id = ` + a.add(*filter.WorkspaceID) + `
		ORDER BY user_created_at ` + dir + `, user_id ` + dir + `
		LIMIT ` + a.add(page.Limit) + ` OFFSET ` + a.add(page.Offset) + `)
		AND organization_id = ` + a.add(*filter.OrganizationID) + `
		ORDER BY created_at ` + dir + `, id ` + dir
	return queryUsers(ctx, tx, query, a...)
}

// queryUsers reads the users that query selects, in its order.
func queryUsers(ctx context.Context, tx *Tx, query string, args ...any) ([]*server.User, error) {
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

// memberOrder reports whether filter is only an organization and a workspace and order
// the default one (by createdAt, then id), with the direction of that order: the page
// that the index of the memberships in that order (workspace_members_order) reads.
func memberOrder(f server.UserFilter, order []server.UserOrder) (string, bool) {
	if !workspaceCounted(f) || f.Role != nil || f.Activated != nil {
		return "", false
	}
	switch {
	case len(order) == 0:
		return "ASC", true
	case len(order) == 1 && order[0].Field == server.SortCreatedAt && order[0].Desc:
		return "DESC", true
	case len(order) == 1 && order[0].Field == server.SortCreatedAt:
		return "ASC", true
	}
	return "", false
}

// countUsers counts the users matching filter, which must already be scoped to the
// caller. When the filter is only an organization, a role, an activation and perhaps a
// search of one or two characters, it reads the counters that triggers keep instead of
// counting rows.
func countUsers(ctx context.Context, tx *Tx, filter server.UserFilter) (int, error) {
	var a queryArgs
	var query string
	if onlyCounted(filter) {
		query = `SELECT COALESCE(SUM(n), 0)::bigint FROM user_counts WHERE ` + countedWhere(&a, filter)
	} else if gramCounted(filter) {
		query = `SELECT COALESCE(SUM(n), 0)::bigint FROM user_grams WHERE ` + countedWhere(&a, filter) +
			` AND gram = ` + a.add(foldText(searchOf(filter)))
	} else if workspaceCounted(filter) {
		return countMembers(ctx, tx, filter)
	} else if signInCounted(filter) {
		return countSignIns(ctx, tx, filter)
	} else {
		query = `SELECT COUNT(*) FROM users WHERE ` + userWhere(&a, filter)
	}
	var n int
	if err := tx.QueryRowContext(ctx, query, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// queryArgs collects the arguments of a query as it is written; add returns the
// placeholder of the one it adds.
type queryArgs []any

func (a *queryArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// countedWhere returns the condition on user_counts or user_grams of a filter for which
// onlyCounted or gramCounted holds.
func countedWhere(a *queryArgs, f server.UserFilter) string {
	where := `organization_id = ` + a.add(*f.OrganizationID)
	if f.Role != nil {
		where += ` AND role = ` + a.add(string(*f.Role))
	}
	if f.Activated != nil {
		where += ` AND activated = ` + a.add(*f.Activated)
	}
	return where
}

// onlyCounted reports whether f is only an organization, a role and an activation, which
// user_counts counts.
func onlyCounted(f server.UserFilter) bool {
	return onlyOrganizationRoleActivated(f) && searchOf(f) == ""
}

// gramCounted reports whether f is an organization, a role, an activation and a search of
// one or two characters, which user_grams counts (migration 013).
func gramCounted(f server.UserFilter) bool {
	n := utf8.RuneCountInString(searchOf(f))
	return onlyOrganizationRoleActivated(f) && n >= 1 && n <= 2
}

func onlyOrganizationRoleActivated(f server.UserFilter) bool {
	return f.OrganizationID != nil && f.ID == nil && f.IDIn == nil && f.Email == nil && f.APIKey == nil &&
		f.SignedInBefore == nil && f.NeverSignedIn == nil && f.Username == nil && f.WorkspaceID == nil
}

// userWhere returns the SQL condition of filter, its arguments added to a.
func userWhere(a *queryArgs, f server.UserFilter) string {
	conds := []string{"true"}
	if f.ID != nil {
		conds = append(conds, "id = "+a.add(*f.ID))
	}
	if f.IDIn != nil {
		conds = append(conds, "id = ANY("+a.add(f.IDIn)+")")
	}
	if f.Email != nil {
		conds = append(conds, "email = "+a.add(server.NormalizeEmail(*f.Email)))
	}
	if f.APIKey != nil {
		conds = append(conds, "id IN (SELECT user_id FROM api_keys WHERE key_hash = "+a.add(hashSecret(*f.APIKey))+" AND revoked_at IS NULL)")
	}
	if text := searchOf(f); text != "" {
		// The folded text is matched as a literal substring of the folded column (%, _
		// and \ escaped); from 3 characters on, the trigram index finds the rows.
		conds = append(conds, `search LIKE `+a.add("%"+likeEscaper.Replace(foldText(text))+"%")+` ESCAPE '\'`)
	}
	if f.Username != nil {
		conds = append(conds, "lower(username) = lower("+a.add(strings.TrimSpace(*f.Username))+")")
	}
	if f.WorkspaceID != nil {
		conds = append(conds, "id IN (SELECT user_id FROM workspace_members WHERE workspace_id = "+a.add(*f.WorkspaceID)+")")
	}
	if f.Activated != nil {
		conds = append(conds, "activated = "+a.add(*f.Activated))
	}
	if f.OrganizationID != nil {
		conds = append(conds, "organization_id = "+a.add(*f.OrganizationID))
	}
	if f.Role != nil {
		conds = append(conds, "role = "+a.add(string(*f.Role)))
	}
	if f.NeverSignedIn != nil {
		if *f.NeverSignedIn {
			conds = append(conds, "last_signed_in_at IS NULL")
		} else {
			conds = append(conds, "last_signed_in_at IS NOT NULL")
		}
	}
	if f.SignedInBefore != nil {
		conds = append(conds, "last_signed_in_at < "+a.add(toMicro(*f.SignedInBefore)))
	}
	return strings.Join(conds, " AND ")
}

// searchOf returns the filter's search text, without the spaces around it.
func searchOf(f server.UserFilter) string {
	if f.Search == nil {
		return ""
	}
	return strings.TrimSpace(*f.Search)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

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
		term := sortColumn(o.Field) + " " + dir
		// Never signed in sorts before any time, as SQLite sorts NULL.
		if o.Field == server.SortLastSignedInAt && o.Desc {
			term += " NULLS LAST"
		} else if o.Field == server.SortLastSignedInAt {
			term += " NULLS FIRST"
		}
		terms = append(terms, term)
	}
	terms = append(terms, "created_at "+dir, "id "+dir)
	return strings.Join(terms, ", ")
}

func sortColumn(f server.SortField) string {
	switch f {
	case server.SortEmail:
		return "email"
	case server.SortFirstname:
		return "lower_ascii(firstname)"
	case server.SortLastname:
		return "lower_ascii(lastname)"
	case server.SortUpdatedAt:
		return "updated_at"
	case server.SortRole:
		return "role"
	case server.SortActivated:
		return "activated"
	case server.SortLastSignedInAt:
		return "last_signed_in_at"
	case server.SortUsername:
		return "lower(username)"
	default:
		return "created_at"
	}
}
