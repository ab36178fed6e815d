package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"useradmin/server"
	"useradmin/server/graphql"
	"useradmin/server/live"
)

// liveFixture is a fixture whose directory publishes its changes to a hub, served over
// HTTP for WebSockets.
type liveFixture struct {
	*fixture
	hub *live.Hub
	srv *httptest.Server
}

func newLiveFixture(t *testing.T, limit server.ChangeLimit, configure func(h *graphql.Handler)) *liveFixture {
	t.Helper()
	f := &liveFixture{fixture: newFixture(t), hub: live.New(limit, 0)}
	f.db.Changes = f.hub
	f.handler = f.handlerWith(func(h *graphql.Handler) {
		h.Changes = f.hub
		h.AllowedOrigins = []string{"https://portal.example"}
		if configure != nil {
			configure(h)
		}
	})
	f.srv = httptest.NewServer(f.handler)
	t.Cleanup(f.srv.Close)
	return f
}

// wsMessage is a message of either protocol.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// liveClient is a WebSocket client of the directory, in one protocol.
type liveClient struct {
	t     *testing.T
	c     *websocket.Conn
	proto string
	in    chan wsMessage // what the connection read, then one of type "closed"
}

// read reads the connection until it closes: a read that times out would close it.
func (c *liveClient) read() {
	for {
		_, b, err := c.c.Read(context.Background())
		if err != nil {
			c.in <- wsMessage{Type: "closed", Payload: json.RawMessage(`"` + websocket.CloseStatus(err).String() + `"`)}
			close(c.in)
			return
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			m = wsMessage{Type: "not JSON: " + string(b)}
		}
		c.in <- m
	}
}

const (
	legacyProto    = "graphql-ws"           // subscriptions-transport-ws, which the widget's client speaks
	transportProto = "graphql-transport-ws" // graphql-ws's newer protocol
)

// dial opens a WebSocket with proto and sends connection_init with payload; it returns
// the first answer's type (connection_ack or connection_error) and payload.
func (f *liveFixture) dial(t *testing.T, proto string, payload map[string]any) (*liveClient, wsMessage) {
	t.Helper()
	return f.dialWith(t, proto, nil, payload)
}

// dialWith is dial with header on the upgrade request, as a browser or a proxy writes it.
func (f *liveFixture) dialWith(t *testing.T, proto string, header http.Header, payload map[string]any) (*liveClient, wsMessage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{proto}, HTTPHeader: header})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(4 << 20)
	t.Cleanup(func() { c.CloseNow() })
	lc := &liveClient{t: t, c: c, proto: proto, in: make(chan wsMessage, 1024)}
	go lc.read()
	p, _ := json.Marshal(payload)
	lc.send(wsMessage{Type: "connection_init", Payload: p})
	return lc, lc.next(5 * time.Second)
}

// connect is dial that must be acknowledged, with key as a bearer token.
func (f *liveFixture) connect(t *testing.T, proto, key string) *liveClient {
	t.Helper()
	c, ack := f.dial(t, proto, map[string]any{"Authorization": "Bearer " + key})
	if ack.Type != "connection_ack" {
		t.Fatalf("connection_init answered %s %s, want connection_ack", ack.Type, ack.Payload)
	}
	return c
}

func (c *liveClient) send(m wsMessage) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	if err := c.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// subscribe starts the operation query with vars as id.
func (c *liveClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	p, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	typ := "subscribe"
	if c.proto == legacyProto {
		typ = "start"
	}
	c.send(wsMessage{ID: id, Type: typ, Payload: p})
}

// next reads the next message but keep-alives, answering pings; a message of type
// "timeout" when none came within d, of type "closed" when the connection closed.
func (c *liveClient) next(d time.Duration) wsMessage {
	c.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		var m wsMessage
		select {
		case <-timer.C:
			return wsMessage{Type: "timeout"}
		case got, ok := <-c.in:
			if !ok {
				return wsMessage{Type: "closed"}
			}
			m = got
		}
		switch m.Type {
		case "ka", "pong", "complete":
			continue // a complete follows each error, in the older protocol
		case "ping":
			c.send(wsMessage{Type: "pong"})
			continue
		}
		return m
	}
}

// change reads the next message, which must be a change of operation id.
func (c *liveClient) change(id string) map[string]any {
	c.t.Helper()
	m := c.next(5 * time.Second)
	if (m.Type != "data" && m.Type != "next") || m.ID != id {
		c.t.Fatalf("got %s %s %s, want a change of %s", m.Type, m.ID, m.Payload, id)
	}
	var p struct {
		Data   map[string]map[string]any
		Errors []any
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		c.t.Fatalf("payload %s", m.Payload)
	}
	return p.Data["userChanged"]
}

// nothing checks that no message comes within d.
func (c *liveClient) nothing(d time.Duration) {
	c.t.Helper()
	if m := c.next(d); m.Type != "timeout" {
		c.t.Fatalf("got %s %s, want nothing", m.Type, m.Payload)
	}
}

// failure reads the next message, which must end operation id with an error, and
// returns the error's code and message.
func (c *liveClient) failure(id string, d time.Duration) (code, message string) {
	c.t.Helper()
	m := c.next(d)
	var errs []struct {
		Message    string
		Extensions map[string]any
	}
	switch {
	case m.Type == "error" && m.ID == id:
		if err := json.Unmarshal(m.Payload, &errs); err != nil {
			c.t.Fatalf("error payload %s", m.Payload)
		}
	case (m.Type == "data" || m.Type == "next") && m.ID == id:
		var p struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		json.Unmarshal(m.Payload, &p)
		errs = p.Errors
	default:
		c.t.Fatalf("got %s %s %s, want the error of %s", m.Type, m.ID, m.Payload, id)
	}
	if len(errs) == 0 {
		c.t.Fatalf("no error in %s", m.Payload)
	}
	code, _ = errs[0].Extensions["code"].(string)
	return code, errs[0].Message
}

const changedDoc = `subscription($since: String) { userChanged(since: $since) { kind userId user { email firstname } changedBy changedById cursor changedAt } }`

// rename changes a user's first name through POST, as key.
func (f *liveFixture) rename(t *testing.T, key, id, name string) {
	t.Helper()
	f.data(t, gql{key: key, query: `mutation { updatePropertiesInUser(where: {id: "` + id + `"}, data: {firstname: "` + name + `"}) { id } }`})
}

func TestLive_ChangesReachTheirOrganizationOnly(t *testing.T) {
	for _, proto := range []string{legacyProto, transportProto} {
		t.Run(proto, func(t *testing.T) {
			f := newLiveFixture(t, server.ChangeLimit{}, nil)
			admin := f.connect(t, proto, f.acmeAdminKey)
			uma := f.connect(t, proto, f.acmeUserKey)
			globex := f.connect(t, proto, f.globexAdminKey)
			for _, c := range []*liveClient{admin, uma, globex} {
				c.subscribe("1", changedDoc, nil)
			}
			for f.hub.Subscribers() < 3 {
				time.Sleep(time.Millisecond)
			}

			f.rename(t, f.acmeAdminKey, f.acmeUser.ID, "Umberta")
			for _, c := range []*liveClient{admin, uma} {
				got := c.change("1")
				if got["kind"] != "UPDATED" || got["userId"] != f.acmeUser.ID || got["changedBy"] != "Ada Admin" || got["changedById"] != f.acmeAdmin.ID ||
					got["user"].(map[string]any)["firstname"] != "Umberta" || got["cursor"] == "" {
					t.Fatalf("got %v, want Uma renamed by Ada", got)
				}
			}
			globex.nothing(200 * time.Millisecond)

			// A USER is shown their own changes only: not the admin's, nor a deletion.
			f.rename(t, f.acmeAdminKey, f.acmeAdmin.ID, "Adelaide")
			f.data(t, gql{key: f.acmeAdminKey, query: `mutation { deleteUser(where: {id: "` + f.gone.ID + `"}) }`})
			if got := admin.change("1"); got["userId"] != f.acmeAdmin.ID || got["kind"] != "UPDATED" {
				t.Fatalf("admin got %v, want their own rename", got)
			}
			if got := admin.change("1"); got["userId"] != f.gone.ID || got["kind"] != "DELETED" || got["user"] != nil {
				t.Fatalf("admin got %v, want Gil deleted", got)
			}
			uma.nothing(200 * time.Millisecond)
			globex.nothing(100 * time.Millisecond)

			// Globex's own change reaches Globex alone.
			f.rename(t, f.globexAdminKey, f.globexAdmin.ID, "Gustav")
			if got := globex.change("1"); got["userId"] != f.globexAdmin.ID {
				t.Fatalf("globex got %v", got)
			}
			admin.nothing(200 * time.Millisecond)
		})
	}
}

func TestLive_ResumesAfterADroppedConnection(t *testing.T) {
	f := newLiveFixture(t, server.ChangeLimit{}, nil)
	c := f.connect(t, legacyProto, f.acmeAdminKey)
	c.subscribe("1", changedDoc, nil)
	for f.hub.Subscribers() < 1 {
		time.Sleep(time.Millisecond)
	}
	f.rename(t, f.acmeAdminKey, f.acmeUser.ID, "One")
	cursor := c.change("1")["cursor"].(string)
	c.c.CloseNow()
	f.rename(t, f.acmeAdminKey, f.acmeUser.ID, "Two")
	f.rename(t, f.acmeAdminKey, f.acmeAdmin.ID, "Three")

	again := f.connect(t, legacyProto, f.acmeAdminKey)
	again.subscribe("1", changedDoc, map[string]any{"since": cursor})
	if got := again.change("1"); got["user"].(map[string]any)["firstname"] != "Two" {
		t.Fatalf("first missed change: %v", got)
	}
	if got := again.change("1"); got["userId"] != f.acmeAdmin.ID {
		t.Fatalf("second missed change: %v", got)
	}
	// A cursor this process never gave, as after a restart: RESYNC, to read everything again.
	again.subscribe("2", changedDoc, map[string]any{"since": "0000-12"})
	if got := again.change("2"); got["kind"] != "RESYNC" || got["userId"] != nil {
		t.Fatalf("unknown cursor: %v, want RESYNC", got)
	}
}

func TestLive_EndsWhenTheCallerStopsBeingValid(t *testing.T) {
	f := newLiveFixture(t, server.ChangeLimit{}, func(h *graphql.Handler) { h.LiveRecheck = 50 * time.Millisecond })
	t.Run("RevokedKey", func(t *testing.T) {
		uma := f.connect(t, transportProto, f.acmeUserKey)
		uma.subscribe("1", changedDoc, nil)
		for f.hub.Subscribers() < 1 {
			time.Sleep(time.Millisecond)
		}
		f.data(t, gql{key: f.acmeAdminKey, query: `mutation { revokeApiKey(id: "` + f.acmeUserKeyID + `") }`})
		if code, _ := uma.failure("1", 2*time.Second); code != "UNAUTHENTICATED" {
			t.Fatalf("revoked key: %s, want UNAUTHENTICATED", code)
		}
		// Nor can the connection start another.
		uma.subscribe("2", changedDoc, nil)
		if code, _ := uma.failure("2", 2*time.Second); code != "UNAUTHENTICATED" {
			t.Fatalf("another subscription on the revoked key: %s, want UNAUTHENTICATED", code)
		}
	})
	t.Run("DeactivatedUser", func(t *testing.T) {
		second := f.data(t, gql{key: f.acmeAdminKey, query: `mutation { createUser(data: {email: "sam@acme.test", password: "correct horse battery", organizationRole: ADMIN}) { id } }`})
		samID := second["createUser"].(map[string]any)["id"].(string)
		samKey := f.data(t, gql{key: f.acmeAdminKey, query: `mutation { createApiKey(name: "sam", where: {id: "` + samID + `"}) { key } }`})["createApiKey"].(map[string]any)["key"].(string)
		sam := f.connect(t, legacyProto, samKey)
		sam.subscribe("1", changedDoc, nil)
		for f.hub.Subscribers() < 1 {
			time.Sleep(time.Millisecond)
		}
		f.data(t, gql{key: f.acmeAdminKey, query: `mutation { updatePropertiesInUser(where: {id: "` + samID + `"}, data: {activated: false}) { id } }`})
		if code, _ := sam.failure("1", 2*time.Second); code != "UNAUTHENTICATED" {
			t.Fatalf("deactivated: %s, want UNAUTHENTICATED", code)
		}
	})
}

func TestLive_SlowClientIsDropped(t *testing.T) {
	f := newLiveFixture(t, server.ChangeLimit{Buffer: 1}, nil)
	c := f.connect(t, legacyProto, f.acmeAdminKey)
	c.subscribe("1", changedDoc, nil)
	for f.hub.Subscribers() < 1 {
		time.Sleep(time.Millisecond)
	}
	// Changes come faster than the subscription reads the store for each: its buffer of
	// one fills, and the fan-out drops it rather than wait.
	for range 200 {
		f.hub.Publish(server.UserChange{Kind: server.ChangeUpdated, OrganizationID: f.acme.ID, UserID: f.acmeUser.ID})
	}
	for {
		m := c.next(5 * time.Second)
		if m.Type == "data" && strings.Contains(string(m.Payload), `"errors"`) || m.Type == "error" {
			if !strings.Contains(string(m.Payload), "RATE_LIMITED") || !strings.Contains(string(m.Payload), "subscribe again with since") {
				t.Fatalf("dropped with %s", m.Payload)
			}
			break
		}
		if m.Type != "data" {
			t.Fatalf("got %s %s, want changes then the drop", m.Type, m.Payload)
		}
	}
	if n := f.hub.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers left after the drop", n)
	}
}

func TestLive_Limits(t *testing.T) {
	f := newLiveFixture(t, server.ChangeLimit{PerCredential: 2, Total: 3}, nil)
	c := f.connect(t, legacyProto, f.acmeAdminKey)
	for _, id := range []string{"1", "2"} {
		c.subscribe(id, changedDoc, nil)
	}
	for f.hub.Subscribers() < 2 {
		time.Sleep(time.Millisecond)
	}
	c.subscribe("3", changedDoc, nil)
	if code, msg := c.failure("3", 2*time.Second); code != "RATE_LIMITED" || !strings.Contains(msg, "close other tabs") {
		t.Fatalf("third of one key: %s %q", code, msg)
	}
	g := f.connect(t, legacyProto, f.globexAdminKey)
	g.subscribe("1", changedDoc, nil)
	for f.hub.Subscribers() < 3 {
		time.Sleep(time.Millisecond)
	}
	g.subscribe("2", changedDoc, nil)
	if code, _ := g.failure("2", 2*time.Second); code != "RATE_LIMITED" {
		t.Fatalf("beyond the total: %s", code)
	}
	// Stopping one frees its place.
	c.send(wsMessage{ID: "1", Type: "stop"})
	for f.hub.Subscribers() > 2 {
		time.Sleep(time.Millisecond)
	}
	g.subscribe("3", changedDoc, nil)
	// The rename waits for the third subscription to be in the hub: sent before,
	// its change could come before the subscription and never reach it.
	for f.hub.Subscribers() < 3 {
		time.Sleep(time.Millisecond)
	}
	f.rename(t, f.globexAdminKey, f.globexAdmin.ID, "Gustav")
	ids := map[string]bool{}
	for range 2 {
		m := g.next(5 * time.Second)
		ids[m.ID] = m.Type == "data"
	}
	if !ids["1"] || !ids["3"] {
		t.Fatalf("after a stop, Globex's two subscriptions got %v", ids)
	}
}

func TestLive_RefusedConnections(t *testing.T) {
	f := newLiveFixture(t, server.ChangeLimit{}, nil)
	for name, payload := range map[string]map[string]any{
		"NoKey":       {},
		"BadKey":      {"Authorization": "Bearer ua_thisKeyWasNeverIssued"},
		"Deactivated": {"X-API-Key": f.goneKey},
		"Expired":     {"Authorization": "X-API-Key: " + f.expiredKey},
		"NotAString":  {"Authorization": 12},
	} {
		t.Run(name, func(t *testing.T) {
			c, ack := f.dial(t, legacyProto, payload)
			if ack.Type != "connection_error" || !strings.Contains(string(ack.Payload), "message") {
				t.Fatalf("got %s %s, want connection_error", ack.Type, ack.Payload)
			}
			if m := c.next(2 * time.Second); m.Type != "closed" {
				t.Fatalf("after the refusal: %s %s, want the connection closed", m.Type, m.Payload)
			}
		})
	}
	t.Run("Origin", func(t *testing.T) {
		for origin, want := range map[string]int{
			"https://evil.example":   http.StatusForbidden,
			"https://portal.example": http.StatusSwitchingProtocols,
			f.srv.URL:                http.StatusSwitchingProtocols,
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.srv.URL, "http")+"/graphql",
				&websocket.DialOptions{Subprotocols: []string{legacyProto}, HTTPHeader: http.Header{"Origin": {origin}}})
			cancel()
			if resp == nil || resp.StatusCode != want {
				t.Errorf("Origin %s: %v %v, want %d", origin, resp, err, want)
			}
			if c != nil {
				c.CloseNow()
			}
		}
	})
	t.Run("SubscriptionOverPOST", func(t *testing.T) {
		msg, ext := f.firstError(t, gql{key: f.acmeAdminKey, query: changedDoc})
		if ext["code"] != "BAD_USER_INPUT" || !strings.Contains(msg, "WebSocket") {
			t.Fatalf("got %q %v", msg, ext)
		}
	})
}

func TestLive_HostileDocuments(t *testing.T) {
	f := newLiveFixture(t, server.ChangeLimit{}, nil)
	deep := "subscription { userChanged { user { organization { id __typename } apiKeys { id } } } }"
	for name, tt := range map[string]struct{ query, want string }{
		"Query":         {`{ viewer { id } }`, "Send queries and mutations with POST"},
		"Mutation":      {`mutation { signOut }`, "Send queries and mutations with POST"},
		"Introspection": {`subscription { __typename }`, "must not select an introspection"},
		"TwoAliases":    {`subscription { a: userChanged { kind } b: userChanged { kind } }`, "follows one field, here 2"},
		"TooManyFields": {"subscription { userChanged { user { " + strings.Repeat("email ", 401) + "} } }", "send at most 400"},
		"TooLong":       {"subscription { userChanged { kind } }" + strings.Repeat(" ", 17<<10), "bytes long"},
		"TooManyTokens": {"subscription { userChanged { " + strings.Repeat("a ", 4000) + "} }", "more than 4000"},
		"Syntax":        {"subscription { userChanged { ", "cannot be read"},
		"Unknown":       {"subscription { userChanged { password } }", "password"},
		"BadSince":      {`subscription { userChanged(since: "not a cursor") { kind } }`, "since must be the cursor"},
		"LongSince":     {`subscription { userChanged(since: "` + strings.Repeat("1", 100) + `") { kind } }`, "at most 64"},
		"Fine":          {deep, ""},
	} {
		t.Run(name, func(t *testing.T) {
			c := f.connect(t, legacyProto, f.acmeAdminKey)
			c.subscribe("1", tt.query, nil)
			if tt.want == "" {
				c.nothing(200 * time.Millisecond)
				return
			}
			code, msg := c.failure("1", 2*time.Second)
			if code == "" || code == "INTERNAL" || !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.want)) {
				t.Fatalf("got %s %q, want %q", code, msg, tt.want)
			}
		})
	}
	t.Run("MessageBeyond1MiB", func(t *testing.T) {
		c := f.connect(t, legacyProto, f.acmeAdminKey)
		c.subscribe("1", changedDoc, map[string]any{"since": strings.Repeat("x", 1<<20)})
		if m := c.next(2 * time.Second); m.Type != "closed" {
			t.Fatalf("got %s %s, want the connection closed", m.Type, m.Payload)
		}
	})
}

func TestLive_LimitsPerUserAndOrganization(t *testing.T) {
	// A USER makes as many keys as they like (createApiKey), each with its own limit of
	// subscriptions: without a limit per user and per organization, one person, or one
	// organization's users, take every subscription the instance has, and live updates
	// stop for every other organization. Here the instance takes 6, each key 2, each user
	// 3, each organization 4.
	f := newLiveFixture(t, server.ChangeLimit{PerCredential: 2, PerUser: 3, PerOrganization: 4, Total: 6}, nil)
	newKey := func(key string) string {
		d := f.data(t, gql{key: key, query: `mutation { createApiKey(name: "tab") { key } }`})
		return d["createApiKey"].(map[string]any)["key"].(string)
	}
	open := 0
	subscribe := func(key, want string) {
		t.Helper()
		c := f.connect(t, legacyProto, key)
		c.subscribe("1", changedDoc, nil)
		if want == "" {
			open++
			deadline := time.Now().Add(5 * time.Second)
			for f.hub.Subscribers() < open {
				if time.Now().After(deadline) {
					t.Fatalf("%d subscribers, want %d: %v", f.hub.Subscribers(), open, c.next(time.Second))
				}
				time.Sleep(time.Millisecond)
			}
			return
		}
		if code, msg := c.failure("1", 2*time.Second); code != "RATE_LIMITED" || !strings.Contains(msg, want) {
			t.Fatalf("got %s %q, want RATE_LIMITED saying %q", code, msg, want)
		}
	}
	// Uma: three keys of her own, then a fourth, each opening one subscription.
	for range 3 {
		subscribe(newKey(f.acmeUserKey), "")
	}
	subscribe(newKey(f.acmeUserKey), "across your keys")
	// Her admin: one more for Acme, then Acme is full, whichever key or user.
	subscribe(f.acmeAdminKey, "")
	subscribe(newKey(f.acmeAdminKey), "Your organization")
	// Globex still follows its changes.
	subscribe(f.globexAdminKey, "")
	subscribe(newKey(f.globexAdminKey), "")
	if n := f.hub.Subscribers(); n != 6 {
		t.Fatalf("%d subscribers, want 6", n)
	}
}

func TestLive_InitPayloadNamesOnlyTheCredential(t *testing.T) {
	// connection_init's payload is the client's own writing: it may carry the key, but
	// not the headers that the proxy or the browser write for the server to trust.
	t.Run("ForwardedFor", func(t *testing.T) {
		// Behind a trusted proxy, a client that names a new address in each payload
		// would escape the limit on wrong keys per client.
		f := newLiveFixture(t, server.ChangeLimit{}, func(h *graphql.Handler) { h.TrustProxy = true })
		f.db.CredentialLimit = server.CredentialLimit{Failures: 2}
		proxied := http.Header{"X-Forwarded-For": {"198.51.100.1"}}
		var got []string
		for i := range 3 {
			_, ack := f.dialWith(t, legacyProto, proxied, map[string]any{"Authorization": "Bearer ua_guessedKeyNumber",
				"X-Forwarded-For": fmt.Sprint("203.0.113.", i)})
			got = append(got, ack.Type+" "+string(ack.Payload))
		}
		if !strings.Contains(got[2], secretLimited) {
			t.Fatalf("third wrong key from one client: %s, want %q", got[2], secretLimited)
		}
		// And from the direct connection, the payload names no address at all.
		_, ack := f.dialWith(t, legacyProto, proxied, map[string]any{"Authorization": "Bearer " + f.acmeAdminKey, "X-Forwarded-For": "203.0.113.9"})
		if !strings.Contains(string(ack.Payload), secretLimited) {
			t.Fatalf("a good key from the limited client: %s %s, want %q", ack.Type, ack.Payload, secretLimited)
		}
	})
	t.Run("Origin", func(t *testing.T) {
		// A token bound to one portal, used from another portal's page: the browser
		// writes that page's Origin on the upgrade, whatever the payload says.
		f := newLiveFixture(t, server.ChangeLimit{}, func(h *graphql.Handler) {
			h.AllowedOrigins = []string{portalOrigin, otherPortal}
		})
		token := f.mintToken(t, f.acmeAdmin.ID, "FULL")
		const refused = "This embed token works only from the portal it was made for"
		for name, payload := range map[string]map[string]any{
			"Origin":           {"Origin": portalOrigin},
			"frame origin":     {"Sec-Fetch-Site": "same-origin", graphql.FrameOriginHeader: portalOrigin},
			"X-Forwarded-Host": {"X-Forwarded-Host": strings.TrimPrefix(otherPortal, "https://"), graphql.FrameOriginHeader: portalOrigin},
		} {
			payload["Authorization"] = "Bearer " + token
			_, ack := f.dialWith(t, legacyProto, http.Header{"Origin": {otherPortal}}, payload)
			if ack.Type != "connection_error" || !strings.Contains(string(ack.Payload), refused) {
				t.Errorf("%s in the payload, from %s: %s %s, want %q", name, otherPortal, ack.Type, ack.Payload, refused)
			}
		}
		// From the portal itself, and from the widget's own page framed by it, it works.
		for name, upgrade := range map[string]http.Header{
			"portal":      {"Origin": {portalOrigin}},
			"widget page": {"Origin": {f.srv.URL}}, // as Chromium writes it: no Sec-Fetch-Site
		} {
			_, ack := f.dialWith(t, legacyProto, upgrade, map[string]any{"Authorization": "Bearer " + token, graphql.FrameOriginHeader: portalOrigin})
			if ack.Type != "connection_ack" {
				t.Errorf("from the %s: %s %s, want connection_ack", name, ack.Type, ack.Payload)
			}
		}
	})
}

func TestLive_ConnectionsPerClient(t *testing.T) {
	// A connection lasts as long as its client keeps it, and one that never subscribes
	// counts against no subscription limit: one client opening thousands, with a key or
	// none, would hold a socket and its goroutines each. Here a client holds 3 at most.
	f := newLiveFixture(t, server.ChangeLimit{}, func(h *graphql.Handler) {
		h.LiveConnectionsPerClient = 3
		h.TrustProxy = true
	})
	from := func(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }
	upgrade := func(addr string) (*websocket.Conn, *http.Response, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.srv.URL, "http")+"/graphql",
			&websocket.DialOptions{Subprotocols: []string{legacyProto}, HTTPHeader: from(addr)})
	}
	c1 := f.connectFrom(t, from("198.51.100.1"), f.acmeAdminKey)
	f.connectFrom(t, from("198.51.100.1"), f.acmeUserKey)
	idle, resp, err := upgrade("198.51.100.1") // never sends connection_init
	if err != nil {
		t.Fatalf("third: %v %v", resp, err)
	}
	defer idle.CloseNow()
	_, resp, err = upgrade("198.51.100.1")
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a fourth: %v %v, want 429", resp, err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	if !strings.Contains(fmt.Sprint(body), "RATE_LIMITED") || !strings.Contains(fmt.Sprint(body), "close other tabs") {
		t.Fatalf("a fourth: %v", body)
	}
	// Another client is not held back; closing one frees its place.
	f.connectFrom(t, from("198.51.100.2"), f.globexAdminKey)
	c1.c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, resp, err := upgrade("198.51.100.1")
		if err == nil {
			c.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a close: %v %v", resp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connectFrom is connect with header on the upgrade request.
func (f *liveFixture) connectFrom(t *testing.T, header http.Header, key string) *liveClient {
	t.Helper()
	c, ack := f.dialWith(t, legacyProto, header, map[string]any{"Authorization": "Bearer " + key})
	if ack.Type != "connection_ack" {
		t.Fatalf("connection_init answered %s %s, want connection_ack", ack.Type, ack.Payload)
	}
	return c
}
