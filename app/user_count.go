package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// userCount shows how many users match the list's filters ("1,234 users"). The list's
// loads keep it current, after filter changes and after edits alike.
type userCount struct {
	app.Compo

	count countState
}

func newUserCount() *userCount {
	return &userCount{}
}

// OnMount observes the count.
func (c *userCount) OnMount(ctx app.Context) {
	ctx.ObserveState(stateCount).Value(&c.count)
}

// Render shows the count, or nothing until it is known.
func (c *userCount) Render() app.UI {
	text := ""
	if c.count.Status == statusReady {
		text = formatCount(c.count.Count)
	}
	return app.Span().Class("count").ID("user-count").Aria("live", "polite").Text(text)
}
