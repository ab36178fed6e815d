package app

import (
	"context"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and actions of the user page's username, last sign-in and workspaces.
const (
	stateUserModels = "userModels" // userModelsState
	stateUsername   = "username"   // result: the last change of a username

	actionLoadUserModels = "loadUserModels" // string: user id
	actionSaveUsername   = "saveUsername"   // usernameChange
)

// userWorkspacesShown is how many of a user's workspaces the user page reads.
const userWorkspacesShown = 100

// userModelsState is what the user page shows of the extension for one user.
type userModelsState struct {
	Status status
	Err    *failure
	ID     string
	userExtras
}

// usernameChange is a new username for a user.
type usernameChange struct {
	ID       string
	Username string
}

func (w *Widget) handleLoadUserModels(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	seq := w.seqs.next(stateUserModels)
	ctx.SetState(stateUserModels, userModelsState{Status: statusLoading, ID: id})
	_, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateUserModels, userModelsState{Status: statusFailed, ID: id, Err: f})
		return
	}
	st := w.api(c.Endpoint, c.Key).userModels(ctx, id)
	if !w.seqs.latest(stateUserModels, seq) {
		return
	}
	st.Err = w.failed(ctx, c, st.Err)
	ctx.SetState(stateUserModels, st)
}

func (w *Widget) handleSaveUsername(ctx app.Context, a app.Action) {
	req, _ := a.Value.(usernameChange)
	seq := w.seqs.next(stateUsername)
	ctx.SetState(stateUsername, result{Status: statusLoading, Seq: seq})
	_, c, f := w.currentSession(ctx)
	if f == nil {
		f = w.api(c.Endpoint, c.Key).saveUsername(ctx, req)
	}
	if f != nil {
		ctx.SetState(stateUsername, result{Status: statusFailed, Err: w.failed(ctx, c, f), Seq: seq})
		return
	}
	ctx.SetState(stateUsername, result{Status: statusReady, Notice: "The username is now " + req.Username + ".", Seq: seq})
	// The form's precondition is the user's updatedAt, which the change moved on.
	ctx.NewActionWithValue(actionLoadUser, req.ID)
}

// userModels reads a user's username, last sign-in and workspaces.
func (a api) userModels(ctx context.Context, id string) userModelsState {
	var q struct {
		Users []struct {
			Username       string
			LastSignedInAt string
			Workspaces     []workspaceRef `graphql:"workspaces(first: $wsFirst)"`
		} `graphql:"users(where: $where, first: $first, skip: $skip)"`
	}
	vars := map[string]any{"where": UserWhere{ID: id}, "first": PageSize(1), "skip": graphql.Int(0), "wsFirst": PageSize(userWorkspacesShown)}
	if f := a.query(ctx, &q, vars); f != nil {
		return userModelsState{Status: statusFailed, ID: id, Err: f}
	}
	if len(q.Users) == 0 {
		return userModelsState{Status: statusFailed, ID: id, Err: &failure{Code: codeNotFound, Message: "This user does not exist, or you may not see them. Go back to the list."}}
	}
	u := q.Users[0]
	return userModelsState{Status: statusReady, ID: id, userExtras: userExtras{Username: u.Username, LastSignedInAt: u.LastSignedInAt, Workspaces: u.Workspaces}}
}

// saveUsername changes a user's username.
func (a api) saveUsername(ctx context.Context, req usernameChange) *failure {
	var m struct {
		User struct{ Username string } `graphql:"updatePropertiesInUser(data: $data, where: $where)"`
	}
	name := req.Username
	return a.mutate(ctx, &m, map[string]any{"data": UserData{Username: &name}, "where": UserWhere{ID: req.ID}})
}
