// Package live fans the directory's committed user writes out to the subscribers of each
// organization, in the process: the fan-out of one instance on SQLite. A fan-out across
// instances (PostgreSQL's LISTEN/NOTIFY) implements the same server.Changes and can hand
// what it hears to a Hub for its own process's subscribers.
package live

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"sync"
	"time"

	"useradmin/server"
)

// DefaultRetain is how many changes a Hub keeps, all organizations together, for the
// subscribers that come back after a dropped connection.
const DefaultRetain = 1024

// Hub is an in-process server.Changes. Its zero value is not ready: use New.
type Hub struct {
	limit  server.ChangeLimit
	retain int
	now    func() time.Time

	mu      sync.Mutex
	epoch   string // tells this process's cursors from a previous one's
	seq     uint64 // the last change's number
	kept    []server.UserChange
	byOrg   map[string]map[*subscriber]struct{}
	perCred map[string]int
	perUser map[string]int
	total   int
}

type subscriber struct {
	org, cred, user string
	ch              chan server.UserChange
	gone            bool
}

var _ server.Changes = (*Hub)(nil)

// New returns a Hub with the limits of limit (zero fields: the defaults), keeping retain
// changes to resume from (0: DefaultRetain).
func New(limit server.ChangeLimit, retain int) *Hub {
	if retain <= 0 {
		retain = DefaultRetain
	}
	return &Hub{
		limit:   limit.OrDefault(),
		retain:  retain,
		now:     time.Now,
		epoch:   strings.ToLower(rand.Text()[:8]),
		byOrg:   map[string]map[*subscriber]struct{}{},
		perCred: map[string]int{},
		perUser: map[string]int{},
	}
}

// Publish hands change to its organization's subscribers without waiting for any: one
// whose buffer is full is dropped.
func (h *Hub) Publish(change server.UserChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	change.Cursor = h.cursor(h.seq)
	h.kept = append(h.kept, change)
	if len(h.kept) >= 2*h.retain {
		// Moved down now and then rather than at every change: the slice stays bounded.
		n := copy(h.kept, h.kept[len(h.kept)-h.retain:])
		clear(h.kept[n:])
		h.kept = h.kept[:n]
	}
	h.deliverLocked(change)
}

// Deliver hands change to its organization's subscribers as Publish does, with the
// cursor its publisher gave it, and keeps it for no replay: a fan-out across instances
// numbers the changes in the database and replays them from there (server/postgres).
func (h *Hub) Deliver(change server.UserChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.deliverLocked(change)
}

func (h *Hub) deliverLocked(change server.UserChange) {
	for s := range h.byOrg[change.OrganizationID] {
		select {
		case s.ch <- change:
		default:
			h.removeLocked(s)
		}
	}
}

// Subscribe returns the changes of sub's organization after sub.Since, then as they come,
// until ctx ends or the subscriber falls behind.
func (h *Hub) Subscribe(ctx context.Context, sub server.ChangeSubscriber) (<-chan server.UserChange, error) {
	if err := sub.Validate(); err != nil {
		return nil, err
	}
	since, known, err := h.parse(sub.Since)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total >= h.limit.Total {
		return nil, &server.Error{Code: server.ERATELIMITED, RetryAfter: time.Minute,
			Message: "The directory has as many live connections as it takes: live updates are off for now, reload the page later to see changes."}
	}
	if len(h.byOrg[sub.OrganizationID]) >= h.limit.PerOrganization {
		return nil, &server.Error{Code: server.ERATELIMITED, RetryAfter: time.Minute,
			Message: "Your organization has as many live subscriptions on this server as it may: live updates are off for now, reload the page later to see changes."}
	}
	if h.perUser[sub.UserID] >= h.limit.PerUser {
		return nil, &server.Error{Code: server.ERATELIMITED, RetryAfter: time.Minute,
			Message: "You have as many live subscriptions as you may, across your keys and sessions: close other tabs or windows of the directory, then reload."}
	}
	if h.perCred[sub.Credential] >= h.limit.PerCredential {
		return nil, &server.Error{Code: server.ERATELIMITED, RetryAfter: time.Minute,
			Message: "This key has as many live subscriptions as it may: close other tabs or windows of the directory, then reload."}
	}
	s := &subscriber{org: sub.OrganizationID, cred: sub.Credential, user: sub.UserID, ch: make(chan server.UserChange, h.limit.Buffer)}
	if sub.Since != "" {
		h.replayLocked(s, since, known)
	}
	if h.byOrg[s.org] == nil {
		h.byOrg[s.org] = map[*subscriber]struct{}{}
	}
	h.byOrg[s.org][s] = struct{}{}
	h.perCred[s.cred]++
	h.perUser[s.user]++
	h.total++
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.removeLocked(s)
	})
	return s.ch, nil
}

// replayLocked puts into s's buffer the kept changes of its organization after since, or
// a ChangeResync when some are no longer kept or they would not fit.
func (h *Hub) replayLocked(s *subscriber, since uint64, known bool) {
	oldest := h.seq - uint64(len(h.kept)) // the last change not kept
	if !known || since < oldest || since > h.seq {
		s.ch <- h.resync(s.org)
		return
	}
	var missed []server.UserChange
	for _, c := range h.kept[len(h.kept)-int(h.seq-since):] {
		if c.OrganizationID == s.org {
			missed = append(missed, c)
		}
	}
	if len(missed) > cap(s.ch) {
		s.ch <- h.resync(s.org)
		return
	}
	for _, c := range missed {
		s.ch <- c
	}
}

func (h *Hub) resync(org string) server.UserChange {
	return server.UserChange{Kind: server.ChangeResync, OrganizationID: org, At: h.now().UTC(), Cursor: h.cursor(h.seq)}
}

// removeLocked ends s's subscription, once.
func (h *Hub) removeLocked(s *subscriber) {
	if s.gone {
		return
	}
	s.gone = true
	close(s.ch)
	delete(h.byOrg[s.org], s)
	if len(h.byOrg[s.org]) == 0 {
		delete(h.byOrg, s.org)
	}
	if h.perCred[s.cred]--; h.perCred[s.cred] <= 0 {
		delete(h.perCred, s.cred)
	}
	if h.perUser[s.user]--; h.perUser[s.user] <= 0 {
		delete(h.perUser, s.user)
	}
	h.total--
}

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// cursor is "<epoch>-<number>".
func (h *Hub) cursor(seq uint64) string { return h.epoch + "-" + strconv.FormatUint(seq, 10) }

// parse reads a cursor; known reports whether it is this process's.
func (h *Hub) parse(cursor string) (seq uint64, known bool, err error) {
	if cursor == "" {
		return 0, false, nil
	}
	epoch, num, ok := strings.Cut(cursor, "-")
	seq, perr := strconv.ParseUint(num, 10, 64)
	if !ok || perr != nil || epoch == "" {
		return 0, false, server.FieldErrorf("since", "since must be the cursor of a change received from userChanged: send one back as it came, or none.")
	}
	return seq, epoch == h.epoch, nil
}
