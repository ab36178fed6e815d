package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	graphql "github.com/hasura/go-graphql-client"
	"nhooyr.io/websocket"
	"nhooyr.io/websocket/wsjson"
)

// Live updates: the widget follows Subscription.userChanged with go-graphql-client's
// SubscriptionClient, which speaks graphql-ws over nhooyr.io/websocket, whose browser
// build is the page's own WebSocket. The client's own reconnection (at once, every
// second, with the variables of the first subscription) is not used: each connection
// dials once (liveSocket), and the widget reconnects with a backoff and the cursor of the
// last change it received, which the directory resumes from.

// liveDocument is the subscription the widget sends.
const liveDocument = `subscription ($since: String) { userChanged(since: $since) { kind userId changedBy changedById changedAt cursor user { id email firstname lastname activated organizationId organizationRole createdAt updatedAt } } }`

// Timings of the live connection.
const (
	liveReadTimeout  = 45 * time.Second // the directory says it is there every 10 s
	liveWriteTimeout = 10 * time.Second
	liveBackoffFirst = time.Second
	liveBackoffMax   = 30 * time.Second
)

// liveChange is a change of a user as the pages see it (stateLive).
type liveChange struct {
	Kind        string // CREATED, UPDATED, DELETED, or RESYNC: read everything again
	UserID      string
	User        *user
	ChangedBy   string
	ChangedByID string
	ChangedAt   string
	Cursor      string
	Seq         int
}

// liveEnd is why a live connection ended; stop means do not connect again.
type liveEnd struct {
	connected bool // the directory accepted the connection
	stop      bool
	err       error
}

// errOneDial stops the client's own reconnection: the widget's loop reconnects.
var errOneDial = errors.New("reconnect with a backoff")

// follow follows the changes from after since until ctx ends or the connection does,
// calling on for each.
func (a api) follow(ctx context.Context, since string, on func(liveChange)) liveEnd {
	var end liveEnd
	dials := 0
	sc := graphql.NewSubscriptionClient(liveURL(a.endpoint)).
		WithConnectionParams(a.liveParams()).
		WithRetryTimeout(time.Millisecond).
		WithTimeout(liveWriteTimeout).
		WithReadLimit(1 << 20)
	sc = sc.WithWebSocket(func(sc *graphql.SubscriptionClient) (graphql.WebsocketConn, error) {
		if dials++; dials > 1 {
			return nil, errOneDial
		}
		c, _, err := websocket.Dial(sc.GetContext(), sc.GetURL(), &websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
		if err != nil {
			return nil, err
		}
		return &liveSocket{c: c, seen: func(m graphql.OperationMessage) {
			switch m.Type {
			case graphql.GQL_CONNECTION_ACK:
				end.connected = true
			case "connection_error":
				// The key was not accepted: the pages' own requests will say so.
				end.stop, end.err = true, errors.New(string(m.Payload))
			}
		}}, nil
	})
	vars := map[string]interface{}{}
	if since != "" {
		vars["since"] = since
	}
	_, err := sc.SubscribeRaw(liveDocument, vars, func(data *json.RawMessage, err error) error {
		if err != nil {
			end.stop, end.err = permanent(err), err
			go sc.Close()
			return nil
		}
		var d struct{ UserChanged liveChange }
		if data == nil || json.Unmarshal(*data, &d) != nil {
			return nil
		}
		on(d.UserChanged)
		return nil
	})
	if err != nil {
		return liveEnd{err: err}
	}
	stop := context.AfterFunc(ctx, func() { sc.Close() })
	defer stop()
	if err := sc.Run(); err != nil && end.err == nil {
		end.err = err
	}
	return end
}

// liveParams is the connection_init payload: the key, and the portal that frames the
// widget, as every request names them (a portal's token works only from its portal).
func (a api) liveParams() map[string]interface{} {
	p := map[string]interface{}{"Authorization": "X-API-Key: " + a.key}
	if a.frameOrigin != "" {
		p[frameOriginHeader] = a.frameOrigin
	}
	return p
}

// permanent reports whether a subscription's error means connecting again cannot help
// soon: the key stopped working, or it has as many subscriptions as it may.
func permanent(err error) bool {
	f := toFailure(err)
	return f.Code == codeUnauthenticated || (f.Code == codeRateLimited && strings.Contains(f.Message, "tabs")) ||
		f.Code == codeInternal
}

// liveURL is the WebSocket address of a GraphQL endpoint: ws:// for http://.
func liveURL(endpoint string) string {
	if rest, ok := strings.CutPrefix(endpoint, "http"); ok {
		return "ws" + rest
	}
	return endpoint
}

// liveSocket is one WebSocket for the SubscriptionClient, which tells seen of each
// message it reads.
type liveSocket struct {
	c    *websocket.Conn
	seen func(graphql.OperationMessage)
}

// ReadJSON reads one message.
func (s *liveSocket) ReadJSON(v interface{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), liveReadTimeout)
	defer cancel()
	err := wsjson.Read(ctx, s.c, v)
	if m, ok := v.(*graphql.OperationMessage); ok && err == nil {
		s.seen(*m)
	}
	return err
}

// WriteJSON writes one message.
func (s *liveSocket) WriteJSON(v interface{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), liveWriteTimeout)
	defer cancel()
	return wsjson.Write(ctx, s.c, v)
}

// Close closes the WebSocket.
func (s *liveSocket) Close() error { return s.c.Close(websocket.StatusNormalClosure, "") }

// SetReadLimit bounds the messages read.
func (s *liveSocket) SetReadLimit(n int64) { s.c.SetReadLimit(n) }

// nextBackoff doubles a backoff up to liveBackoffMax.
func nextBackoff(d time.Duration) time.Duration {
	return min(2*d, liveBackoffMax)
}
