package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// clipboard shows links to copy: each in a read-only field with a Copy button, and says
// which was copied. It copies the way that works in a portal's frame too, where the
// asynchronous clipboard API needs a permission the frame may not have: the field's text
// is selected and copied; failing that, the clipboard API is tried; failing both, the
// link stays selected for Ctrl+C.
type clipboard struct {
	copied string // the id of the field last copied
	failed bool
}

// field is a link to copy, in the field with id, labelled for screen readers.
func (c *clipboard) field(id, label, link string) app.UI {
	status := ""
	if c.copied == id {
		status = "Copied."
		if c.failed {
			status = "Press Ctrl+C to copy the selected link."
		}
	}
	return app.Div().Class("link-field").Body(
		app.Label().For(id).Class("visually-hidden").Text(label),
		app.Input().Type("text").ID(id).ReadOnly(true).Value(link).
			OnFocus(func(ctx app.Context, e app.Event) { ctx.JSSrc().Call("select") }),
		app.Button().Type("button").Class("btn copy").ID(id+"-copy").Aria("label", "Copy "+label).Text("Copy").
			OnClick(func(ctx app.Context, e app.Event) { c.copy(id) }, id),
		app.Span().Class("copy-status").Aria("live", "polite").Text(status),
	)
}

// copy copies the text of the field with id.
func (c *clipboard) copy(id string) {
	c.copied, c.failed = id, !copyField(id)
}

// copyField selects the field's text and copies it; it reports whether it could.
func copyField(id string) bool {
	if app.IsServer {
		return false
	}
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return false
	}
	el.Call("focus")
	el.Call("select")
	if app.Window().Get("document").Call("execCommand", "copy").Bool() {
		return true
	}
	if cb := app.Window().Get("navigator").Get("clipboard"); cb.Truthy() {
		cb.Call("writeText", el.Get("value"))
		return true
	}
	return false
}
