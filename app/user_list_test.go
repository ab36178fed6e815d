package app

import (
	"net/url"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// listPage mounts the users page at the list URL rawQuery.
func listPage(t *testing.T, caps capabilities, rawQuery string) (*userList, func(key string, v any)) {
	t.Helper()
	c, d := listPageDispatcher(t, caps, rawQuery)
	return c, func(key string, v any) { set(d, key, v) }
}

func listPageDispatcher(t *testing.T, caps capabilities, rawQuery string) (*userList, app.ClientDispatcher) {
	t.Helper()
	c := newUserList(New())
	d := mount(t, c, caps)
	d.Nav(&url.URL{Path: "/", RawQuery: rawQuery})
	d.Consume()
	return c, d
}

// TestUserList_Search checks that the search box keeps what is typed after its search
// went out, and follows the URL when back, forward or a link changes the search.
func TestUserList_Search(t *testing.T) {
	t.Run("KeepsTypingAfterDebounce", func(t *testing.T) {
		c, d := listPageDispatcher(t, allCaps, "")
		d.Dispatch(app.Dispatch{Mode: app.Update, Source: c, Function: func(ctx app.Context) {
			c.search = "oka"
			c.applySearch(ctx)
		}})
		d.Consume()
		c.search = "okafor" // typed while the search for "oka" was under way
		d.Nav(&url.URL{Path: "/", RawQuery: "q=oka"})
		d.Consume()
		if c.search != "okafor" || c.query.Search != "oka" {
			t.Fatalf("search box %q, query %q; want the box to keep %q while the list shows %q", c.search, c.query.Search, "okafor", "oka")
		}
	})

	t.Run("BackShowsURLSearch", func(t *testing.T) {
		c, d := listPageDispatcher(t, allCaps, "q=ada")
		if c.search != "ada" {
			t.Fatalf("search box %q, want %q", c.search, "ada")
		}
		d.Nav(&url.URL{Path: "/", RawQuery: "q=alan&page=2"})
		d.Consume()
		if c.search != "alan" || c.query.Search != "alan" || c.query.Page != 2 {
			t.Fatalf("search box %q, query %+v; want both to follow the URL", c.search, c.query)
		}
	})
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
		assertHas(t, rendered(c), `value="ada"`, `aria-sort="descending"`, "Page 2 of 1")
	})

	t.Run("Loading", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusLoading})
		assertHas(t, rendered(c), "Loading users…")
	})

	t.Run("Rows", func(t *testing.T) {
		c, set := listPage(t, allCaps, "page=2&size=10")
		set(stateUsers, usersState{Status: statusReady, Users: someUsers, Total: 12})
		set(stateCount, countState{Status: statusReady, Count: 12})
		h := rendered(c)
		assertHas(t, h, `class="user-rows"`, "12 users", "11–12 of 12", "Page 2 of 2", `href="/?size=10"`)
		assertHasNot(t, h, "Loading users…", `rel="next"`)
		assertHas(t, rowsHTML((&userRows{Users: someUsers}).rows(time.Now())),
			"Ada Lovelace", "ada@example.com", `href="/users/u1"`, "2024-05-01", "Inactive")
	})

	t.Run("EmptyWithFilters", func(t *testing.T) {
		c, set := listPage(t, allCaps, "q=nobody")
		set(stateUsers, usersState{Status: statusReady, Total: 0})
		assertHas(t, rendered(c), "No users match these filters.", "Clear filters")
	})

	t.Run("Empty", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusReady, Total: 0})
		assertHas(t, rendered(c), "No users yet.")
	})

	t.Run("ErrorWithRetry", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusFailed, Err: &failure{Code: codeForbidden, Message: "Only admins may list users."}})
		assertHas(t, rendered(c), "Only admins may list users.", "Retry")
	})

	t.Run("DirectoryDownRetries", func(t *testing.T) {
		c, set := listPage(t, allCaps, "")
		set(stateUsers, usersState{Status: statusFailed, Err: &failure{Code: codeUnreachable, Message: "Cannot reach the GraphQL endpoint."}})
		h := rendered(c)
		assertHas(t, h, "The directory is not answering; retrying", `id="retry-now"`, "Retry now")
		assertHasNot(t, h, "Cannot reach the GraphQL endpoint.")
		if c.retry.attempt != 1 {
			t.Errorf("attempt %d, want 1", c.retry.attempt)
		}
		set(stateUsers, usersState{Status: statusReady, Users: someUsers, Total: 2})
		h = rendered(c)
		assertHas(t, h, `class="user-rows"`)
		assertHasNot(t, h, "retrying", "Retry now")
		if c.retry.attempt != 0 {
			t.Errorf("attempt %d after success, want 0", c.retry.attempt)
		}
	})

	t.Run("AllExtensionsShowSearchRoleAndSort", func(t *testing.T) {
		c, _ := listPage(t, allCaps, "")
		assertHas(t, rendered(c), `id="search"`, `id="role-filter"`, `id="status-filter"`, `class="sort"`, "aria-sort")
	})

	t.Run("CoreOnlyHidesSearchRoleAndSort", func(t *testing.T) {
		c, set := listPage(t, capabilities{}, "q=ada&role=ADMIN&sort=email")
		set(stateUsers, usersState{Status: statusReady, Users: someUsers, Total: 2})
		h := rendered(c)
		assertHas(t, h, `id="status-filter"`, `class="user-rows"`, `id="page-size"`)
		assertHasNot(t, h, `id="search"`, `id="role-filter"`, `class="sort"`, "aria-sort")
	})
}

// TestUsersState_Stale checks when a page is read again once the session is open: the
// first page goes out before the session knows the endpoint's capabilities, asked
// without the usernames, workspaces and last sign-in; that page must not stay on screen
// under the columns the session then shows.
func TestUsersState_Stale(t *testing.T) {
	models := allCaps
	models.Usernames, models.LastSignIn, models.Workspaces = true, true, true
	open := sessionState{Status: statusReady, Caps: models}
	core := sessionState{Status: statusReady, Caps: allCaps}
	q := listQuery{Page: 1, Size: 25}
	asked := func(q listQuery, caps capabilities) usersState {
		return usersState{Status: statusReady, Query: q.supported(caps), Models: caps.userModels()}
	}
	for _, tc := range []struct {
		name  string
		u     usersState
		q     listQuery
		st    sessionState
		stale bool
	}{
		{"read before the capabilities were known", asked(q, capabilities{}), q, open, true},
		{"read with them", asked(q, models), q, open, false},
		{"a core endpoint, read before", asked(q, capabilities{}), q, core, false},
		{"remembered capabilities that lost the extension", asked(q, models), q, core, true},
		{"a filter the endpoint supports, dropped before", asked(listQuery{Page: 1, Size: 25, Search: "ada"}, capabilities{}), listQuery{Page: 1, Size: 25, Search: "ada"}, open, true},
		{"still loading", usersState{Status: statusLoading}, q, open, false},
		{"session not open yet", asked(q, capabilities{}), q, sessionState{}, false},
		{"Paradime's API alone", usersState{Status: statusReady, Query: q}, q, sessionState{Status: statusReady, Caps: capabilities{NoCore: true}}, false},
	} {
		if got := tc.u.stale(tc.q, tc.st); got != tc.stale {
			t.Errorf("%s: stale %v, want %v", tc.name, got, tc.stale)
		}
	}
}

// TestUsersState_Settling checks that a page read before the session knew the endpoint's
// capabilities keeps the list busy until the session shows it is the page to show.
func TestUsersState_Settling(t *testing.T) {
	models := allCaps
	models.Usernames, models.LastSignIn, models.Workspaces = true, true, true
	q := listQuery{Page: 1, Size: 25}
	early := usersState{Status: statusReady, Query: q, Provisional: true}
	if !early.settling(q, sessionState{}) {
		t.Error("a page read before the session opened is settled while the session is not open")
	}
	if !early.settling(q, sessionState{Status: statusReady, Caps: models}) {
		t.Error("a page read without the extension's columns is settled under a session that has them")
	}
	if early.settling(q, sessionState{Status: statusReady, Caps: allCaps}) {
		t.Error("a page read before the session opened is still settling under a core session that asks nothing more")
	}
	if (usersState{Status: statusReady, Query: q, Models: true}).settling(q, sessionState{Status: statusReady, Caps: models}) {
		t.Error("a page read with the session open is settling")
	}
}

// TestUserList_WriteRowsNow checks which pages the list writes in its rows as soon as
// they arrive: another page of the same columns, and nothing else.
func TestUserList_WriteRowsNow(t *testing.T) {
	others := []user{{ID: "u3", Email: "grace@example.com", Firstname: "Grace", Lastname: "Hopper", Activated: true, OrganizationRole: "USER"}}
	c, d := listPageDispatcher(t, allCaps, "")
	set(d, stateUsers, usersState{Status: statusReady, Users: someUsers, Total: 3})
	d.Consume() // the rows' OnMount
	if c.rows == nil || len(c.rows.Users) != len(someUsers) || c.rows.Owner != c {
		t.Fatal("the list does not know the rows it shows")
	}

	c.users = usersState{Status: statusReady, Users: others, Total: 3}
	c.writeRowsNow()
	if len(c.rows.Users) != 1 || c.rows.Users[0].ID != "u3" {
		t.Errorf("another page of the same columns: rows hold %v, want Grace's row", c.rows.Users)
	}

	c.users = usersState{Status: statusReady, Users: someUsers, Extras: make([]userExtras, len(someUsers)), Total: 3}
	c.writeRowsNow()
	if len(c.rows.Extras) != 0 || c.rows.Users[0].ID != "u3" {
		t.Error("a page with other columns was written before the table's head changed")
	}

	c.users = usersState{Status: statusFailed, Err: &failure{Code: codeForbidden, Message: "Only admins may list users."}}
	c.writeRowsNow()
	if c.rows.Users[0].ID != "u3" {
		t.Error("a failed page was written in the rows")
	}

	set(d, stateUsers, usersState{Status: statusReady, Total: 0})
	if c.rows != nil {
		t.Error("the list still holds rows it no longer shows")
	}
}
