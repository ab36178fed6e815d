package app

import (
	"context"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// userState is the user the edit page shows.
type userState struct {
	Status status
	Err    *failure
	ID     string
	User   user
}

// saveRequest is an edit: only the changed fields, and the updatedAt the form was
// filled from, as a precondition where the endpoint supports it.
type saveRequest struct {
	ID        string
	Data      UserData
	UpdatedAt string
	Notice    string
}

func (w *Widget) handleLoadUser(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	seq := w.seqs.next(stateUser)
	ctx.SetState(stateUser, userState{Status: statusLoading, ID: id})
	st, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateUser, userState{Status: statusFailed, ID: id, Err: f})
		return
	}
	api := w.api(c.Endpoint, c.Key)
	if st.Caps.Organizations {
		if orgs, f := api.organizations(ctx); f == nil {
			ctx.SetState(stateOrganizations, orgs)
		} else {
			app.Log("listing organizations failed:", f.Message)
		}
	}
	if id == "" {
		ctx.SetState(stateUser, userState{Status: statusReady})
		return
	}
	u := api.user(ctx, id)
	if !w.seqs.latest(stateUser, seq) {
		return
	}
	u.Err = w.failed(ctx, c, u.Err)
	ctx.SetState(stateUser, u)
}

// write runs a mutation for the edit page and reports its outcome in stateSave; unsure
// says what may have happened when no answer came. It sends the mutation once: a write
// whose answer was lost may have been applied, so only the person may send it again.
// A user it changed is announced in stateUserChanged, which the portal observes.
func (w *Widget) write(ctx app.Context, unsure string, run func(st sessionState, a api) (result, userChange, *failure)) {
	seq := w.seqs.next(stateSave)
	ctx.SetState(stateSave, result{Status: statusLoading, Seq: seq})
	st, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateSave, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	r, change, f := run(st, w.api(c.Endpoint, c.Key))
	if f != nil {
		ctx.SetState(stateSave, result{Status: statusFailed, Err: writeFailure(w.failed(ctx, c, f), unsure), Seq: seq})
		return
	}
	r.Status, r.Seq = statusReady, seq
	ctx.SetState(stateSave, r)
	if change.ID != "" {
		change.Seq = w.seqs.next(stateUserChanged)
		ctx.SetState(stateUserChanged, change)
	}
}

func (w *Widget) handleSaveUser(ctx app.Context, a app.Action) {
	req, _ := a.Value.(saveRequest)
	w.write(ctx, unsureSave, func(st sessionState, a api) (result, userChange, *failure) {
		u, f := a.saveUser(ctx, req, st.Caps.UpdatedAt)
		if f != nil {
			return result{}, userChange{}, f
		}
		ctx.SetState(stateUser, userState{Status: statusReady, ID: u.ID, User: u})
		return result{Notice: req.Notice}, userChange{ID: u.ID, Change: "updated"}, nil
	})
}

func (w *Widget) handleCreateUser(ctx app.Context, a app.Action) {
	data, _ := a.Value.(CreateUserData)
	w.write(ctx, unsureCreate, func(st sessionState, a api) (result, userChange, *failure) {
		u, f := a.createUser(ctx, data)
		if f != nil {
			return result{}, userChange{}, f
		}
		return result{Notice: "User created.", CreatedID: u.ID}, userChange{ID: u.ID, Change: "created"}, nil
	})
}

func (w *Widget) handleDeleteUser(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	w.write(ctx, unsureDelete, func(st sessionState, a api) (result, userChange, *failure) {
		if f := a.deleteUser(ctx, id); f != nil {
			return result{}, userChange{}, f
		}
		return result{Notice: "User deleted.", Deleted: true}, userChange{ID: id, Change: "deleted"}, nil
	})
}

func (w *Widget) handleResetPassword(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	w.write(ctx, unsureReset, func(st sessionState, a api) (result, userChange, *failure) {
		r, f := a.resetPassword(ctx, id, st.Caps.IssuePasswordReset)
		return r, userChange{}, f
	})
}

// user reads one user by id; none is NOT_FOUND.
func (a api) user(ctx context.Context, id string) userState {
	var q struct {
		Users []user `graphql:"users(where: $where, first: $first, skip: $skip)"`
	}
	vars := map[string]any{
		"where": UserWhere{ID: id},
		"first": PageSize(1),
		"skip":  graphql.Int(0),
	}
	if f := a.query(ctx, &q, vars); f != nil {
		return userState{Status: statusFailed, ID: id, Err: f}
	}
	if len(q.Users) == 0 {
		return userState{Status: statusFailed, ID: id, Err: &failure{Code: codeNotFound, Message: "This user does not exist, or you may not see them. Go back to the list."}}
	}
	return userState{Status: statusReady, ID: id, User: q.Users[0]}
}

// organizations fills the organization picker (the organizations extension).
func (a api) organizations(ctx context.Context) ([]organization, *failure) {
	var q struct {
		Organizations []organization `graphql:"organizations(first: $first, skip: $skip)"`
	}
	vars := map[string]any{"first": PageSize(100), "skip": graphql.Int(0)}
	if f := a.query(ctx, &q, vars); f != nil {
		return nil, f
	}
	return q.Organizations, nil
}

// saveUser sends the changed fields; with precondition, only if the stored user is still
// the version the form was filled from.
func (a api) saveUser(ctx context.Context, req saveRequest, precondition bool) (user, *failure) {
	where := UserWhere{ID: req.ID}
	if precondition {
		where.UpdatedAt = req.UpdatedAt
	}
	var m struct {
		User user `graphql:"updatePropertiesInUser(data: $data, where: $where)"`
	}
	if f := a.mutate(ctx, &m, map[string]any{"data": req.Data, "where": where}); f != nil {
		return user{}, f
	}
	return m.User, nil
}

// createUser adds a user.
func (a api) createUser(ctx context.Context, data CreateUserData) (user, *failure) {
	var m struct {
		User user `graphql:"createUser(data: $data)"`
	}
	if f := a.mutate(ctx, &m, map[string]any{"data": data}); f != nil {
		return user{}, f
	}
	return m.User, nil
}

// deleteUser removes a user (the delete extension).
func (a api) deleteUser(ctx context.Context, id string) *failure {
	var m struct {
		ID string `graphql:"deleteUser(where: $where)"`
	}
	return a.mutate(ctx, &m, map[string]any{"where": UserWhere{ID: id}})
}

// resetPassword makes a one-time link where the endpoint issues them (issue), else starts
// Kili's reset, which the endpoint delivers itself.
func (a api) resetPassword(ctx context.Context, id string, issue bool) (result, *failure) {
	vars := map[string]any{"where": UserWhere{ID: id}}
	if issue {
		var m struct {
			Reset struct {
				Link      string
				ExpiresAt string
			} `graphql:"issuePasswordReset(where: $where)"`
		}
		if f := a.mutate(ctx, &m, vars); f != nil {
			return result{}, f
		}
		return result{
			Notice:    "Send this link to the user. It works once, until " + formatTime(m.Reset.ExpiresAt) + ".",
			ResetLink: m.Reset.Link,
		}, nil
	}
	var m struct {
		User struct{ Email string } `graphql:"resetPassword(where: $where)"`
	}
	if f := a.mutate(ctx, &m, vars); f != nil {
		return result{}, f
	}
	return result{Notice: "A password reset was started for " + m.User.Email + "."}, nil
}
