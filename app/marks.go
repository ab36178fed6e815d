package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// Marks in the page's performance timeline (performance.mark), at the steps of a page
// load that the browser cannot see from outside: the Go program running, the handshake
// with a framing portal, the session open, the first page of users decoded. The
// benchmarks' waterfall (server/e2e) reads them beside the browser's own resource timing;
// in a browser's developer tools they show on the performance panel.
const (
	markMain        = "useradmin:main"         // main is running: the Go runtime and package inits are done
	markReady       = "useradmin:ready"        // useradmin:ready posted to the portal
	markInit        = "useradmin:init"         // the portal's useradmin:init received
	markRenewed     = "useradmin:renewed"      // the portal's first new token taken in place of the old
	markSession     = "useradmin:session"      // the session is open (viewer and capabilities known)
	markListRequest = "useradmin:list-request" // a page of users asked for
	markListDecoded = "useradmin:list-decoded" // a page of users answered and decoded
)

// mark records name at this instant, once per page: a later call with the same name does
// nothing, so that the timeline shows when each step first happened.
func mark(name string) {
	if !app.IsClient {
		return
	}
	perf := app.Window().Get("performance")
	if !perf.Truthy() || perf.Call("getEntriesByName", name, "mark").Length() > 0 {
		return
	}
	perf.Call("mark", name)
}
