package server

import (
	"context"
	"strings"
	"time"
)

// ChangeKind is what happened to a user, spelled as the contract's UserChangeKind.
type ChangeKind string

// The kinds of change. ChangeResync is not a write: it tells a subscriber that changes
// were missed (its cursor is too old, or from before a restart) and that it must read
// again what it shows.
const (
	ChangeCreated ChangeKind = "CREATED"
	ChangeUpdated ChangeKind = "UPDATED"
	ChangeDeleted ChangeKind = "DELETED"
	ChangeResync  ChangeKind = "RESYNC"
)

// UserChange is one committed write of a user, as the store publishes it. It names the
// user and who wrote, never the user's fields: a subscriber reads the user again on its
// own behalf, so that what it is shown is what it may see now.
type UserChange struct {
	Kind           ChangeKind
	OrganizationID string
	UserID         string
	// ByID and ByName are who made the change: a user's id and their name (or email);
	// empty when no one signed in made it (a password reset link, an accepted invitation:
	// the user themselves).
	ByID   string
	ByName string
	At     time.Time
	// Cursor marks the change in its fan-out's order; Subscribe takes it back as since,
	// to resume after it. The fan-out sets it.
	Cursor string
}

// ChangeSubscriber is who subscribes to the changes of an organization.
type ChangeSubscriber struct {
	OrganizationID string
	// Credential names the key the subscriber authenticated with, for the limit of
	// subscriptions per credential.
	Credential string
	// UserID is the user subscribing, for the limit of subscriptions per user, whatever
	// keys and sessions they use: anyone can make more keys.
	UserID string
	// Since is the cursor of the last change the subscriber saw: the changes after it are
	// delivered first, or a ChangeResync when they are no longer known. Empty: from now.
	Since string
}

// MaxCursorLength is the longest cursor a subscriber may send back.
const MaxCursorLength = 64

// Validate checks the length of the subscriber's cursor.
func (s *ChangeSubscriber) Validate() error {
	if len(s.Since) > MaxCursorLength {
		return FieldErrorf("since", "since is at most %d characters: send back the cursor of the last change received.", MaxCursorLength)
	}
	return nil
}

// Changes fans the committed writes of users out to their organization's subscribers:
// in-process for one instance (server/live), through the database for several.
type Changes interface {
	// Publish hands a committed change to the subscribers of its organization. It never
	// blocks: a subscriber whose channel is full is dropped (its channel closed), to
	// resume later with the cursor of the last change it read.
	Publish(change UserChange)
	// Subscribe returns the changes of the subscriber's organization, from after its
	// Since, until ctx ends or it falls behind; the channel is then closed. It refuses
	// (RATE_LIMITED) a subscriber beyond the limits per credential, per user, per
	// organization or in all, and
	// (BAD_USER_INPUT) a Since that is not a cursor.
	Subscribe(ctx context.Context, sub ChangeSubscriber) (<-chan UserChange, error)
}

// ChangeLimit bounds the subscriptions of one instance. The limits per user and per
// organization keep one person with many keys, or one organization with many users, from
// taking every subscription of the instance from the others.
type ChangeLimit struct {
	PerCredential   int // 0 means DefaultSubscriptionsPerCredential
	PerUser         int // 0 means DefaultSubscriptionsPerUser
	PerOrganization int // 0 means DefaultSubscriptionsPerOrganization
	Total           int // 0 means DefaultSubscriptions
	// Buffer is how many changes wait for a slow subscriber before it is dropped; 0
	// means DefaultChangeBuffer.
	Buffer int
}

// The default ChangeLimit: a person with a few tabs open, with a key or two, a thousand
// in all, of which one organization takes at most half.
const (
	DefaultSubscriptionsPerCredential   = 8
	DefaultSubscriptionsPerUser         = 16
	DefaultSubscriptionsPerOrganization = 500
	DefaultSubscriptions                = 1000
	DefaultChangeBuffer                 = 32
)

// OrDefault returns l with its zero fields set to the defaults.
func (l ChangeLimit) OrDefault() ChangeLimit {
	if l.PerCredential <= 0 {
		l.PerCredential = DefaultSubscriptionsPerCredential
	}
	if l.PerUser <= 0 {
		l.PerUser = DefaultSubscriptionsPerUser
	}
	if l.Total <= 0 {
		l.Total = DefaultSubscriptions
	}
	if l.PerOrganization <= 0 {
		l.PerOrganization = DefaultSubscriptionsPerOrganization
	}
	if l.Buffer <= 0 {
		l.Buffer = DefaultChangeBuffer
	}
	return l
}

// DisplayName is how a user is named to others: their name, or their email when they
// gave none.
func DisplayName(u *User) string {
	if name := strings.TrimSpace(u.Firstname + " " + u.Lastname); name != "" {
		return name
	}
	return u.Email
}

// AddChange adds to changes, the writes of users of one transaction, the write of kind
// of the user id of organization orgID at at, by the caller in ctx. A user written twice
// in one transaction is one change, its last write: created stays created, and a
// deletion wins.
func AddChange(ctx context.Context, changes []UserChange, kind ChangeKind, orgID, id string, at time.Time) []UserChange {
	c := UserChange{Kind: kind, OrganizationID: orgID, UserID: id, At: at}
	if auth := AuthFromContext(ctx); auth != nil && auth.User != nil {
		c.ByID, c.ByName = auth.User.ID, DisplayName(auth.User)
	}
	for i := range changes {
		if changes[i].UserID == id {
			if changes[i].Kind == ChangeCreated && kind == ChangeUpdated {
				c.Kind = ChangeCreated
			}
			changes[i] = c
			return changes
		}
	}
	return append(changes, c)
}
