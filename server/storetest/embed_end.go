package storetest

import (
	"testing"
	"time"

	"useradmin/server"
)

// An embed token ends for good when its user is deactivated or changes role, by any
// write: undoing the change within the token's hour gives no old token back, as no old
// session comes back. Other users' tokens, and a token of a user whose name alone
// changed, keep working.
func testEmbedToken_EndsWithDeactivationOrRole(t *testing.T, open Open) {
	p := newPeople(t, open)
	works := func(tok *server.EmbedToken) bool {
		_, err := p.auth.Authenticate(fromOrigin(portalOrigin), tok.Token)
		return err == nil
	}
	bob := server.UserRef{ID: p.bob.ID}
	update := func(u server.UserUpdate) {
		t.Helper()
		if _, err := p.users.UpdateUser(p.adminCtx, bob, u); err != nil {
			t.Fatal(err)
		}
	}
	bulk := func(c server.BulkChange) {
		t.Helper()
		if _, err := p.store.Bulk.ApplyBulk(p.adminCtx, server.UserFilter{IDIn: []string{p.bob.ID}}, c, server.BulkBatch{Limit: 10}); err != nil {
			t.Fatal(err)
		}
	}
	admin, user := server.RoleAdmin, server.RoleUser
	for _, undo := range []struct {
		name         string
		change, back func()
	}{
		{"deactivated and activated again", func() { update(server.UserUpdate{Activated: ptr(false)}) }, func() { update(server.UserUpdate{Activated: ptr(true)}) }},
		{"made an admin and a user again", func() { update(server.UserUpdate{Role: &admin}) }, func() { update(server.UserUpdate{Role: &user}) }},
		{"deactivated in bulk and activated again", func() { bulk(server.BulkChange{Activated: ptr(false)}) }, func() { bulk(server.BulkChange{Activated: ptr(true)}) }},
		{"made an admin in bulk and a user again", func() { bulk(server.BulkChange{Role: &admin}) }, func() { bulk(server.BulkChange{Role: &user}) }},
	} {
		t.Run(undo.name, func(t *testing.T) {
			bobs := p.mustMint(t, p.adminCtx, p.bob, server.ScopeFull, time.Hour)
			carols := p.mustMint(t, p.adminCtx, p.carol, server.ScopeFull, time.Hour)
			if !works(bobs) {
				t.Fatal("Bob's token does not work before")
			}
			undo.change()
			undo.back()
			if works(bobs) {
				t.Errorf("Bob's token works again once he is %s", undo.name)
			}
			if !works(carols) {
				t.Error("Carol's token ended with Bob's change")
			}
			if _, err := p.users.CountUsers(p.bobCtx, server.UserFilter{}); err != nil {
				t.Errorf("Bob's own key after the change: %v", err)
			}
		})
	}
	t.Run("a new name", func(t *testing.T) {
		bobs := p.mustMint(t, p.adminCtx, p.bob, server.ScopeFull, time.Hour)
		update(server.UserUpdate{Firstname: ptr("Robert")})
		if !works(bobs) {
			t.Error("Bob's token ended with a change of his name")
		}
		ctx := p.mustTokenContext(t, bobs.Token)
		if _, err := p.users.CountUsers(ctx, server.UserFilter{}); err != nil {
			t.Errorf("a read through the token: %v", err)
		}
	})
}

// What is done with an embed token leads to who minted it: the minting's event names the
// token's id, and the events of the token's requests name it as their actor's key, even
// when an admin minted it for another admin, who is then the actor.
func testEmbedToken_AuditLinksItsRequests(t *testing.T, open Open) {
	p := newPeople(t, open)
	ida := p.mustCreateUser(t, p.adminCtx, "ida@acme.example", "Ida", "Admin", server.RoleAdmin)
	tok := p.mustMint(t, p.adminCtx, ida, server.ScopeFull, time.Hour)
	if _, err := p.users.UpdateUser(p.mustTokenContext(t, tok.Token), server.UserRef{ID: p.bob.ID}, server.UserUpdate{Firstname: ptr("Robert")}); err != nil {
		t.Fatal(err)
	}
	find := func(action server.AuditAction) *server.AuditEvent {
		t.Helper()
		es, err := p.store.Audit.FindAuditEvents(p.adminCtx, server.AuditFilter{Action: &action}, server.Page{Limit: 10})
		if err != nil || len(es) != 1 {
			t.Fatalf("%s events: %v, %v", action, es, err)
		}
		return es[0]
	}
	minted, updated := find(server.AuditEmbedTokenCreated), find(server.AuditUserUpdated)
	if minted.APIKeyID != tok.ID || minted.ActorID != p.admin.ID || minted.UserID != ida.ID {
		t.Errorf("the minting: key %q actor %q user %q, want the token %q, Ann, Ida", minted.APIKeyID, minted.ActorID, minted.UserID, tok.ID)
	}
	if updated.ActorKeyID != tok.ID || updated.ActorID != ida.ID {
		t.Errorf("the update through the token: actor %q with key %q, want Ida with the token %q", updated.ActorID, updated.ActorKeyID, tok.ID)
	}
}
