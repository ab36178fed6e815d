package graphql

import "useradmin/server"

// The refusals of a Handler given none of an optional service (Handler's fields say which
// may be nil): FORBIDDEN, since nothing failed and asking again will not help, with what
// the person can do instead. Both stores of the built-in directory offer every service;
// a Handler built for another store, or for tests, may leave some out.
var (
	errNoAudit       = server.Errorf(server.EFORBIDDEN, "This directory keeps no audit trail: see a user's changes on their page, or ask the people who run the directory for its logs.")
	errNoBulk        = server.Errorf(server.EFORBIDDEN, "This directory has no bulk actions: change users one at a time.")
	errNoEmbedTokens = server.Errorf(server.EFORBIDDEN, "This directory mints no embed tokens: hand the widget an API key instead.")
	errNoExports     = server.Errorf(server.EFORBIDDEN, "This directory cannot export CSV files: page through the users, or export from a directory that has them.")
	errNoImports     = server.Errorf(server.EFORBIDDEN, "This directory cannot import users: add them one at a time, or invite them.")
	errLiveOff       = server.Errorf(server.EFORBIDDEN, "This directory has no live updates: reload the page to see changes.")
	errNoWorkspaces  = server.Errorf(server.EFORBIDDEN, "This directory keeps no workspaces: filter and group users another way, or use a directory that has them.")
)
