package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

// outcomes returns each result's email and outcome, for got/want comparisons.
func outcomes(results []*server.InvitationResult) string {
	var b strings.Builder
	for _, r := range results {
		fmt.Fprintf(&b, "%s=%s\n", r.Email, r.Outcome)
	}
	return b.String()
}

// pendingOf counts the stored pending invitations of email, in any organization.
func pendingOf(tb testing.TB, p *people, email string) int {
	tb.Helper()
	var n int
	if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM invitations WHERE email = ` + quote(email) + ` AND status = 'PENDING'`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func testInvitationService_InviteUsers(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		results, err := p.invites.InviteUsers(p.adminCtx, []string{
			" Zoe@Acme.Example ", "not an address", "bob@acme.example", "ivy@acme.example", "zoe@acme.example", "gus@globex.example", "yan@acme.example",
		}, server.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		want := "zoe@acme.example=INVITED\nnot an address=INVALID\nbob@acme.example=ALREADY_USER\nivy@acme.example=ALREADY_INVITED\n" +
			"zoe@acme.example=ALREADY_INVITED\ngus@globex.example=ALREADY_USER\nyan@acme.example=INVITED\n"
		if got := outcomes(results); got != want {
			t.Fatalf("got\n%swant\n%s", got, want)
		}
		zoe := results[0]
		if zoe.Token == "" || zoe.Invitation.Role != server.RoleAdmin || zoe.Invitation.OrganizationID != p.org.ID ||
			zoe.Invitation.InvitedBy.ID != p.admin.ID || !zoe.Invitation.ExpiresAt.Equal(p.clock.Now().Add(7*24*time.Hour)) {
			t.Fatalf("zoe: %+v %+v", zoe, zoe.Invitation)
		}
		if results[1].Message != `Email "not an address" is not a valid address: use the form name@example.com.` ||
			results[3].Invitation == nil || results[3].Invitation.ID != p.ivy.Invitation.ID || results[4].Invitation.ID != zoe.Invitation.ID {
			t.Fatalf("messages: %+v %+v %+v", results[1], results[3], results[4])
		}
		// The token is stored only as its hash.
		var n int
		if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM invitation_links WHERE token_hash = ` + quote(zoe.Token)).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the token is stored as it is: %v %d", err, n)
		}
		preview, err := p.invites.FindInvitationByToken(context.Background(), zoe.Token)
		if err != nil || preview.Email != "zoe@acme.example" || preview.OrganizationName != "Acme" || preview.InvitedByName != "Ann Admin" {
			t.Fatalf("preview: %+v %v", preview, err)
		}
	})

	t.Run("SameAddressInAnotherOrganization", func(t *testing.T) {
		// An address is one person: two organizations may each invite them.
		p := newPeople(t, open)
		results, err := p.invites.InviteUsers(p.gusCtx, []string{"ivy@acme.example"}, server.RoleUser)
		if err != nil || results[0].Outcome != server.InviteInvited {
			t.Fatalf("%v %v", outcomes(results), err)
		}
	})

	t.Run("ExpiredIsReplaced", func(t *testing.T) {
		p := newPeople(t, open)
		p.clock.Add(8 * 24 * time.Hour)
		results, err := p.invites.InviteUsers(p.adminCtx, []string{"ivy@acme.example"}, server.RoleAdmin)
		if err != nil || results[0].Outcome != server.InviteInvited {
			t.Fatalf("%v %v", outcomes(results), err)
		}
		_, err = p.invites.FindInvitationByToken(context.Background(), p.ivy.Token)
		assertError(t, err, server.EINVALID, "token", "This invitation was replaced by a newer one: open the link of the latest invitation email.")
		expired, err := p.invites.FindInvitations(p.adminCtx, server.InvitationFilter{Statuses: []server.InvitationStatus{server.InvitationExpired}}, server.Page{Limit: 10})
		if err != nil || len(expired) != 1 || expired[0].ID != p.ivy.Invitation.ID {
			t.Fatalf("expired: %v %v", expired, err)
		}
		_, err = p.invites.ResendInvitation(p.adminCtx, p.ivy.Invitation.ID)
		assertError(t, err, server.ECONFLICT, "", "A newer invitation of ivy@acme.example replaced this one: resend that one.")
	})

	for _, tc := range []struct {
		name   string
		emails []string
		role   server.Role
		field  string
		msg    string
	}{
		{"ErrNone", nil, server.RoleUser, "emails", "Give at least one email address to invite."},
		{"ErrTooMany", make([]string, 101), server.RoleUser, "emails", "At most 100 addresses can be invited at once (there are 101): invite the rest in another call."},
		{"ErrRole", []string{"a@acme.example"}, "OWNER", "role", `Role "OWNER" is unknown: use ADMIN or USER.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			err := p.assertUnchanged(t, func() error {
				_, err := p.invites.InviteUsers(p.adminCtx, tc.emails, tc.role)
				return err
			})
			assertError(t, err, server.EINVALID, tc.field, tc.msg)
		})
	}

	t.Run("LongInputEchoedClipped", func(t *testing.T) {
		p := newPeople(t, open)
		results, err := p.invites.InviteUsers(p.adminCtx, []string{strings.Repeat("a", 10000) + "@acme.example"}, server.RoleUser)
		if err != nil || results[0].Outcome != server.InviteInvalid || len([]rune(results[0].Email)) != server.MaxEmailLength+1 {
			t.Fatalf("%d characters echoed, %v", len(results[0].Email), err)
		}
	})

	t.Run("RateLimitedPerOrganization", func(t *testing.T) {
		p := newPeople(t, open)
		p.store.SetInvitationLimit(server.InvitationLimit{Mails: 4}) // Ivy's invitation took one
		results, err := p.invites.InviteUsers(p.adminCtx, []string{"a@acme.example", "b@acme.example", "bob@acme.example", "c@acme.example", "d@acme.example"}, server.RoleUser)
		if err != nil {
			t.Fatal(err)
		}
		want := "a@acme.example=INVITED\nb@acme.example=INVITED\nbob@acme.example=ALREADY_USER\nc@acme.example=INVITED\nd@acme.example=RATE_LIMITED\n"
		if got := outcomes(results); got != want {
			t.Fatalf("got\n%swant\n%s", got, want)
		}
		if r := results[4]; r.RetryAfter != 59*time.Minute || r.Message != "Your organization sent its 4 invitation emails of the hour: invite this address again in 59 minutes." {
			t.Fatalf("%v %q", r.RetryAfter, r.Message)
		}
		if pendingOf(t, p, "d@acme.example") != 0 {
			t.Fatal("a rate-limited address was invited")
		}
		// A resend is one email too; another organization has its own window.
		err = p.assertUnchanged(t, func() error { _, err := p.invites.ResendInvitation(p.adminCtx, p.ivy.Invitation.ID); return err })
		assertError(t, err, server.ERATELIMITED, "", "Your organization sent its 4 invitation emails of the hour: resend in 59 minutes.")
		if results, err := p.invites.InviteUsers(p.gusCtx, []string{"d@acme.example"}, server.RoleUser); err != nil || results[0].Outcome != server.InviteInvited {
			t.Fatalf("Globex: %v %v", outcomes(results), err)
		}
		p.clock.Add(59 * time.Minute)
		if results, err := p.invites.InviteUsers(p.adminCtx, []string{"d@acme.example"}, server.RoleUser); err != nil || results[0].Outcome != server.InviteInvited {
			t.Fatalf("after the window: %v %v", outcomes(results), err)
		}
	})

	t.Run("ErrNotAdmin", func(t *testing.T) {
		p := newPeople(t, open)
		err := p.assertUnchanged(t, func() error {
			_, err := p.invites.InviteUsers(p.bobCtx, []string{"x@acme.example"}, server.RoleAdmin)
			return err
		})
		assertError(t, err, server.EFORBIDDEN, "", "Only an admin can invite people and see invitations: ask an admin of your organization.")
	})
}

func testInvitationService_FindAndCount(t *testing.T, open Open) {
	p := newPeople(t, open)
	for i, email := range []string{"ann.b@acme.example", "carl@acme.example", "dora@acme.example"} {
		p.clock.Add(time.Minute)
		iss := p.mustInvite(t, p.adminCtx, email, server.RoleUser)
		switch i {
		case 1:
			if _, err := p.invites.RevokeInvitation(p.adminCtx, iss.Invitation.ID); err != nil {
				t.Fatal(err)
			}
		case 2:
			if _, err := p.invites.AcceptInvitation(context.Background(), iss.Token, server.InvitationAccept{Firstname: "Dora", Password: password}); err != nil {
				t.Fatal(err)
			}
		}
	}
	p.mustInvite(t, p.gusCtx, "gia@globex.example", server.RoleUser)
	emails := func(filter server.InvitationFilter) string {
		t.Helper()
		invs, err := p.invites.FindInvitations(p.adminCtx, filter, server.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		n, err := p.invites.CountInvitations(p.adminCtx, filter)
		if err != nil || n != len(invs) {
			t.Fatalf("count %d %v, listed %d", n, err, len(invs))
		}
		var out []string
		for _, inv := range invs {
			out = append(out, inv.Email+":"+string(inv.Status))
		}
		return strings.Join(out, " ")
	}
	statuses := func(s ...server.InvitationStatus) server.InvitationFilter {
		return server.InvitationFilter{Statuses: s}
	}
	for _, tc := range []struct {
		name   string
		filter server.InvitationFilter
		want   string
	}{
		{"All", server.InvitationFilter{}, "dora@acme.example:ACCEPTED carl@acme.example:REVOKED ann.b@acme.example:PENDING ivy@acme.example:PENDING"},
		{"Pending", statuses(server.InvitationPending), "ann.b@acme.example:PENDING ivy@acme.example:PENDING"},
		{"RevokedOrAccepted", statuses(server.InvitationRevoked, server.InvitationAccepted), "dora@acme.example:ACCEPTED carl@acme.example:REVOKED"},
		{"SearchIsLiteral", server.InvitationFilter{Search: ptr("N.B")}, "ann.b@acme.example:PENDING"},
		{"SearchPercent", server.InvitationFilter{Search: ptr("%")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := emails(tc.filter); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	t.Run("ExpiredByTheClock", func(t *testing.T) {
		p.clock.Add(7 * 24 * time.Hour)
		if got, want := emails(statuses(server.InvitationExpired)), "ann.b@acme.example:EXPIRED ivy@acme.example:EXPIRED"; got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
		if got := emails(statuses(server.InvitationPending)); got != "" {
			t.Fatalf("pending: %s", got)
		}
	})
	t.Run("ErrBadFilter", func(t *testing.T) {
		_, err := p.invites.FindInvitations(p.adminCtx, statuses("LOST"), server.Page{Limit: 10})
		assertError(t, err, server.EINVALID, "status", `Status "LOST" is unknown: use PENDING, ACCEPTED, EXPIRED or REVOKED.`)
		_, err = p.invites.CountInvitations(p.adminCtx, server.InvitationFilter{Search: ptr(strings.Repeat("a", 255))})
		assertError(t, err, server.EINVALID, "search", "Search text must be at most 254 characters.")
		_, err = p.invites.FindInvitations(p.adminCtx, server.InvitationFilter{}, server.Page{Limit: 101})
		assertCode(t, err, server.EINVALID)
	})
}

func testInvitationService_Links(t *testing.T, open Open) {
	t.Run("ResendKillsOldLinks", func(t *testing.T) {
		p := newPeople(t, open)
		p.clock.Add(6 * 24 * time.Hour)
		re, err := p.invites.ResendInvitation(p.adminCtx, p.ivy.Invitation.ID)
		if err != nil {
			t.Fatal(err)
		}
		if re.Token == p.ivy.Token || !re.Invitation.ExpiresAt.Equal(p.clock.Now().Add(7*24*time.Hour)) {
			t.Fatalf("resent: %+v", re.Invitation)
		}
		_, err = p.invites.FindInvitationByToken(context.Background(), p.ivy.Token)
		assertError(t, err, server.EINVALID, "token", "This link was replaced by a newer one: open the link of the latest invitation email, or ask Ann Admin to resend it.")
		if _, err := p.invites.FindInvitationByToken(context.Background(), re.Token); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ResendRenewsExpired", func(t *testing.T) {
		p := newPeople(t, open)
		p.clock.Add(7*24*time.Hour + time.Second)
		_, err := p.invites.FindInvitationByToken(context.Background(), p.ivy.Token)
		assertError(t, err, server.EINVALID, "token", "This invitation expired on 8 Mar 2025: ask Ann Admin to send it again.")
		_, err = p.invites.CreateInvitationLink(p.adminCtx, p.ivy.Invitation.ID)
		assertError(t, err, server.ECONFLICT, "", "This invitation expired: resend it, which makes a new link.")
		re, err := p.invites.ResendInvitation(p.adminCtx, p.ivy.Invitation.ID)
		if err != nil || re.Invitation.Status != server.InvitationPending {
			t.Fatalf("%+v %v", re, err)
		}
		if _, err := p.invites.AcceptInvitation(context.Background(), re.Token, server.InvitationAccept{Firstname: "Ivy", Password: password}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("MoreLinksKeepOthers", func(t *testing.T) {
		p := newPeople(t, open)
		tokens := []string{p.ivy.Token}
		for range server.MaxInvitationLinks {
			iss, err := p.invites.CreateInvitationLink(p.adminCtx, p.ivy.Invitation.ID)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, iss.Token)
			p.clock.Add(time.Second)
		}
		// The first link is the one retired: five work.
		for i, tok := range tokens {
			_, err := p.invites.FindInvitationByToken(context.Background(), tok)
			if (err == nil) != (i > 0) {
				t.Errorf("link %d: %v", i, err)
			}
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		p := newPeople(t, open)
		inv, err := p.invites.RevokeInvitation(p.adminCtx, p.ivy.Invitation.ID)
		if err != nil || inv.Status != server.InvitationRevoked {
			t.Fatalf("%+v %v", inv, err)
		}
		_, err = p.invites.FindInvitationByToken(context.Background(), p.ivy.Token)
		assertError(t, err, server.EINVALID, "token", "This invitation to Acme was withdrawn: ask Ann Admin whether you should still join.")
		again := p.assertUnchanged(t, func() error { _, err := p.invites.RevokeInvitation(p.adminCtx, p.ivy.Invitation.ID); return err })
		if again != nil {
			t.Fatalf("revoking again: %v", again)
		}
		for _, op := range []func() error{
			func() error { _, err := p.invites.ResendInvitation(p.adminCtx, p.ivy.Invitation.ID); return err },
			func() error { _, err := p.invites.CreateInvitationLink(p.adminCtx, p.ivy.Invitation.ID); return err },
		} {
			assertError(t, p.assertUnchanged(t, op), server.ECONFLICT, "", "This invitation was revoked: invite ivy@acme.example again to send a new one.")
		}
	})

	t.Run("ErrOtherOrganization", func(t *testing.T) {
		// Gus knows the id of Acme's invitation: every way of reaching it is NOT_FOUND and
		// nothing changes.
		p := newPeople(t, open)
		for name, op := range map[string]func() error{
			"resend": func() error { _, err := p.invites.ResendInvitation(p.gusCtx, p.ivy.Invitation.ID); return err },
			"link":   func() error { _, err := p.invites.CreateInvitationLink(p.gusCtx, p.ivy.Invitation.ID); return err },
			"revoke": func() error { _, err := p.invites.RevokeInvitation(p.gusCtx, p.ivy.Invitation.ID); return err },
		} {
			if err := p.assertUnchanged(t, op); server.ErrorCode(err) != server.ENOTFOUND {
				t.Errorf("%s: %v", name, err)
			}
		}
		err := p.assertUnchanged(t, func() error { _, err := p.invites.RevokeInvitation(p.adminCtx, strings.Repeat("x", 65)); return err })
		assertError(t, err, server.EINVALID, "id", "An id has at most 64 characters: check the one sent.")
	})
}

func testInvitationService_AcceptInvitation(t *testing.T, open Open) {
	t.Run("OK", func(t *testing.T) {
		p := newPeople(t, open)
		s, err := p.invites.AcceptInvitation(fromClient(context.Background(), "198.51.100.1"), p.ivy.Token,
			server.InvitationAccept{Firstname: " Ivy ", Lastname: "Ives", Password: "ivy's password"})
		if err != nil {
			t.Fatal(err)
		}
		u := s.User
		if u.Email != "ivy@acme.example" || u.OrganizationID != p.org.ID || u.Role != server.RoleUser || u.Firstname != "Ivy" || !u.Activated {
			t.Fatalf("user: %+v", u)
		}
		auth, err := p.auth.Authenticate(context.Background(), s.APIKey)
		if err != nil || auth.User.ID != u.ID || !s.ExpiresAt.Equal(p.clock.Now().Add(server.SessionLifetime)) {
			t.Fatalf("session: %+v %v", auth, err)
		}
		if _, err := p.auth.SignIn(context.Background(), "ivy@acme.example", "ivy's password"); err != nil {
			t.Fatalf("sign in with the chosen password: %v", err)
		}
		invs, _ := p.invites.FindInvitations(p.adminCtx, server.InvitationFilter{Search: ptr("ivy")}, server.Page{Limit: 10})
		if len(invs) != 1 || invs[0].Status != server.InvitationAccepted {
			t.Fatalf("invitation: %+v", invs)
		}
		err = p.assertUnchanged(t, func() error {
			_, err := p.invites.AcceptInvitation(context.Background(), p.ivy.Token, server.InvitationAccept{Firstname: "Eve", Password: password})
			return err
		})
		assertError(t, err, server.EINVALID, "token", "This invitation was accepted already: sign in as ivy@acme.example.")
		err = p.assertUnchanged(t, func() error { _, err := p.invites.RevokeInvitation(p.adminCtx, p.ivy.Invitation.ID); return err })
		assertError(t, err, server.ECONFLICT, "", "This invitation was accepted: deactivate ivy@acme.example's account instead.")
	})

	t.Run("AdminRoleInInvitingOrganization", func(t *testing.T) {
		p := newPeople(t, open)
		iss := p.mustInvite(t, p.gusCtx, "ola@globex.example", server.RoleAdmin)
		s, err := p.invites.AcceptInvitation(context.Background(), iss.Token, server.InvitationAccept{Firstname: "Ola", Password: password})
		if err != nil || s.User.OrganizationID != p.globex.ID || s.User.Role != server.RoleAdmin {
			t.Fatalf("%+v %v", s, err)
		}
	})

	// An invitation as ADMIN made by an admin who is no longer one (demoted, deactivated
	// or deleted since, one at a time or in bulk) would let them make themselves an admin
	// again with a link they kept: it is refused, in its preview as on accepting, and
	// nothing is stored; an invitation as USER of theirs still works. The one as ADMIN is
	// revoked for good: once its maker is an active admin again it is refused as withdrawn,
	// and cannot be resent.
	// A link that an admin made for another admin's invitation as ADMIN, another link or
	// one sent again, ends with its maker's role as their own invitations do: demoted,
	// deactivated or deleted, one at a time or in bulk, they must not make themselves an
	// admin with it. The link is refused and nothing changes; an invitation left with no
	// working link is withdrawn, and the links its own admin made still work.
	t.Run("ErrAdminInvitationLinkOfFormerAdmin", func(t *testing.T) {
		for _, change := range append(formerAdmin, formerAdminInBulk...) {
			t.Run(change, func(t *testing.T) {
				p := newPeople(t, open)
				admin := server.RoleAdmin
				if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: &admin}); err != nil {
					t.Fatal(err)
				}
				carolCtx, _ := p.mustUserContext(t, p.adminCtx, p.carol)
				kept := p.mustInvite(t, p.adminCtx, "mallory@acme.example", server.RoleAdmin)
				another, err := p.invites.CreateInvitationLink(carolCtx, kept.Invitation.ID)
				if err != nil {
					t.Fatal(err)
				}
				resent, err := p.invites.ResendInvitation(carolCtx, p.mustInvite(t, p.adminCtx, "oscar@acme.example", server.RoleAdmin).Invitation.ID)
				if err != nil {
					t.Fatal(err)
				}
				p.removeAdmin(t, p.carol, change)
				for _, link := range []*server.IssuedInvitation{another, resent} {
					err := p.assertUnchanged(t, func() error {
						_, err := p.invites.AcceptInvitation(context.Background(), link.Token, server.InvitationAccept{Firstname: "Carol", Password: password})
						return err
					})
					assertCode(t, err, server.EINVALID)
				}
				oscar := "oscar@"
				if n, err := p.invites.CountInvitations(p.adminCtx, server.InvitationFilter{Statuses: []server.InvitationStatus{server.InvitationRevoked}, Search: &oscar}); err != nil || n != 1 {
					t.Errorf("the invitation left with no working link: %d withdrawn (%v), want 1", n, err)
				}
				if s, err := p.invites.AcceptInvitation(context.Background(), kept.Token, server.InvitationAccept{Firstname: "Mallory", Password: password}); err != nil || s.User.Role != server.RoleAdmin {
					t.Fatalf("Ann's link: %+v %v", s, err)
				}
			})
		}
	})

	t.Run("ErrAdminInvitationOfFormerAdmin", func(t *testing.T) {
		for _, change := range append(formerAdmin, formerAdminInBulk...) {
			t.Run(change, func(t *testing.T) {
				p := newPeople(t, open)
				admin, on := server.RoleAdmin, true
				if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: &admin}); err != nil {
					t.Fatal(err)
				}
				carolCtx, _ := p.mustUserContext(t, p.adminCtx, p.carol)
				asAdmin := p.mustInvite(t, carolCtx, "mallory@acme.example", server.RoleAdmin)
				asUser := p.mustInvite(t, carolCtx, "una@acme.example", server.RoleUser)
				var err error
				p.removeAdmin(t, p.carol, change)
				who := "Carol Clark"
				if strings.HasPrefix(change, "deleted") {
					who = "the admin who invited you"
				}
				want := "This invitation would make you an admin, but " + who + " is no longer an admin of Acme: ask an admin of Acme to invite you again."
				err = p.assertUnchanged(t, func() error {
					_, err := p.invites.FindInvitationByToken(context.Background(), asAdmin.Token)
					return err
				})
				assertError(t, err, server.EINVALID, "token", want)
				for _, pw := range []string{password, "another password"} {
					err = p.assertUnchanged(t, func() error {
						_, err := p.invites.AcceptInvitation(context.Background(), asAdmin.Token, server.InvitationAccept{Firstname: "Mallory", Password: pw})
						return err
					})
					assertError(t, err, server.EINVALID, "token", want)
				}
				errs := AtOnce(8, func(i int) error {
					_, err := p.invites.AcceptInvitation(fromClient(context.Background(), fmt.Sprint("198.51.100.", 20+i)), asAdmin.Token,
						server.InvitationAccept{Firstname: "Mallory", Password: password})
					return err
				})
				if n := Codes(errs); n[server.EINVALID] != len(errs) {
					t.Fatalf("at once: %v", n)
				}
				var made int
				if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM users WHERE email = 'mallory@acme.example'`).Scan(&made); err != nil || made != 0 {
					t.Fatalf("%d users made (%v)", made, err)
				}
				s, err := p.invites.AcceptInvitation(context.Background(), asUser.Token, server.InvitationAccept{Firstname: "Una", Password: password})
				if err != nil || s.User.Role != server.RoleUser {
					t.Fatalf("the invitation as USER: %+v %v", s, err)
				}
				if strings.HasPrefix(change, "deleted") {
					return
				}
				if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: &admin, Activated: &on}); err != nil {
					t.Fatal(err)
				}
				carolCtx, _ = p.mustUserContext(t, p.adminCtx, p.carol)
				withdrawn := "This invitation to Acme was withdrawn: ask Carol Clark whether you should still join."
				err = p.assertUnchanged(t, func() error {
					_, err := p.invites.AcceptInvitation(context.Background(), asAdmin.Token, server.InvitationAccept{Firstname: "Mallory", Password: password})
					return err
				})
				assertError(t, err, server.EINVALID, "token", withdrawn)
				err = p.assertUnchanged(t, func() error {
					_, err := p.invites.ResendInvitation(carolCtx, asAdmin.Invitation.ID)
					return err
				})
				assertError(t, err, server.ECONFLICT, "", "This invitation was revoked: invite mallory@acme.example again to send a new one.")
			})
		}
	})

	t.Run("ErrAddressTakenSince", func(t *testing.T) {
		p := newPeople(t, open)
		p.mustCreateUser(t, p.gusCtx, "ivy@acme.example", "Ivy", "Elsewhere", server.RoleUser)
		err := p.assertUnchanged(t, func() error {
			_, err := p.invites.AcceptInvitation(context.Background(), p.ivy.Token, server.InvitationAccept{Firstname: "Ivy", Password: password})
			return err
		})
		assertError(t, err, server.EINVALID, "token", "An account with the address ivy@acme.example exists already: sign in with it.")
	})

	for _, tc := range []struct {
		name   string
		accept server.InvitationAccept
		field  string
		msg    string
	}{
		{"ErrNoFirstname", server.InvitationAccept{Firstname: "  ", Password: password}, "firstname", "First name cannot be empty."},
		{"ErrLongLastname", server.InvitationAccept{Firstname: "Ivy", Lastname: strings.Repeat("l", 101), Password: password}, "lastname", "Last name must be at most 100 characters (it has 101)."},
		{"ErrShortPassword", server.InvitationAccept{Firstname: "Ivy", Password: "short"}, "password", "Password must be at least 8 characters."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t, open)
			err := p.assertUnchanged(t, func() error {
				_, err := p.invites.AcceptInvitation(context.Background(), p.ivy.Token, tc.accept)
				return err
			})
			assertError(t, err, server.EINVALID, tc.field, tc.msg)
		})
	}
}

// TestSecurity_Invitations tries invitations as an attacker would: parallel accepts of one
// link, parallel invitations of one address, guessed tokens, and writes that skip the
// service's checks, which the database's constraints must stop.
func testSecurity_Invitations(t *testing.T, open Open) {
	t.Run("OneTokenAcceptedOnceAtOnce", func(t *testing.T) {
		p := newPeople(t, open)
		errs := AtOnce(24, func(i int) error {
			_, err := p.invites.AcceptInvitation(fromClient(context.Background(), fmt.Sprint("198.51.100.", i)), p.ivy.Token,
				server.InvitationAccept{Firstname: fmt.Sprint("Ivy ", i), Password: fmt.Sprint("password ", i)})
			return err
		})
		n := Codes(errs)
		if n[""] != 1 {
			t.Fatalf("answers %v, want exactly one success", n)
		}
		var users int
		if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM users WHERE email = 'ivy@acme.example'`).Scan(&users); err != nil || users != 1 {
			t.Fatalf("%d users made from one invitation (%v)", users, err)
		}
	})

	t.Run("OneAddressInvitedOnceAtOnce", func(t *testing.T) {
		p := newPeople(t, open)
		var results [][]*server.InvitationResult
		results = make([][]*server.InvitationResult, 20)
		errs := AtOnce(20, func(i int) error {
			var err error
			results[i], err = p.invites.InviteUsers(p.adminCtx, []string{"Quinn@Acme.example", "quinn@acme.example "}, server.RoleUser)
			return err
		})
		invited := 0
		for i, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results[i] {
				if r.Outcome == server.InviteInvited {
					invited++
				} else if r.Outcome != server.InviteAlreadyInvited {
					t.Fatalf("%s: %s", r.Outcome, r.Message)
				}
			}
		}
		if invited != 1 || pendingOf(t, p, "quinn@acme.example") != 1 {
			t.Fatalf("%d invited, %d pending", invited, pendingOf(t, p, "quinn@acme.example"))
		}
	})

	t.Run("GuessedTokensLimited", func(t *testing.T) {
		p := newPeople(t, open)
		before := p.store.Dump(t)
		n := Codes(AtOnce(30, func(i int) error {
			_, err := p.invites.AcceptInvitation(fromClient(context.Background(), "198.51.100.9"), fmt.Sprint("ua_guess", i),
				server.InvitationAccept{Firstname: "Mallory", Password: password})
			return err
		}))
		if n[server.EINVALID] > server.DefaultCredentialFailures || n[server.EINVALID]+n[server.ERATELIMITED] != 30 {
			t.Fatalf("answers %v, want at most %d BAD_USER_INPUT", n, server.DefaultCredentialFailures)
		}
		if p.store.Dump(t) != before {
			t.Fatal("guessed tokens changed the store")
		}
		// The client is refused the real link too, and the preview counts the same way.
		_, err := p.invites.FindInvitationByToken(fromClient(context.Background(), "198.51.100.9"), p.ivy.Token)
		assertCode(t, err, server.ERATELIMITED)
		if _, err := p.invites.FindInvitationByToken(fromClient(context.Background(), "198.51.100.10"), p.ivy.Token); err != nil {
			t.Fatalf("another client: %v", err)
		}
	})

	t.Run("DeadLinksNotCounted", func(t *testing.T) {
		// A real but dead link, opened again and again by its holder, locks no one out.
		p := newPeople(t, open)
		if _, err := p.invites.RevokeInvitation(p.adminCtx, p.ivy.Invitation.ID); err != nil {
			t.Fatal(err)
		}
		ctx := fromClient(context.Background(), "198.51.100.11")
		for range 2 * server.DefaultCredentialFailures {
			_, err := p.invites.FindInvitationByToken(ctx, p.ivy.Token)
			assertCode(t, err, server.EINVALID)
		}
	})

	t.Run("DatabaseHoldsInvariants", func(t *testing.T) {
		p := newPeople(t, open)
		raw := p.store.Raw
		before := p.store.Dump(t)
		for _, stmt := range []struct{ name, sql string }{
			{"second pending invitation", `INSERT INTO invitations (id, organization_id, email, role, status, created_at, sent_at, expires_at)
				SELECT 'dup', organization_id, email, role, 'PENDING', created_at, sent_at, expires_at FROM invitations WHERE id = '` + p.ivy.Invitation.ID + `'`},
			{"invitation of a user", `INSERT INTO invitations (id, organization_id, email, role, status, created_at, sent_at, expires_at)
				VALUES ('bob', '` + p.org.ID + `', 'bob@acme.example', 'USER', 'PENDING', 0, 0, 0)`},
			{"move to another organization", `UPDATE invitations SET organization_id = '` + p.globex.ID + `' WHERE id = '` + p.ivy.Invitation.ID + `'`},
			{"change of role", `UPDATE invitations SET role = 'ADMIN' WHERE id = '` + p.ivy.Invitation.ID + `'`},
			{"accepted by a user of another organization", `UPDATE invitations SET status = 'ACCEPTED', user_id = '` + p.gus.ID + `' WHERE id = '` + p.ivy.Invitation.ID + `'`},
			{"accepted by another address", `UPDATE invitations SET status = 'ACCEPTED', user_id = '` + p.bob.ID + `' WHERE id = '` + p.ivy.Invitation.ID + `'`},
			{"link moved to another invitation", `UPDATE invitation_links SET invitation_id = 'other' WHERE invitation_id = '` + p.ivy.Invitation.ID + `'`},
		} {
			if _, err := raw.Exec(stmt.sql); err == nil {
				t.Errorf("%s: the database accepted it", stmt.name)
			}
		}
		if p.store.Dump(t) != before {
			t.Fatal("a refused statement changed the store")
		}
		if _, err := raw.Exec(`UPDATE invitations SET status = 'REVOKED' WHERE id = ` + quote(p.ivy.Invitation.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`UPDATE invitations SET status = 'PENDING' WHERE id = ` + quote(p.ivy.Invitation.ID)); err == nil {
			t.Error("a revoked invitation became pending again")
		}
	})
}
