package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"useradmin/server"
	"useradmin/server/audit"
	"useradmin/server/embedtoken"
)

// ImportService imports rows of a file into the caller's organization, a batch per
// transaction.
type ImportService struct {
	db *DB
}

var _ server.ImportService = (*ImportService)(nil)

// NewImportService returns an ImportService on db.
func NewImportService(db *DB) *ImportService {
	return &ImportService{db: db}
}

// Sentences of the rows an import leaves as they are.
const (
	msgEmailUsed = "This email address is already used in the directory: use another address, or leave the line out."
	msgSkipped   = "Already a user of your organization: left as they are (choose to update existing users to change them)."
	msgUnchanged = "Already as this line says: nothing to change."
	msgSelf      = "This line is you: an import never changes your own role or activation. Edit your own profile, or ask another admin."
	msgLastAdmin = "This is the last active admin of the organization: make another user an admin first."
	msgPending   = "This address has a pending invitation already: resend it from the pending invitations if the email was lost."
)

// ImportUsers imports one batch of rows in one transaction. The batch keeps what later
// rows depend on (the emails and usernames taken, the active admins) as it goes, and
// writes the users it creates, the invitations it sends, their audit events, links and
// memberships at the end, a few statements for the whole batch: a statement per row took
// most of an import's time. A dry run makes the writes of updates (whose rules the store
// checks as it writes them) and rolls them back, so that its answer is what the import
// would do; it leaves out those no row depends on (creations, invitations, audit events,
// reset links, memberships).
// Only an ADMIN may. Every email is looked up in the whole directory, in the
// transaction: another organization's user is answered "already used" and never read
// further. A batch that meets what another organization's import wrote since it read
// (an address, a username) is done again from the start, in a new transaction, which
// reads it: those rows are then answered one by one.
func (s *ImportService) ImportUsers(ctx context.Context, rows []server.ImportRow, opts server.ImportOptions) ([]*server.ImportResult, error) {
	if err := opts.Validate(rows); err != nil {
		return nil, err
	}
	if err := embedtoken.MayWrite(ctx); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		results, err := s.importBatch(ctx, rows, opts)
		if !errors.Is(err, errImportRaced) {
			return results, err
		}
		if attempt == importAttempts {
			return nil, server.Errorf(server.ECONFLICT, "Another import wrote some of these addresses or usernames at the same moment: import this batch again.")
		}
	}
}

// importAttempts is how many times a batch is done again when other imports write its
// addresses or usernames between its reads and its writes; each attempt reads what the
// ones before met, so a second is nearly always the last.
const importAttempts = 3

// errImportRaced is a batch's write refused for a row that another transaction wrote
// since the batch read (a unique address or username, a pending invitation), or a
// deadlock between two such batches: the batch is done again.
var errImportRaced = errors.New("another transaction wrote the batch's addresses or usernames")

// raced reports whether err is a write of the batch refused by what another transaction
// committed since the batch read, or a deadlock with it.
func raced(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == uniqueViolation || pe.Code == deadlockDetected ||
		pe.Code == checkViolation && pe.ConstraintName == "invitations_not_a_user"
}

// importBatch is one attempt at a batch, in one transaction.
func (s *ImportService) importBatch(ctx context.Context, rows []server.ImportRow, opts server.ImportOptions) ([]*server.ImportResult, error) {
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
		return nil, server.Errorf(server.EFORBIDDEN, "Only an admin can import users: ask an admin of your organization.")
	}
	im := &importer{tx: tx, me: me, opts: opts, first: map[string]int{}}
	results := make([]*server.ImportResult, len(rows))
	values := make([]*server.ImportValues, len(rows))
	for i := range rows {
		results[i] = &server.ImportResult{Line: rows[i].Line, Email: clipText(server.NormalizeEmail(rows[i].Email), server.MaxEmailLength)}
		v, err := rows[i].Check()
		if err != nil {
			fail(results[i], server.ErrorMessage(err))
			continue
		}
		values[i] = v
	}
	if err := im.load(ctx, values); err != nil {
		return nil, err
	}
	for i, v := range values {
		if v == nil {
			continue
		}
		if err := im.row(ctx, results[i], v); err != nil {
			return nil, err
		}
	}
	if err := im.invite(ctx, results, values); err != nil {
		return nil, err
	}
	if opts.DryRun {
		for _, r := range results {
			r.Token, r.Invitation = "", nil
		}
		return results, nil // the deferred Rollback undoes every write
	}
	if err := im.writeUpdated(ctx); err != nil {
		return nil, err
	}
	if err := im.writeCreated(ctx); err != nil {
		return nil, err
	}
	if err := im.writeInvited(ctx); err != nil {
		return nil, err
	}
	if im.written > 0 {
		im.events = append(im.events, audit.Record{Action: server.AuditUsersImported, OrgID: me.OrganizationID, Changes: []server.AuditChange{
			auditChange("mode", nil, audit.Text(string(opts.Mode))), auditChange("existing", nil, audit.Text(string(opts.Existing))),
			auditChange("rows", nil, audit.Text(strconv.Itoa(len(rows)))), auditChange("written", nil, audit.Text(strconv.Itoa(im.written))),
		}})
	}
	if err := recordEventsAtOnce(ctx, tx, im.events); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import users: %w", err)
	}
	return results, nil
}

func fail(r *server.ImportResult, message string) {
	r.Outcome, r.Message = server.ImportFailed, message
}

// importer is one batch of an import: what it read of the store once, and what it wrote
// or is to write.
type importer struct {
	tx   *Tx
	me   *server.User
	opts server.ImportOptions

	first        map[string]int             // each email's first line in the batch
	users        map[string]*server.User    // the users of the batch's emails, in any organization
	workspaces   map[string]importedSpace   // the organization's workspaces the batch names, by folded name
	members      map[string]map[string]bool // the memberships of those users of the caller's organization
	usernames    map[string]string          // who holds each lower-case username the batch may take ("" for no one), kept up to date
	pending      map[string]pendingInvite   // the organization's pending invitations of the batch's new emails
	activeAdmins int                        // the organization's active admins, kept up to date
	created      []createdUser              // the users to create, in order, written by writeCreated
	updated      []server.User              // the users to change who keep their usernames, in order, written by writeUpdated
	ended        []string                   // the users the batch deactivates, whose sessions end
	joins        []importedMember           // the memberships of existing users to add, written by writeCreated
	invited      []invitedRow               // the invitations to send, written by writeInvited
	events       []audit.Record             // the audit events of the batch, in order, recorded at its end
	written      int                        // rows created, invited or updated
}

type importedSpace struct {
	id   string
	name string
}

// createdUser is a user the batch creates, with the workspaces they join and the secret
// of their reset link ("" for none).
type createdUser struct {
	user   *server.User
	spaces []importedSpace
	token  string
}

// importedMember is an existing user the batch adds to a workspace.
type importedMember struct {
	user  *server.User
	space importedSpace
}

// pendingInvite is a pending invitation as the batch read it.
type pendingInvite struct {
	id      string
	expired bool // past its expiry: it is marked EXPIRED, and a new one takes its place
}

// invitedRow is an invitation the batch sends, and the result that answers it.
type invitedRow struct {
	result *server.ImportResult
	values *server.ImportValues
	issued *server.IssuedInvitation
}

// load reads, in a few statements, the users with the batch's emails, the workspaces it
// names, the memberships of those users, the usernames it may take, the pending
// invitations of its new emails, and the count of active admins.
func (im *importer) load(ctx context.Context, values []*server.ImportValues) error {
	emails, names := []string{}, []string{}
	for _, v := range values {
		if v != nil {
			emails = append(emails, v.Email)
			for _, w := range v.Workspaces {
				names = append(names, foldText(w))
			}
		}
	}
	im.users, im.workspaces, im.members = map[string]*server.User{}, map[string]importedSpace{}, map[string]map[string]bool{}
	rows, err := im.tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ANY($1)`, emails)
	if err != nil {
		return fmt.Errorf("find imported users: %w", err)
	}
	ids := []string{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("find imported users: %w", err)
		}
		im.users[u.Email] = u
		if u.OrganizationID == im.me.OrganizationID {
			ids = append(ids, u.ID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find imported users: %w", err)
	}
	if err := im.loadWorkspaces(ctx, names); err != nil {
		return err
	}
	if err := im.loadMembers(ctx, ids); err != nil {
		return err
	}
	if err := im.loadUsernames(ctx, values); err != nil {
		return err
	}
	if err := im.loadPending(ctx, values); err != nil {
		return err
	}
	admin, on := server.RoleAdmin, true
	im.activeAdmins, err = countUsers(ctx, im.tx, server.UserFilter{OrganizationID: &im.me.OrganizationID, Role: &admin, Activated: &on})
	return err
}

// loadWorkspaces reads the organization's workspaces of the folded names.
func (im *importer) loadWorkspaces(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	rows, err := im.tx.QueryContext(ctx, `SELECT id, name, name_key FROM workspaces
		WHERE organization_id = $1 AND name_key = ANY($2)`, im.me.OrganizationID, names)
	if err != nil {
		return fmt.Errorf("find imported workspaces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var w importedSpace
		var key string
		if err := rows.Scan(&w.id, &w.name, &key); err != nil {
			return fmt.Errorf("find imported workspaces: %w", err)
		}
		im.workspaces[key] = w
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find imported workspaces: %w", err)
	}
	return nil
}

// loadMembers reads the memberships of the users ids, when the batch names workspaces.
func (im *importer) loadMembers(ctx context.Context, ids []string) error {
	if len(ids) == 0 || len(im.workspaces) == 0 {
		return nil
	}
	rows, err := im.tx.QueryContext(ctx, `SELECT user_id, workspace_id FROM workspace_members WHERE user_id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var user, space string
		if err := rows.Scan(&user, &space); err != nil {
			return fmt.Errorf("find memberships: %w", err)
		}
		if im.members[user] == nil {
			im.members[user] = map[string]bool{}
		}
		im.members[user][space] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	return nil
}

// loadUsernames reads who holds the usernames the rows name, and, for the rows that may
// create a user, those a username made from its email could be (base, base-2, …: one
// range of the unique index per base, as uniqueUsername reads it). A batch that creates
// and renames no one reads none.
func (im *importer) loadUsernames(ctx context.Context, values []*server.ImportValues) error {
	named, bases := []string{}, []string{}
	for _, v := range values {
		if v == nil {
			continue
		}
		if v.Username != nil {
			named = append(named, strings.ToLower(*v.Username))
		}
		if im.users[v.Email] == nil && im.opts.Mode == server.ImportCreate {
			bases = append(bases, server.UsernameFromEmail(v.Email))
		}
	}
	im.usernames = map[string]string{}
	if len(named) == 0 && len(bases) == 0 {
		return nil
	}
	// The planner cannot tell how few names each range holds (a third of a third of the
	// users, it guesses), and at 10^5 users compiles the statement (JIT) for half a
	// second to read a few rows by the index.
	if _, err := im.tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("find usernames: %w", err)
	}
	rows, err := im.tx.QueryContext(ctx, `
		SELECT lower(username), id FROM users WHERE lower(username) = ANY($1) OR lower(username) = ANY($2)
		UNION
		SELECT lower(u.username), u.id FROM unnest($2::text[]) AS b (base)
		JOIN users u ON lower(u.username) >= b.base || '-' AND lower(u.username) < b.base || '.'`,
		named, bases)
	if err != nil {
		return fmt.Errorf("find usernames: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, id string
		if err := rows.Scan(&name, &id); err != nil {
			return fmt.Errorf("find usernames: %w", err)
		}
		im.usernames[name] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find usernames: %w", err)
	}
	return nil
}

// loadPending reads, in an invitation batch, the organization's pending invitations of
// the emails that are no user's.
func (im *importer) loadPending(ctx context.Context, values []*server.ImportValues) error {
	im.pending = map[string]pendingInvite{}
	if im.opts.Mode != server.ImportInvite {
		return nil
	}
	emails := []string{}
	for _, v := range values {
		if v != nil && im.users[v.Email] == nil {
			emails = append(emails, v.Email)
		}
	}
	if len(emails) == 0 {
		return nil
	}
	rows, err := im.tx.QueryContext(ctx, `SELECT id, email, expires_at FROM invitations
		WHERE organization_id = $1 AND status = 'PENDING' AND email = ANY($2)`, im.me.OrganizationID, emails)
	if err != nil {
		return fmt.Errorf("find pending invitations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, email string
		var expires int64
		if err := rows.Scan(&id, &email, &expires); err != nil {
			return fmt.Errorf("find pending invitations: %w", err)
		}
		im.pending[email] = pendingInvite{id: id, expired: expires <= toMicro(im.tx.now)}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find pending invitations: %w", err)
	}
	return nil
}

// usernameFree answers CONFLICT when another user than exceptID holds name, as
// checkUsernameFree does, from what the batch read and did.
func (im *importer) usernameFree(name, exceptID string) error {
	if id := im.usernames[strings.ToLower(name)]; id != "" && id != exceptID {
		return errUsernameTaken()
	}
	return nil
}

// row decides what one checked row comes to, and writes it (invitations wait for
// invite, which reserves their emails at once).
func (im *importer) row(ctx context.Context, r *server.ImportResult, v *server.ImportValues) error {
	if line, dup := im.first[v.Email]; dup {
		fail(r, fmt.Sprintf("This email is listed twice: it is imported once, on line %d.", line))
		return nil
	}
	im.first[v.Email] = r.Line
	spaces := make([]importedSpace, 0, len(v.Workspaces))
	for _, name := range v.Workspaces {
		w, ok := im.workspaces[foldText(name)]
		if !ok {
			fail(r, fmt.Sprintf("Workspace %q does not exist in your organization: create it on the workspaces page first, or take it out of this line.", name))
			return nil
		}
		spaces = append(spaces, w)
	}
	existing := im.users[v.Email]
	switch {
	case existing != nil && existing.OrganizationID != im.me.OrganizationID:
		fail(r, msgEmailUsed)
		return nil
	case existing != nil && im.opts.Existing == server.ImportSkip:
		r.Outcome, r.Message, r.UserID = server.ImportSkipped, msgSkipped, existing.ID
		return nil
	case existing != nil:
		return im.update(ctx, r, v, existing, spaces)
	case im.opts.Mode == server.ImportInvite:
		r.Outcome = server.ImportInvited // settled by invite
		return nil
	}
	im.create(r, v, spaces)
	return nil
}

// update changes an existing user of the organization to what the row gives: names,
// username, role, activation, and the workspaces it names added (an import never takes
// a user out of a workspace: a file that lists fewer is no reason to). A user whose
// username changes is written at once, in the order of the rows, since one row may free
// the name the next one takes; the others, most rows, are written together at the end of
// the batch (writeUpdated), with the memberships, events and ended sessions.
func (im *importer) update(ctx context.Context, r *server.ImportResult, v *server.ImportValues, u *server.User, spaces []importedSpace) error {
	r.UserID = u.ID
	next := *u
	if v.Firstname != nil {
		next.Firstname = *v.Firstname
	}
	if v.Lastname != nil {
		next.Lastname = *v.Lastname
	}
	if v.Username != nil {
		next.Username = *v.Username
	}
	if v.Role != nil {
		next.Role = *v.Role
	}
	if v.Activated != nil {
		next.Activated = *v.Activated
	}
	var adds []importedSpace
	for _, w := range spaces {
		if !im.members[u.ID][w.id] {
			adds = append(adds, w)
		}
	}
	if next == *u && len(adds) == 0 {
		r.Outcome, r.Message = server.ImportUnchanged, msgUnchanged
		return nil
	}
	if u.ID == im.me.ID && (next.Role != u.Role || next.Activated != u.Activated) {
		fail(r, msgSelf)
		return nil
	}
	if next.Username != u.Username {
		if err := im.usernameFree(next.Username, u.ID); err != nil {
			return rowError(r, err)
		}
	}
	losesAdmin := isActiveAdmin(u) && !isActiveAdmin(&next)
	if losesAdmin && im.activeAdmins <= 1 {
		fail(r, msgLastAdmin)
		return nil
	}
	if next != *u {
		next.UpdatedAt = nextUpdatedAt(im.tx.now, u.UpdatedAt)
		if next.Username == u.Username {
			im.updated = append(im.updated, next)
		} else if err := writeUser(ctx, im.tx, im.me.OrganizationID, &next, nil); err != nil {
			// The batch found the username free: another organization took it since.
			if server.ErrorCode(err) == server.ECONFLICT || raced(err) {
				return errImportRaced
			}
			return err
		}
		im.events = append(im.events, audit.UserChanged(u, &next)...)
		if u.Activated && !next.Activated {
			im.ended = append(im.ended, u.ID)
		}
	}
	switch {
	case losesAdmin:
		im.activeAdmins--
	case !isActiveAdmin(u) && isActiveAdmin(&next):
		im.activeAdmins++
	}
	for _, w := range adds {
		im.joins = append(im.joins, importedMember{user: u, space: w})
		im.events = append(im.events, membershipAdded(&next, w))
	}
	if next.Username != u.Username {
		im.usernames[strings.ToLower(u.Username)], im.usernames[strings.ToLower(next.Username)] = "", u.ID
	}
	*u = next
	r.Outcome, r.Message = server.ImportUpdated, "Updated as this line says."
	im.written++
	return nil
}

// create settles the row's user, created without a password (writeCreated writes them
// at the end of the batch): they choose one with the reset link of the result, which
// works as long as an invitation's would. A user created deactivated gets no link until
// an admin activates them and issues one.
func (im *importer) create(r *server.ImportResult, v *server.ImportValues, spaces []importedSpace) {
	u := &server.User{ID: newID(), Email: v.Email, Activated: true, OrganizationID: im.me.OrganizationID, Role: server.RoleUser,
		CreatedAt: im.tx.now, UpdatedAt: im.tx.now}
	if v.Firstname != nil {
		u.Firstname = *v.Firstname
	}
	if v.Lastname != nil {
		u.Lastname = *v.Lastname
	}
	if v.Role != nil {
		u.Role = *v.Role
	}
	if v.Activated != nil {
		u.Activated = *v.Activated
	}
	if v.Username != nil {
		if err := im.usernameFree(*v.Username, ""); err != nil {
			fail(r, server.ErrorMessage(err))
			return
		}
		u.Username = *v.Username
	} else {
		u.Username = server.UniqueUsername(server.UsernameFromEmail(u.Email), func(lower string) bool { return im.usernames[lower] != "" })
	}
	im.usernames[strings.ToLower(u.Username)] = u.ID
	if u.Role == server.RoleAdmin && u.Activated {
		im.activeAdmins++
	}
	im.users[u.Email] = u
	r.Outcome, r.UserID = server.ImportCreated, u.ID
	im.written++
	c := createdUser{user: u, spaces: spaces}
	if !u.Activated {
		r.Message = "Created, deactivated: activate them, then issue a password reset link."
	} else {
		expires := im.tx.now.Add(im.tx.db.invitationLifetime())
		r.Message = "Created: they choose their password with the link of this result, which works once, until " + expires.Format("2 Jan 2006 15:04 MST") + "."
		if !im.opts.DryRun {
			c.token = newSecret()
			r.Token = c.token
		}
	}
	im.created = append(im.created, c)
	// Each user's events in the order a single create records them.
	im.events = append(im.events, audit.UserCreated(u, nil))
	if !u.Activated {
		im.events = append(im.events, audit.Record{Action: server.AuditUserDeactivated, User: u})
	}
	for _, w := range spaces {
		im.events = append(im.events, membershipAdded(u, w))
	}
	if c.token != "" {
		im.events = append(im.events, audit.Record{Action: server.AuditPasswordResetIssued, User: u})
	}
}

// membershipAdded is the audit record of user u added to workspace w by an import.
func membershipAdded(u *server.User, w importedSpace) audit.Record {
	return audit.Record{Action: server.AuditWorkspaceMembersAdded, OrgID: u.OrganizationID, User: u,
		Changes: []server.AuditChange{auditChange("workspace", nil, audit.Text(w.name)), auditChange("users", nil, audit.Text("1"))}}
}

// writeCreated writes the users the batch creates, in one statement, then their reset
// links and every membership the batch adds, a statement each. The users are written in
// the order of their addresses, since each insert locks its address (see migration 000):
// two imports of the same addresses at once, in two organizations, then wait for each
// other rather than deadlock.
func (im *importer) writeCreated(ctx context.Context) error {
	if err := im.insertCreated(ctx); err != nil {
		return err
	}
	expires := toMicro(im.tx.now.Add(im.tx.db.invitationLifetime()))
	var hashes, resetUsers []string
	var spaces, members []string
	var joined []int64
	for _, c := range im.created {
		if c.token != "" {
			hashes, resetUsers = append(hashes, hashSecret(c.token)), append(resetUsers, c.user.ID)
		}
		for _, w := range c.spaces {
			spaces, members, joined = append(spaces, w.id), append(members, c.user.ID), append(joined, toMicro(c.user.CreatedAt))
		}
	}
	for _, j := range im.joins {
		spaces, members, joined = append(spaces, j.space.id), append(members, j.user.ID), append(joined, toMicro(j.user.CreatedAt))
	}
	if len(hashes) > 0 {
		if _, err := im.tx.ExecContext(ctx, `
			INSERT INTO password_resets (token_hash, user_id, created_at, expires_at, issued_by, made_with_key)
			SELECT token_hash, user_id, $3, $4, $5, $6 FROM unnest($1::text[], $2::text[]) AS r (token_hash, user_id)`,
			hashes, resetUsers, toMicro(im.tx.now), expires, im.me.ID, nullString(server.AuthFromContext(ctx).KeyID)); err != nil {
			return fmt.Errorf("insert password resets: %w", err)
		}
	}
	if len(spaces) > 0 {
		if _, err := im.tx.ExecContext(ctx, `
			INSERT INTO workspace_members (workspace_id, user_id, user_created_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
			ON CONFLICT DO NOTHING`, spaces, members, joined); err != nil {
			return fmt.Errorf("add workspace members: %w", err)
		}
	}
	return nil
}

// writeUpdated writes the users the batch changes but whose usernames it keeps, in one
// statement, and ends the sessions of the users it deactivates, in another. A dry run
// never comes here: nothing a later row decides depends on these writes.
func (im *importer) writeUpdated(ctx context.Context) error {
	if err := writeUsers(ctx, im.tx, im.me.OrganizationID, im.updated); err != nil {
		return err
	}
	return revokeSessionsOf(ctx, im.tx, im.ended)
}

// insertCreated inserts the users the batch creates, in one statement, in the order of
// their addresses; each is recorded in the change log in the order of the rows.
func (im *importer) insertCreated(ctx context.Context) error {
	if len(im.created) == 0 {
		return nil
	}
	users := make([]*server.User, len(im.created))
	for i, c := range im.created {
		users[i] = c.user
	}
	sort.Slice(users, func(x, y int) bool { return users[x].Email < users[y].Email })
	n := len(users)
	ids, emails, firsts, lasts, roles, searches, names := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	activated := make([]bool, n)
	for i, u := range users {
		ids[i], emails[i], firsts[i], lasts[i], roles[i], searches[i], names[i] = u.ID, u.Email, u.Firstname, u.Lastname,
			string(u.Role), searchText(u), u.Username
		activated[i] = u.Activated
	}
	_, err := im.tx.ExecContext(ctx, `
		INSERT INTO users (id, email, firstname, lastname, activated, organization_id, role, created_at, updated_at, search, username)
		SELECT id, email, firstname, lastname, activated, $8, role, $9, $9, search, username
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[], $10::text[])
			AS r (id, email, firstname, lastname, activated, role, search, username)`,
		ids, emails, firsts, lasts, activated, roles, searches, im.me.OrganizationID, toMicro(im.tx.now), names)
	if raced(err) {
		// The batch found these addresses and usernames free: another organization's
		// import took one since.
		return errImportRaced
	} else if err != nil {
		return fmt.Errorf("insert imported users: %w", err)
	}
	for _, c := range im.created {
		im.tx.changed(ctx, server.ChangeCreated, im.me.OrganizationID, c.user.ID)
	}
	return nil
}

// invite settles the new addresses of an invitation batch, with the invitation
// service's rules: an address with a pending invitation is skipped (one past its expiry
// is marked EXPIRED, and a new one takes its place), and the organization's hourly
// allowance of invitation emails is reserved for all of them at once, the first lines
// first. writeInvited writes the invitations. An invitation keeps the address and the
// role; the person types their names when they accept.
func (im *importer) invite(ctx context.Context, results []*server.ImportResult, values []*server.ImportValues) error {
	var todo []int
	var expired []string
	for i, r := range results {
		if r.Outcome != server.ImportInvited || r.Token != "" {
			continue
		}
		if p, ok := im.pending[values[i].Email]; ok && !p.expired {
			r.Outcome, r.Message = server.ImportSkipped, msgPending
			continue
		} else if ok {
			expired = append(expired, p.id)
		}
		todo = append(todo, i)
	}
	if len(expired) > 0 {
		if _, err := im.tx.ExecContext(ctx, `UPDATE invitations SET status = 'EXPIRED', ended_at = $1 WHERE id = ANY($2)`,
			toMicro(im.tx.now), expired); err != nil {
			return fmt.Errorf("replace expired invitations: %w", err)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	granted, retryAfter, err := im.tx.db.reserveMails(ctx, im.tx, im.me.OrganizationID, len(todo))
	if err != nil {
		return err
	}
	for _, i := range todo[granted:] {
		fail(results[i], fmt.Sprintf("Your organization sent its %d invitation emails of the hour: import this line again in %s.",
			im.tx.db.InvitationLimit.OrDefault().Mails, server.HumanDuration(retryAfter)))
	}
	for _, i := range todo[:granted] {
		r, v := results[i], values[i]
		role := server.RoleUser
		if v.Role != nil {
			role = *v.Role
		}
		inv := &server.Invitation{ID: newID(), Email: v.Email, Role: role, Status: server.InvitationPending,
			OrganizationID: im.me.OrganizationID, CreatedAt: im.tx.now, SentAt: im.tx.now,
			ExpiresAt: im.tx.now.Add(im.tx.db.invitationLifetime()), InvitedBy: im.me}
		issued := &server.IssuedInvitation{Invitation: inv}
		if !im.opts.DryRun {
			issued.Token = newSecret()
		}
		im.invited = append(im.invited, invitedRow{result: r, values: v, issued: issued})
		im.events = append(im.events, audit.Record{Action: server.AuditInvitationSent, OrgID: im.me.OrganizationID, InvitationID: inv.ID,
			Changes: []server.AuditChange{{Field: "email", New: audit.Text(v.Email)}, {Field: "organizationRole", New: audit.Text(string(role))}}})
		r.Token, r.Invitation = issued.Token, issued
		r.Message = "Invited as " + string(role) + ": the link works once, until " + inv.ExpiresAt.Format("2 Jan 2006 15:04 MST") + "."
		if v.Firstname != nil || v.Lastname != nil || v.Username != nil || len(v.Workspaces) > 0 || v.Activated != nil {
			r.Message += " An invitation keeps the address and role only: the person types their names on accepting; add workspaces after."
		}
		im.written++
	}
	return nil
}

// writeInvited writes the invitations the batch sends and their first links, a
// statement each. The invitations are written in the order of their addresses, since
// each insert locks its address (see migration 000): two imports of the same addresses
// at once, in two organizations, then wait for each other rather than deadlock. An
// address that became a user's since the batch read it (the database refuses the
// invitation) has the batch done again.
func (im *importer) writeInvited(ctx context.Context) error {
	if len(im.invited) == 0 {
		return nil
	}
	sorted := slices.Clone(im.invited)
	sort.Slice(sorted, func(x, y int) bool { return sorted[x].issued.Invitation.Email < sorted[y].issued.Invitation.Email })
	n := len(sorted)
	ids, emails, roles, hashes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, w := range sorted {
		inv := w.issued.Invitation
		ids[i], emails[i], roles[i], hashes[i] = inv.ID, inv.Email, string(inv.Role), hashSecret(w.issued.Token)
	}
	now, expires := toMicro(im.tx.now), toMicro(sorted[0].issued.Invitation.ExpiresAt)
	_, err := im.tx.ExecContext(ctx, `
		INSERT INTO invitations (id, organization_id, email, role, status, invited_by, created_at, sent_at, expires_at)
		SELECT id, $4, email, role, 'PENDING', $5, $6, $6, $7 FROM unnest($1::text[], $2::text[], $3::text[]) AS r (id, email, role)`,
		ids, emails, roles, im.me.OrganizationID, im.me.ID, now, expires)
	if raced(err) {
		return errImportRaced
	} else if err != nil {
		return fmt.Errorf("insert invitations: %w", err)
	}
	if _, err := im.tx.ExecContext(ctx, `
		INSERT INTO invitation_links (token_hash, invitation_id, created_at, made_with_key)
		SELECT token_hash, invitation_id, $3, $4 FROM unnest($1::text[], $2::text[]) AS r (token_hash, invitation_id)`,
		hashes, ids, now, nullString(server.AuthFromContext(ctx).KeyID)); err != nil {
		return fmt.Errorf("insert invitation links: %w", err)
	}
	return nil
}

// rowError makes a refusal of the store's rules (a username taken) the row's FAILED
// result; any other error fails the batch.
func rowError(r *server.ImportResult, err error) error {
	var e *server.Error
	if errors.As(err, &e) && e.Code == server.ECONFLICT {
		fail(r, e.Message)
		return nil
	}
	return err
}

// deadlockDetected is the SQLSTATE of a transaction the database ended to break a
// deadlock: two batches that wait for each other's usernames.
const deadlockDetected = "40P01"
