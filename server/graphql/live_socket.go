package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// liveSockets accepts WebSockets for gqlgen's transport, as its own adapter of
// github.com/coder/websocket does, but bounds every write by liveWriteTimeout: the library
// closes a connection whose write times out, so a client that stops reading is dropped
// rather than holding its connection, and what waits to be written to it, for ever.
type liveSockets struct{}

// Accept opens the WebSocket. The handler checked the Origin first (originAllowed),
// against -allowed-origins, which the library's own check (the host alone) does not know.
func (liveSockets) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	// The server's read and write timeouts, meant for one request, would stay on the
	// connection once the library takes it over, and cut every WebSocket after them.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: opts.Subprotocols, InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	return &liveConn{c: c}, nil
}

// liveConn is one accepted WebSocket.
type liveConn struct {
	c       *websocket.Conn
	mu      sync.Mutex
	closing bool
}

// NextReader reads the next message; a normal close is transport.ErrWebsocketClosed.
func (l *liveConn) NextReader() (int, io.Reader, error) {
	typ, data, err := l.c.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

// WriteJSON writes v, within liveWriteTimeout.
func (l *liveConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), liveWriteTimeout)
	defer cancel()
	return l.c.Write(ctx, websocket.MessageText, data)
}

// WriteClose starts the close handshake, in the background: the library waits up to 5 s
// for the client's answer.
func (l *liveConn) WriteClose(code int, reason string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closing {
		l.closing = true
		go l.c.Close(websocket.StatusCode(code), reason)
	}
	return nil
}

// Close closes the connection, unless a close handshake owns it.
func (l *liveConn) Close() error {
	l.mu.Lock()
	closing := l.closing
	l.mu.Unlock()
	if closing {
		return nil
	}
	return l.c.CloseNow()
}

// Subprotocol is the protocol agreed on.
func (l *liveConn) Subprotocol() string { return l.c.Subprotocol() }

// SetReadLimit bounds the messages read.
func (l *liveConn) SetReadLimit(n int64) { l.c.SetReadLimit(n) }
