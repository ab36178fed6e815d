package app

import (
	"context"
	"net/url"
	"strconv"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and action of the activity timelines: the user's, on their edit page, and the
// organization's, on the activity page.
const (
	stateActivity      = "activity"     // activityState
	actionLoadActivity = "loadActivity" // activityQuery
)

// activityPageSize is how many events a page of activity shows.
const activityPageSize = 20

// activityActions are the actions the activity page filters by, as the contract names
// them, with how each reads.
var activityActions = [][2]string{
	{"USER_CREATED", "User created"}, {"USER_UPDATED", "Profile changed"}, {"ROLE_CHANGED", "Role changed"},
	{"USER_ACTIVATED", "Activated"}, {"USER_DEACTIVATED", "Deactivated"}, {"USER_DELETED", "User deleted"},
	{"PASSWORD_CHANGED", "Password changed"}, {"PASSWORD_RESET_ISSUED", "Reset link issued"},
	{"PASSWORD_RESET_COMPLETED", "Password reset"}, {"API_KEY_CREATED", "API key created"},
	{"API_KEY_REVOKED", "API key revoked"}, {"SIGNED_IN", "Signed in"}, {"SIGNED_OUT", "Signed out"},
	{"INVITATION_SENT", "Invited"}, {"INVITATION_RESENT", "Invitation resent"},
	{"INVITATION_LINK_CREATED", "Invitation link made"}, {"INVITATION_REVOKED", "Invitation revoked"},
	{"INVITATION_ACCEPTED", "Invitation accepted"}, {"EMBED_TOKEN_CREATED", "Embed token minted"},
	{"WORKSPACE_CREATED", "Workspace created"}, {"WORKSPACE_RENAMED", "Workspace renamed"},
	{"WORKSPACE_DELETED", "Workspace deleted"}, {"WORKSPACE_MEMBERS_ADDED", "Added to a workspace"},
	{"WORKSPACE_MEMBERS_REMOVED", "Removed from a workspace"},
}

// actionLabel is how an action reads; an action the widget does not know reads as sent.
func actionLabel(action string) string {
	for _, a := range activityActions {
		if a[0] == action {
			return a[1]
		}
	}
	return action
}

// activityQuery is which events a timeline shows: about one user ("" for the whole
// organization), of one action ("" for all), which page.
type activityQuery struct {
	UserID string
	Action string
	Page   int
}

// parseActivityQuery reads the activity page's URL; anything unknown is the default.
func parseActivityQuery(v url.Values) activityQuery {
	q := activityQuery{Page: 1}
	for _, a := range activityActions {
		if v.Get("action") == a[0] {
			q.Action = a[0]
		}
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 1 && p < 1e6 {
		q.Page = p
	}
	return q
}

// values is the URL query of q, without its defaults.
func (q activityQuery) values() url.Values {
	v := url.Values{}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// AuditEventWhere is the contract's AuditEventWhere input.
type AuditEventWhere struct {
	UserID string `json:"userId,omitempty"`
	Action string `json:"action,omitempty"`
}

// auditEvent is a recorded write, as a timeline shows it.
type auditEvent struct {
	ID            string
	Action        string
	At            string
	ActorEmail    string
	UserEmail     string
	ClientAddress string
	Changes       []auditChange
}

// auditChange is one field an event changed.
type auditChange struct {
	Field string
	Old   *string
	New   *string
}

// activityState is one page of events and how many match.
type activityState struct {
	Status status
	Err    *failure
	Query  activityQuery
	Items  []auditEvent
	Total  int
}

func (w *Widget) handleLoadActivity(ctx app.Context, a app.Action) {
	q, _ := a.Value.(activityQuery)
	seq := w.seqs.next(stateActivity)
	var prev activityState
	ctx.GetState(stateActivity, &prev)
	if prev.Query.UserID != q.UserID {
		prev = activityState{}
	}
	ctx.SetState(stateActivity, activityState{Status: statusLoading, Query: q, Items: prev.Items, Total: prev.Total})
	st, c, f := w.currentSession(ctx)
	if f != nil || !st.Caps.AuditEvents {
		ctx.SetState(stateActivity, activityState{Status: statusFailed, Query: q, Err: f})
		return
	}
	out := w.api(c.Endpoint, c.Key).activity(ctx, q)
	if !w.seqs.latest(stateActivity, seq) {
		return
	}
	out.Err = w.failed(ctx, c, out.Err)
	ctx.SetState(stateActivity, out)
}

// activity reads a page of events, newest first, and how many match, in one request.
func (a api) activity(ctx context.Context, q activityQuery) activityState {
	var r struct {
		Items []auditEvent `graphql:"auditEvents(where: $where, first: $first, skip: $skip)" json:"auditEvents"`
		Total int          `graphql:"total: countAuditEvents(where: $where)" json:"total"`
	}
	vars := map[string]any{
		"where": AuditEventWhere{UserID: q.UserID, Action: q.Action},
		"first": PageSize(activityPageSize),
		"skip":  graphql.Int((max(q.Page, 1) - 1) * activityPageSize),
	}
	if f := a.query(ctx, &r, vars); f != nil {
		return activityState{Status: statusFailed, Query: q, Err: f}
	}
	return activityState{Status: statusReady, Query: q, Items: r.Items, Total: r.Total}
}
