package app

import (
	"context"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and action of the invite page.
const (
	stateInvite  = "invite"      // inviteState: the answer for each address
	actionInvite = "inviteUsers" // inviteRequest
)

// maxInvitees is how many addresses one invitation may hold, as the contract allows.
const maxInvitees = 100

// inviteRequest is what the invite page sends: addresses and the role they get.
type inviteRequest struct {
	Emails []string
	Role   string // ADMIN or USER (ADMIN or DEVELOPER against Paradime's API)
}

// inviteResult is what inviting one address came to, as the page shows it.
type inviteResult struct {
	Email     string
	Status    string // the contract's InvitationResultStatus; "INVITED" or "FAILED" against Paradime's API
	Message   string
	Link      string
	Mailed    bool
	ExpiresAt string
}

// inviteState is the outcome of the last invitation.
type inviteState struct {
	Status  status
	Err     *failure
	Results []inviteResult
	Seq     int
}

func (w *Widget) handleInvite(ctx app.Context, a app.Action) {
	req, _ := a.Value.(inviteRequest)
	seq := w.seqs.next(stateInvite)
	ctx.SetState(stateInvite, inviteState{Status: statusLoading, Seq: seq})
	st, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateInvite, inviteState{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	api := w.api(c.Endpoint, c.Key)
	var results []inviteResult
	if st.Caps.Invitations {
		results, f = api.inviteUsers(ctx, req)
	} else {
		results = api.inviteOneByOne(ctx, req)
	}
	if f != nil {
		ctx.SetState(stateInvite, inviteState{Status: statusFailed, Err: writeFailure(w.failed(ctx, c, f), unsureInvite), Seq: seq})
		return
	}
	ctx.SetState(stateInvite, inviteState{Status: statusReady, Results: results, Seq: seq})
}

// unsureInvite is what may have happened to an invitation that got no answer.
const unsureInvite = "the invitations may have been sent: check the pending invitations before inviting again."

// inviteUsers invites every address in one request (the invitations extension).
func (a api) inviteUsers(ctx context.Context, req inviteRequest) ([]inviteResult, *failure) {
	var m struct {
		Results []struct {
			Email      string
			Status     string
			Message    string
			Link       *string
			Mailed     bool
			Invitation *struct {
				ExpiresAt string
			}
		} `graphql:"inviteUsers(emails: $emails, organizationRole: $role)"`
	}
	emails := make([]graphql.String, len(req.Emails))
	for i, e := range req.Emails {
		emails[i] = graphql.String(e)
	}
	vars := map[string]any{"emails": emails, "role": OrganizationRole(req.Role)}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return nil, f
	}
	out := make([]inviteResult, len(m.Results))
	for i, r := range m.Results {
		out[i] = inviteResult{Email: r.Email, Status: r.Status, Message: r.Message, Mailed: r.Mailed}
		if r.Link != nil {
			out[i].Link = *r.Link
		}
		if r.Invitation != nil {
			out[i].ExpiresAt = r.Invitation.ExpiresAt
		}
	}
	return out, nil
}

// inviteOneByOne invites each address with Paradime's inviteUser, which takes one: each
// answer, good or bad, is that address's result.
func (a api) inviteOneByOne(ctx context.Context, req inviteRequest) []inviteResult {
	accountType := "DEVELOPER"
	if req.Role == "ADMIN" {
		accountType = "ADMIN"
	}
	out := make([]inviteResult, len(req.Emails))
	for i, email := range req.Emails {
		out[i] = inviteResult{Email: email, Status: "INVITED", Message: "Invited."}
		if f := a.inviteParadimeUser(ctx, email, accountType); f != nil {
			out[i].Status, out[i].Message = "FAILED", writeFailure(f, unsureInvite).Message
		}
	}
	return out
}

// OrganizationRole is the contract's OrganizationRole enum, named as the schema names it
// for go-graphql-client.
type OrganizationRole string
