package app

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// liveFeed is the page's one live connection: whether it runs, and the cursor of the
// last change it received, to resume from after a dropped connection.
type liveFeed struct {
	mu      sync.Mutex
	running bool
	cursor  string
}

func (l *liveFeed) claim() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running {
		return false
	}
	l.running = true
	return true
}

func (l *liveFeed) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running = false
}

func (l *liveFeed) since() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cursor
}

func (l *liveFeed) received(cursor string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cursor != "" {
		l.cursor = cursor
	}
}

// startLive starts the live connection once the session is open on an endpoint that has
// live updates; it does nothing otherwise, or when it runs already.
func startLive(ctx app.Context, st sessionState) {
	if st.Status == statusReady && st.Caps.Live {
		ctx.NewAction(actionLive)
	}
}

// handleLive follows the changes of users while the session lasts, publishing each in
// stateLive. A dropped connection is opened again after a backoff (1 s, doubling up to
// 30 s, with jitter), from the last change received; a new credential (a renewal, another
// sign-in) opens a new connection with it.
func (w *Widget) handleLive(ctx app.Context, a app.Action) {
	if !w.live.claim() {
		return
	}
	defer w.live.release()
	backoff := liveBackoffFirst
	for {
		st, c, ok := w.session.signedIn()
		if !ok || !st.Caps.Live {
			return
		}
		connCtx, cancel := context.WithCancel(context.Background())
		go w.watchCredential(connCtx, cancel, c.Gen)
		end := w.api(c.Endpoint, c.Key).follow(connCtx, w.live.since(), func(ch liveChange) {
			w.live.received(ch.Cursor)
			ch.Seq = w.seqs.next(stateLive)
			ctx.SetState(stateLive, ch)
		})
		credentialChanged := connCtx.Err() != nil
		cancel()
		if end.stop {
			app.Log("live updates stopped:", end.err)
			return
		}
		if end.connected || credentialChanged {
			backoff = liveBackoffFirst
		}
		time.Sleep(backoff/2 + rand.N(backoff/2+1))
		backoff = nextBackoff(backoff)
	}
}

// watchCredential cancels a connection when the session's credential is no longer gen.
func (w *Widget) watchCredential(ctx context.Context, cancel context.CancelFunc, gen int) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, c, ok := w.session.signedIn(); !ok || c.Gen != gen {
				cancel()
				return
			}
		}
	}
}
