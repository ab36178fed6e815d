package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"useradmin/server"
	"useradmin/server/audit"
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
// writes the users it creates, their audit events, links and memberships at the end, a
// few statements for the whole batch: a statement per row took most of an import's
// time. A dry run makes the writes of updates and invitations (whose rules the store
// checks as it writes them) and rolls them back, so that its answer is what the import
// would do; it leaves out those no row depends on (creations, audit events, reset links,
// memberships).
// Only an ADMIN may. Every email is looked up in the whole directory, in the
// transaction: another organization's user is answered "already used" and never read
// further.
func (s *ImportService) ImportUsers(ctx context.Context, rows []server.ImportRow, opts server.ImportOptions) ([]*server.ImportResult, error) {
	if err := opts.Validate(rows); err != nil {
		return nil, err
	}
	if err := mayWrite(ctx); err != nil {
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
	if err := im.writeUpdated(ctx); err != nil {
		return nil, err
	}
	if err := im.writeCreated(ctx); err != nil {
		return nil, err
	}
	if opts.DryRun {
		for _, r := range results {
			r.Token, r.Invitation = "", nil
		}
		return results, nil // the deferred Rollback undoes every write
	}
	if im.written > 0 {
		if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditUsersImported, OrgID: me.OrganizationID, Changes: []server.AuditChange{
			auditChange("mode", nil, audit.Text(string(opts.Mode))), auditChange("existing", nil, audit.Text(string(opts.Existing))),
			auditChange("rows", nil, audit.Text(strconv.Itoa(len(rows)))), auditChange("written", nil, audit.Text(strconv.Itoa(im.written))),
		}}); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import users: %w", err)
	}
	return results, nil
}

func fail(r *server.ImportResult, message string) {
	r.Outcome, r.Message = server.ImportFailed, message
}

// importer is one batch of an import: what it read of the store once, and what it wrote.
type importer struct {
	tx   *Tx
	me   *server.User
	opts server.ImportOptions

	first        map[string]int           // each email's first line in the batch
	users        map[string]*importedUser // the users of the batch's emails, in any organization
	workspaces   map[string]importedSpace // the organization's workspaces the batch names, by folded name
	members      map[int64]map[int64]bool // the memberships of those users of the caller's organization
	usernames    map[string]string        // who holds each lower-case username the batch may take ("" for no one), kept up to date
	activeAdmins int                      // the organization's active admins, kept up to date
	created      []createdUser            // the users to create, in order, written by writeCreated
	events       []audit.Record           // the audit events of the updates, in order, recorded by writeUpdated
	ended        []string                 // the users the batch deactivates, whose sessions writeUpdated ends
	written      int                      // rows created, invited or updated
}

// createdUser is a user the batch creates, with the workspaces they join and the secret
// of their reset link ("" for none).
type createdUser struct {
	user   *server.User
	spaces []importedSpace
	token  string
}

type importedUser struct {
	user *server.User
	num  int64
}

type importedSpace struct {
	num  int64
	name string
}

// load reads, in a few statements, the users with the batch's emails, the workspaces it
// names, the memberships of those users, and the count of active admins.
func (im *importer) load(ctx context.Context, values []*server.ImportValues) error {
	var emails, names []string
	for _, v := range values {
		if v != nil {
			emails = append(emails, v.Email)
			for _, w := range v.Workspaces {
				names = append(names, foldText(w))
			}
		}
	}
	im.users, im.workspaces, im.members = map[string]*importedUser{}, map[string]importedSpace{}, map[int64]map[int64]bool{}
	rows, err := im.tx.QueryContext(ctx, `SELECT num, `+userColumns+` FROM users WHERE email IN (SELECT value FROM json_each(?))`, jsonList(emails))
	if err != nil {
		return fmt.Errorf("find imported users: %w", err)
	}
	var nums []string
	for rows.Next() {
		var num int64
		u, err := scanUser(numScanner{rows, &num})
		if err != nil {
			rows.Close()
			return fmt.Errorf("find imported users: %w", err)
		}
		im.users[u.Email] = &importedUser{user: u, num: num}
		if u.OrganizationID == im.me.OrganizationID {
			nums = append(nums, strconv.FormatInt(num, 10))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find imported users: %w", err)
	}
	if rows, err = im.tx.QueryContext(ctx, `SELECT num, name, name_key FROM workspaces
		WHERE organization_id = ? AND name_key IN (SELECT value FROM json_each(?))`, im.me.OrganizationID, jsonList(names)); err != nil {
		return fmt.Errorf("find imported workspaces: %w", err)
	}
	for rows.Next() {
		var w importedSpace
		var key string
		if err := rows.Scan(&w.num, &w.name, &key); err != nil {
			rows.Close()
			return fmt.Errorf("find imported workspaces: %w", err)
		}
		im.workspaces[key] = w
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find imported workspaces: %w", err)
	}
	if rows, err = im.tx.QueryContext(ctx, `SELECT user_num, workspace_num FROM workspace_members
		WHERE user_num IN (SELECT value FROM json_each(?))`, "["+strings.Join(nums, ",")+"]"); err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	for rows.Next() {
		var user, space int64
		if err := rows.Scan(&user, &space); err != nil {
			rows.Close()
			return fmt.Errorf("find memberships: %w", err)
		}
		if im.members[user] == nil {
			im.members[user] = map[int64]bool{}
		}
		im.members[user][space] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	if err := im.loadUsernames(ctx, values); err != nil {
		return err
	}
	admin, on := server.RoleAdmin, true
	im.activeAdmins, err = countUsers(ctx, im.tx, server.UserFilter{OrganizationID: &im.me.OrganizationID, Role: &admin, Activated: &on})
	return err
}

// loadUsernames reads who holds the usernames the rows name, and those a username made
// from each row's email could be (base, base-2, …: one range of the unique index per
// base, as uniqueUsername reads it).
func (im *importer) loadUsernames(ctx context.Context, values []*server.ImportValues) error {
	var named, bases []string
	for _, v := range values {
		if v == nil {
			continue
		}
		if v.Username != nil {
			named = append(named, *v.Username)
		}
		bases = append(bases, server.UsernameFromEmail(v.Email))
	}
	im.usernames = map[string]string{}
	rows, err := im.tx.QueryContext(ctx, `
		SELECT lower(u.username), u.id FROM json_each(?) n JOIN users u ON u.username = n.value
		UNION SELECT lower(u.username), u.id FROM json_each(?) b JOIN users u ON u.username = b.value
			OR (u.username >= b.value || '-' AND u.username < b.value || '.')`,
		jsonList(named), jsonList(bases))
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
	case existing != nil && existing.user.OrganizationID != im.me.OrganizationID:
		fail(r, msgEmailUsed)
		return nil
	case existing != nil && im.opts.Existing == server.ImportSkip:
		r.Outcome, r.Message, r.UserID = server.ImportSkipped, msgSkipped, existing.user.ID
		return nil
	case existing != nil:
		return im.update(ctx, r, v, existing, spaces)
	case im.opts.Mode == server.ImportInvite:
		r.Outcome = server.ImportInvited // settled by invite
		return nil
	}
	return im.create(r, v, spaces)
}

// update changes an existing user of the organization to what the row gives: names,
// username, role, activation, and the workspaces it names added (an import never takes
// a user out of a workspace: a file that lists fewer is no reason to).
func (im *importer) update(ctx context.Context, r *server.ImportResult, v *server.ImportValues, e *importedUser, spaces []importedSpace) error {
	u := e.user
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
		if !im.members[e.num][w.num] {
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
		if err := writeUser(ctx, im.tx, im.me.OrganizationID, &next, nil); err != nil {
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
	if err := im.join(ctx, &next, e.num, adds); err != nil {
		return err
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
func (im *importer) create(r *server.ImportResult, v *server.ImportValues, spaces []importedSpace) error {
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
			return rowError(r, err)
		}
		u.Username = *v.Username
	} else {
		u.Username = server.UniqueUsername(server.UsernameFromEmail(u.Email), func(lower string) bool { return im.usernames[lower] != "" })
	}
	im.usernames[strings.ToLower(u.Username)] = u.ID
	if u.Role == server.RoleAdmin && u.Activated {
		im.activeAdmins++
	}
	im.users[u.Email] = &importedUser{user: u}
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
	return nil
}

// writeUpdated records the audit events of the users the batch changed, in statements
// of many rows, and ends the sessions of those it deactivated, in one; a dry run writes
// neither (no later row depends on them).
func (im *importer) writeUpdated(ctx context.Context) error {
	if im.opts.DryRun {
		return nil
	}
	if len(im.events) > 0 {
		if err := im.recordAll(ctx, im.events); err != nil {
			return err
		}
	}
	return revokeSessionsOf(ctx, im.tx, im.ended)
}

// writeCreated writes the users the batch creates, their reset links, their memberships
// and the audit events of all three (each user's in the order a single create records
// them), in a few statements for the whole batch; a dry run
// writes none of it (no later row depends on it: the batch keeps the emails and
// usernames it took).
func (im *importer) writeCreated(ctx context.Context) error {
	if im.opts.DryRun || len(im.created) == 0 {
		return nil
	}
	now, expires := toMicro(im.tx.now), toMicro(im.tx.now.Add(im.tx.db.invitationLifetime()))
	madeWith := nullString(server.AuthFromContext(ctx).KeyID) // the links' key, which a password change may end
	users := make([][]any, 0, len(im.created))
	ids := make([]string, 0, len(im.created))
	var resets [][]any
	var events []audit.Record
	for _, c := range im.created {
		u := c.user
		users = append(users, []any{u.ID, u.Email, u.Firstname, u.Lastname, u.Activated, u.OrganizationID, string(u.Role),
			nil, now, now, u.Username, nil})
		ids = append(ids, u.ID)
		events = append(events, audit.UserCreated(u, nil))
		if !u.Activated {
			events = append(events, audit.Record{Action: server.AuditUserDeactivated, User: u})
		}
		for _, w := range c.spaces {
			events = append(events, membershipAdded(u, w))
		}
		if c.token != "" {
			resets = append(resets, []any{hashSecret(c.token), u.ID, now, expires, im.me.ID, madeWith})
			events = append(events, audit.Record{Action: server.AuditPasswordResetIssued, User: u})
		}
	}
	if err := insertRows(ctx, im.tx, `users (id, email, firstname, lastname, activated, organization_id, role, password_hash,
		created_at, updated_at, username, last_signed_in_at)`, users); err != nil {
		return fmt.Errorf("insert imported users: %w", err)
	}
	for _, id := range ids {
		im.tx.changed(ctx, server.ChangeCreated, im.me.OrganizationID, id)
	}
	if err := insertRows(ctx, im.tx, `password_resets (token_hash, user_id, created_at, expires_at, issued_by, made_with_key)`, resets); err != nil {
		return fmt.Errorf("insert password resets: %w", err)
	}
	nums, err := im.userNums(ctx, ids)
	if err != nil {
		return err
	}
	var members [][]any
	for _, c := range im.created {
		for _, w := range c.spaces {
			members = append(members, []any{w.num, nums[c.user.ID]})
		}
	}
	if err := insertRows(ctx, im.tx, `workspace_members (workspace_num, user_num)`, members); err != nil {
		return fmt.Errorf("add workspace members: %w", err)
	}
	return im.recordAll(ctx, events)
}

// userNums reads the numbers of the users ids.
func (im *importer) userNums(ctx context.Context, ids []string) (map[string]int64, error) {
	rows, err := im.tx.QueryContext(ctx, `SELECT id, num FROM users WHERE id IN (SELECT value FROM json_each(?))`, jsonList(ids))
	if err != nil {
		return nil, fmt.Errorf("find imported users: %w", err)
	}
	defer rows.Close()
	nums := make(map[string]int64, len(ids))
	for rows.Next() {
		var id string
		var num int64
		if err := rows.Scan(&id, &num); err != nil {
			return nil, fmt.Errorf("find imported users: %w", err)
		}
		nums[id] = num
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find imported users: %w", err)
	}
	return nums, nil
}

// recordAll stores records as recordEvent does each, in statements of many rows.
func (im *importer) recordAll(ctx context.Context, records []audit.Record) error {
	rows := make([][]any, len(records))
	for i, r := range records {
		row, err := r.Row(ctx)
		if err != nil {
			return err
		}
		rows[i] = []any{newID(), row.OrgID, row.Action, toMicro(im.tx.now), row.ActorID, row.ActorEmail, row.ActorKeyID,
			row.UserID, row.UserEmail, row.InvitationID, row.APIKeyID, row.ClientAddress, row.Changes}
	}
	if err := insertRows(ctx, im.tx, `audit_events (id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
		user_id, user_email, invitation_id, api_key_id, client_address, changes)`, rows); err != nil {
		return fmt.Errorf("record imported users: %w", err)
	}
	return nil
}

// insertRows inserts rows into table (its name and columns, as INSERT INTO names them),
// up to insertedPerStatement rows a statement: one statement is parsed, and its
// triggers compiled, once for all its rows.
func insertRows(ctx context.Context, tx *Tx, table string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), insertedPerStatement)
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " VALUES ")
		args := make([]any, 0, n*len(rows[0]))
		for i, row := range rows[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?" + strings.Repeat(", ?", len(row)-1) + ")")
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// insertedPerStatement bounds a statement's variables (13 an audit event): the driver
// binds each variable by a search of them all, so a statement of more rows costs more
// per row (500 rows took a third of an import's time to bind; 50, a few per cent).
const insertedPerStatement = 50

// membershipAdded is the audit record of user u added to workspace w by an import.
func membershipAdded(u *server.User, w importedSpace) audit.Record {
	return audit.Record{Action: server.AuditWorkspaceMembersAdded, OrgID: u.OrganizationID, User: u,
		Changes: []server.AuditChange{auditChange("workspace", nil, audit.Text(w.name)), auditChange("users", nil, audit.Text("1"))}}
}

// join adds user u (whose number is num) to the workspaces spaces, recording each.
func (im *importer) join(ctx context.Context, u *server.User, num int64, spaces []importedSpace) error {
	if im.opts.DryRun {
		return nil
	}
	for _, w := range spaces {
		if _, err := im.tx.ExecContext(ctx, `INSERT INTO workspace_members (workspace_num, user_num) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			w.num, num); err != nil {
			return fmt.Errorf("add workspace member: %w", err)
		}
		im.events = append(im.events, membershipAdded(u, w))
	}
	return nil
}

// invite invites the new addresses of the batch, with the invitation service's rules:
// an address with a pending invitation is skipped, and the organization's hourly
// allowance of invitation emails is reserved for all of them at once, the first lines
// first. An invitation keeps the address and the role; the person types their names when
// they accept.
func (im *importer) invite(ctx context.Context, results []*server.ImportResult, values []*server.ImportValues) error {
	svc := &InvitationService{db: im.tx.db}
	var todo []int
	for i, r := range results {
		if r.Outcome != server.ImportInvited || r.Token != "" {
			continue
		}
		var check server.InvitationResult
		if err := svc.checkInvitable(ctx, im.tx, im.me.OrganizationID, &check, values[i].Email); err != nil {
			return err
		}
		if check.Outcome == server.InviteAlreadyInvited {
			r.Outcome, r.Message = server.ImportSkipped, msgPending
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return nil
	}
	granted, retryAfter, err := im.tx.db.reserveMails(ctx, im.tx, im.me.OrganizationID, len(todo))
	if err != nil {
		return err
	}
	for k, i := range todo {
		r, v := results[i], values[i]
		if k >= granted {
			fail(r, fmt.Sprintf("Your organization sent its %d invitation emails of the hour: import this line again in %s.",
				im.tx.db.InvitationLimit.OrDefault().Mails, server.HumanDuration(retryAfter)))
			continue
		}
		role := server.RoleUser
		if v.Role != nil {
			role = *v.Role
		}
		issued, err := insertInvitation(ctx, im.tx, im.me, v.Email, role)
		if errors.Is(err, errInvitationTaken) {
			r.Outcome, r.Message = server.ImportSkipped, msgPending
			continue
		} else if errors.Is(err, errAddressIsUser) {
			fail(r, msgEmailUsed)
			continue
		} else if err != nil {
			return err
		}
		if err := im.unlessDry(func() error {
			return recordEvent(ctx, im.tx, audit.Record{Action: server.AuditInvitationSent, OrgID: im.me.OrganizationID, InvitationID: issued.Invitation.ID,
				Changes: []server.AuditChange{{Field: "email", New: audit.Text(v.Email)}, {Field: "organizationRole", New: audit.Text(string(role))}}})
		}); err != nil {
			return err
		}
		r.Token, r.Invitation = issued.Token, issued
		r.Message = "Invited as " + string(role) + ": the link works once, until " + issued.Invitation.ExpiresAt.Format("2 Jan 2006 15:04 MST") + "."
		if v.Firstname != nil || v.Lastname != nil || v.Username != nil || len(v.Workspaces) > 0 || v.Activated != nil {
			r.Message += " An invitation keeps the address and role only: the person types their names on accepting; add workspaces after."
		}
		im.written++
	}
	return nil
}

// unlessDry runs write, a write no later row's outcome depends on (an audit event, a
// reset link, the end of sessions), except in a dry run: those are rolled back anyway,
// and leaving them out halves a preview's time.
func (im *importer) unlessDry(write func() error) error {
	if im.opts.DryRun {
		return nil
	}
	return write()
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
