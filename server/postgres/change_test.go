package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/live"
	"useradmin/server/postgres"
)

// listen starts db's fan-out into a new hub, stopped at the end of the test.
func listen(t *testing.T, db *postgres.DB) *postgres.Changes {
	t.Helper()
	c, err := db.ListenChanges(live.New(server.ChangeLimit{}, 0), server.ChangeLimit{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// subscribe follows the changes of ctx's organization on c, from since.
func subscribe(t *testing.T, ctx context.Context, c *postgres.Changes, since string) <-chan server.UserChange {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	ch, err := c.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: server.UserFromContext(ctx).OrganizationID, Credential: "test", Since: since})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// next waits for the next change on ch, for at most a second: the promise of live updates.
func next(t *testing.T, ch <-chan server.UserChange) server.UserChange {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("the subscription ended")
		}
		return c
	case <-time.After(time.Second):
		t.Fatal("no change within 1s")
	}
	return server.UserChange{}
}

// A write through one instance reaches the subscribers of the other, in order, once,
// with who made it; a failed write publishes nothing.
func TestChanges_AcrossInstances(t *testing.T) {
	a, b, ctx := instances(t)
	onB := subscribe(t, ctx, listen(t, b), "")
	users := postgres.NewUserService(a)
	bob, err := users.CreateUser(ctx, server.UserCreate{Email: "bob@acme.example", Firstname: "Bob", Password: "correct horse", Role: server.RoleUser})
	if err != nil {
		t.Fatal(err)
	}
	name := "Robert"
	if _, err := users.UpdateUser(ctx, server.UserRef{ID: bob.ID}, server.UserUpdate{Firstname: &name}); err != nil {
		t.Fatal(err)
	}
	stale := bob.UpdatedAt.Add(-time.Second)
	if _, err := users.UpdateUser(ctx, server.UserRef{ID: bob.ID, UpdatedAt: &stale}, server.UserUpdate{Firstname: &name}); server.ErrorCode(err) != server.ECONFLICT {
		t.Fatalf("stale write: %v, want CONFLICT", err)
	}
	if err := users.DeleteUser(ctx, server.UserRef{ID: bob.ID}); err != nil {
		t.Fatal(err)
	}
	me := server.UserFromContext(ctx)
	for _, want := range []server.ChangeKind{server.ChangeCreated, server.ChangeUpdated, server.ChangeDeleted} {
		c := next(t, onB)
		if c.Kind != want || c.UserID != bob.ID || c.OrganizationID != me.OrganizationID || c.ByID != me.ID || c.ByName != "ann@acme.example" || c.Cursor == "" || c.At.IsZero() {
			t.Fatalf("got %+v, want %s of Bob by Ann", c, want)
		}
	}
	select {
	case c := <-onB:
		t.Fatalf("one change too many: %+v", c)
	case <-time.After(200 * time.Millisecond):
	}
}

// Another organization's subscribers are told nothing.
func TestChanges_ScopedToOrganization(t *testing.T) {
	a, b, ctx := instances(t)
	_, _, key, err := b.CreateOrganization(context.Background(), "Globex", server.UserCreate{Email: "gus@globex.example", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := postgres.NewAuthService(b).Authenticate(context.Background(), key.Key)
	if err != nil {
		t.Fatal(err)
	}
	globex := server.NewContextWithAuth(context.Background(), auth)
	fanout := listen(t, b)
	onGlobex, onAcme := subscribe(t, globex, fanout, ""), subscribe(t, ctx, fanout, "")
	if _, err := postgres.NewUserService(a).CreateUser(ctx, server.UserCreate{Email: "bob@acme.example", Password: "correct horse", Role: server.RoleUser}); err != nil {
		t.Fatal(err)
	}
	next(t, onAcme)
	select {
	case c := <-onGlobex:
		t.Fatalf("Globex was told of Acme's change: %+v", c)
	case <-time.After(200 * time.Millisecond):
	}
}

// A subscriber that comes back with the cursor of the last change it saw, on the other
// instance, is given what it missed, then what follows, none twice; a cursor that the
// log no longer covers, or too many missed changes, is a resync.
func TestChanges_ResumeFromCursor(t *testing.T) {
	a, b, ctx := instances(t)
	fa, fb := listen(t, a), listen(t, b)
	users := postgres.NewUserService(a)
	create := func(email string) *server.User {
		t.Helper()
		u, err := users.CreateUser(ctx, server.UserCreate{Email: email, Password: "correct horse", Role: server.RoleUser})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	sub, cancel := context.WithCancel(ctx)
	onA := subscribe(t, sub, fa, "")
	create("one@acme.example")
	seen := next(t, onA)
	cancel() // the connection drops
	two, three := create("two@acme.example"), create("three@acme.example")

	onB := subscribe(t, ctx, fb, seen.Cursor)
	four := create("four@acme.example")
	for _, want := range []*server.User{two, three, four} {
		if c := next(t, onB); c.UserID != want.ID || c.Kind != server.ChangeCreated {
			t.Fatalf("got %+v, want the creation of %s", c, want.Email)
		}
	}

	// From the newest cursor: nothing missed, the next change only.
	last := subscribe(t, ctx, fb, fmt.Sprintf("pg-%d", lastSeq(t, a)))
	five := create("five@acme.example")
	if c := next(t, last); c.UserID != five.ID {
		t.Fatalf("got %+v, want the creation of five", c)
	}

	// A cursor beyond the log (another database's), or before what it keeps: a resync.
	for _, since := range []string{"pg-999999", "pg-0"} {
		if since == "pg-0" {
			mustExec(t, a, `DELETE FROM user_changes WHERE seq < (SELECT max(seq) FROM user_changes)`)
		}
		if c := next(t, subscribe(t, ctx, fb, since)); c.Kind != server.ChangeResync || c.Cursor == "" {
			t.Fatalf("since %s: got %+v, want a resync", since, c)
		}
	}

	// More missed changes than a buffer holds: a resync.
	from := fmt.Sprintf("pg-%d", lastSeq(t, a))
	for i := range server.DefaultChangeBuffer + 1 {
		create(fmt.Sprintf("u%d@acme.example", i))
	}
	if c := next(t, subscribe(t, ctx, fb, from)); c.Kind != server.ChangeResync {
		t.Fatalf("after %d missed: got %+v, want a resync", server.DefaultChangeBuffer+1, c)
	}

	for _, since := range []string{"pg-x", "abc-12", "-1", "pg--1"} {
		_, err := fb.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "o", Credential: "c", Since: since})
		if server.ErrorCode(err) != server.EINVALID {
			t.Errorf("since %q: %v, want BAD_USER_INPUT", since, err)
		}
	}
}

// The listener's connection dropping (the database ended it) loses no change: it
// connects again and reads on from the last change it handed on.
func TestChanges_ListenerReconnects(t *testing.T) {
	a, b, ctx := instances(t)
	onB := subscribe(t, ctx, listen(t, b), "")
	users := postgres.NewUserService(a)
	raw := mustRaw(t, a)
	var ended int
	if err := raw.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'useradmin live updates' AND datname = current_database()`).Scan(&ended); err != nil || ended != 1 {
		t.Fatalf("ended %d listeners (%v), want 1", ended, err)
	}
	var want []string
	for i := range 3 {
		u, err := users.CreateUser(ctx, server.UserCreate{Email: fmt.Sprintf("u%d@acme.example", i), Password: "correct horse", Role: server.RoleUser})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, u.ID)
	}
	var got []string
	deadline := time.After(10 * time.Second) // the reconnection waits a little first
	for len(got) < len(want) {
		select {
		case c := <-onB:
			got = append(got, c.UserID)
		case <-deadline:
			t.Fatalf("after the listener's connection ended, got %v of %v", got, want)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v in order", got, want)
	}
}

// Writers of several organizations at once, through both instances: every instance
// hands on every change, in the log's order, with no gap a reader could skip.
func TestChanges_ConcurrentWritersInOrder(t *testing.T) {
	a, b, ctx := instances(t)
	fa := listen(t, a)
	onA := subscribe(t, ctx, fa, "")
	stores := []*postgres.UserService{postgres.NewUserService(a), postgres.NewUserService(b)}
	const n = 30
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := stores[i%2].CreateUser(ctx, server.UserCreate{Email: fmt.Sprintf("w%d@acme.example", i), Password: "correct horse", Role: server.RoleUser})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var cursors []int
	for range n {
		c := next(t, onA)
		var seq int
		fmt.Sscanf(c.Cursor, "pg-%d", &seq)
		cursors = append(cursors, seq)
	}
	if !sort.IntsAreSorted(cursors) {
		t.Fatalf("cursors out of order: %v", cursors)
	}
}

func lastSeq(t *testing.T, db *postgres.DB) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := mustRaw(t, db).QueryRow(`SELECT max(seq) FROM user_changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n.Int64
}

func mustExec(t *testing.T, db *postgres.DB, query string) {
	t.Helper()
	if _, err := mustRaw(t, db).Exec(query); err != nil {
		t.Fatal(err)
	}
}

// A change published from outside the store's transactions goes through the log too:
// the other instance's subscribers hear of it.
func TestChanges_Publish(t *testing.T) {
	a, b, ctx := instances(t)
	onB := subscribe(t, ctx, listen(t, b), "")
	me := server.UserFromContext(ctx)
	listen(t, a).Publish(server.UserChange{Kind: server.ChangeUpdated, OrganizationID: me.OrganizationID, UserID: me.ID, At: time.Now()})
	if c := next(t, onB); c.Kind != server.ChangeUpdated || c.UserID != me.ID || c.Cursor == "" {
		t.Fatalf("got %+v, want Ann's change", c)
	}
}
