package graphql_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"testing"

	"useradmin/server"
	"useradmin/server/graphql"
)

// countingWorkspaces counts the store's reads of users' workspaces.
type countingWorkspaces struct {
	server.WorkspaceService
	one, page atomic.Int32
}

func (c *countingWorkspaces) UserWorkspaces(ctx context.Context, userID string, page server.Page) ([]*server.Workspace, error) {
	c.one.Add(1)
	return c.WorkspaceService.UserWorkspaces(ctx, userID, page)
}

func (c *countingWorkspaces) UsersWorkspaces(ctx context.Context, userIDs []string, perUser int) (map[string][]*server.Workspace, error) {
	c.page.Add(1)
	return c.WorkspaceService.UsersWorkspaces(ctx, userIDs, perUser)
}

// TestUser_WorkspacesOneReadPerPage reads a page of users with their workspaces: one read
// of the store for the whole page (one per distinct first, for aliases), the same answer
// as reading each user's on their own, which viewer still does.
func TestUser_WorkspacesOneReadPerPage(t *testing.T) {
	f := newFixture(t)
	for i := range 40 {
		f.data(t, gql{query: `mutation { createUser(data: {email: "p` + strconv.Itoa(i) + `@acme.test", password: "a long password", organizationRole: USER}) { id } }`, key: f.acmeAdminKey})
	}
	for _, name := range []string{"Alpha", "Beta", "Gamma", "Delta", "Epsilon"} {
		id := f.data(t, gql{query: `mutation { createWorkspace(name: "` + name + `") { id } }`, key: f.acmeAdminKey})["createWorkspace"].(map[string]any)["id"].(string)
		f.data(t, gql{query: `mutation($id: ID!) { updateUsers(where: {search: "p1"}, data: {addToWorkspace: $id}, first: 100) { changed } }`,
			variables: `{"id": "` + id + `"}`, key: f.acmeAdminKey})
	}
	counting := &countingWorkspaces{}
	f.handler = f.handlerWith(func(h *graphql.Handler) {
		counting.WorkspaceService = h.Workspaces
		h.Workspaces = counting
	})

	page := f.data(t, gql{query: `{ users(where: {}, first: 100, skip: 0) { id workspaces(first: 4) { name memberCount } more: workspaces(first: 10) { name } } }`, key: f.acmeAdminKey})
	users := page["users"].([]any)
	if len(users) < 43 {
		t.Fatalf("%d users", len(users))
	}
	if one, pages := counting.one.Load(), counting.page.Load(); one != 0 || pages != 2 {
		t.Errorf("a page of %d users read the store %d times for one user and %d for the page, want 0 and 2 (one per first)", len(users), one, pages)
	}
	withFive := 0
	for _, u := range users {
		u := u.(map[string]any)
		id := u["id"].(string)
		own := f.data(t, gql{query: `query($id: ID!) { users(where: {id: $id}, first: 1, skip: 0) { workspaces(first: 4) { name memberCount } more: workspaces(first: 10) { name } } }`,
			variables: `{"id": "` + id + `"}`, key: f.acmeAdminKey})["users"].([]any)[0].(map[string]any)
		a, _ := json.Marshal([]any{u["workspaces"], u["more"]})
		b, _ := json.Marshal([]any{own["workspaces"], own["more"]})
		if string(a) != string(b) {
			t.Errorf("user %s: with the page %s, alone %s", id, a, b)
		}
		if len(u["more"].([]any)) == 5 {
			withFive++
			if len(u["workspaces"].([]any)) != 4 {
				t.Errorf("user %s: first 4 gave %d", id, len(u["workspaces"].([]any)))
			}
		}
	}
	if withFive == 0 {
		t.Error("no user is in the five workspaces: the test reads nothing")
	}

	// A USER's page is themselves; another organization's admin sees none of Acme's.
	for _, key := range []string{f.acmeUserKey, f.globexAdminKey} {
		counting.one.Store(0)
		counting.page.Store(0)
		got := f.data(t, gql{query: `{ users(where: {}, first: 100, skip: 0) { id workspaces(first: 4) { name } } }`, key: key})["users"].([]any)
		if counting.page.Load() > 1 || counting.one.Load() != 0 {
			t.Errorf("%d users: %d page reads, %d single reads", len(got), counting.page.Load(), counting.one.Load())
		}
	}
}
