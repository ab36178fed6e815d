package sqlite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"useradmin/server"
)

// recorder is a server.Changes that keeps what is published.
type recorder struct {
	mu  sync.Mutex
	got []server.UserChange
}

func (r *recorder) Publish(c server.UserChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, c)
}

func (r *recorder) Subscribe(context.Context, server.ChangeSubscriber) (<-chan server.UserChange, error) {
	return nil, nil
}

func (r *recorder) take() []server.UserChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

func TestChanges_PublishedAfterEachCommittedWrite(t *testing.T) {
	f := newFixture(t)
	rec := &recorder{}
	f.db.Changes = rec

	bob := f.mustCreateUser(t, f.adminCtx, "bob@acme.example", "Bob", "", server.RoleUser)
	name := "Robert"
	if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: bob.ID}, server.UserUpdate{Firstname: &name}); err != nil {
		t.Fatal(err)
	}
	if err := f.users.DeleteUser(f.adminCtx, server.UserRef{ID: bob.ID}); err != nil {
		t.Fatal(err)
	}
	got := rec.take()
	want := []server.ChangeKind{server.ChangeCreated, server.ChangeUpdated, server.ChangeDeleted}
	if len(got) != len(want) {
		t.Fatalf("published %+v, want %v", got, want)
	}
	for i, c := range got {
		if c.Kind != want[i] || c.UserID != bob.ID || c.OrganizationID != f.org.ID || c.ByID != f.admin.ID || c.ByName != "Ann Admin" || c.At.IsZero() {
			t.Errorf("change %d: %+v, want %s of Bob by Ann in Acme", i, c, want[i])
		}
	}

	// A write that fails, here on a stale updatedAt, publishes nothing.
	carol := f.mustCreateUser(t, f.adminCtx, "carol@acme.example", "Carol", "", server.RoleUser)
	rec.take()
	stale := carol.UpdatedAt.Add(-time.Second)
	if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: carol.ID, UpdatedAt: &stale}, server.UserUpdate{Firstname: &name}); server.ErrorCode(err) != server.ECONFLICT {
		t.Fatalf("stale write: %v, want CONFLICT", err)
	}
	// Nor does refusing to delete the last admin.
	if err := f.users.DeleteUser(f.adminCtx, server.UserRef{ID: f.admin.ID}); err == nil {
		t.Fatal("deleted the last admin")
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("failed writes published %+v", got)
	}
}
