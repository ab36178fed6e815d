package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// apiKeyList is the edit page's list of a user's API keys, each with a Revoke button, so
// that an admin can cut off a key that leaked or outlived its use (after a password reset,
// say). The edit page shows it only where the endpoint lists keys and revokes them.
type apiKeyList struct {
	app.Compo

	UserID string // from the edit page

	keys     apiKeysState
	loadedID string // the user whose keys were asked for
	revoking string // the key being revoked
	notice   string
	form
}

// OnMount observes the keys and the outcome of revocations, and loads the keys.
func (c *apiKeyList) OnMount(ctx app.Context) {
	ctx.ObserveState(stateAPIKeys).Value(&c.keys)
	ctx.ObserveState(stateRevoke).OnChange(c.onResult).Value(&c.result)
	c.baseSeq = c.result.Seq
	c.load(ctx)
}

// OnUpdate loads the keys of another user when the edit page moves to one.
func (c *apiKeyList) OnUpdate(ctx app.Context) {
	c.load(ctx)
}

func (c *apiKeyList) load(ctx app.Context) {
	if c.UserID == "" || c.UserID == c.loadedID {
		return
	}
	c.loadedID, c.formErr, c.notice, c.revoking = c.UserID, "", "", ""
	ctx.NewActionWithValue(actionLoadAPIKeys, c.UserID)
}

func (c *apiKeyList) onResult() {
	r, ok := c.outcome()
	if !ok {
		return
	}
	switch r.Status {
	case statusReady:
		c.notice, c.formErr, c.revoking = r.Notice, "", ""
	case statusFailed:
		c.notice, c.formErr, c.revoking = "", r.Err.Message, ""
	}
}

func (c *apiKeyList) revoke(ctx app.Context, k apiKey) {
	if c.busy {
		return
	}
	c.busy, c.revoking, c.formErr, c.notice = true, k.ID, "", ""
	ctx.NewActionWithValue(actionRevokeAPIKey, revokeRequest{UserID: c.UserID, KeyID: k.ID, Name: k.Name})
}

// Render shows the keys, or why they are not shown.
func (c *apiKeyList) Render() app.UI {
	keys := c.keys
	if keys.UserID != c.UserID {
		keys = apiKeysState{Status: statusLoading}
	}
	var body app.UI
	switch {
	case keys.Status == statusFailed && keys.Err != nil:
		body = app.P().Class("muted").Role("alert").Text(keys.Err.Message)
	case keys.Status != statusReady:
		body = app.P().Class("muted").Text("Loading keys…")
	case len(keys.Keys) == 0:
		body = app.P().Class("muted").Text("This user has no API keys.")
	default:
		body = app.Ul().Class("key-list").Body(app.Range(keys.Keys).Slice(func(i int) app.UI {
			return c.renderKey(keys.Keys[i])
		}))
	}
	return app.Section().Class("card api-keys").Aria("labelledby", "api-keys-title").Body(
		app.H2().ID("api-keys-title").Text("API keys"),
		app.P().Class("hint").Text("Revoke a key that should no longer work: requests made with it fail at once."),
		banner("error", c.formErr),
		banner("success", c.notice),
		body,
	)
}

// renderKey is one key: its name, dates and Revoke button.
func (c *apiKeyList) renderKey(k apiKey) app.UI {
	expires := "never expires"
	if k.ExpiresAt != "" {
		expires = "expires " + formatTime(k.ExpiresAt)
	}
	name := k.Name
	if name == "" {
		name = "Unnamed key"
	}
	busy := c.busy && c.revoking == k.ID
	return app.Li().Class("key").Body(
		app.Div().Class("key-info").Body(
			app.Span().Class("key-name").Text(name),
			app.Span().Class("muted").Text("created "+formatTime(k.CreatedAt)+" · "+expires),
		),
		app.Button().Type("button").Class("btn btn-danger").ID("revoke-"+k.ID).
			Aria("label", "Revoke "+name).Disabled(c.busy).
			Text(busyText(busy, "Revoke", "Revoking…")).
			OnClick(func(ctx app.Context, e app.Event) { c.revoke(ctx, k) }, k.ID),
	)
}
