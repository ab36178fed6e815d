package graphql

import (
	"container/list"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"useradmin/server"
)

// AuthLimit limits failed authentications (an API key that does not authenticate, a failed
// signIn, a password-reset token that is not valid) per client, so that passwords cannot
// be guessed at the speed of the network. The zero value is the default.
type AuthLimit struct {
	// Failures is how many failed authentications a client may make within Window before
	// it is refused; 0 means 10, a negative value turns the limit off.
	Failures int
	// Window is the span in which failures count; 0 means one minute.
	Window time.Duration
	// MaxClients is how many clients are remembered at once; 0 means 10,000. When it is
	// reached, the client whose last failure is the oldest is forgotten.
	MaxClients int
}

// Defaults of AuthLimit.
const (
	DefaultAuthFailures   = 10
	DefaultAuthWindow     = time.Minute
	DefaultAuthMaxClients = 10_000
)

// authLimiter remembers the recent failed authentications of each client. A client that
// made limit.Failures of them within the last limit.Window is limited: signIn and
// completePasswordReset are refused without checking anything, so that a password found by
// guessing is never confirmed. An API key is still checked, and a valid one still works:
// keys are random secrets that cannot be guessed, and refusing them would only lock out
// the people who share the client's address; a key that fails is answered RATE_LIMITED.
type authLimiter struct {
	limit  AuthLimit
	now    func() time.Time
	logger *slog.Logger
	err    *server.Error

	mu      sync.Mutex
	clients map[string]*list.Element // of *clientFailures
	recent  *list.List               // most recent failure first, so the back is the stalest
}

// clientFailures holds the times of a client's last failures, oldest first.
type clientFailures struct {
	client string
	times  []time.Time
}

// newAuthLimiter returns a limiter for limit, or nil when limit turns the limit off.
func newAuthLimiter(limit AuthLimit, now func() time.Time, logger *slog.Logger) *authLimiter {
	if limit.Failures < 0 {
		return nil
	}
	if limit.Failures == 0 {
		limit.Failures = DefaultAuthFailures
	}
	if limit.Window <= 0 {
		limit.Window = DefaultAuthWindow
	}
	if limit.MaxClients <= 0 {
		limit.MaxClients = DefaultAuthMaxClients
	}
	if now == nil {
		now = time.Now
	}
	return &authLimiter{
		limit:   limit,
		now:     now,
		logger:  logger,
		err:     server.Errorf(server.ERATELIMITED, "Too many failed sign-in attempts: wait %s and try again.", humanDuration(limit.Window)),
		clients: map[string]*list.Element{},
		recent:  list.New(),
	}
}

// limited reports whether client made too many failed authentications lately.
func (l *authLimiter) limited(client string) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.clients[client]
	if !ok {
		return false
	}
	c := e.Value.(*clientFailures)
	c.times = l.recentTimes(c.times)
	return len(c.times) >= l.limit.Failures
}

// fail records a failed authentication of client and reports whether the client was
// already limited before it, in which case the failure is answered RATE_LIMITED.
func (l *authLimiter) fail(client string) (wasLimited bool) {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.clients[client]
	if !ok {
		l.makeRoom()
		e = l.recent.PushFront(&clientFailures{client: client})
		l.clients[client] = e
	}
	l.recent.MoveToFront(e)
	c := e.Value.(*clientFailures)
	c.times = l.recentTimes(c.times)
	wasLimited = len(c.times) >= l.limit.Failures
	c.times = append(c.times, l.now())
	if len(c.times) > l.limit.Failures {
		c.times = append(c.times[:0], c.times[len(c.times)-l.limit.Failures:]...)
	}
	if !wasLimited && len(c.times) == l.limit.Failures {
		// The log names the client only: never the key, email or password it tried.
		l.logger.Warn("too many failed authentications", "client", client,
			"failures", l.limit.Failures, "window", l.limit.Window.String())
	}
	return wasLimited
}

// makeRoom forgets the clients whose failures are all past the window, and, when still
// full, the client whose last failure is the oldest.
func (l *authLimiter) makeRoom() {
	for e := l.recent.Back(); e != nil; e = l.recent.Back() {
		c := e.Value.(*clientFailures)
		if len(l.recentTimes(c.times)) > 0 && len(l.clients) < l.limit.MaxClients {
			return
		}
		l.recent.Remove(e)
		delete(l.clients, c.client)
	}
}

// recentTimes drops the times that are past the window.
func (l *authLimiter) recentTimes(times []time.Time) []time.Time {
	since := l.now().Add(-l.limit.Window)
	i := 0
	for i < len(times) && !times[i].After(since) {
		i++
	}
	return times[i:]
}

// size returns how many clients the limiter remembers.
func (l *authLimiter) size() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// humanDuration writes d as a person would say it: "a minute", "5 minutes", "30 seconds".
func humanDuration(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "a minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d <= time.Second:
		return "a second"
	}
	return fmt.Sprintf("%d seconds", (d+time.Second-1)/time.Second)
}

// clientAddress names the client that sent r, for the limit on failed authentications: its
// IP address, or for IPv6 its /64 network, which one subscriber usually holds whole. With
// trustProxy, the address is the last one in X-Forwarded-For, the one the proxy in front
// added; any earlier one was written by the client and proves nothing.
func clientAddress(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			entries := strings.Split(vs[len(vs)-1], ",")
			if addr, err := netip.ParseAddr(strings.TrimSpace(entries[len(entries)-1])); err == nil {
				return clientNetwork(addr)
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return clientNetwork(addr)
	}
	if len(host) > 64 {
		host = host[:64] // not an address: keep what names it, not whatever length was sent
	}
	return host
}

// clientNetwork returns addr as a client's name: IPv4 as it is, IPv6 as its /64.
func clientNetwork(addr netip.Addr) string {
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
