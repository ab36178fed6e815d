package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"useradmin/server"
	"useradmin/server/audit"
)

// InvitationService manages invitations on behalf of the caller in the context: only an
// ADMIN, only in their own organization. The invariants hold in the database itself
// (migration 005): one pending invitation per address and organization, no invitation
// of an address that belongs to a user, no change of an invitation's organization, and a
// user made by accepting lands in the invitation's organization with its role.
type InvitationService struct {
	db *DB
}

var _ server.InvitationService = (*InvitationService)(nil)

// NewInvitationService returns an InvitationService on db.
func NewInvitationService(db *DB) *InvitationService {
	return &InvitationService{db: db}
}

// invitationLifetime is how long a new or resent invitation's links work.
func (db *DB) invitationLifetime() time.Duration {
	if db.InvitationLifetime > 0 {
		return db.InvitationLifetime
	}
	return server.DefaultInvitationLifetime
}

func errOnlyAdminsInvite() error {
	return server.Errorf(server.EFORBIDDEN, "Only an admin can invite people and see invitations: ask an admin of your organization.")
}

func errInvitationNotFound() error {
	return server.Errorf(server.ENOTFOUND, "Invitation not found.")
}

// invitingAdmin returns the caller when they are an ADMIN, else FORBIDDEN.
func invitingAdmin(ctx context.Context, tx *Tx) (*server.User, error) {
	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	if me.Role != server.RoleAdmin {
		return nil, errOnlyAdminsInvite()
	}
	return me, nil
}

// InviteUsers invites each address to the caller's organization with role. Each address
// gets its own result: invited, already a user (of any organization: an address is one
// person), already invited (a pending invitation of this organization), invalid, or
// rate-limited when the organization has sent as many invitation emails as its window
// allows (the first addresses of the list get the room that is left). Everything is
// written in one transaction; the emails are sent after, by the caller of the service.
func (s *InvitationService) InviteUsers(ctx context.Context, emails []string, role server.Role) ([]*server.InvitationResult, error) {
	if err := server.ValidateInvitees(emails); err != nil {
		return nil, err
	}
	if err := server.ValidateRole("role", role); err != nil {
		return nil, err
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := invitingAdmin(ctx, tx)
	if err != nil {
		return nil, err
	}
	results := make([]*server.InvitationResult, len(emails))
	first := map[string]int{} // each valid address's first line
	var invite []int          // the lines to invite, in order
	for i, raw := range emails {
		email := server.NormalizeEmail(raw)
		r := &server.InvitationResult{Email: clipText(email, server.MaxEmailLength)}
		results[i] = r
		if err := server.ValidateEmail("email", email); err != nil {
			r.Outcome, r.Message = server.InviteInvalid, server.ErrorMessage(err)
			continue
		}
		if _, dup := first[email]; dup {
			continue // answered with its first line, below
		}
		first[email] = i
		if err := s.checkInvitable(ctx, tx, me.OrganizationID, r, email); err != nil {
			return nil, err
		}
		if r.Outcome == "" {
			invite = append(invite, i)
		}
	}
	granted, retryAfter, err := s.db.reserveMails(ctx, tx, me.OrganizationID, len(invite))
	if err != nil {
		return nil, err
	}
	for k, i := range invite {
		r := results[i]
		if k >= granted {
			r.Outcome, r.RetryAfter = server.InviteRateLimited, retryAfter
			r.Message = fmt.Sprintf("Your organization sent its %d invitation emails of the hour: invite this address again in %s.",
				s.db.InvitationLimit.OrDefault().Mails, server.HumanDuration(retryAfter))
			continue
		}
		issued, err := insertInvitation(ctx, tx, me, r.Email, role)
		if errors.Is(err, errInvitationTaken) {
			// Only a writer that skipped the checks above gets here: the constraints hold.
			r.Outcome, r.Message = server.InviteAlreadyInvited, "This address has a pending invitation already."
			continue
		} else if errors.Is(err, errAddressIsUser) {
			r.Outcome, r.Message = server.InviteAlreadyUser, "This address already has an account in the directory."
			continue
		} else if err != nil {
			return nil, err
		}
		if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditInvitationSent, OrgID: me.OrganizationID, InvitationID: issued.Invitation.ID,
			Changes: []server.AuditChange{{Field: "email", New: audit.Text(r.Email)}, {Field: "organizationRole", New: audit.Text(string(role))}}}); err != nil {
			return nil, err
		}
		r.Outcome, r.Invitation, r.Token = server.InviteInvited, issued.Invitation, issued.Token
		r.Message = "Invited: the link works once, until " + issued.Invitation.ExpiresAt.Format("2 Jan 2006 15:04 MST") + "."
	}
	for i, r := range results {
		if j, ok := first[r.Email]; ok && j != i && r.Outcome == "" {
			answerDuplicate(r, results[j])
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("invite users: %w", err)
	}
	return results, nil
}

// answerDuplicate answers an address listed again as its first line was answered; only
// one invitation is made.
func answerDuplicate(r, firstLine *server.InvitationResult) {
	r.Outcome, r.Message, r.RetryAfter = firstLine.Outcome, firstLine.Message, firstLine.RetryAfter
	r.Invitation = firstLine.Invitation
	if firstLine.Outcome == server.InviteInvited || firstLine.Outcome == server.InviteAlreadyInvited {
		r.Outcome, r.Message = server.InviteAlreadyInvited, "This address is listed twice: it is invited once, on its first line."
	}
}

// checkInvitable sets r's outcome when email cannot be invited to orgID: it belongs to a
// user, or has a pending invitation there. A pending invitation that has expired is
// marked EXPIRED, so that a new one can take its place.
func (s *InvitationService) checkInvitable(ctx context.Context, tx *Tx, orgID string, r *server.InvitationResult, email string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, email).Scan(&n); err != nil {
		return fmt.Errorf("check address: %w", err)
	}
	if n > 0 {
		r.Outcome, r.Message = server.InviteAlreadyUser, "This address already has an account in the directory."
		return nil
	}
	inv, err := scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationColumns+invitationFrom+`
		WHERE i.organization_id = ? AND i.email = ? AND i.status = 'PENDING'`, orgID, email), tx.now)
	if err == sql.ErrNoRows {
		return nil
	} else if err != nil {
		return fmt.Errorf("find pending invitation: %w", err)
	}
	if inv.Status == server.InvitationPending {
		r.Outcome, r.Invitation = server.InviteAlreadyInvited, inv
		r.Message = "This address has a pending invitation, sent " + inv.SentAt.Format("2 Jan 2006") + ": resend it from the pending invitations if the email was lost."
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invitations SET status = 'EXPIRED', ended_at = ? WHERE id = ?`, toMicro(tx.now), inv.ID); err != nil {
		return fmt.Errorf("replace expired invitation: %w", err)
	}
	return nil
}

// Errors of the constraints on invitations, told apart by SQLite's result codes.
var (
	errInvitationTaken = errors.New("a pending invitation of this address exists")
	errAddressIsUser   = errors.New("this address belongs to a user")
)

// insertInvitation stores a new pending invitation of email to the organization of the
// admin me, with its first link.
func insertInvitation(ctx context.Context, tx *Tx, me *server.User, email string, role server.Role) (*server.IssuedInvitation, error) {
	inv := &server.Invitation{
		ID:             newID(),
		Email:          email,
		Role:           role,
		Status:         server.InvitationPending,
		OrganizationID: me.OrganizationID,
		CreatedAt:      tx.now,
		SentAt:         tx.now,
		ExpiresAt:      tx.now.Add(tx.db.invitationLifetime()),
		InvitedBy:      me,
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO invitations (id, organization_id, email, role, status, invited_by, created_at, sent_at, expires_at)
		VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)`,
		inv.ID, inv.OrganizationID, inv.Email, string(inv.Role), me.ID, toMicro(inv.CreatedAt), toMicro(inv.SentAt), toMicro(inv.ExpiresAt))
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return nil, errInvitationTaken
		case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return nil, errAddressIsUser
		}
	}
	if err != nil {
		return nil, fmt.Errorf("insert invitation: %w", err)
	}
	token, err := insertInvitationLink(ctx, tx, inv.ID)
	if err != nil {
		return nil, err
	}
	return &server.IssuedInvitation{Invitation: inv, Token: token}, nil
}

// insertInvitationLink makes a link for the invitation id and returns its token; the
// store keeps only the token's hash, and the key of the caller who made it, which a
// change or reset of their password may end.
func insertInvitationLink(ctx context.Context, tx *Tx, id string) (string, error) {
	token := newSecret()
	if _, err := tx.ExecContext(ctx, `INSERT INTO invitation_links (token_hash, invitation_id, created_at, made_with_key) VALUES (?, ?, ?, ?)`,
		hashSecret(token), id, toMicro(tx.now), nullString(server.AuthFromContext(ctx).KeyID)); err != nil {
		return "", fmt.Errorf("insert invitation link: %w", err)
	}
	return token, nil
}

// revokeInvitationLinks ends every working link of the invitation id.
func revokeInvitationLinks(ctx context.Context, tx *Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE invitation_links SET revoked_at = ? WHERE invitation_id = ? AND revoked_at IS NULL`,
		toMicro(tx.now), id); err != nil {
		return fmt.Errorf("revoke invitation links: %w", err)
	}
	return nil
}

// reserveMails takes room for want invitation emails in the organization's window and
// returns how many it got (the limit's rest, at most want) and, when it got fewer, how
// long until the window ends. The write transaction holds the database's write lock, so
// that concurrent calls each see what the others took.
func (db *DB) reserveMails(ctx context.Context, tx *Tx, orgID string, want int) (granted int, retryAfter time.Duration, err error) {
	if want == 0 {
		return 0, 0, nil
	}
	limit := db.InvitationLimit.OrDefault()
	now := toMicro(tx.now)
	var mails int
	var resetAt int64
	err = tx.QueryRowContext(ctx, `SELECT mails, reset_at FROM invitation_mail_counts WHERE organization_id = ?`, orgID).Scan(&mails, &resetAt)
	if err == sql.ErrNoRows || (err == nil && resetAt <= now) {
		mails, resetAt = 0, toMicro(tx.now.Add(limit.Window))
	} else if err != nil {
		return 0, 0, fmt.Errorf("read invitation mails: %w", err)
	}
	granted = max(0, min(want, limit.Mails-mails))
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO invitation_mail_counts (organization_id, mails, reset_at) VALUES (?, ?, ?)
		ON CONFLICT (organization_id) DO UPDATE SET mails = excluded.mails, reset_at = excluded.reset_at`,
		orgID, mails+granted, resetAt); err != nil {
		return 0, 0, fmt.Errorf("count invitation mails: %w", err)
	}
	if granted < want {
		retryAfter = fromMicro(resetAt).Sub(tx.now)
	}
	return granted, retryAfter, nil
}

// errMailLimit is the answer to a resend when the organization's window is full.
func (db *DB) errMailLimit(retryAfter time.Duration) error {
	return server.RateLimitedf(retryAfter, fmt.Sprintf("Your organization sent its %d invitation emails of the hour: resend in %%[1]s.",
		db.InvitationLimit.OrDefault().Mails))
}

// FindInvitations returns a page of the caller's organization's invitations that match
// filter, newest first.
func (s *InvitationService) FindInvitations(ctx context.Context, filter server.InvitationFilter, page server.Page) ([]*server.Invitation, error) {
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

	me, err := invitingAdmin(ctx, tx)
	if err != nil {
		return nil, err
	}
	where, args := invitationWhere(me.OrganizationID, filter, tx.now)
	rows, err := tx.QueryContext(ctx, `SELECT `+invitationColumns+invitationFrom+` WHERE `+where+`
		ORDER BY i.created_at DESC, i.id DESC LIMIT ? OFFSET ?`, append(args, page.Limit, page.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("find invitations: %w", err)
	}
	defer rows.Close()
	out := []*server.Invitation{}
	for rows.Next() {
		inv, err := scanInvitation(rows, tx.now)
		if err != nil {
			return nil, fmt.Errorf("find invitations: %w", err)
		}
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find invitations: %w", err)
	}
	return out, nil
}

// CountInvitations returns how many of the caller's organization's invitations match filter.
func (s *InvitationService) CountInvitations(ctx context.Context, filter server.InvitationFilter) (int, error) {
	if err := filter.Validate(); err != nil {
		return 0, err
	}
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()

	me, err := invitingAdmin(ctx, tx)
	if err != nil {
		return 0, err
	}
	where, args := invitationWhere(me.OrganizationID, filter, tx.now)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM invitations i WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count invitations: %w", err)
	}
	return n, nil
}

// invitationWhere is the condition of filter on the invitations of orgID at now: a
// pending invitation whose links have expired is EXPIRED.
func invitationWhere(orgID string, f server.InvitationFilter, now time.Time) (string, []any) {
	where, args := `i.organization_id = ?`, []any{orgID}
	if len(f.Statuses) > 0 {
		var conds []string
		for _, st := range f.Statuses {
			switch st {
			case server.InvitationPending:
				conds, args = append(conds, `(i.status = 'PENDING' AND i.expires_at > ?)`), append(args, toMicro(now))
			case server.InvitationExpired:
				conds, args = append(conds, `(i.status = 'EXPIRED' OR (i.status = 'PENDING' AND i.expires_at <= ?))`), append(args, toMicro(now))
			default:
				conds, args = append(conds, `i.status = ?`), append(args, string(st))
			}
		}
		where += ` AND (` + strings.Join(conds, ` OR `) + `)`
	}
	if f.Search != nil && strings.TrimSpace(*f.Search) != "" {
		// The email is stored lower-case: instr finds the lower-cased text as it is, with
		// no character of it read as a pattern.
		where, args = where+` AND instr(i.email, ?) > 0`, append(args, strings.ToLower(strings.TrimSpace(*f.Search)))
	}
	return where, args
}

// ResendInvitation makes a new link for a pending or expired invitation of the caller's
// organization, valid for a new period; the links made before stop working. It counts as
// one invitation email against the organization's limit.
func (s *InvitationService) ResendInvitation(ctx context.Context, id string) (*server.IssuedInvitation, error) {
	return s.issueLink(ctx, id, true)
}

// CreateInvitationLink makes another link for a pending invitation of the caller's
// organization, for the admin to hand over; the others keep working, but an invitation
// keeps at most server.MaxInvitationLinks: the oldest go. No email is sent.
func (s *InvitationService) CreateInvitationLink(ctx context.Context, id string) (*server.IssuedInvitation, error) {
	return s.issueLink(ctx, id, false)
}

func (s *InvitationService) issueLink(ctx context.Context, id string, resend bool) (*server.IssuedInvitation, error) {
	if err := server.ValidateInvitationID(id); err != nil {
		return nil, err
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := invitingAdmin(ctx, tx)
	if err != nil {
		return nil, err
	}
	inv, err := findInvitation(ctx, tx, me.OrganizationID, id)
	if err != nil {
		return nil, err
	}
	if err := checkOpen(ctx, tx, inv, resend); err != nil {
		return nil, err
	}
	if resend {
		granted, retryAfter, err := s.db.reserveMails(ctx, tx, me.OrganizationID, 1)
		if err != nil {
			return nil, err
		} else if granted == 0 {
			return nil, s.db.errMailLimit(retryAfter)
		}
		if err := revokeInvitationLinks(ctx, tx, inv.ID); err != nil {
			return nil, err
		}
		inv.SentAt, inv.ExpiresAt, inv.Status = tx.now, tx.now.Add(s.db.invitationLifetime()), server.InvitationPending
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET sent_at = ?, expires_at = ? WHERE id = ? AND organization_id = ?`,
			toMicro(inv.SentAt), toMicro(inv.ExpiresAt), inv.ID, me.OrganizationID); err != nil {
			return nil, fmt.Errorf("resend invitation: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, `
		UPDATE invitation_links SET revoked_at = ? WHERE token_hash IN (
			SELECT token_hash FROM invitation_links WHERE invitation_id = ? AND revoked_at IS NULL
			ORDER BY created_at DESC LIMIT -1 OFFSET ?)`,
		toMicro(tx.now), inv.ID, server.MaxInvitationLinks-1); err != nil {
		return nil, fmt.Errorf("retire old invitation links: %w", err)
	}
	token, err := insertInvitationLink(ctx, tx, inv.ID)
	if err != nil {
		return nil, err
	}
	action := server.AuditInvitationLinkCreated
	if resend {
		action = server.AuditInvitationResent
	}
	if err := recordEvent(ctx, tx, audit.Invitation(action, inv)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("issue invitation link: %w", err)
	}
	return &server.IssuedInvitation{Invitation: inv, Token: token}, nil
}

// checkOpen answers CONFLICT, with what to do instead, when inv can have no new link: it
// was accepted or revoked, a newer invitation replaced it, its address has an account
// now, or (without resend, which renews it) it expired.
func checkOpen(ctx context.Context, tx *Tx, inv *server.Invitation, resend bool) error {
	switch {
	case inv.Status == server.InvitationAccepted:
		return server.Errorf(server.ECONFLICT, "This invitation was accepted: %s has an account now.", inv.Email)
	case inv.Status == server.InvitationRevoked:
		return server.Errorf(server.ECONFLICT, "This invitation was revoked: invite %s again to send a new one.", inv.Email)
	case inv.Status == server.InvitationExpired && !resend:
		return server.Errorf(server.ECONFLICT, "This invitation expired: resend it, which makes a new link.")
	}
	var stored string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM invitations WHERE id = ?`, inv.ID).Scan(&stored); err != nil {
		return fmt.Errorf("read invitation: %w", err)
	}
	if stored == string(server.InvitationExpired) {
		return server.Errorf(server.ECONFLICT, "A newer invitation of %s replaced this one: resend that one.", inv.Email)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, inv.Email).Scan(&n); err != nil {
		return fmt.Errorf("check address: %w", err)
	} else if n > 0 {
		return server.Errorf(server.ECONFLICT, "%s has an account in the directory now: there is no one left to invite.", inv.Email)
	}
	return nil
}

// RevokeInvitation withdraws a pending or expired invitation of the caller's
// organization: its links stop working. Revoking it again changes nothing.
func (s *InvitationService) RevokeInvitation(ctx context.Context, id string) (*server.Invitation, error) {
	if err := mayRemove(ctx); err != nil {
		return nil, err
	}
	if err := server.ValidateInvitationID(id); err != nil {
		return nil, err
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := invitingAdmin(ctx, tx)
	if err != nil {
		return nil, err
	}
	inv, err := findInvitation(ctx, tx, me.OrganizationID, id)
	if err != nil {
		return nil, err
	}
	switch inv.Status {
	case server.InvitationRevoked:
		return inv, nil
	case server.InvitationAccepted:
		return nil, server.Errorf(server.ECONFLICT, "This invitation was accepted: deactivate %s's account instead.", inv.Email)
	}
	res, err := tx.ExecContext(ctx, `UPDATE invitations SET status = 'REVOKED', ended_at = ? WHERE id = ? AND organization_id = ? AND status = 'PENDING'`,
		toMicro(tx.now), inv.ID, me.OrganizationID)
	if err != nil {
		return nil, fmt.Errorf("revoke invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Stored EXPIRED: a newer invitation of the address replaced it; it has no links.
		return inv, nil
	}
	if err := revokeInvitationLinks(ctx, tx, inv.ID); err != nil {
		return nil, err
	}
	inv.Status = server.InvitationRevoked
	if err := recordEvent(ctx, tx, audit.Invitation(server.AuditInvitationRevoked, inv)); err != nil {
		return nil, err
	}
	return inv, tx.Commit()
}

// findInvitation returns the invitation id of the organization orgID, or NOT_FOUND: an
// invitation of another organization is not found, as its users are not.
func findInvitation(ctx context.Context, tx *Tx, orgID, id string) (*server.Invitation, error) {
	inv, err := scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationColumns+invitationFrom+`
		WHERE i.id = ? AND i.organization_id = ?`, id, orgID), tx.now)
	if err == sql.ErrNoRows {
		return nil, errInvitationNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find invitation: %w", err)
	}
	return inv, nil
}

// invitationColumns are the columns scanInvitation reads, the inviter's from a LEFT JOIN.
const (
	invitationColumns = `i.id, i.email, i.role, i.status, i.organization_id, i.created_at, i.sent_at, i.expires_at, ` +
		`u.id, u.email, u.firstname, u.lastname, u.activated, u.organization_id, u.role, u.created_at, u.updated_at`
	invitationFrom = ` FROM invitations i LEFT JOIN users u ON u.id = i.invited_by`
)

// scanInvitation reads an invitation as it stands at now.
func scanInvitation(row scanner, now time.Time) (*server.Invitation, error) {
	var inv server.Invitation
	var role, status string
	var createdAt, sentAt, expiresAt int64
	var uid, uemail, ufirst, ulast, uorg, urole sql.NullString
	var uactivated sql.NullBool
	var ucreated, uupdated sql.NullInt64
	if err := row.Scan(&inv.ID, &inv.Email, &role, &status, &inv.OrganizationID, &createdAt, &sentAt, &expiresAt,
		&uid, &uemail, &ufirst, &ulast, &uactivated, &uorg, &urole, &ucreated, &uupdated); err != nil {
		return nil, err
	}
	inv.Role, inv.Status = server.Role(role), server.InvitationStatus(status)
	inv.CreatedAt, inv.SentAt, inv.ExpiresAt = fromMicro(createdAt), fromMicro(sentAt), fromMicro(expiresAt)
	if inv.Status == server.InvitationPending && !inv.ExpiresAt.After(now) {
		inv.Status = server.InvitationExpired
	}
	if uid.Valid {
		inv.InvitedBy = &server.User{ID: uid.String, Email: uemail.String, Firstname: ufirst.String, Lastname: ulast.String,
			Activated: uactivated.Bool, OrganizationID: uorg.String, Role: server.Role(urole.String),
			CreatedAt: fromMicro(ucreated.Int64), UpdatedAt: fromMicro(uupdated.Int64)}
	}
	return &inv, nil
}

// invitationLink is an invitation found by one of its links, with what the holder of
// the link may see.
type invitationLink struct {
	inv         *server.Invitation
	stored      string // the stored status
	linkRevoked bool
	orgName     string
}

// errUnknownInvitationLink is the answer to a token that is no link's.
func errUnknownInvitationLink() error {
	return server.FieldErrorf("token", "This invitation link is not valid: check that the whole link was copied, or ask the admin who invited you for a new one.")
}

// findInvitationLink returns the invitation whose link has token, or the
// errUnknownInvitationLink answer.
func findInvitationLink(ctx context.Context, tx *Tx, token string) (*invitationLink, error) {
	if len(token) > server.MaxKeyLength {
		return nil, errUnknownInvitationLink()
	}
	var l invitationLink
	var revokedAt sql.NullInt64
	inv, err := scanInvitation(scanFunc(func(dest ...any) error {
		return tx.QueryRowContext(ctx, `SELECT l.revoked_at, i.status, o.name, `+invitationColumns+`
			FROM invitation_links l JOIN invitations i ON i.id = l.invitation_id
			JOIN organizations o ON o.id = i.organization_id
			LEFT JOIN users u ON u.id = i.invited_by
			WHERE l.token_hash = ?`, hashSecret(token)).Scan(append([]any{&revokedAt, &l.stored, &l.orgName}, dest...)...)
	}), tx.now)
	if err == sql.ErrNoRows {
		return nil, errUnknownInvitationLink()
	} else if err != nil {
		return nil, fmt.Errorf("find invitation link: %w", err)
	}
	l.inv, l.linkRevoked = inv, revokedAt.Valid
	return &l, nil
}

// usable answers, in a sentence for the person who opened the link, why it cannot be
// accepted: used, revoked, replaced, expired, or its address has an account already.
func (l *invitationLink) usable(ctx context.Context, tx *Tx) error {
	inv := l.inv
	who := "the admin who invited you"
	if inv.InvitedBy != nil {
		who = displayName(inv.InvitedBy)
	}
	dead := func(format string, args ...any) error {
		return server.FieldErrorf("token", format, args...)
	}
	switch {
	case inv.Status == server.InvitationAccepted:
		return dead("This invitation was accepted already: sign in as %s.", inv.Email)
	case inv.Role == server.RoleAdmin && !activeAdminOf(inv.InvitedBy, inv.OrganizationID):
		// A link outlives its maker's role: an admin demoted, deactivated or deleted since
		// must not make themselves an admin again with a link they kept. The database
		// revokes the invitation then (migration 019), so that it stays refused, as
		// withdrawn, once its maker is an admin again; until then this says why.
		return dead("This invitation would make you an admin, but %s is no longer an admin of %s: ask an admin of %s to invite you again.", who, l.orgName, l.orgName)
	case inv.Status == server.InvitationRevoked:
		return dead("This invitation to %s was withdrawn: ask %s whether you should still join.", l.orgName, who)
	case l.stored == string(server.InvitationExpired):
		return dead("This invitation was replaced by a newer one: open the link of the latest invitation email.")
	case l.linkRevoked:
		return dead("This link was replaced by a newer one: open the link of the latest invitation email, or ask %s to resend it.", who)
	case inv.Status == server.InvitationExpired:
		return dead("This invitation expired on %s: ask %s to send it again.", inv.ExpiresAt.Format("2 Jan 2006"), who)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, inv.Email).Scan(&n); err != nil {
		return fmt.Errorf("check address: %w", err)
	} else if n > 0 {
		return dead("An account with the address %s exists already: sign in with it.", inv.Email)
	}
	return nil
}

// activeAdminOf reports whether u (nil: deleted) is an active ADMIN of organization orgID.
func activeAdminOf(u *server.User, orgID string) bool {
	return u != nil && u.Role == server.RoleAdmin && u.Activated && u.OrganizationID == orgID
}

// displayName is how a user reads in a sentence: their name, else their email.
func displayName(u *server.User) string { return server.DisplayName(u) }

// lookUpLink finds the invitation of token outside any write, an attempt having been
// counted against the client first (as for reset tokens): the attempt is given back when
// the token is a link's, working or not, since only a guess finds none.
func (s *InvitationService) lookUpLink(ctx context.Context, token string) (*invitationLink, error) {
	res, err := s.db.reserveAttempt(ctx, secretClientSubject(ctx))
	if err != nil {
		return nil, err
	}
	l, unusable, err := s.readLink(ctx, token)
	if err == nil || server.ErrorCode(err) == server.EINTERNAL {
		// The read transaction is over: a refund waits for the write lock, which a
		// request holding a connection for reading must never do.
		if rerr := s.db.refund(ctx, res); rerr != nil {
			return nil, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	return l, unusable
}

// readLink finds the invitation of token, and why it cannot be accepted, in a read
// transaction of its own.
func (s *InvitationService) readLink(ctx context.Context, token string) (l *invitationLink, unusable, err error) {
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	if l, err = findInvitationLink(ctx, tx, token); err != nil {
		return nil, nil, err
	}
	unusable = l.usable(ctx, tx)
	if server.ErrorCode(unusable) == server.EINTERNAL {
		return nil, nil, unusable
	}
	return l, unusable, nil
}

// FindInvitationByToken returns what the holder of a working invitation link may see; it
// needs no caller. Tokens that are no link's are limited per client.
func (s *InvitationService) FindInvitationByToken(ctx context.Context, token string) (*server.InvitationPreview, error) {
	l, err := s.lookUpLink(ctx, token)
	if err != nil {
		return nil, err
	}
	p := &server.InvitationPreview{Email: l.inv.Email, Role: l.inv.Role, OrganizationName: l.orgName, ExpiresAt: l.inv.ExpiresAt}
	if l.inv.InvitedBy != nil {
		p.InvitedByName = displayName(l.inv.InvitedBy)
	}
	return p, nil
}

// AcceptInvitation creates the invited user, in the invitation's organization with its
// role and address, marks the invitation ACCEPTED, ends its links and opens a session
// for the new user. The token is checked before the slow hash of the password, and again
// in the write transaction: however many requests bring one token at once, one user is
// made.
func (s *InvitationService) AcceptInvitation(ctx context.Context, token string, accept server.InvitationAccept) (*server.Session, error) {
	if err := accept.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.lookUpLink(ctx, token); err != nil {
		return nil, err
	}
	hash, err := s.db.Hasher.Hash(ctx, accept.Password)
	if err != nil {
		return nil, err
	}

	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	l, err := findInvitationLink(ctx, tx, token)
	if err != nil {
		return nil, err
	}
	if err := l.usable(ctx, tx); err != nil {
		return nil, err
	}
	inv := l.inv
	user, err := createUser(ctx, tx, server.UserCreate{
		Email: inv.Email, Role: inv.Role, Firstname: accept.Firstname, Lastname: accept.Lastname, OrganizationID: inv.OrganizationID,
	}, hash)
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE invitations SET status = 'ACCEPTED', user_id = ?, ended_at = ?
		WHERE id = ? AND organization_id = ? AND status = 'PENDING'`, user.ID, toMicro(tx.now), inv.ID, user.OrganizationID)
	if err != nil {
		return nil, fmt.Errorf("accept invitation: %w", err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		return nil, fmt.Errorf("accept invitation %s: %d rows changed", inv.ID, n)
	}
	if err := revokeInvitationLinks(ctx, tx, inv.ID); err != nil {
		return nil, err
	}
	expiresAt := tx.now.Add(server.SessionLifetime)
	key, err := createAPIKey(ctx, tx, user.ID, newKey{name: "Session", expiresAt: &expiresAt, session: true})
	if err != nil {
		return nil, err
	}
	// The session it opens is the person's first sign-in.
	if err := recordSignIn(ctx, tx, user.ID, false); err != nil {
		return nil, err
	}
	accepted := audit.Invitation(server.AuditInvitationAccepted, inv)
	accepted.User, accepted.Actor, accepted.ActorKeyID = user, user, key.ID
	if err := recordEvent(ctx, tx, accepted); err != nil {
		return nil, err
	}
	if err := recordEvent(ctx, tx, audit.UserCreated(user, user)); err != nil {
		return nil, err
	}
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditSignedIn, User: user, Actor: user, ActorKeyID: key.ID, APIKeyID: key.ID}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("accept invitation: %w", err)
	}
	now := tx.now
	user.LastSignedInAt = &now
	return &server.Session{APIKey: key.Key, ExpiresAt: expiresAt, User: user}, nil
}

// clipText cuts s to at most n characters, marking the cut with an ellipsis, for echoing
// input that was refused for its length.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
