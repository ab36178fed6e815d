package app

import (
	"context"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

func (w *Widget) handleChangePassword(ctx app.Context, a app.Action) {
	data, _ := a.Value.(UpdatePasswordData)
	seq := w.seqs.next(stateAccount)
	ctx.SetState(stateAccount, result{Status: statusLoading, Seq: seq})
	st, c, f := w.currentSession(ctx)
	if f == nil {
		f = writeFailure(w.failed(ctx, c, w.api(c.Endpoint, c.Key).changePassword(ctx, st.Viewer.ID, data)), unsurePassword)
	}
	if f != nil {
		ctx.SetState(stateAccount, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	ctx.SetState(stateAccount, result{Status: statusReady, Notice: "Your password is changed.", Seq: seq})
}

// changePassword changes the password of the person signed in, given the current one.
func (a api) changePassword(ctx context.Context, viewerID string, data UpdatePasswordData) *failure {
	var m struct {
		User struct{ ID string } `graphql:"updatePassword(data: $data, where: $where)"`
	}
	return a.mutate(ctx, &m, map[string]any{"data": data, "where": UserWhere{ID: viewerID}})
}
