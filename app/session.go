package app

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// Where the session survives a reload, when the page's storage works (see pageStorage).
const (
	storageKey      = "useradmin.key"
	storageEndpoint = "useradmin.endpoint"
	storageExpires  = "useradmin.expires"
	storageCaps     = "useradmin.caps:" // + endpoint: the capabilities it last had (in caps)
)

// sessionState is who is signed in, where, and what that endpoint offers, as the pages
// see it (stateSession). Status is statusReady when signed in and statusFailed when signed
// out; Notice says why it ended. FromPortal is set when the framing portal handed over the
// credential: the portal owns it, so signing out forgets it without revoking it. Gen
// counts the credentials of the page: a renewal changes it and nothing else.
type sessionState struct {
	Status     status
	Endpoint   string
	Viewer     user
	Caps       capabilities
	Notice     string
	FromPortal bool
	ExpiresAt  time.Time // zero when the credential's end is not known
	Gen        int
	Scope      string // a portal's token's scope (FULL, READ_ONLY, NO_DELETE); "" for other credentials
}

// The scopes of a portal's token that narrow what the pages offer.
const (
	scopeReadOnly = "READ_ONLY"
	scopeNoDelete = "NO_DELETE"
)

// readOnly reports whether the credential lets the person read only: the pages then offer
// no control that changes anything.
func (s sessionState) readOnly() bool { return s.Scope == scopeReadOnly }

// mayRemove reports whether the credential lets the person delete users and revoke.
func (s sessionState) mayRemove() bool { return s.Scope != scopeReadOnly && s.Scope != scopeNoDelete }

// scopeNote is the sentence that says what the credential does not allow, or "".
func (s sessionState) scopeNote() string {
	switch s.Scope {
	case scopeReadOnly:
		return "Read-only: your portal lets you see users here, not change them."
	case scopeNoDelete:
		return "Your portal lets you change users here, but not delete them or revoke invitations and keys."
	}
	return ""
}

// credential is what the widget sends requests with: a key (an API key, a session's key
// or a portal's token, all sent alike), where, until when, and which of the page's
// credentials it is.
type credential struct {
	Endpoint  string
	Key       string
	ExpiresAt time.Time
	Gen       int
}

// session is the one owner of the credential, of the storage that keeps it across a
// reload, and of the cache of what each endpoint offers (caps, see capsStorage). Opening a
// session (after a reload) happens once at a time, under opening.
type session struct {
	opening sync.Mutex

	mu     sync.Mutex
	store  storage
	caps   storage
	cred   credential
	state  sessionState
	gen    int
	expiry *time.Timer // ends the session when its credential expires
}

func newSession(store, caps storage) *session {
	return &session{store: store, caps: caps}
}

// signedIn returns the open session and its credential, if there is one.
func (s *session) signedIn() (sessionState, credential, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.cred, s.state.Status == statusReady
}

// stored is the credential kept across a reload, with an empty Key when there is none or
// it has expired.
func (s *session) stored() credential {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := credential{Key: s.store.get(storageKey), Endpoint: s.store.get(storageEndpoint)}
	if t, err := time.Parse(time.RFC3339, s.store.get(storageExpires)); err == nil {
		c.ExpiresAt = t
		if !time.Now().Before(t) {
			c.Key = ""
		}
	}
	return c
}

// lastEndpoint is the endpoint of the last session of this tab, or "".
func (s *session) lastEndpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.get(storageEndpoint)
}

// start makes st the open session, signed in with c, and publishes it. A credential the
// portal handed over is kept in memory only: the portal hands it over again on a reload.
// At c.ExpiresAt the session ends by itself, unless a renewal came first.
func (s *session) start(ctx app.Context, st sessionState, c credential) sessionState {
	s.mu.Lock()
	s.gen++
	c.Gen, st.Gen = s.gen, s.gen
	st.Status, st.Endpoint, st.ExpiresAt = statusReady, c.Endpoint, c.ExpiresAt
	s.cred, s.state = c, st
	if st.FromPortal {
		s.store.del(storageKey)
		s.store.del(storageExpires)
	} else {
		s.store.set(storageKey, c.Key)
		s.store.set(storageEndpoint, c.Endpoint)
		if c.ExpiresAt.IsZero() {
			s.store.del(storageExpires)
		} else {
			s.store.set(storageExpires, c.ExpiresAt.UTC().Format(time.RFC3339))
		}
	}
	s.mu.Unlock()
	mark(markSession)
	ctx.SetState(stateSession, st)
	s.endAtExpiry(ctx, c)
	return st
}

// renew swaps the credential of the open session for c (a portal's new token for the same
// person, with scope) and keeps everything else: the pages keep what they show and what is
// typed.
func (s *session) renew(ctx app.Context, c credential, scope string) {
	s.mu.Lock()
	s.gen++
	c.Gen = s.gen
	s.cred = c
	s.state.ExpiresAt, s.state.Gen = c.ExpiresAt, s.gen
	s.state.Scope = scope
	st := s.state
	s.mu.Unlock()
	ctx.SetState(stateSession, st)
	s.endAtExpiry(ctx, c)
}

// endAtExpiry ends the session when c expires, if c is still its credential then. The
// timer of an earlier credential is stopped: a renewal replaces it.
func (s *session) endAtExpiry(ctx app.Context, c credential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.expiry != nil {
		s.expiry.Stop()
	}
	if c.ExpiresAt.IsZero() {
		return
	}
	s.expiry = time.AfterFunc(time.Until(c.ExpiresAt), func() {
		ctx.Dispatch(func(ctx app.Context) {
			s.mu.Lock()
			current := s.cred.Gen == c.Gen && s.state.Status == statusReady
			fromPortal := s.state.FromPortal
			s.mu.Unlock()
			if current {
				s.end(ctx, expiredNotice(c.ExpiresAt, fromPortal))
			}
		})
	})
}

// expiredNotice is what the sign-in page says once a credential has expired.
func expiredNotice(at time.Time, fromPortal bool) string {
	if fromPortal {
		return "Your session ended at " + at.Local().Format("15:04") + " and your portal did not renew it. Reload the page to continue."
	}
	return "Your session ended at " + at.Local().Format("15:04") + ": sign in again."
}

// end forgets the credential and publishes the signed-out session with notice.
func (s *session) end(ctx app.Context, notice string) {
	s.mu.Lock()
	if s.expiry != nil {
		s.expiry.Stop()
	}
	s.store.del(storageKey)
	s.store.del(storageExpires)
	s.cred = credential{}
	s.state = sessionState{Status: statusFailed, Notice: notice, Gen: s.gen}
	st := s.state
	s.mu.Unlock()
	ctx.SetState(stateSession, st)
}

// revoked ends the session whose credential c the endpoint stopped accepting, once,
// however many requests found out, and only if c is still the session's credential: a
// request sent before a renewal does not end the renewed session.
func (s *session) revoked(ctx app.Context, c credential) {
	s.mu.Lock()
	current := s.cred.Gen == c.Gen && s.state.Status == statusReady
	s.mu.Unlock()
	if current {
		s.end(ctx, sessionEnded)
	}
}

// signedOutQuietly publishes that no one is signed in, without a notice and without
// ending a session opened meanwhile.
func (s *session) signedOutQuietly(ctx app.Context) {
	s.mu.Lock()
	if s.state.Status == statusReady {
		s.mu.Unlock()
		return
	}
	s.state = sessionState{Status: statusFailed, Notice: s.state.Notice, Gen: s.gen}
	st := s.state
	s.mu.Unlock()
	ctx.SetState(stateSession, st)
}

// cachedCaps is what endpoint offered when this browser last opened a session on it.
func (s *session) cachedCaps(endpoint string) (capabilities, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var caps capabilities
	raw := s.caps.get(storageCaps + endpoint)
	if raw == "" || json.Unmarshal([]byte(raw), &caps) != nil {
		return capabilities{}, false
	}
	return caps, true
}

// cacheCaps remembers what endpoint offers, for the next reload.
func (s *session) cacheCaps(endpoint string, caps capabilities) {
	b, _ := json.Marshal(caps)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps.set(storageCaps+endpoint, string(b))
}

// sessionEnded is what the sign-in page says when the directory stopped accepting the
// key of a signed-in session.
const sessionEnded = "Your session ended (the key was revoked or the account deactivated): sign in again."
