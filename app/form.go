package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// form is what a form component keeps about its submissions: the outcome it observes,
// the messages it shows, and whether it waits for an answer (so that it never sends twice).
type form struct {
	result  result
	baseSeq int // the outcome's Seq at mount: older outcomes belong to an earlier visit
	errs    fieldErrors
	formErr string
	busy    bool
}

// outcome returns the observed outcome when it is newer than the form's mount, and keeps
// busy in step with it.
func (f *form) outcome() (result, bool) {
	r := f.result
	if r.Seq <= f.baseSeq {
		return r, false
	}
	f.busy = r.Status == statusLoading
	return r, true
}

// showFailure puts a failure's message next to its field when the form has that field,
// else above the form.
func (f *form) showFailure(err *failure, fields ...string) {
	for _, name := range fields {
		if err.Field == name {
			f.errs = fieldErrors{name: err.Message}
			return
		}
	}
	f.formErr = err.Message
}

// formRow is a labelled input with the message about it underneath.
func formRow(id, label, msg string, input app.UI) app.UI {
	return app.Div().Class("field"+classIf(msg != "", " invalid")).Body(
		app.Label().For(id).Text(label),
		input,
		app.If(msg != "", app.P().Class("field-error").ID(id+"-error").Text(msg)),
	)
}

// textInput is an input that writes what is typed into *value and, when msg is set,
// points screen readers at the message. Its value attribute is shown, the value the
// program last put there, never *value: were each keystroke rendered back into the
// input, a render that lands between two fast keystrokes would drop the second one.
// The program changes a shown input with setInputs.
//
// go-app keeps an element's event handler when the new one comes from the same function
// literal, whatever it captured; the id, passed as the handler's scope, makes an input
// that takes another's place (e.g. "email" where "key" was) get its own handler.
func textInput(id, typ, shown string, value *string, msg string) app.HTMLInput {
	in := app.Input().Type(typ).ID(id).Name(id).Value(shown).
		OnInput(func(ctx app.Context, e app.Event) { *value = ctx.JSSrc().Get("value").String() }, id)
	if msg != "" {
		in = in.Aria("invalid", "true").Aria("describedby", id+"-error")
	}
	return in
}

// setInputs replaces what the inputs with these ids hold: for the program's own changes
// (a user loaded, a form cleared after success). It sets the inputs on the page at once,
// and again once the page has rendered, for inputs that render adds. Both are needed:
// go-app drops what is deferred from the context of an element that the same update
// removes (such as the button of a panel that closes itself).
func setInputs(ctx app.Context, values map[string]string) {
	if app.IsServer {
		return
	}
	set := func() {
		for id, v := range values {
			if el := app.Window().GetElementByID(id); el.Truthy() && el.Get("value").String() != v {
				el.Set("value", v)
			}
		}
	}
	set()
	ctx.Defer(func(app.Context) { set() })
}

// selectInput is a select over value/label pairs that writes the choice into *value.
func selectInput(id string, value *string, msg string, options ...[2]string) app.HTMLSelect {
	s := app.Select().ID(id).Name(id).
		OnChange(func(ctx app.Context, e app.Event) { *value = ctx.JSSrc().Get("value").String() }, id).
		Body(app.Range(options).Slice(func(i int) app.UI {
			return app.Option().Value(options[i][0]).Selected(options[i][0] == *value).Text(options[i][1])
		}))
	if msg != "" {
		s = s.Aria("invalid", "true").Aria("describedby", id+"-error")
	}
	return s
}

// banner is a message above a form: an error (role alert) or a notice (role status).
// Without a message it is an empty text node, never nothing: a banner that appeared as a
// new node would shift the form after it, and go-app would rebuild the form's inputs from
// their value attributes, showing the values last loaded instead of what was typed.
func banner(kind, msg string, actions ...app.UI) app.UI {
	if msg == "" {
		return app.Text("")
	}
	role := "status"
	if kind == "error" || kind == "warning" {
		role = "alert"
	}
	return app.Div().Class("banner banner-"+kind).Role(role).Body(
		app.P().Text(msg),
		app.If(len(actions) > 0, app.Div().Class("banner-actions").Body(actions...)),
	)
}

// isEscape reports whether a keydown event is the Escape key.
func isEscape(e app.Event) bool {
	return e.Get("key").String() == "Escape"
}

// deferOn runs fn once the current update is rendered, on behalf of the component c: an
// event handler's own ctx.Defer belongs to the element that got the event, and go-app drops
// it when that update removes the element (a button that a confirmation replaces).
func deferOn(ctx app.Context, c app.UI, fn func(app.Context)) {
	ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Defer, Source: c, Function: fn})
}
