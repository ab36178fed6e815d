package app

import (
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

func TestUserCount(t *testing.T) {
	t.Run("UnknownShowsNothing", func(t *testing.T) {
		c := newUserCount()
		mount(t, c, capabilities{})
		h := rendered(c)
		assertHas(t, h, `id="user-count"`)
		assertHasNot(t, h, " user")
	})

	t.Run("Ready", func(t *testing.T) {
		c := newUserCount()
		d := mount(t, c, capabilities{})
		set(d, stateCount, countState{Status: statusReady, Count: 1234})
		if err := app.TestMatch(c, app.TestUIDescriptor{Path: app.TestPath(0, 0), Expected: app.Text("1,234 users")}); err != nil {
			t.Fatal(err)
		}
		set(d, stateCount, countState{Status: statusReady, Count: 1})
		if err := app.TestMatch(c, app.TestUIDescriptor{Path: app.TestPath(0, 0), Expected: app.Text("1 user")}); err != nil {
			t.Fatal(err)
		}
	})
}
