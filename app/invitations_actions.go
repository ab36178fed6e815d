package app

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and actions of the invitations page.
const (
	stateInvitations     = "invitations"     // invitationsState
	stateInvitationWrite = "invitationWrite" // invitationWriteState: the last resend, revoke or link

	actionLoadInvitations = "loadInvitations" // invitationsQuery
	actionInvitationWrite = "invitationWrite" // invitationWrite
)

// invitationsPageSize is how many invitations a page shows.
const invitationsPageSize = 25

// invitationStatuses are the tabs of the invitations page: URL value, contract value, label.
var invitationStatuses = [][3]string{
	{"pending", "PENDING", "Pending"}, {"expired", "EXPIRED", "Expired"},
	{"accepted", "ACCEPTED", "Accepted"}, {"revoked", "REVOKED", "Revoked"}, {"all", "", "All"},
}

// invitationsQuery is the page's state, as its URL holds it.
type invitationsQuery struct {
	Status string // a key of invitationStatuses
	Search string
	Page   int
}

// parseInvitationsQuery reads the page's URL; anything unknown is the default.
func parseInvitationsQuery(v url.Values) invitationsQuery {
	q := invitationsQuery{Status: "pending", Search: strings.TrimSpace(v.Get("q")), Page: 1}
	for _, s := range invitationStatuses {
		if v.Get("status") == s[0] {
			q.Status = s[0]
		}
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 1 && p < 1e6 {
		q.Page = p
	}
	return q
}

// values is the URL query of q, without its defaults.
func (q invitationsQuery) values() url.Values {
	v := url.Values{}
	if q.Status != "pending" {
		v.Set("status", q.Status)
	}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// InvitationWhere is the contract's InvitationWhere input.
type InvitationWhere struct {
	Status string `json:"status,omitempty"`
	Search string `json:"search,omitempty"`
}

func (q invitationsQuery) where(status string) InvitationWhere {
	return InvitationWhere{Status: status, Search: q.Search}
}

// contractStatus is the contract's status of the tab q shows, "" for all.
func (q invitationsQuery) contractStatus() string {
	for _, s := range invitationStatuses {
		if s[0] == q.Status {
			return s[1]
		}
	}
	return "PENDING"
}

// invitationItem is an invitation as the page shows it.
type invitationItem struct {
	ID               string
	Email            string
	OrganizationRole string
	Status           string
	CreatedAt        string
	SentAt           string
	ExpiresAt        string
	InvitedBy        *struct {
		Email     string
		Firstname string
		Lastname  string
	}
}

// inviter is how the invitation's admin reads.
func (i invitationItem) inviter() string {
	if i.InvitedBy == nil {
		return ""
	}
	return user{Email: i.InvitedBy.Email, Firstname: i.InvitedBy.Firstname, Lastname: i.InvitedBy.Lastname}.displayName()
}

// invitationCounts are how many invitations match the search in each status.
type invitationCounts struct {
	Pending, Expired, Accepted, Revoked, Matching int
}

// of is the count of the tab with URL value status.
func (c invitationCounts) of(status string) int {
	switch status {
	case "pending":
		return c.Pending
	case "expired":
		return c.Expired
	case "accepted":
		return c.Accepted
	case "revoked":
		return c.Revoked
	}
	return c.Pending + c.Expired + c.Accepted + c.Revoked
}

// invitationsState is one page of invitations with the counts.
type invitationsState struct {
	Status status
	Err    *failure
	Query  invitationsQuery
	Items  []invitationItem
	Counts invitationCounts
}

// invitationWrite is a resend, a revoke, or a new link, of one invitation.
type invitationWrite struct {
	Kind  string // "resend", "revoke" or "link"
	ID    string
	Email string
}

// invitationWriteState is the outcome of the last invitationWrite.
type invitationWriteState struct {
	Status status
	Err    *failure
	Write  invitationWrite
	Link   string
	Notice string
	Seq    int
}

func (w *Widget) handleLoadInvitations(ctx app.Context, a app.Action) {
	q, _ := a.Value.(invitationsQuery)
	seq := w.seqs.next(stateInvitations)
	var prev invitationsState
	ctx.GetState(stateInvitations, &prev)
	ctx.SetState(stateInvitations, invitationsState{Status: statusLoading, Query: q, Items: prev.Items, Counts: prev.Counts})
	_, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateInvitations, invitationsState{Status: statusFailed, Query: q, Err: f})
		return
	}
	st := w.api(c.Endpoint, c.Key).invitations(ctx, q)
	if !w.seqs.latest(stateInvitations, seq) {
		return
	}
	st.Err = w.failed(ctx, c, st.Err)
	ctx.SetState(stateInvitations, st)
}

func (w *Widget) handleInvitationWrite(ctx app.Context, a app.Action) {
	req, _ := a.Value.(invitationWrite)
	seq := w.seqs.next(stateInvitationWrite)
	ctx.SetState(stateInvitationWrite, invitationWriteState{Status: statusLoading, Write: req, Seq: seq})
	_, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateInvitationWrite, invitationWriteState{Status: statusFailed, Write: req, Err: f, Seq: seq})
		return
	}
	out, f := w.api(c.Endpoint, c.Key).writeInvitation(ctx, req)
	if f != nil {
		ctx.SetState(stateInvitationWrite, invitationWriteState{Status: statusFailed, Write: req, Err: writeFailure(w.failed(ctx, c, f), unsureInvite), Seq: seq})
		return
	}
	out.Status, out.Write, out.Seq = statusReady, req, seq
	ctx.SetState(stateInvitationWrite, out)
}

// invitations reads a page of invitations and the counts of each status, in one request.
func (a api) invitations(ctx context.Context, q invitationsQuery) invitationsState {
	var r struct {
		Items    []invitationItem `graphql:"invitations(where: $where, first: $first, skip: $skip)" json:"invitations"`
		Matching int              `graphql:"matching: countInvitations(where: $where)" json:"matching"`
		Pending  int              `graphql:"pending: countInvitations(where: $pending)" json:"pending"`
		Expired  int              `graphql:"expired: countInvitations(where: $expired)" json:"expired"`
		Accepted int              `graphql:"accepted: countInvitations(where: $accepted)" json:"accepted"`
		Revoked  int              `graphql:"revoked: countInvitations(where: $revoked)" json:"revoked"`
	}
	vars := map[string]any{
		"where":    q.where(q.contractStatus()),
		"pending":  q.where("PENDING"),
		"expired":  q.where("EXPIRED"),
		"accepted": q.where("ACCEPTED"),
		"revoked":  q.where("REVOKED"),
		"first":    PageSize(invitationsPageSize),
		"skip":     graphql.Int((q.Page - 1) * invitationsPageSize),
	}
	if f := a.query(ctx, &r, vars); f != nil {
		return invitationsState{Status: statusFailed, Query: q, Err: f}
	}
	return invitationsState{Status: statusReady, Query: q, Items: r.Items,
		Counts: invitationCounts{Pending: r.Pending, Expired: r.Expired, Accepted: r.Accepted, Revoked: r.Revoked, Matching: r.Matching}}
}

// writeInvitation resends or revokes an invitation, or makes another link for it.
func (a api) writeInvitation(ctx context.Context, req invitationWrite) (invitationWriteState, *failure) {
	vars := map[string]any{"id": graphql.ID(req.ID)}
	switch req.Kind {
	case "revoke":
		var m struct {
			Invitation struct{ Status string } `graphql:"revokeInvitation(id: $id)"`
		}
		if f := a.mutate(ctx, &m, vars); f != nil {
			return invitationWriteState{}, f
		}
		return invitationWriteState{Notice: "The invitation of " + req.Email + " is revoked: its links no longer work."}, nil
	case "resend":
		var m struct {
			Link invitationLinkAnswer `graphql:"resendInvitation(id: $id)"`
		}
		if f := a.mutate(ctx, &m, vars); f != nil {
			return invitationWriteState{}, f
		}
		notice := "A new invitation was emailed to " + req.Email + ". Earlier links no longer work."
		if !m.Link.Mailed {
			notice = "A new link was made for " + req.Email + ", but not emailed: copy it and send it yourself. Earlier links no longer work."
		}
		return invitationWriteState{Link: m.Link.Link, Notice: notice}, nil
	}
	var m struct {
		Link invitationLinkAnswer `graphql:"createInvitationLink(id: $id)"`
	}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return invitationWriteState{}, f
	}
	return invitationWriteState{Link: m.Link.Link,
		Notice: "Here is a link for " + req.Email + ", until " + formatTime(m.Link.Invitation.ExpiresAt) + ". The links sent before keep working."}, nil
}

// invitationLinkAnswer is what resendInvitation and createInvitationLink answer.
type invitationLinkAnswer struct {
	Link       string
	Mailed     bool
	Invitation struct{ ExpiresAt string }
}
