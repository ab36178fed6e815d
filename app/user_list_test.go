package app

import (
	"net/url"
	"testing"
)

// listPage mounts the users page at the list URL rawQuery.
func listPage(t *testing.T, caps capabilities, rawQuery string) (*userList, func(key string, v any)) {
	t.Helper()
	c := newUserList()
	d := mount(t, c, caps)
	d.Nav(&url.URL{Path: "/", RawQuery: rawQuery})
	d.Consume()
	return c, func(key string, v any) { set(d, key, v) }
}

var someUsers = []user{
	{ID: "u1", Email: "ada@example.com", Firstname: "Ada", Lastname: "Lovelace", Activated: true, OrganizationRole: "ADMIN", CreatedAt: "2024-05-01T10:00:00Z"},
	{ID: "u2", Email: "alan@example.com", Firstname: "Alan", Lastname: "Turing", Activated: false, OrganizationRole: "USER", CreatedAt: "2024-06-02T10:00:00Z"},
}

func TestUserList(t *testing.T) {
	t.Run("ReadsStateFromURL", func(t *testing.T) {
		c, _ := listPage(t, allCaps, "q=ada&role=ADMIN&sort=email&dir=desc&page=2&size=10")
		want := listQuery{Search: "ada", Role: "ADMIN", Sort: "email", Desc: true, Page: 2, Size: 10}
		if c.query != want {
			t.Fatalf("got %+v, want %+v", c.query, want)
		}
		assertHas(t, html(c), `value="ada"`, `aria-sort="descending"`, "Page 2 of 1")
	})

	t.Run("Loading", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusLoading})
		assertHas(t, html(c), "Loading users…")
	})

	t.Run("Rows", func(t *testing.T) {
		c, set := listPage(t, allCaps, "page=2&size=10")
		set(stateUsers, usersState{Status: statusReady, Users: someUsers, Total: 12})
		set(stateCount, countState{Status: statusReady, Count: 12})
		h := html(c)
		assertHas(t, h, "Ada Lovelace", "ada@example.com", `href="/users/u1"`, "2024-05-01", "Inactive",
			"12 users", "11–12 of 12", "Page 2 of 2", `href="/?size=10"`)
		assertHasNot(t, h, "Loading users…", `rel="next"`)
	})

	t.Run("EmptyWithFilters", func(t *testing.T) {
		c, set := listPage(t, allCaps, "q=nobody")
		set(stateUsers, usersState{Status: statusReady, Total: 0})
		assertHas(t, html(c), "No users match these filters.", "Clear filters")
	})

	t.Run("Empty", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusReady, Total: 0})
		assertHas(t, html(c), "No users yet.")
	})

	t.Run("ErrorWithRetry", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusFailed, Err: &failure{Code: codeForbidden, Message: "Only admins may list users."}})
		assertHas(t, html(c), "Only admins may list users.", "Retry")
	})

	t.Run("DirectoryDownRetries", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusFailed, Err: &failure{Code: codeUnreachable, Message: "Cannot reach the GraphQL endpoint."}})
		h := html(c)
		assertHas(t, h, "The directory is not answering; retrying", `id="retry-now"`, "Retry now")
		assertHasNot(t, h, "Cannot reach the GraphQL endpoint.")
		if c.retry.attempt != 1 {
			t.Errorf("attempt %d, want 1", c.retry.attempt)
		}
		set(stateUsers, usersState{Status: statusReady, Users: someUsers, Total: 2})
		h = html(c)
		assertHas(t, h, "Ada Lovelace")
		assertHasNot(t, h, "retrying", "Retry now")
		if c.retry.attempt != 0 {
			t.Errorf("attempt %d after success, want 0", c.retry.attempt)
		}
	})

	t.Run("AllExtensionsShowSearchRoleAndSort", func(t *testing.T) {
		c, _ := listPage(t, allCaps, "")
		assertHas(t, html(c), `id="search"`, `id="role-filter"`, `id="status-filter"`, `class="sort"`, "aria-sort")
	})

	t.Run("CoreOnlyHidesSearchRoleAndSort", func(t *testing.T) {
		c, set := listPage(t, capabilities{}, "q=ada&role=ADMIN&sort=email")
		set(stateUsers, usersState{Status: statusReady, Users: someUsers, Total: 2})
		h := html(c)
		assertHas(t, h, `id="status-filter"`, "Ada Lovelace", `id="page-size"`)
		assertHasNot(t, h, `id="search"`, `id="role-filter"`, `class="sort"`, "aria-sort")
	})
}
