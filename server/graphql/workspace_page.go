package graphql

import (
	"context"
	"sync"

	"useradmin/server"
)

// userPage is a page of users that Query.users answered. The first User.workspaces of
// the page reads the workspaces of all its users in one query (UsersWorkspaces), which
// the others then take their own from: a page of 100 users with their workspaces costs
// one read instead of 100. Each first gets its own read, for aliases that ask for more.
type userPage struct {
	ids []string
	mu  sync.Mutex
	got map[int]*pageWorkspaces
}

// pageWorkspaces is the answer of one read for the page, or its error.
type pageWorkspaces struct {
	once sync.Once
	ws   map[string][]*server.Workspace
	err  error
}

func newUserPage(users []*server.User) *userPage {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return &userPage{ids: ids, got: map[int]*pageWorkspaces{}}
}

// workspaces returns the first workspaces of the user with id, read with the whole
// page's; ok is false when the read left them out (a user the caller may not see), for
// the one-user read to answer.
func (p *userPage) workspaces(ctx context.Context, svc server.WorkspaceService, id string, first int) ([]*server.Workspace, bool, error) {
	p.mu.Lock()
	w := p.got[first]
	if w == nil {
		w = &pageWorkspaces{}
		p.got[first] = w
	}
	p.mu.Unlock()
	w.once.Do(func() { w.ws, w.err = svc.UsersWorkspaces(ctx, p.ids, first) })
	if w.err != nil {
		return nil, false, w.err
	}
	ws, ok := w.ws[id]
	return ws, ok, nil
}
