package graphql

import (
	"context"
	"net/url"
	"strings"
	"time"

	"useradmin/server"
)

// Invitations answers Query.invitations.
func (r *queryResolver) Invitations(ctx context.Context, where *InvitationWhere, first int, skip int) ([]Invitation, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	invs, err := r.invites.FindInvitations(ctx, where.filter(), server.Page{Offset: skip, Limit: first})
	if err != nil {
		return nil, inContract(err, invitationWhereFields, pageFields)
	}
	out := make([]Invitation, len(invs))
	for i, inv := range invs {
		out[i] = *invitation(inv)
	}
	return out, nil
}

// CountInvitations answers Query.countInvitations.
func (r *queryResolver) CountInvitations(ctx context.Context, where *InvitationWhere) (int, error) {
	if err := authenticated(ctx); err != nil {
		return 0, err
	}
	n, err := r.invites.CountInvitations(ctx, where.filter())
	return n, inContract(err, invitationWhereFields)
}

// filter turns where into a server.InvitationFilter; nil selects all.
func (w *InvitationWhere) filter() server.InvitationFilter {
	if w == nil {
		return server.InvitationFilter{}
	}
	f := server.InvitationFilter{Search: w.Search}
	if w.Status != nil {
		f.Statuses = []server.InvitationStatus{*w.Status}
	}
	return f
}

// InvitationByToken answers Query.invitationByToken; it needs no key.
func (r *queryResolver) InvitationByToken(ctx context.Context, token string) (*InvitationPreview, error) {
	p, err := r.invites.FindInvitationByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	out := &InvitationPreview{Email: p.Email, OrganizationRole: p.Role, OrganizationName: p.OrganizationName, ExpiresAt: p.ExpiresAt}
	if p.InvitedByName != "" {
		out.InvitedBy = &p.InvitedByName
	}
	return out, nil
}

// InviteUsers answers Mutation.inviteUsers: the store makes the invitations, then each new
// one is mailed, when the directory has a mail sender, and its link is in the answer.
func (r *mutationResolver) InviteUsers(ctx context.Context, emails []string, organizationRole server.Role) ([]InvitationResult, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	results, err := r.invites.InviteUsers(ctx, emails, organizationRole)
	if err != nil {
		return nil, inContract(err, inviteFields)
	}
	var issued []*server.IssuedInvitation
	for _, res := range results {
		if res.Outcome == server.InviteInvited {
			issued = append(issued, &server.IssuedInvitation{Invitation: res.Invitation, Token: res.Token})
		}
	}
	mailed := (*resolver)(r).sendInvitations(ctx, issued)
	out := make([]InvitationResult, len(results))
	k := 0
	for i, res := range results {
		out[i] = InvitationResult{Email: res.Email, Status: res.Outcome, Message: res.Message, Invitation: invitation(res.Invitation)}
		if res.Outcome == server.InviteInvited {
			link := (*resolver)(r).invitationLink(res.Token)
			out[i].Link, out[i].Mailed = &link, mailed[k]
			if !mailed[k] && r.mailer != nil {
				out[i].Message = "Invited, but the email could not be sent: hand over the link yourself, or resend it later."
			}
			k++
		}
		if res.RetryAfter > 0 {
			n := int((res.RetryAfter + time.Second - 1) / time.Second)
			out[i].RetryAfterSeconds = &n
		}
	}
	return out, nil
}

// ResendInvitation answers Mutation.resendInvitation: a new link, sent by email.
func (r *mutationResolver) ResendInvitation(ctx context.Context, id string) (*InvitationLink, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	iss, err := r.invites.ResendInvitation(ctx, id)
	if err != nil {
		return nil, err
	}
	mailed := (*resolver)(r).sendInvitations(ctx, []*server.IssuedInvitation{iss})
	return &InvitationLink{Invitation: *invitation(iss.Invitation), Link: (*resolver)(r).invitationLink(iss.Token), Mailed: mailed[0]}, nil
}

// CreateInvitationLink answers Mutation.createInvitationLink: another link, for the admin
// to hand over; no email is sent.
func (r *mutationResolver) CreateInvitationLink(ctx context.Context, id string) (*InvitationLink, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	iss, err := r.invites.CreateInvitationLink(ctx, id)
	if err != nil {
		return nil, err
	}
	return &InvitationLink{Invitation: *invitation(iss.Invitation), Link: (*resolver)(r).invitationLink(iss.Token)}, nil
}

// RevokeInvitation answers Mutation.revokeInvitation.
func (r *mutationResolver) RevokeInvitation(ctx context.Context, id string) (*Invitation, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	inv, err := r.invites.RevokeInvitation(ctx, id)
	if err != nil {
		return nil, err
	}
	return invitation(inv), nil
}

// AcceptInvitation answers Mutation.acceptInvitation; it needs no key.
func (r *mutationResolver) AcceptInvitation(ctx context.Context, token string, firstname string, lastname *string, password string) (*Session, error) {
	s, err := r.invites.AcceptInvitation(ctx, token, server.InvitationAccept{Firstname: firstname, Lastname: deref(lastname), Password: password})
	if err != nil {
		return nil, err
	}
	return &Session{APIKey: s.APIKey, ExpiresAt: s.ExpiresAt, User: User{User: s.User}}, nil
}

// invitationLink is the widget's page where the holder of token accepts the invitation.
func (r *resolver) invitationLink(token string) string {
	return r.invitationURL + "?token=" + url.QueryEscape(token)
}

// sendInvitations mails each invitation, when the directory has a mail sender, and
// reports which were handed to it. The invitations exist already: the mails go out even
// if the client leaves meanwhile, and a failure is logged and reported, not an error.
func (r *resolver) sendInvitations(ctx context.Context, issued []*server.IssuedInvitation) []bool {
	mailed := make([]bool, len(issued))
	if r.mailer == nil || len(issued) == 0 {
		return mailed
	}
	ctx = context.WithoutCancel(ctx)
	me := server.UserFromContext(ctx)
	org := ""
	if o, err := r.orgs.FindOrganizationByID(ctx, me.OrganizationID); err == nil {
		org = o.Name
	}
	inviter := strings.TrimSpace(me.Firstname + " " + me.Lastname)
	if inviter == "" {
		inviter = me.Email
	}
	mails := make([]server.InvitationMail, len(issued))
	for i, iss := range issued {
		mails[i] = server.InvitationMail{To: iss.Invitation.Email, Link: r.invitationLink(iss.Token), ExpiresAt: iss.Invitation.ExpiresAt,
			Organization: org, InvitedBy: inviter}
	}
	for i, err := range r.mailer.SendInvitations(ctx, mails) {
		if err != nil {
			r.logger.Error("send invitation", "err", err)
			continue
		}
		mailed[i] = true
	}
	return mailed
}
