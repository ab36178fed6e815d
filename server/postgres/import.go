package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

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

// ImportUsers imports one batch of rows in one transaction. A dry run makes the writes
// that later rows of the batch depend on (users, usernames, invitations and the emails
// they reserve) and rolls them back, so that its answer is what the import would do; it
// leaves out those no row depends on (audit events, reset links, memberships).
// Only an ADMIN may. Every email is looked up in the whole directory, in the
// transaction: another organization's user is answered "already used" and never read
// further.
func (s *ImportService) ImportUsers(ctx context.Context, rows []server.ImportRow, opts server.ImportOptions) ([]*server.ImportResult, error) {
	if err := opts.Validate(rows); err != nil {
		return nil, err
	}
	if err := embedtoken.MayWrite(ctx); err != nil {
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

	first        map[string]int             // each email's first line in the batch
	users        map[string]*server.User    // the users of the batch's emails, in any organization
	workspaces   map[string]importedSpace   // the organization's workspaces the batch names, by folded name
	members      map[string]map[string]bool // the memberships of those users of the caller's organization
	activeAdmins int                        // the organization's active admins, kept up to date
	written      int                        // rows created, invited or updated
}

type importedSpace struct {
	id   string
	name string
}

// load reads, in a few statements, the users with the batch's emails, the workspaces it
// names, the memberships of those users, and the count of active admins.
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
	if rows, err = im.tx.QueryContext(ctx, `SELECT id, name, name_key FROM workspaces
		WHERE organization_id = $1 AND name_key = ANY($2)`, im.me.OrganizationID, names); err != nil {
		return fmt.Errorf("find imported workspaces: %w", err)
	}
	for rows.Next() {
		var w importedSpace
		var key string
		if err := rows.Scan(&w.id, &w.name, &key); err != nil {
			rows.Close()
			return fmt.Errorf("find imported workspaces: %w", err)
		}
		im.workspaces[key] = w
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find imported workspaces: %w", err)
	}
	if rows, err = im.tx.QueryContext(ctx, `SELECT user_id, workspace_id FROM workspace_members WHERE user_id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	for rows.Next() {
		var user, space string
		if err := rows.Scan(&user, &space); err != nil {
			rows.Close()
			return fmt.Errorf("find memberships: %w", err)
		}
		if im.members[user] == nil {
			im.members[user] = map[string]bool{}
		}
		im.members[user][space] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	admin, on := server.RoleAdmin, true
	im.activeAdmins, err = countUsers(ctx, im.tx, server.UserFilter{OrganizationID: &im.me.OrganizationID, Role: &admin, Activated: &on})
	return err
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
	return im.create(ctx, r, v, spaces)
}

// update changes an existing user of the organization to what the row gives: names,
// username, role, activation, and the workspaces it names added (an import never takes
// a user out of a workspace: a file that lists fewer is no reason to).
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
		if err := checkUsernameFree(ctx, im.tx, next.Username, u.ID); err != nil {
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
		if err := im.unlessDry(func() error { return recordEvents(ctx, im.tx, audit.UserChanged(u, &next)...) }); err != nil {
			return err
		}
		if u.Activated && !next.Activated {
			if err := im.unlessDry(func() error { return revokeSessions(ctx, im.tx, u.ID, "") }); err != nil {
				return err
			}
		}
	}
	switch {
	case losesAdmin:
		im.activeAdmins--
	case !isActiveAdmin(u) && isActiveAdmin(&next):
		im.activeAdmins++
	}
	if err := im.join(ctx, &next, adds); err != nil {
		return err
	}
	*u = next
	r.Outcome, r.Message = server.ImportUpdated, "Updated as this line says."
	im.written++
	return nil
}

// create adds the row's user without a password: they choose one with the reset link of
// the result, which works as long as an invitation's would. A user created deactivated
// gets no link until an admin activates them and issues one.
func (im *importer) create(ctx context.Context, r *server.ImportResult, v *server.ImportValues, spaces []importedSpace) error {
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
		if err := checkUsernameFree(ctx, im.tx, *v.Username, ""); err != nil {
			return rowError(r, err)
		}
		u.Username = *v.Username
	}
	if err := insertUser(ctx, im.tx, u, ""); err != nil {
		return err
	}
	if err := im.unlessDry(func() error { return recordEvent(ctx, im.tx, audit.UserCreated(u, nil)) }); err != nil {
		return err
	}
	if !u.Activated {
		if err := im.unlessDry(func() error {
			return recordEvent(ctx, im.tx, audit.Record{Action: server.AuditUserDeactivated, User: u})
		}); err != nil {
			return err
		}
	}
	if u.Role == server.RoleAdmin && u.Activated {
		im.activeAdmins++
	}
	if err := im.join(ctx, u, spaces); err != nil {
		return err
	}
	im.users[u.Email] = u
	r.Outcome, r.UserID = server.ImportCreated, u.ID
	im.written++
	if !u.Activated {
		r.Message = "Created, deactivated: activate them, then issue a password reset link."
		return nil
	}
	expires := im.tx.now.Add(im.tx.db.invitationLifetime())
	r.Message = "Created: they choose their password with the link of this result, which works once, until " + expires.Format("2 Jan 2006 15:04 MST") + "."
	if im.opts.DryRun {
		return nil
	}
	r.Token = newSecret()
	if _, err := im.tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hashSecret(r.Token), u.ID, toMicro(im.tx.now), toMicro(expires)); err != nil {
		return fmt.Errorf("insert password reset: %w", err)
	}
	return recordEvent(ctx, im.tx, audit.Record{Action: server.AuditPasswordResetIssued, User: u})
}

// join adds user u to the workspaces spaces, recording each.
func (im *importer) join(ctx context.Context, u *server.User, spaces []importedSpace) error {
	if im.opts.DryRun {
		return nil
	}
	for _, w := range spaces {
		if _, err := im.tx.ExecContext(ctx, `INSERT INTO workspace_members (workspace_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			w.id, u.ID); err != nil {
			return fmt.Errorf("add workspace member: %w", err)
		}
		if err := recordEvent(ctx, im.tx, audit.Record{Action: server.AuditWorkspaceMembersAdded, OrgID: u.OrganizationID, User: u,
			Changes: []server.AuditChange{auditChange("workspace", nil, audit.Text(w.name)), auditChange("users", nil, audit.Text("1"))}}); err != nil {
			return err
		}
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
		switch check.Outcome {
		case server.InviteAlreadyInvited:
			r.Outcome, r.Message = server.ImportSkipped, msgPending
			continue
		case server.InviteAlreadyUser:
			fail(r, msgEmailUsed)
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
	for _, i := range todo[granted:] {
		fail(results[i], fmt.Sprintf("Your organization sent its %d invitation emails of the hour: import this line again in %s.",
			im.tx.db.InvitationLimit.OrDefault().Mails, server.HumanDuration(retryAfter)))
	}
	// The granted addresses are written in the order of the addresses, since each insert
	// locks its address (see migration 000): two imports of the same addresses at once,
	// in two organizations, then wait for each other rather than deadlock.
	todo = todo[:granted]
	sort.Slice(todo, func(x, y int) bool { return values[todo[x]].Email < values[todo[y]].Email })
	for _, i := range todo {
		r, v := results[i], values[i]
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
