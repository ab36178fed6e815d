package app

import (
	"context"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// usersState is one page of the user list.
type usersState struct {
	Status status
	Err    *failure
	Query  listQuery
	Users  []user
	Total  int
	// Extras are the usernames, last sign-in and workspaces of Users, in their order,
	// where the endpoint has that extension (capabilities.userModels).
	Extras []userExtras
	// Models says the page was asked for Extras. A page read before the session knew the
	// endpoint's capabilities was not, and is read again once they are known (stale).
	Models bool
	// Provisional: the page was read before the session was open, with the capabilities
	// unknown (readSession); the list shows it for good only once the session shows it is
	// not stale.
	Provisional bool
}

// settling reports whether the list still waits to know that the page u is the one it
// shows for the session st: read before the session opened, or stale.
func (u usersState) settling(q listQuery, st sessionState) bool {
	return u.Status == statusReady && u.Provisional && st.Status != statusReady || u.stale(q, st)
}

// stale reports whether the page u, read for the list query q, should be read again now
// that the session st is open: asked with other filters than the endpoint supports, or
// without the extension's columns the list now shows (or with them where it does not).
func (u usersState) stale(q listQuery, st sessionState) bool {
	return st.Status == statusReady && u.Status == statusReady && !st.Caps.NoCore &&
		(u.Query != q.supported(st.Caps) || u.Models != st.Caps.userModels())
}

// userExtras are what the usernames, last sign-in and workspaces extension adds to a user.
type userExtras struct {
	Username       string
	LastSignedInAt string // "" when never
	Workspaces     []workspaceRef
}

// workspaceRef names a workspace.
type workspaceRef struct {
	ID   string
	Name string
}

// listedWorkspaces is how many of a user's workspaces the list shows.
const listedWorkspaces = 3

// listedUser is a user as the list reads it with the extension.
type listedUser struct {
	user
	Username       string
	LastSignedInAt string
	Workspaces     []workspaceRef `graphql:"workspaces(first: 4)"` // one more than listed: "and more"
}

type userPageExt struct {
	Users []listedUser `graphql:"users(where: $where, first: $first, skip: $skip, orderBy: $orderBy)"`
	Count int          `graphql:"countUsers(where: $where)" json:"countUsers"`
}

// countState is how many users match the current filters.
type countState struct {
	Status status
	Count  int
}

func (w *Widget) handleLoadUsers(ctx app.Context, a app.Action) {
	q, _ := a.Value.(listQuery)
	seq := w.seqs.next(stateUsers)
	var prev usersState
	ctx.GetState(stateUsers, &prev)
	ctx.SetState(stateUsers, usersState{Status: statusLoading, Query: q, Users: prev.Users, Total: prev.Total, Extras: prev.Extras, Models: prev.Models})
	st, c, f := w.readSession(ctx)
	if f != nil {
		ctx.SetState(stateUsers, usersState{Status: statusFailed, Query: q, Err: f})
		return
	}
	if st.Caps.NoCore {
		// Paradime's API has no users query: the page shows Paradime's list instead.
		ctx.SetState(stateUsers, usersState{Status: statusReady, Query: q})
		return
	}
	mark(markListRequest)
	page := w.api(c.Endpoint, c.Key).users(ctx, q.supported(st.Caps), st.Caps)
	if page.Status == statusFailed && st.Status != statusReady && page.Err.Code != codeUnauthenticated && !retryable(page.Err) {
		// Read with remembered capabilities that the endpoint may no longer have: read
		// again with what the session finds it has now.
		if open, oc, f := w.currentSession(ctx); f == nil && open.Caps != st.Caps && !open.Caps.NoCore {
			st, c = open, oc
			page = w.api(c.Endpoint, c.Key).users(ctx, q.supported(st.Caps), st.Caps)
		}
	}
	mark(markListDecoded)
	if !w.seqs.latest(stateUsers, seq) {
		return
	}
	// Read before the session was open and without remembered capabilities, the page may
	// lack what the endpoint offers: the list says it is busy until the session shows.
	page.Provisional = st.Status != statusReady && st.Caps == (capabilities{})
	if page.Status == statusFailed {
		// The total stays as last known, so that the pager does not claim a shorter list.
		page.Err, page.Total = w.failed(ctx, c, page.Err), prev.Total
		ctx.SetState(stateUsers, page)
		return
	}
	ctx.SetState(stateUsers, page)
	ctx.SetState(stateCount, countState{Status: statusReady, Count: page.Total})
}

// userPage is the users query; userPageSorted adds the sort extension's orderBy.
type userPage struct {
	Users []user `graphql:"users(where: $where, first: $first, skip: $skip)"`
	Count int    `graphql:"countUsers(where: $where)" json:"countUsers"`
}

type userPageSorted struct {
	Users []user `graphql:"users(where: $where, first: $first, skip: $skip, orderBy: $orderBy)"`
	Count int    `graphql:"countUsers(where: $where)" json:"countUsers"`
}

// users reads the page of users q names, with their count; q asks only for what the
// endpoint supports.
func (a api) users(ctx context.Context, q listQuery, caps capabilities) usersState {
	vars := map[string]any{
		"where": q.where(),
		"first": PageSize(q.Size),
		"skip":  graphql.Int(q.skip()),
	}
	var page userPage
	var f *failure
	if caps.userModels() {
		order := q.orderBy()
		if order == nil {
			order = []UserOrderBy{} // the endpoint's own order
		}
		vars["orderBy"] = order
		var ext userPageExt
		if f = a.query(ctx, &ext, vars); f != nil {
			return usersState{Status: statusFailed, Query: q, Err: f}
		}
		st := usersState{Status: statusReady, Query: q, Total: ext.Count, Users: make([]user, len(ext.Users)), Extras: make([]userExtras, len(ext.Users)), Models: true}
		for i, u := range ext.Users {
			st.Users[i] = u.user
			st.Extras[i] = userExtras{Username: u.Username, LastSignedInAt: u.LastSignedInAt, Workspaces: u.Workspaces}
		}
		return st
	}
	if order := q.orderBy(); order != nil {
		vars["orderBy"] = order
		var sorted userPageSorted
		f = a.query(ctx, &sorted, vars)
		page = userPage(sorted)
	} else {
		f = a.query(ctx, &page, vars)
	}
	if f != nil {
		return usersState{Status: statusFailed, Query: q, Err: f}
	}
	return usersState{Status: statusReady, Query: q, Users: page.Users, Total: page.Count}
}
