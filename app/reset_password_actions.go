package app

import (
	"context"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// resetRequest completes a password reset with the token of a reset link.
type resetRequest struct {
	Token    string
	Password string
}

func (w *Widget) handleCompleteReset(ctx app.Context, a app.Action) {
	req, _ := a.Value.(resetRequest)
	seq := w.seqs.next(stateReset)
	ctx.SetState(stateReset, result{Status: statusLoading, Seq: seq})
	endpoint := w.session.lastEndpoint()
	if endpoint == "" {
		endpoint = w.defaultEndpoint()
	}
	if f := w.api(endpoint, "").completeReset(ctx, req); f != nil {
		ctx.SetState(stateReset, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	ctx.SetState(stateReset, result{Status: statusReady, Notice: "Your password is set. Sign in with it.", Seq: seq})
}

// completeReset sets a new password with the token of a reset link; it needs no key.
func (a api) completeReset(ctx context.Context, req resetRequest) *failure {
	var m struct {
		Done bool `graphql:"completePasswordReset(token: $token, newPassword: $newPassword)"`
	}
	vars := map[string]any{
		"token":       graphql.String(req.Token),
		"newPassword": graphql.String(req.Password),
	}
	return a.mutate(ctx, &m, vars)
}
