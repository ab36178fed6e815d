package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"useradmin/server/postgres/pgtest"
)

// twoInstances starts two binaries on one new PostgreSQL database, one after the other
// (the first seeds it).
func twoInstances(t *testing.T) (a, b *server) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	a = startServerOn(t, url)
	b = startServerOn(t, url)
	return a, b
}

// liveChange is a change as userChanged delivers it.
type liveChange struct {
	Kind, UserID, Cursor string
	ChangedBy            *string
	User                 *struct{ Firstname string }
	at                   time.Time // when the client read it
}

// liveSub is one userChanged subscription over graphql-transport-ws.
type liveSub struct {
	c   *websocket.Conn
	in  chan liveChange
	err chan string // the subscription's error, or how the connection ended
}

// subscribeLive opens a WebSocket to s as key and subscribes to userChanged from since.
func subscribeLive(t *testing.T, s *server, key, since string) *liveSub {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	write := func(m map[string]any) {
		b, _ := json.Marshal(m)
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	write(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + key}})
	var ack struct{ Type string }
	if _, b, err := c.Read(ctx); err != nil || json.Unmarshal(b, &ack) != nil || ack.Type != "connection_ack" {
		t.Fatalf("connection_init: %s %v", b, err)
	}
	vars := map[string]any{}
	if since != "" {
		vars["since"] = since
	}
	write(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($since: String) { userChanged(since: $since) { kind userId cursor changedBy user { firstname } } }`,
		"variables": vars}})
	sub := &liveSub{c: c, in: make(chan liveChange, 4096), err: make(chan string, 1)}
	go sub.read(write)
	return sub
}

func (s *liveSub) read(write func(map[string]any)) {
	defer close(s.in)
	for {
		_, b, err := s.c.Read(context.Background())
		if err != nil {
			s.err <- "closed: " + err.Error()
			return
		}
		var m struct {
			Type    string
			Payload json.RawMessage
		}
		json.Unmarshal(b, &m)
		switch m.Type {
		case "ping":
			write(map[string]any{"type": "pong"})
		case "next":
			var p struct {
				Data   struct{ UserChanged liveChange }
				Errors []struct{ Message string }
			}
			json.Unmarshal(m.Payload, &p)
			if len(p.Errors) > 0 {
				s.err <- p.Errors[0].Message
				return
			}
			c := p.Data.UserChanged
			c.at = time.Now()
			s.in <- c
		case "error", "complete":
			s.err <- m.Type + ": " + string(m.Payload)
			return
		}
	}
}

// next waits up to d for the next change.
func (s *liveSub) next(t *testing.T, d time.Duration) liveChange {
	t.Helper()
	select {
	case c, ok := <-s.in:
		if !ok {
			t.Fatalf("the subscription ended: %s", <-s.err)
		}
		return c
	case <-time.After(d):
		t.Fatalf("no change within %s", d)
	}
	return liveChange{}
}

// rename sets the first name of the user id through s, as the admin.
func (s *server) rename(t *testing.T, id, name string) {
	t.Helper()
	ans := s.send(t, call{key: s.Key, query: `mutation($id: ID!, $n: String!) { updatePropertiesInUser(where: {id: $id}, data: {firstname: $n}) { id } }`,
		variables: map[string]any{"id": id, "n": name}})
	if ans.code() != "" {
		t.Fatalf("rename through %s: %+v", s.URL, ans)
	}
}

// TestInstances_LiveAcrossInstances runs two binaries on one PostgreSQL database: a write
// through one reaches a subscriber of the other, in order; a subscriber that lost its
// connection to one comes back on the other with its cursor and misses nothing. It logs
// the delay from sending a write to one instance to its change reaching the other's
// subscriber.
func TestInstances_LiveAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	target := b.findUsers(t, map[string]any{"organizationRole": "USER"}, 1, 0, nil)[0]
	onB := subscribeLive(t, b, b.Key, "")

	const writes = 200
	var delays []time.Duration
	var last liveChange
	for i := range writes {
		name := fmt.Sprintf("Live %03d", i)
		sent := time.Now()
		a.rename(t, target.ID, name)
		c := onB.next(t, 5*time.Second)
		if c.Kind != "UPDATED" || c.UserID != target.ID || c.User == nil || c.User.Firstname != name || c.ChangedBy == nil || c.Cursor == "" {
			t.Fatalf("write %d: got %+v, want the rename to %q", i, c, name)
		}
		delays = append(delays, c.at.Sub(sent))
		last = c
	}
	slices.Sort(delays)
	p50, p99 := delays[len(delays)/2], delays[len(delays)*99/100]
	t.Logf("write through A to the change at B's subscriber, %d writes: p50 %s, p99 %s, max %s", writes, p50, p99, delays[len(delays)-1])
	if p99 > time.Second {
		t.Errorf("p99 %s: the change took longer than the 1s promised", p99)
	}

	// B's subscriber drops; writes go on through B; it comes back on A with its cursor.
	onB.c.CloseNow()
	var want []string
	for i := range 3 {
		name := fmt.Sprintf("Missed %d", i)
		b.rename(t, target.ID, name)
		want = append(want, name)
	}
	onA := subscribeLive(t, a, a.Key, last.Cursor)
	a.rename(t, target.ID, "After")
	want = append(want, "After")
	var got []string
	for range want {
		c := onA.next(t, 5*time.Second)
		if c.User == nil {
			t.Fatalf("got %+v", c)
		}
		got = append(got, c.User.Firstname)
	}
	// Each change is read again when it is delivered: the missed ones all show the name
	// of now, or a later one; what matters is that four came, none lost and none twice.
	if len(got) != 4 {
		t.Fatalf("after resuming: %v, want 4 changes", got)
	}
	select {
	case c := <-onA.in:
		t.Fatalf("one change too many: %+v", c)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestInstances_Kill9OneInstance kills one of two instances with SIGKILL during a stream
// of writes through both: every acknowledged write is in the database, the other
// instance keeps serving reads, writes and live updates.
func TestInstances_Kill9OneInstance(t *testing.T) {
	a, b := twoInstances(t)
	onB := subscribeLive(t, b, b.Key, "")
	var (
		mu      sync.Mutex
		created = map[*server][]string{}
		wg      sync.WaitGroup
		stop    = make(chan struct{})
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w, s := range []*server{a, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("kill9-w%d-%d@durable.example", w, i)
				res, err := s.post(client, `mutation($d: CreateUserData!) { createUser(data: $d) { id } }`,
					map[string]any{"d": map[string]any{"email": email, "password": "a long password", "organizationRole": "USER"}})
				if err != nil {
					if s == a {
						return // A is gone
					}
					continue
				}
				if len(res.Errors) == 0 {
					mu.Lock()
					created[s] = append(created[s], email)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(2 * time.Second)
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	mu.Lock()
	beforeB := len(created[b])
	mu.Unlock()
	time.Sleep(time.Second) // B goes on writing alone
	close(stop)
	wg.Wait()

	if len(created[a]) == 0 || len(created[b]) <= beforeB {
		t.Fatalf("%d creates acknowledged by A, %d by B before the kill and %d after: the test proved nothing",
			len(created[a]), beforeB, len(created[b])-beforeB)
	}
	for s, emails := range created {
		for _, email := range emails {
			if n := b.countUsers(t, map[string]any{"email": email}); n != 1 {
				t.Errorf("create of %s acknowledged by %s: %d users through B after the kill, want 1", email, s.URL, n)
			}
		}
	}
	// B's subscriber heard of every create, A's acknowledged ones included.
	heard := map[string]bool{}
	for len(heard) < len(created[a])+len(created[b]) {
		select {
		case c := <-onB.in:
			heard[c.UserID] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("B's subscriber heard of %d creates, want at least %d", len(heard), len(created[a])+len(created[b]))
		}
	}
	t.Logf("%d creates acknowledged by A before its SIGKILL, %d by B; all stored, all heard live on B", len(created[a]), len(created[b]))
}

// TestInstances_LiveInBrowser shows in the widget of one instance the writes made through
// the other, in place; it logs the time from the write to the DOM.
func TestInstances_LiveInBrowser(t *testing.T) {
	a, b := twoInstances(t)
	latencies := liveListLatencies(t, newBrowser(t).newTab(t), b, a)
	t.Logf("write through A to the DOM of B's widget: median %v, worst %v over %d changes", latencies[len(latencies)/2], latencies[len(latencies)-1], len(latencies))
}
