package app

import (
	"context"
	"time"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and actions of the page an invitation link opens.
const (
	stateInvitationPreview = "invitationPreview" // previewState
	stateAccept            = "accept"            // result: accepting

	actionLoadPreview = "loadInvitationPreview" // string: the link's token
	actionAccept      = "acceptInvitation"      // acceptRequest
)

// invitationPreview is what the link invites to.
type invitationPreview struct {
	Email            string
	OrganizationRole string
	OrganizationName string
	InvitedBy        *string
	ExpiresAt        string
}

// previewState is what the link's token opened.
type previewState struct {
	Status  status
	Err     *failure
	Token   string
	Preview invitationPreview
}

// acceptRequest accepts an invitation: the link's token, the person's names and password.
type acceptRequest struct {
	Token     string
	Firstname string
	Lastname  string
	Password  string
}

// invitationEndpoint is where a link that opens the widget is checked: the endpoint this
// tab last used, else the configured one.
func (w *Widget) invitationEndpoint() string {
	if e := w.session.lastEndpoint(); e != "" {
		return e
	}
	return w.defaultEndpoint()
}

func (w *Widget) handleLoadPreview(ctx app.Context, a app.Action) {
	token, _ := a.Value.(string)
	seq := w.seqs.next(stateInvitationPreview)
	ctx.SetState(stateInvitationPreview, previewState{Status: statusLoading, Token: token})
	p, f := w.api(w.invitationEndpoint(), "").invitationByToken(ctx, token)
	if !w.seqs.latest(stateInvitationPreview, seq) {
		return
	}
	if f != nil {
		ctx.SetState(stateInvitationPreview, previewState{Status: statusFailed, Token: token, Err: f})
		return
	}
	ctx.SetState(stateInvitationPreview, previewState{Status: statusReady, Token: token, Preview: p})
}

// handleAccept accepts the invitation, then opens the session it answers, as signing in
// does: the person lands on the widget signed in.
func (w *Widget) handleAccept(ctx app.Context, a app.Action) {
	req, _ := a.Value.(acceptRequest)
	seq := w.seqs.next(stateAccept)
	ctx.SetState(stateAccept, result{Status: statusLoading, Seq: seq})
	endpoint := w.invitationEndpoint()
	key, expires, f := w.api(endpoint, "").acceptInvitation(ctx, req)
	if f != nil {
		ctx.SetState(stateAccept, result{Status: statusFailed, Err: writeFailure(f, unsureAccept), Seq: seq})
		return
	}
	c := credential{Endpoint: endpoint, Key: key, ExpiresAt: expires}
	st, f := w.api(c.Endpoint, c.Key).openSession(ctx)
	if f != nil {
		ctx.SetState(stateAccept, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	w.session.cacheCaps(c.Endpoint, st.Caps)
	w.session.start(ctx, st, c)
	ctx.SetState(stateAccept, result{Status: statusReady, Notice: "Welcome, " + st.Viewer.displayName() + ": your account is ready.", Seq: seq})
}

// unsureAccept is what may have happened to an acceptance that got no answer.
const unsureAccept = "your account may have been created: try signing in with your email and the password you chose."

// invitationByToken reads what an invitation link invites to; it needs no key.
func (a api) invitationByToken(ctx context.Context, token string) (invitationPreview, *failure) {
	var q struct {
		Preview invitationPreview `graphql:"invitationByToken(token: $token)" json:"invitationByToken"`
	}
	if f := a.query(ctx, &q, map[string]any{"token": graphql.String(token)}); f != nil {
		return invitationPreview{}, f
	}
	return q.Preview, nil
}

// acceptInvitation accepts an invitation and returns the new session's key and expiry.
func (a api) acceptInvitation(ctx context.Context, req acceptRequest) (string, time.Time, *failure) {
	var m struct {
		Session struct {
			APIKey    string `graphql:"apiKey"`
			ExpiresAt string
		} `graphql:"acceptInvitation(token: $token, firstname: $firstname, lastname: $lastname, password: $password)"`
	}
	vars := map[string]any{
		"token":     graphql.String(req.Token),
		"firstname": graphql.String(req.Firstname),
		"lastname":  (*graphql.String)(nil),
		"password":  graphql.String(req.Password),
	}
	if req.Lastname != "" {
		last := graphql.String(req.Lastname)
		vars["lastname"] = &last
	}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return "", time.Time{}, f
	}
	expires, _ := time.Parse(time.RFC3339, m.Session.ExpiresAt)
	return m.Session.APIKey, expires, nil
}
