package live

import (
	"context"
	"runtime"
	"testing"

	"useradmin/server"
)

func change(org, user string) server.UserChange {
	return server.UserChange{Kind: server.ChangeUpdated, OrganizationID: org, UserID: user}
}

// receive reads what is waiting on ch, without waiting.
func receive(ch <-chan server.UserChange) (got []server.UserChange, closed bool) {
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				return got, true
			}
			got = append(got, c)
		default:
			return got, false
		}
	}
}

func TestHub_DeliversToItsOrganizationOnly(t *testing.T) {
	h := New(server.ChangeLimit{}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a1, _ := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k1"})
	a2, _ := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k2"})
	b, _ := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "b", Credential: "k3"})
	h.Publish(change("a", "u1"))
	for _, ch := range []<-chan server.UserChange{a1, a2} {
		if got, _ := receive(ch); len(got) != 1 || got[0].UserID != "u1" || got[0].Cursor == "" {
			t.Fatalf("organization a's subscriber got %+v, want u1's change with a cursor", got)
		}
	}
	if got, _ := receive(b); len(got) != 0 {
		t.Fatalf("organization b's subscriber got %+v, want nothing", got)
	}
}

func TestHub_DropsSlowSubscriber(t *testing.T) {
	h := New(server.ChangeLimit{Buffer: 2}, 0)
	ctx := context.Background()
	slow, _ := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k"})
	for range 3 {
		h.Publish(change("a", "u"))
	}
	got, closed := receive(slow)
	if len(got) != 2 || !closed {
		t.Fatalf("slow subscriber: %d changes, closed %v; want 2 then closed", len(got), closed)
	}
	if n := h.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers left, want 0", n)
	}
	// It comes back with the cursor of the last change it read: the third is replayed.
	again, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k", Since: got[1].Cursor})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := receive(again); len(got) != 1 || got[0].Kind != server.ChangeUpdated {
		t.Fatalf("resumed: %+v, want the one missed change", got)
	}
}

func TestHub_ResyncWhenMissedAreGone(t *testing.T) {
	h := New(server.ChangeLimit{}, 2)
	ctx := context.Background()
	first, _ := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k"})
	h.Publish(change("a", "u"))
	c, _ := receive(first)
	for range 5 {
		h.Publish(change("a", "u"))
	}
	for _, since := range []string{c[0].Cursor, "deadbeef-1"} {
		ch, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k2", Since: since})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := receive(ch); len(got) != 1 || got[0].Kind != server.ChangeResync || got[0].Cursor != h.cursor(6) {
			t.Fatalf("since %s: %+v, want one RESYNC at the last cursor", since, got)
		}
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Since: "not a cursor"}); server.ErrorCode(err) != server.EINVALID {
		t.Fatalf("bad cursor: %v, want BAD_USER_INPUT", err)
	}
}

func TestHub_Limits(t *testing.T) {
	h := New(server.ChangeLimit{PerCredential: 2, Total: 3}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	for range 2 {
		if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", Credential: "k"}); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("third of one key: %v, want RATE_LIMITED", err)
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "b", Credential: "other"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "b", Credential: "third"}); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("beyond the total: %v, want RATE_LIMITED", err)
	}
	cancel()
	for h.Subscribers() != 0 {
		runtime.Gosched() // context.AfterFunc runs the removals in their own goroutines
	}
	if _, err := h.Subscribe(context.Background(), server.ChangeSubscriber{OrganizationID: "a", Credential: "k"}); err != nil {
		t.Fatalf("after the others ended: %v", err)
	}
}

func TestHub_LimitsPerUserAndOrganization(t *testing.T) {
	// Keys are free to make: one user's subscriptions count together whatever their keys,
	// and one organization's together whatever their users, so that neither takes the
	// instance's every subscription from another organization.
	h := New(server.ChangeLimit{PerCredential: 5, PerUser: 2, PerOrganization: 3, Total: 10}, 0)
	ctx := context.Background()
	for _, key := range []string{"k1", "k2"} {
		if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", UserID: "u", Credential: key}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", UserID: "u", Credential: "k3"}); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("a third key of one user: %v, want RATE_LIMITED", err)
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", UserID: "v", Credential: "k4"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "a", UserID: "w", Credential: "k5"}); server.ErrorCode(err) != server.ERATELIMITED {
		t.Fatalf("a fourth of one organization: %v, want RATE_LIMITED", err)
	}
	if _, err := h.Subscribe(ctx, server.ChangeSubscriber{OrganizationID: "b", UserID: "x", Credential: "k6"}); err != nil {
		t.Fatalf("another organization: %v", err)
	}
	if n := h.Subscribers(); n != 4 {
		t.Fatalf("%d subscribers, want 4", n)
	}
}
