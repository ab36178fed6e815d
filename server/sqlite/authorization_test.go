package sqlite_test

import (
	"context"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// TestAuthorization runs each operation on Carol, a USER of Acme, as each kind of caller:
// Acme's ADMIN, Bob (a USER of Acme), Gus (the ADMIN of Globex), Dave (a USER of Acme
// whose key worked until he was deactivated) and nobody. Every refusal leaves the store
// as it was; the ADMIN of Acme goes last, as the only one whose call may change it.
func TestAuthorization(t *testing.T) {
	type callers struct{ user, otherAdmin, admin string }
	const (
		ok     = ""
		unauth = server.EUNAUTHENTICATED
	)
	for _, tc := range []struct {
		name string
		op   func(p *people, ctx context.Context) error
		want callers
	}{
		{"FindUsers", func(p *people, ctx context.Context) error {
			users, err := p.users.FindUsers(ctx, server.UserFilter{ID: &p.carol.ID}, server.Page{Limit: 10}, nil)
			if err == nil && len(users) == 0 {
				return server.Errorf(server.ENOTFOUND, "")
			}
			return err
		}, callers{server.ENOTFOUND, server.ENOTFOUND, ok}},
		{"CountUsers", func(p *people, ctx context.Context) error {
			n, err := p.users.CountUsers(ctx, server.UserFilter{ID: &p.carol.ID})
			if err == nil && n == 0 {
				return server.Errorf(server.ENOTFOUND, "")
			}
			return err
		}, callers{server.ENOTFOUND, server.ENOTFOUND, ok}},
		// The events about Carol: an ADMIN of Acme reads them, Bob and Globex's admin none.
		{"FindAuditEvents", func(p *people, ctx context.Context) error {
			es, err := sqlite.NewAuditService(p.db).FindAuditEvents(ctx, server.AuditFilter{UserID: &p.carol.ID}, server.Page{Limit: 10})
			if err == nil && len(es) == 0 {
				return server.Errorf(server.ENOTFOUND, "")
			}
			return err
		}, callers{server.ENOTFOUND, server.ENOTFOUND, ok}},
		{"CountAuditEvents", func(p *people, ctx context.Context) error {
			n, err := sqlite.NewAuditService(p.db).CountAuditEvents(ctx, server.AuditFilter{UserID: &p.carol.ID})
			if err == nil && n == 0 {
				return server.Errorf(server.ENOTFOUND, "")
			}
			return err
		}, callers{server.ENOTFOUND, server.ENOTFOUND, ok}},
		{"CreateUser", func(p *people, ctx context.Context) error {
			_, err := p.users.CreateUser(ctx, server.UserCreate{Email: "new" + newSuffix() + "@acme.example", Password: password, Role: server.RoleUser})
			return err
		}, callers{server.EFORBIDDEN, ok, ok}},
		{"UpdateUserNames", func(p *people, ctx context.Context) error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Firstname: ptr("C")})
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"UpdateUserRole", func(p *people, ctx context.Context) error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)})
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"MoveUserToOtherOrganization", func(p *people, ctx context.Context) error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{OrganizationID: &p.globex.ID})
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, server.EFORBIDDEN}},
		{"MoveSelfToOtherOrganization", func(p *people, ctx context.Context) error {
			me, other := p.carol, p.globex.ID
			if u := server.UserFromContext(ctx); u != nil {
				me = u
				if u.OrganizationID == p.globex.ID {
					other = p.org.ID
				}
			}
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: me.ID}, server.UserUpdate{OrganizationID: &other})
			return err
		}, callers{server.EFORBIDDEN, server.EFORBIDDEN, server.EFORBIDDEN}},
		{"MoveOtherAdminToOwnOrganization", func(p *people, ctx context.Context) error {
			// Gus is in another organization: not found by Bob, as by Ann.
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.gus.ID}, server.UserUpdate{OrganizationID: &p.org.ID})
			return err
		}, callers{server.ENOTFOUND, server.EFORBIDDEN, server.ENOTFOUND}},
		{"MoveUserToUnknownOrganization", func(p *people, ctx context.Context) error {
			_, err := p.users.UpdateUser(ctx, server.UserRef{ID: p.carol.ID}, server.UserUpdate{OrganizationID: ptr("nowhere")})
			return err
		}, callers{server.EFORBIDDEN, server.EFORBIDDEN, server.EFORBIDDEN}},
		{"UpdatePassword", func(p *people, ctx context.Context) error {
			_, err := p.users.UpdatePassword(ctx, server.UserRef{ID: p.carol.ID}, server.PasswordChange{Old: password, New1: "battery staple", New2: "battery staple"})
			return err
		}, callers{server.EFORBIDDEN, server.EFORBIDDEN, server.EFORBIDDEN}},
		{"DeleteUser", func(p *people, ctx context.Context) error {
			err := p.users.DeleteUser(ctx, server.UserRef{ID: p.carol.ID})
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"CreateAPIKey", func(p *people, ctx context.Context) error {
			_, err := p.auth.CreateAPIKey(ctx, server.APIKeyCreate{Name: "k"}, &server.UserRef{ID: p.carol.ID})
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"FindAPIKeys", func(p *people, ctx context.Context) error {
			// Bob's, since Carol has none; keys the caller may not see are not listed,
			// as users are not.
			keys, err := p.auth.FindAPIKeys(ctx, server.APIKeyFilter{UserID: &p.bob.ID}, server.Page{Limit: 100})
			if err == nil && len(keys) == 0 {
				return server.Errorf(server.ENOTFOUND, "No key listed.")
			}
			return err
		}, callers{ok, server.ENOTFOUND, ok}},
		{"RevokeAPIKey", func(p *people, ctx context.Context) error {
			return p.auth.RevokeAPIKey(ctx, p.bobKey.ID)
		}, callers{ok, server.ENOTFOUND, ok}},
		{"IssuePasswordReset", func(p *people, ctx context.Context) error {
			_, _, err := p.auth.IssuePasswordReset(ctx, server.UserRef{ID: p.carol.ID})
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"FindOrganizationByID", func(p *people, ctx context.Context) error {
			_, err := p.orgs.FindOrganizationByID(ctx, p.org.ID)
			return err
		}, callers{ok, server.ENOTFOUND, ok}},
		{"FindOrganizations", func(p *people, ctx context.Context) error {
			_, err := p.orgs.FindOrganizations(ctx, server.Page{Offset: 0, Limit: 10})
			return err
		}, callers{ok, ok, ok}},
		{"CountOrganizations", func(p *people, ctx context.Context) error {
			_, err := p.orgs.CountOrganizations(ctx)
			return err
		}, callers{ok, ok, ok}},
		{"InviteUsers", func(p *people, ctx context.Context) error {
			results, err := p.invites.InviteUsers(ctx, []string{"new" + newSuffix() + "@example.org"}, server.RoleUser)
			if err == nil && results[0].Outcome != server.InviteInvited {
				return server.Errorf(server.EINTERNAL, "%s", results[0].Message)
			}
			return err
		}, callers{server.EFORBIDDEN, ok, ok}},
		{"FindInvitations", func(p *people, ctx context.Context) error {
			// Ivy's invitation is Acme's: listed for Ann only.
			invs, err := p.invites.FindInvitations(ctx, server.InvitationFilter{Search: ptr("ivy")}, server.Page{Limit: 10})
			if err == nil && len(invs) == 0 {
				return server.Errorf(server.ENOTFOUND, "No invitation listed.")
			}
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"CountInvitations", func(p *people, ctx context.Context) error {
			n, err := p.invites.CountInvitations(ctx, server.InvitationFilter{Search: ptr("ivy")})
			if err == nil && n == 0 {
				return server.Errorf(server.ENOTFOUND, "No invitation counted.")
			}
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"ResendInvitation", func(p *people, ctx context.Context) error {
			_, err := p.invites.ResendInvitation(ctx, p.ivy.Invitation.ID)
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"CreateInvitationLink", func(p *people, ctx context.Context) error {
			_, err := p.invites.CreateInvitationLink(ctx, p.ivy.Invitation.ID)
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"RevokeInvitation", func(p *people, ctx context.Context) error {
			_, err := p.invites.RevokeInvitation(ctx, p.ivy.Invitation.ID)
			return err
		}, callers{server.EFORBIDDEN, server.ENOTFOUND, ok}},
		{"SignOut", func(p *people, ctx context.Context) error {
			return p.auth.SignOut(ctx)
		}, callers{ok, ok, ok}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeople(t)
			dave := p.mustCreateUser(t, p.adminCtx, "dave@acme.example", "Dave", "Dunn", server.RoleUser)
			daveCtx, _ := p.mustUserContext(t, p.adminCtx, dave)
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: dave.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
				t.Fatal(err)
			}
			// Nobody and the deactivated never change anything.
			for _, ctx := range []context.Context{context.Background(), daveCtx} {
				assertCode(t, p.assertUnchanged(t, func() error { return tc.op(p, ctx) }), unauth)
			}
			for _, c := range []struct {
				who  string
				ctx  context.Context
				want string
			}{
				{"Gus", p.gusCtx, tc.want.otherAdmin},
				{"Bob", p.bobCtx, tc.want.user},
				{"Ann", p.adminCtx, tc.want.admin},
			} {
				var err error
				if c.want == ok {
					err = tc.op(p, c.ctx)
				} else {
					err = p.assertUnchanged(t, func() error { return tc.op(p, c.ctx) })
				}
				if got := server.ErrorCode(err); got != c.want {
					t.Fatalf("%s: error = %v, want code %q", c.who, err, c.want)
				}
			}
		})
	}
}
