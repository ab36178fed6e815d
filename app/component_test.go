package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// allCaps is an endpoint with every extension the widget uses.
var allCaps = capabilities{Search: true, RoleFilter: true, OrderBy: true, DeleteUser: true, SignIn: true,
	SignOut: true, IssuePasswordReset: true, Organizations: true, UpdatedAt: true, APIKeys: true}

// mount starts c in a client tester, signed in to an endpoint with caps.
func mount(t *testing.T, c app.UI, caps capabilities) app.ClientDispatcher {
	t.Helper()
	d := app.NewClientTester(c)
	t.Cleanup(d.Close)
	set(d, stateSession, sessionState{Status: statusReady, Caps: caps,
		Viewer: user{ID: "u0", Email: "admin@example.com", Firstname: "Grace", Lastname: "Hopper"}})
	return d
}

// set changes a state as a handler would and lets the components update.
func set(d app.ClientDispatcher, key string, v any) {
	d.SetState(key, v)
	d.Consume()
}

// rendered is what the component renders now.
func rendered(c app.UI) string {
	return app.HTMLString(c)
}

func assertHas(t *testing.T, html string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(html, p) {
			t.Errorf("rendered HTML lacks %q", p)
		}
	}
}

func assertHasNot(t *testing.T, html string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(html, p) {
			t.Errorf("rendered HTML has %q, it should not", p)
		}
	}
}

// fieldMessage is the text of the message shown under the field with that id, or "".
func fieldMessage(html, id string) string {
	m := regexp.MustCompile(`id="` + id + `-error"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return m[1]
}
