// Command useradmin is the user-administration widget and the server that serves it.
//
// The same file builds twice: with GOOS=js GOARCH=wasm it is the widget (web/app.wasm),
// where app.RunWhenOnBrowser takes over and never returns; built normally it is the server,
// where app.RunWhenOnBrowser returns at once and cli.Main starts serving. The server half
// lives behind the !wasm build tag (server/cli), so none of it reaches the wasm.
package main

import (
	"os"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	widget "useradmin/app"
	"useradmin/server/cli"
)

func main() {
	// The widget's state for this page, made once and handed to its pages and actions.
	w := widget.New()
	w.HandleActions()

	// Routes: the widget's pages.
	app.RouteFunc("/", w.UsersPage)
	app.RouteFunc("/users/new", w.UserPage)
	app.RouteWithRegexpFunc(widget.UserPathPattern, w.UserPage)
	app.RouteFunc("/sign-in", w.SignInPage)
	app.RouteFunc("/account", w.AccountPage)
	app.RouteFunc("/reset-password", w.ResetPasswordPage)
	app.RouteFunc("/invite", w.InvitePage)
	app.RouteFunc("/invitations", w.InvitationsPage)
	app.RouteFunc("/workspaces", w.WorkspacesPage)
	app.RouteFunc("/accept-invitation", w.AcceptInvitationPage)
	app.RouteFunc("/activity", w.ActivityPage)
	app.RouteFunc("/import", w.ImportPage)

	app.RunWhenOnBrowser()
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
