package app

import (
	"context"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// UserAccountType is Paradime's UserAccountType enum; named as the schema names it, since
// go-graphql-client writes a variable's type from its Go type's name.
type UserAccountType string

// The state and actions of the users page against Paradime's API.
const (
	stateParadime      = "paradime"      // paradimeState
	stateParadimeWrite = "paradimeWrite" // result: changing a type or disabling

	actionLoadParadime  = "loadParadime"  // nothing
	actionParadimeWrite = "paradimeWrite" // paradimeWrite
)

// paradimeUser is an active user as Paradime's listUsers answers it.
type paradimeUser struct {
	UID         string `graphql:"uid" json:"uid"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	AccountType string `json:"accountType"`
}

// paradimeInvite is an invitation as Paradime's listUsers answers it.
type paradimeInvite struct {
	Email        string `json:"email"`
	AccountType  string `json:"accountType"`
	InviteStatus string `json:"inviteStatus"`
}

// paradimeState is what listUsers answered.
type paradimeState struct {
	Status  status
	Err     *failure
	Active  []paradimeUser
	Invited []paradimeInvite
}

// paradimeWrite is a change of one user: a new account type, or disabling them.
type paradimeWrite struct {
	UID         string
	Name        string // how the user reads in the notice
	AccountType string // "" disables the user
}

func (w *Widget) handleLoadParadime(ctx app.Context, a app.Action) {
	seq := w.seqs.next(stateParadime)
	var prev paradimeState
	ctx.GetState(stateParadime, &prev)
	ctx.SetState(stateParadime, paradimeState{Status: statusLoading, Active: prev.Active, Invited: prev.Invited})
	_, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateParadime, paradimeState{Status: statusFailed, Err: f})
		return
	}
	st := w.api(c.Endpoint, c.Key).listParadimeUsers(ctx)
	if !w.seqs.latest(stateParadime, seq) {
		return
	}
	st.Err = w.failed(ctx, c, st.Err)
	ctx.SetState(stateParadime, st)
	if st.Status == statusReady {
		ctx.SetState(stateCount, countState{Status: statusReady, Count: len(st.Active)})
	}
}

func (w *Widget) handleParadimeWrite(ctx app.Context, a app.Action) {
	req, _ := a.Value.(paradimeWrite)
	seq := w.seqs.next(stateParadimeWrite)
	ctx.SetState(stateParadimeWrite, result{Status: statusLoading, Seq: seq})
	_, c, f := w.currentSession(ctx)
	if f == nil {
		api := w.api(c.Endpoint, c.Key)
		if req.AccountType == "" {
			f = api.disableParadimeUser(ctx, req.UID)
		} else {
			f = api.setAccountType(ctx, req.UID, req.AccountType)
		}
	}
	if f != nil {
		ctx.SetState(stateParadimeWrite, result{Status: statusFailed, Err: writeFailure(w.failed(ctx, c, f), unsureSave), Seq: seq})
		return
	}
	notice := req.Name + " is disabled: they can no longer sign in."
	if req.AccountType != "" {
		notice = req.Name + " is " + accountTypeLabel(req.AccountType) + " now."
	}
	ctx.SetState(stateParadimeWrite, result{Status: statusReady, Notice: notice, Seq: seq})
	change := userChange{ID: req.UID, Change: "updated", Seq: w.seqs.next(stateUserChanged)}
	ctx.SetState(stateUserChanged, change)
	ctx.NewAction(actionLoadParadime)
}

// listParadimeUsers reads Paradime's listUsers, with the fields of Paradime's own example.
func (a api) listParadimeUsers(ctx context.Context) paradimeState {
	var q struct {
		ListUsers struct {
			Ok           bool
			ActiveUsers  []paradimeUser   `graphql:"activeUsers"`
			InvitedUsers []paradimeInvite `graphql:"invitedUsers"`
		} `graphql:"listUsers"`
	}
	if f := a.query(ctx, &q, nil); f != nil {
		return paradimeState{Status: statusFailed, Err: f}
	}
	if !q.ListUsers.Ok {
		return paradimeState{Status: statusFailed, Err: &failure{Code: codeInternal, Message: "The endpoint did not list its users (ok: false)."}}
	}
	return paradimeState{Status: statusReady, Active: q.ListUsers.ActiveUsers, Invited: q.ListUsers.InvitedUsers}
}

// checkParadimeKey checks the key against an endpoint with Paradime's API alone, which
// has no viewer: it may list the users.
func (a api) checkParadimeKey(ctx context.Context) *failure {
	var q struct {
		ListUsers struct{ Ok bool } `graphql:"listUsers"`
	}
	f := a.query(ctx, &q, nil)
	if f != nil && f.Code == codeUnauthenticated {
		f.Message = "This API key was not accepted. Check it, or ask an admin for a new one."
	}
	return f
}

// paradimeOK is the { ok } Paradime's mutations answer; ok: false comes with an error,
// which the client reports.
type paradimeOK struct{ Ok bool }

func (r paradimeOK) failure() *failure {
	if r.Ok {
		return nil
	}
	return &failure{Code: codeInternal, Message: "The endpoint did not make the change (ok: false)."}
}

// inviteParadimeUser invites one address with Paradime's inviteUser.
func (a api) inviteParadimeUser(ctx context.Context, email, accountType string) *failure {
	var m struct {
		R paradimeOK `graphql:"inviteUser(email: $email, accountType: $accountType)"`
	}
	vars := map[string]any{"email": graphql.String(email), "accountType": UserAccountType(accountType)}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return f
	}
	return m.R.failure()
}

// setAccountType changes a user's account type with Paradime's updateUserAccountType.
func (a api) setAccountType(ctx context.Context, uid, accountType string) *failure {
	var m struct {
		R paradimeOK `graphql:"updateUserAccountType(uid: $uid, accountType: $accountType)"`
	}
	vars := map[string]any{"uid": graphql.String(uid), "accountType": UserAccountType(accountType)}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return f
	}
	return m.R.failure()
}

// disableParadimeUser disables a user with Paradime's disableUser.
func (a api) disableParadimeUser(ctx context.Context, uid string) *failure {
	var m struct {
		R paradimeOK `graphql:"disableUser(uid: $uid)"`
	}
	if f := a.mutate(ctx, &m, map[string]any{"uid": graphql.String(uid)}); f != nil {
		return f
	}
	return m.R.failure()
}

// accountTypeLabel is how a Paradime account type reads.
func accountTypeLabel(t string) string {
	switch t {
	case "ADMIN":
		return "Admin"
	case "DEVELOPER":
		return "Developer"
	}
	return t
}
