package app

import (
	"context"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// apiKeysState is the API keys of the user being edited.
type apiKeysState struct {
	Status status
	Err    *failure
	UserID string
	Keys   []apiKey
}

// revokeRequest revokes one key of a user.
type revokeRequest struct {
	UserID string
	KeyID  string
	Name   string
}

func (w *Widget) handleLoadAPIKeys(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	seq := w.seqs.next(stateAPIKeys)
	ctx.SetState(stateAPIKeys, apiKeysState{Status: statusLoading, UserID: id})
	st, c, f := w.currentSession(ctx)
	if f != nil || !st.Caps.APIKeys {
		ctx.SetState(stateAPIKeys, apiKeysState{Status: statusFailed, UserID: id, Err: f})
		return
	}
	keys := w.api(c.Endpoint, c.Key).apiKeys(ctx, id)
	if w.seqs.latest(stateAPIKeys, seq) {
		keys.Err = w.failed(ctx, c, keys.Err)
		ctx.SetState(stateAPIKeys, keys)
	}
}

func (w *Widget) handleRevokeAPIKey(ctx app.Context, a app.Action) {
	req, _ := a.Value.(revokeRequest)
	seq := w.seqs.next(stateRevoke)
	ctx.SetState(stateRevoke, result{Status: statusLoading, Seq: seq})
	_, c, f := w.currentSession(ctx)
	if f == nil {
		f = writeFailure(w.failed(ctx, c, w.api(c.Endpoint, c.Key).revokeAPIKey(ctx, req.KeyID)), unsureRevoke)
	}
	if f != nil {
		ctx.SetState(stateRevoke, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	ctx.SetState(stateRevoke, result{Status: statusReady, Notice: "The key “" + req.Name + "” is revoked: it no longer works.", Seq: seq})
	w.handleLoadAPIKeys(ctx, app.Action{Value: req.UserID})
}

// apiKeys lists a user's API keys, without their secrets.
func (a api) apiKeys(ctx context.Context, userID string) apiKeysState {
	var q struct {
		Users []struct {
			APIKeys []apiKey `graphql:"apiKeys" json:"apiKeys"`
		} `graphql:"users(where: $where, first: $first, skip: $skip)"`
	}
	vars := map[string]any{
		"where": UserWhere{ID: userID},
		"first": PageSize(1),
		"skip":  graphql.Int(0),
	}
	if f := a.query(ctx, &q, vars); f != nil {
		return apiKeysState{Status: statusFailed, UserID: userID, Err: f}
	}
	st := apiKeysState{Status: statusReady, UserID: userID}
	if len(q.Users) > 0 {
		st.Keys = q.Users[0].APIKeys
	}
	return st
}

// revokeAPIKey revokes a key: requests made with it fail from now on.
func (a api) revokeAPIKey(ctx context.Context, id string) *failure {
	var m struct {
		Revoked bool `graphql:"revokeApiKey(id: $id)"`
	}
	return a.mutate(ctx, &m, map[string]any{"id": graphql.ID(id)})
}
