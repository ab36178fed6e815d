package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

// summary is an event as the tests compare it: action, actor, user and changes.
func summary(e *server.AuditEvent) string {
	var b strings.Builder
	b.WriteString(string(e.Action) + " by " + orNone(e.ActorEmail) + " on " + orNone(e.UserEmail))
	for _, c := range e.Changes {
		b.WriteString(" " + c.Field + ":" + deref(c.Old) + "→" + deref(c.New))
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return "∅"
	}
	return *s
}

// events returns the summaries of the events ctx may read that match filter, oldest first.
func events(tb testing.TB, audit server.AuditService, ctx context.Context, filter server.AuditFilter) []string {
	tb.Helper()
	es, err := audit.FindAuditEvents(ctx, filter, server.Page{Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	n, err := audit.CountAuditEvents(ctx, filter)
	if err != nil {
		tb.Fatal(err)
	}
	if n != len(es) {
		tb.Fatalf("count = %d, page has %d", n, len(es))
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[len(es)-1-i] = summary(e)
	}
	return out
}

func assertEvents(tb testing.TB, got []string, want ...string) {
	tb.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		tb.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func testAudit_EveryWriteRecords(t *testing.T, open Open) {
	p := newPeople(t, open)
	audit := p.store.Audit
	since := p.clock.Now()
	ctx := server.NewContextWithClient(p.adminCtx, "192.0.2.7")
	bobCtx := server.NewContextWithClient(p.bobCtx, "198.51.100.9")

	if _, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{
		Firstname: ptr("Robert"), Role: ptr(server.RoleAdmin), Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Activated: ptr(true), Role: ptr(server.RoleUser)}); err != nil {
		t.Fatal(err)
	}
	// A write that changes nothing records nothing.
	if _, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Firstname: ptr("Robert")}); err != nil {
		t.Fatal(err)
	}
	bobCtx, _ = p.mustUserContext(t, ctx, p.bob) // his sessions ended with the deactivation; keys stay
	bobCtx = server.NewContextWithClient(bobCtx, "198.51.100.9")
	if _, err := p.users.UpdatePassword(bobCtx, server.UserRef{ID: p.bob.ID}, server.PasswordChange{Old: password, New1: "a new password", New2: "a new password"}); err != nil {
		t.Fatal(err)
	}
	reset, _, err := p.auth.IssuePasswordReset(ctx, server.UserRef{ID: p.bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.auth.CompletePasswordReset(server.NewContextWithClient(context.Background(), "203.0.113.5"), reset.Token, "another password"); err != nil {
		t.Fatal(err)
	}
	session, err := p.auth.SignIn(server.NewContextWithClient(context.Background(), "203.0.113.5"), "bob@acme.example", "another password")
	if err != nil {
		t.Fatal(err)
	}
	sessionCtx := server.NewContextWithClient(p.mustAuthenticate(t, session.APIKey), "203.0.113.5")
	key, err := p.auth.CreateAPIKey(sessionCtx, server.APIKeyCreate{Name: "laptop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.auth.RevokeAPIKey(ctx, key.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.auth.RevokeAPIKey(ctx, key.ID); err != nil { // revoked already: no change, no event
		t.Fatal(err)
	}
	if err := p.auth.SignOut(sessionCtx); err != nil {
		t.Fatal(err)
	}
	dave := p.mustCreateUser(t, ctx, "dave@acme.example", "Dave", "Dunn", server.RoleUser)
	if err := p.users.DeleteUser(ctx, server.UserRef{ID: dave.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.invites.ResendInvitation(ctx, p.ivy.Invitation.ID); err != nil {
		t.Fatal(err)
	}
	link, err := p.invites.CreateInvitationLink(ctx, p.ivy.Invitation.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.invites.AcceptInvitation(server.NewContextWithClient(context.Background(), "203.0.113.8"), link.Token,
		server.InvitationAccept{Firstname: "Ivy", Password: "ivy's password"}); err != nil {
		t.Fatal(err)
	}
	zed := p.mustInvite(t, ctx, "zed@acme.example", server.RoleAdmin)
	if _, err := p.invites.RevokeInvitation(ctx, zed.Invitation.ID); err != nil {
		t.Fatal(err)
	}

	got := events(t, audit, p.adminCtx, server.AuditFilter{Since: &since})
	assertEvents(t, got,
		"USER_UPDATED by ann@acme.example on bob@acme.example firstname:Bob→Robert",
		"ROLE_CHANGED by ann@acme.example on bob@acme.example organizationRole:USER→ADMIN",
		"USER_DEACTIVATED by ann@acme.example on bob@acme.example activated:true→false",
		"ROLE_CHANGED by ann@acme.example on bob@acme.example organizationRole:ADMIN→USER",
		"USER_ACTIVATED by ann@acme.example on bob@acme.example activated:false→true",
		"API_KEY_CREATED by ann@acme.example on bob@acme.example name:∅→test",
		"PASSWORD_CHANGED by bob@acme.example on bob@acme.example",
		"PASSWORD_RESET_ISSUED by ann@acme.example on bob@acme.example",
		"PASSWORD_RESET_COMPLETED by bob@acme.example on bob@acme.example",
		"SIGNED_IN by bob@acme.example on bob@acme.example",
		"API_KEY_CREATED by bob@acme.example on bob@acme.example name:∅→laptop",
		"API_KEY_REVOKED by ann@acme.example on bob@acme.example name:laptop→∅",
		"SIGNED_OUT by bob@acme.example on bob@acme.example",
		"USER_CREATED by ann@acme.example on dave@acme.example email:∅→dave@acme.example firstname:∅→Dave lastname:∅→Dunn organizationRole:∅→USER",
		"USER_DELETED by ann@acme.example on dave@acme.example email:dave@acme.example→∅ firstname:Dave→∅ lastname:Dunn→∅ organizationRole:USER→∅",
		"INVITATION_RESENT by ann@acme.example on - email:∅→ivy@acme.example",
		"INVITATION_LINK_CREATED by ann@acme.example on - email:∅→ivy@acme.example",
		"INVITATION_ACCEPTED by ivy@acme.example on ivy@acme.example email:∅→ivy@acme.example",
		"USER_CREATED by ivy@acme.example on ivy@acme.example email:∅→ivy@acme.example firstname:∅→Ivy lastname:∅→ organizationRole:∅→USER",
		"SIGNED_IN by ivy@acme.example on ivy@acme.example",
		"INVITATION_SENT by ann@acme.example on - email:∅→zed@acme.example organizationRole:∅→ADMIN",
		"INVITATION_REVOKED by ann@acme.example on - email:∅→zed@acme.example",
	)

	// The actor's key, the client's address and the ids are kept.
	es, err := audit.FindAuditEvents(p.adminCtx, server.AuditFilter{Action: ptr(server.AuditSignedIn), UserID: &p.bob.ID}, server.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("%d sign-ins of Bob", len(es))
	}
	if e := es[0]; e.ActorKeyID == "" || e.ActorKeyID != e.APIKeyID || e.ClientAddress != "203.0.113.5" || e.ActorID != p.bob.ID || e.OrganizationID != p.org.ID {
		t.Errorf("sign-in event = %+v", e)
	}
	es, err = audit.FindAuditEvents(p.adminCtx, server.AuditFilter{Action: ptr(server.AuditUserDeactivated)}, server.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if e := es[0]; e.ActorID != p.admin.ID || e.ActorKeyID == "" || e.ClientAddress != "192.0.2.7" || e.UserID != p.bob.ID {
		t.Errorf("deactivation event = %+v", e)
	}

	// No secret is ever stored: passwords, keys, tokens, nor their hashes.
	all := strings.Join(p.store.column(t, `SELECT id || organization_id || action || COALESCE(actor_key_id, '') || COALESCE(api_key_id, '') || COALESCE(client_address, '') || changes FROM audit_events`), "|")
	hashes := strings.Join(p.store.column(t, `SELECT key_hash AS x FROM api_keys UNION ALL SELECT token_hash FROM password_resets
		UNION ALL SELECT token_hash FROM invitation_links UNION ALL SELECT password_hash FROM users WHERE password_hash IS NOT NULL`), "|")
	secrets := append([]string{password, "a new password", "another password", "ivy's password", reset.Token, session.APIKey, key.Key, link.Token, zed.Token, p.adminKey},
		strings.Split(hashes, "|")...)
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("the audit trail holds the secret %q", s)
		}
	}
}

func testAudit_RefusedWriteRecordsNothing(t *testing.T, open Open) {
	p := newPeople(t, open)
	// The last active admin cannot be demoted; Bob cannot make himself an admin; Gus
	// cannot reach Acme's users.
	err := p.assertUnchanged(t, func() error {
		_, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.admin.ID}, server.UserUpdate{Role: ptr(server.RoleUser)})
		return err
	})
	assertCode(t, err, server.ECONFLICT)
	err = p.assertUnchanged(t, func() error {
		_, err := p.users.UpdateUser(p.bobCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)})
		return err
	})
	assertCode(t, err, server.EFORBIDDEN)
	err = p.assertUnchanged(t, func() error {
		return p.users.DeleteUser(p.gusCtx, server.UserRef{ID: p.bob.ID})
	})
	assertCode(t, err, server.ENOTFOUND)
	err = p.assertUnchanged(t, func() error {
		_, err := p.users.UpdatePassword(p.bobCtx, server.UserRef{ID: p.bob.ID}, server.PasswordChange{Old: "wrong password", New1: "a new password", New2: "a new password"})
		return err
	})
	if err == nil {
		t.Fatal("a wrong current password was taken")
	}
}

func testAudit_Scope(t *testing.T, open Open) {
	p := newPeople(t, open)
	audit := p.store.Audit
	ctx := server.NewContextWithClient(p.adminCtx, "192.0.2.7")
	if _, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Lastname: ptr("Brown")}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.users.UpdateUser(server.NewContextWithClient(p.bobCtx, "198.51.100.9"), server.UserRef{ID: p.bob.ID}, server.UserUpdate{Firstname: ptr("Rob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Lastname: ptr("Cole")}); err != nil {
		t.Fatal(err)
	}

	t.Run("OtherOrganizationReadsNothing", func(t *testing.T) {
		for _, f := range []server.AuditFilter{{}, {UserID: &p.bob.ID}, {ActorID: &p.admin.ID}, {Action: ptr(server.AuditUserUpdated)}} {
			for _, e := range events(t, audit, p.gusCtx, f) {
				if strings.Contains(e, "acme") {
					t.Errorf("Globex's admin reads %q with %+v", e, f)
				}
			}
		}
		assertEvents(t, events(t, audit, p.gusCtx, server.AuditFilter{UserID: &p.bob.ID}))
	})
	t.Run("UserReadsTheirOwn", func(t *testing.T) {
		got := events(t, audit, p.bobCtx, server.AuditFilter{Action: ptr(server.AuditUserUpdated)})
		assertEvents(t, got,
			"USER_UPDATED by ann@acme.example on bob@acme.example lastname:Baker→Brown",
			"USER_UPDATED by bob@acme.example on bob@acme.example firstname:Bob→Rob")
		assertEvents(t, events(t, audit, p.bobCtx, server.AuditFilter{UserID: &p.carol.ID}))
		for _, e := range events(t, audit, p.bobCtx, server.AuditFilter{ActorID: &p.admin.ID}) {
			if strings.Contains(e, "carol") {
				t.Errorf("Bob reads %q", e)
			}
		}
		es, err := audit.FindAuditEvents(p.bobCtx, server.AuditFilter{Action: ptr(server.AuditUserUpdated)}, server.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		// His own address and key he sees; the admin's he does not.
		if es[0].ClientAddress != "198.51.100.9" || es[1].ClientAddress != "" || es[0].ActorKeyID == "" || es[1].ActorKeyID != "" {
			t.Errorf("addresses = %q, %q", es[0].ClientAddress, es[1].ClientAddress)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		assertEvents(t, events(t, audit, p.adminCtx, server.AuditFilter{UserID: &p.carol.ID, Action: ptr(server.AuditUserUpdated)}),
			"USER_UPDATED by ann@acme.example on carol@acme.example lastname:Clark→Cole")
		assertEvents(t, events(t, audit, p.adminCtx, server.AuditFilter{ActorID: &p.bob.ID}),
			"USER_UPDATED by bob@acme.example on bob@acme.example firstname:Bob→Rob")
		later := p.clock.Now().Add(time.Second)
		assertEvents(t, events(t, audit, p.adminCtx, server.AuditFilter{Since: &later}))
	})
	t.Run("BadFilter", func(t *testing.T) {
		_, err := audit.FindAuditEvents(p.adminCtx, server.AuditFilter{Action: ptr(server.AuditAction("DROP"))}, server.Page{Limit: 10})
		assertCode(t, err, server.EINVALID)
		_, err = audit.FindAuditEvents(p.adminCtx, server.AuditFilter{UserID: ptr(strings.Repeat("x", 65))}, server.Page{Limit: 10})
		assertCode(t, err, server.EINVALID)
		_, err = audit.FindAuditEvents(context.Background(), server.AuditFilter{}, server.Page{Limit: 10})
		assertCode(t, err, server.EUNAUTHENTICATED)
	})
}

func testAudit_Sweep(t *testing.T, open Open) {
	p := newPeople(t, open)
	audit := p.store.Audit
	p.store.SetAuditRetention(30 * 24 * time.Hour)
	before, err := audit.CountAuditEvents(p.adminCtx, server.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	p.clock.Add(20 * 24 * time.Hour)
	if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.bob.ID}, server.UserUpdate{Lastname: ptr("Brown")}); err != nil {
		t.Fatal(err)
	}
	if n, err := p.store.SweepAudit(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep at 20 days = %d, %v", n, err)
	}
	p.clock.Add(11 * 24 * time.Hour)
	n, err := p.store.SweepAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Acme's and Globex's events from the start are gone; the change 11 days ago stays.
	gus, _ := audit.CountAuditEvents(p.gusCtx, server.AuditFilter{})
	if n < before {
		t.Fatalf("swept %d, want at least Acme's %d", n, before)
	}
	assertEvents(t, events(t, audit, p.adminCtx, server.AuditFilter{}),
		"USER_UPDATED by ann@acme.example on bob@acme.example lastname:Baker→Brown")
	if gus != 0 {
		t.Errorf("Globex keeps %d old events", gus)
	}
}

// column returns the first column of the rows of query, sent through Raw.
func (s *Store) column(tb testing.TB, query string) []string {
	tb.Helper()
	rows, err := s.Raw.Query(query)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
