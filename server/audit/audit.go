// Package audit holds what the stores (server/sqlite, server/postgres) share of the audit
// trail: what a write records, who may read which events, and how an event's row reads.
// Each store writes and queries its own table, in the transaction of the write.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"useradmin/server"
)

// Record is what a write records: an action about a user (and perhaps an invitation or a
// key) of an organization. The actor, the key they used and the client's address come
// from the context, unless Actor is set: for the writes that need no key (signIn,
// acceptInvitation, completePasswordReset), the actor is the user they are about.
type Record struct {
	Action       server.AuditAction
	OrgID        string       // "": User's organization
	User         *server.User // the user the event is about; nil for none
	Actor        *server.User // nil: the caller in the context, if any
	ActorKeyID   string       // with Actor: the key or session they use, if any
	InvitationID string
	APIKeyID     string
	Changes      []server.AuditChange
}

// Row is a record as stored, its texts NULL when empty.
type Row struct {
	OrgID, Action                             string
	ActorID, ActorEmail, ActorKeyID           sql.NullString
	UserID, UserEmail, InvitationID, APIKeyID sql.NullString
	ClientAddress                             sql.NullString
	Changes                                   string // JSON: [{"field", "old", "new"}]
}

// Row is r as stored, with what ctx says of the caller.
func (r Record) Row(ctx context.Context) (Row, error) {
	row := Row{OrgID: r.OrgID, Action: string(r.Action)}
	if r.User != nil {
		row.UserID, row.UserEmail = nullText(r.User.ID), nullText(r.User.Email)
		if row.OrgID == "" {
			row.OrgID = r.User.OrganizationID
		}
	}
	if row.OrgID == "" {
		return row, fmt.Errorf("record %s: no organization", r.Action)
	}
	actor, keyID := r.Actor, r.ActorKeyID
	if actor == nil {
		if auth := server.AuthFromContext(ctx); auth != nil {
			actor, keyID = auth.User, auth.KeyID
		}
	}
	if actor != nil {
		row.ActorID, row.ActorEmail = nullText(actor.ID), nullText(actor.Email)
	}
	row.ActorKeyID, row.InvitationID, row.APIKeyID = nullText(keyID), nullText(r.InvitationID), nullText(r.APIKeyID)
	row.ClientAddress = nullText(server.ClientFromContext(ctx))
	changes := make([]change, len(r.Changes))
	for i, c := range r.Changes {
		changes[i] = change(c)
	}
	text, err := json.Marshal(changes)
	if err != nil {
		return row, fmt.Errorf("record %s: %w", r.Action, err)
	}
	row.Changes = string(text)
	return row, nil
}

// nullText stores "" as NULL.
func nullText(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// change is how one AuditChange is stored in the changes column.
type change struct {
	Field string  `json:"field"`
	Old   *string `json:"old"`
	New   *string `json:"new"`
}

// Text is a value of a change.
func Text(s string) *string { return &s }

// ProfileChanges are a user's fields that differ between before and after, as the
// schema names them; before nil lists after's (a new user), after nil before's (a deleted
// one). Each of the three groups is its own action, so that a role change can be found
// among the changes of names; the names group holds the username too when it changes.
func ProfileChanges(before, after *server.User) (names, role, activated []server.AuditChange) {
	field := func(b, a *server.User, get func(*server.User) string) (old, new *string) {
		if b != nil {
			old = Text(get(b))
		}
		if a != nil {
			new = Text(get(a))
		}
		return old, new
	}
	diff := func(list []server.AuditChange, name string, get func(*server.User) string) []server.AuditChange {
		old, new := field(before, after, get)
		if old != nil && new != nil && *old == *new {
			return list
		}
		return append(list, server.AuditChange{Field: name, Old: old, New: new})
	}
	names = diff(names, "email", func(u *server.User) string { return u.Email })
	names = diff(names, "firstname", func(u *server.User) string { return u.Firstname })
	names = diff(names, "lastname", func(u *server.User) string { return u.Lastname })
	if before != nil && after != nil {
		// A change of username is a change of how the user signs in and is found: it is
		// recorded with the names. A new or deleted user's username is not: it is made
		// from their email unless chosen, and the email is there.
		names = diff(names, "username", func(u *server.User) string { return u.Username })
	}
	role = diff(role, "organizationRole", func(u *server.User) string { return string(u.Role) })
	activated = diff(activated, "activated", func(u *server.User) string { return strconv.FormatBool(u.Activated) })
	return names, role, activated
}

// UserChanged is what a write changed of a user: USER_UPDATED for the email, names and
// username, ROLE_CHANGED, and USER_ACTIVATED or USER_DEACTIVATED, each only when it
// changed.
func UserChanged(before, after *server.User) []Record {
	names, role, activated := ProfileChanges(before, after)
	var out []Record
	if len(names) > 0 {
		out = append(out, Record{Action: server.AuditUserUpdated, User: after, Changes: names})
	}
	if len(role) > 0 {
		out = append(out, Record{Action: server.AuditRoleChanged, User: after, Changes: role})
	}
	if len(activated) > 0 {
		action := server.AuditUserDeactivated
		if after.Activated {
			action = server.AuditUserActivated
		}
		out = append(out, Record{Action: action, User: after, Changes: activated})
	}
	return out
}

// UserCreated is a new user, with their email, names and role; actor nil is the caller
// in the context.
func UserCreated(user, actor *server.User) Record {
	names, role, _ := ProfileChanges(nil, user)
	return Record{Action: server.AuditUserCreated, User: user, Actor: actor, Changes: append(names, role...)}
}

// UserDeleted is a deleted user, with the email, names and role they had.
func UserDeleted(user *server.User) Record {
	names, role, _ := ProfileChanges(user, nil)
	return Record{Action: server.AuditUserDeleted, User: user, Changes: append(names, role...)}
}

// Scope is what a reader may read: their organization's events, or, for a USER, those
// about themselves; Reader is the caller, whose client address and key alone a USER sees.
type Scope struct {
	OrgID    string
	OnlyUser string // "": every user of the organization
	Reader   string
}

// ScopeOf returns the scope of me, and false when filter asks for events me may not
// read, which then match nothing.
func ScopeOf(me *server.User, filter server.AuditFilter) (Scope, bool) {
	s := Scope{OrgID: me.OrganizationID, Reader: me.ID}
	if me.Role == server.RoleAdmin {
		return s, true
	}
	s.OnlyUser = me.ID
	return s, filter.UserID == nil || *filter.UserID == me.ID
}

// Counted reports whether the organization's counters of each action answer a count of
// filter in s: only the organization and perhaps an action constrain it.
func (s Scope) Counted(f server.AuditFilter) bool {
	return s.OnlyUser == "" && f.UserID == nil && f.ActorID == nil && f.Since == nil
}

// Where is the condition of filter within s, with arg the placeholder of each value as
// the store's SQL writes it.
func (s Scope) Where(f server.AuditFilter, arg func(v any) string) string {
	conds := []string{"organization_id = " + arg(s.OrgID)}
	if s.OnlyUser != "" {
		conds = append(conds, "user_id = "+arg(s.OnlyUser))
	}
	if f.UserID != nil {
		conds = append(conds, "user_id = "+arg(*f.UserID))
	}
	if f.ActorID != nil {
		conds = append(conds, "actor_id = "+arg(*f.ActorID))
	}
	if f.Since != nil {
		conds = append(conds, "created_at >= "+arg(f.Since.UnixMicro()))
	}
	if f.Action != nil {
		conds = append(conds, "action = "+arg(string(*f.Action)))
	}
	return strings.Join(conds, " AND ")
}

// Columns are the columns Scan reads, in its order.
const Columns = `id, organization_id, action, created_at, actor_id, actor_email, actor_key_id,
	user_id, user_email, invitation_id, api_key_id, client_address, changes`

// Scan reads an event of Columns for a reader of s: a USER sees no one else's address
// or key, such as an admin's.
func (s Scope) Scan(row interface{ Scan(...any) error }) (*server.AuditEvent, error) {
	var e server.AuditEvent
	var action, changes string
	var at int64
	var actorID, actorEmail, actorKey, userID, userEmail, invID, keyID, client sql.NullString
	if err := row.Scan(&e.ID, &e.OrganizationID, &action, &at, &actorID, &actorEmail, &actorKey,
		&userID, &userEmail, &invID, &keyID, &client, &changes); err != nil {
		return nil, err
	}
	e.Action, e.At = server.AuditAction(action), fromMicro(at)
	e.ActorID, e.ActorEmail, e.ActorKeyID = actorID.String, actorEmail.String, actorKey.String
	e.UserID, e.UserEmail, e.InvitationID, e.APIKeyID = userID.String, userEmail.String, invID.String, keyID.String
	e.ClientAddress = client.String
	var cs []change
	if err := json.Unmarshal([]byte(changes), &cs); err != nil {
		return nil, fmt.Errorf("read changes of event %s: %w", e.ID, err)
	}
	e.Changes = make([]server.AuditChange, len(cs))
	for i, c := range cs {
		e.Changes[i] = server.AuditChange(c)
	}
	if s.OnlyUser != "" && e.ActorID != s.Reader {
		e.ClientAddress, e.ActorKeyID = "", ""
	}
	return &e, nil
}

func fromMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

// The retention sweep deletes at most SweepBatch events per transaction, so that no
// write waits behind it for long, and at most sweepBatches transactions per run: a
// backlog (a retention shortened by years) goes over several runs.
const (
	SweepBatch   = 1000
	sweepBatches = 100
)

// Sweep runs batch, which deletes at most SweepBatch of the oldest events past the
// retention in a transaction of its own, until it finds fewer, and returns how many
// events it deleted.
func Sweep(ctx context.Context, batch func(context.Context) (int, error)) (int, error) {
	total := 0
	for range sweepBatches {
		n, err := batch(ctx)
		total += n
		if err != nil || n < SweepBatch {
			return total, err
		}
	}
	return total, nil
}

// RunSweep runs sweep now and then every interval, until ctx ends; it logs what fails
// and carries on.
func RunSweep(ctx context.Context, interval, retention time.Duration, logger *slog.Logger, sweep func(context.Context) (int, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := sweep(ctx); err != nil && ctx.Err() == nil {
			if logger != nil {
				logger.Error("audit sweep", "err", err)
			}
		} else if n > 0 && logger != nil {
			logger.Info("audit sweep", "deleted", n, "older than", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Invitation is action on inv, with its address.
func Invitation(action server.AuditAction, inv *server.Invitation) Record {
	return Record{Action: action, OrgID: inv.OrganizationID, InvitationID: inv.ID,
		Changes: []server.AuditChange{{Field: "email", New: Text(inv.Email)}}}
}

// ExportChanges are what EXPORT_CREATED records: the filter, the sort, the columns and
// how many users matched, as the schema names them.
func ExportChanges(c server.ExportCreate, total int) []server.AuditChange {
	cols := make([]string, len(c.Columns))
	for i, col := range c.Columns {
		cols[i] = string(col)
	}
	var sort []string
	for _, o := range c.Order {
		dir := "ASC"
		if o.Desc {
			dir = "DESC"
		}
		sort = append(sort, string(o.Field)+" "+dir)
	}
	return []server.AuditChange{
		{Field: "where", New: Text(filterText(c.Filter))},
		{Field: "orderBy", New: Text(strings.Join(sort, ", "))},
		{Field: "columns", New: Text(strings.Join(cols, ","))},
		{Field: "total", New: Text(strconv.Itoa(total))},
	}
}

// filterText writes a filter as the UserWhere fields it came from, for the audit trail.
func filterText(f server.UserFilter) string {
	var parts []string
	add := func(name, value string) { parts = append(parts, name+"="+value) }
	if f.ID != nil {
		add("id", *f.ID)
	}
	if f.IDIn != nil {
		add("idIn", strconv.Itoa(len(f.IDIn))+" ids")
	}
	if f.Email != nil {
		add("email", *f.Email)
	}
	if f.APIKey != nil {
		add("apiKey", "(a key)") // never the secret
	}
	if f.Activated != nil {
		add("activated", strconv.FormatBool(*f.Activated))
	}
	if f.Search != nil {
		add("search", strconv.Quote(*f.Search))
	}
	if f.Role != nil {
		add("organizationRole", string(*f.Role))
	}
	if f.Username != nil {
		add("username", *f.Username)
	}
	if f.WorkspaceID != nil {
		add("workspaceId", *f.WorkspaceID)
	}
	if f.SignedInBefore != nil {
		add("lastSignedInBefore", f.SignedInBefore.UTC().Format(time.RFC3339))
	}
	if f.NeverSignedIn != nil {
		add("neverSignedIn", strconv.FormatBool(*f.NeverSignedIn))
	}
	return strings.Join(parts, "; ")
}
