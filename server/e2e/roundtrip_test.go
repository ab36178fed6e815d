package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	domain "useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/sqlite"
)

// emptyOrganizationDB makes a directory with one organization, "Target", whose only user
// is its admin, and returns where it is and the admin's key.
func emptyOrganizationDB(t *testing.T) (path, key string) {
	t.Helper()
	ctx := context.Background()
	path = newDatabase(t)
	admin := domain.UserCreate{Email: "tess@target.example", Password: "a long password", Firstname: "Tess"}
	if postgres.IsURL(path) {
		db := postgres.NewDB(path)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, _, k, err := db.CreateOrganization(ctx, "Target", admin)
		if err != nil {
			t.Fatal(err)
		}
		return path, k.Key
	}
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, _, k, err := db.CreateOrganization(ctx, "Target", admin)
	if err != nil {
		t.Fatal(err)
	}
	return path, k.Key
}

// roundTripUser is a user as the round trip compares them: what the file carries.
type roundTripUser struct {
	Email, Firstname, Lastname, Username, OrganizationRole string
	Activated                                              bool
	Workspaces                                             []string
}

// roundTripUsers reads every user of s's caller's organization whose email is not
// except, by email.
func roundTripUsers(t *testing.T, s *server, except string) []roundTripUser {
	t.Helper()
	var out struct {
		Users []struct {
			Email, Firstname, Lastname, Username, OrganizationRole string
			Activated                                              bool
			Workspaces                                             []struct{ Name string }
		}
	}
	s.graphql(t, `{ users(where: {}, first: 100, skip: 0, orderBy: [{field: EMAIL, direction: ASC}]) {
		email firstname lastname username organizationRole activated workspaces(first: 10) { name } } }`, nil, &out)
	var users []roundTripUser
	for _, u := range out.Users {
		if u.Email == except {
			continue
		}
		r := roundTripUser{Email: u.Email, Firstname: u.Firstname, Lastname: u.Lastname, Username: u.Username,
			OrganizationRole: u.OrganizationRole, Activated: u.Activated}
		for _, w := range u.Workspaces {
			r.Workspaces = append(r.Workspaces, w.Name)
		}
		slices.Sort(r.Workspaces)
		users = append(users, r)
	}
	return users
}

// TestWidget_ExportImportRoundTrip exports a filtered set of users from one directory's
// list, as an admin does, and imports the file the browser saved, as it is, through the
// import page into an empty organization of a second directory (emails and usernames are
// unique in a directory, so the same people cannot be in two organizations of one): the
// second directory then has the same users, with their names, usernames, roles,
// activation and workspaces, a name that a spreadsheet would read as a formula included.
func TestWidget_ExportImportRoundTrip(t *testing.T) {
	b := newBrowser(t)
	from := startServer(t)
	var made struct{ CreateUser struct{ ID string } }
	var space struct{ CreateWorkspace struct{ ID string } }
	spaces := map[string]string{}
	for _, name := range []string{"Annotators", "Review, team"} {
		from.graphql(t, `mutation($n: String!) { createWorkspace(name: $n) { id } }`, map[string]any{"n": name}, &space)
		spaces[name] = space.CreateWorkspace.ID
	}
	people := []struct {
		email, first, last, username, role string
		active                             bool
		spaces                             []string
	}{
		{"rita@trip.example", "Rita", "Roundtrip", "rita.r", "ADMIN", true, []string{"Annotators", "Review, team"}},
		{"raul@trip.example", "Raúl", "Roundtrip", "", "USER", true, []string{"Annotators"}},
		{"rosa@trip.example", "=Rosa", "Roundtrip", "rosa", "USER", false, nil},
		{"remy@trip.example", "Rémy \"R\"", "Roundtrip-Smith", "remy_1", "USER", true, []string{"Review, team"}},
		{"rex@trip.example", "", "-Roundtrip", "", "ADMIN", false, nil},
	}
	for _, p := range people {
		data := map[string]any{"email": p.email, "password": "a long password", "organizationRole": p.role, "firstname": p.first, "lastname": p.last}
		if p.username != "" {
			data["username"] = p.username
		}
		from.graphql(t, `mutation($d: CreateUserData!) { createUser(data: $d) { id } }`, map[string]any{"d": data}, &made)
		id := made.CreateUser.ID
		if !p.active {
			from.graphql(t, `mutation($id: ID!) { updatePropertiesInUser(where: {id: $id}, data: {activated: false}) { id } }`, map[string]any{"id": id}, new(struct{}))
		}
		for _, name := range p.spaces {
			from.graphql(t, `mutation($id: ID!, $u: [ID!]!) { addWorkspaceMembers(id: $id, userIds: $u) { id } }`,
				map[string]any{"id": spaces[name], "u": []string{id}}, new(struct{}))
		}
	}
	// Someone the filter leaves out, in a workspace too.
	from.graphql(t, `mutation { createUser(data: {email: "olga@out.example", password: "a long password", organizationRole: USER, lastname: "Outside"}) { id } }`, nil, &made)

	// Export the list's search, every column, from the widget.
	src := b.newTab(t)
	dir := allowDownloads(src)
	src.signInWithKey(from)
	src.run(chromedp.Navigate(from.URL+"/?q=roundtrip&sort=email"), rowsLoaded())
	exportFromList(src)
	name, file := downloaded(t, dir)
	if !strings.Contains(file, "'=Rosa") {
		t.Errorf("the export did not make =Rosa inert:\n%s", file)
	}
	want := roundTripUsers(t, from, from.AdminEmail)
	want = slices.DeleteFunc(want, func(u roundTripUser) bool { return !strings.Contains(strings.ToLower(u.Lastname), "roundtrip") })
	if len(want) != len(people) {
		t.Fatalf("the source has %d users of the filter, want %d: %+v", len(want), len(people), want)
	}

	// Import the file as it is into the second directory's empty organization, whose
	// admin made the same workspaces first, as the import asks.
	path, key := emptyOrganizationDB(t)
	to := startServerOn(t, path)
	to.Key = key
	for name := range spaces {
		to.graphql(t, `mutation($n: String!) { createWorkspace(name: $n) { id } }`, map[string]any{"n": name}, &space)
	}
	dst := b.newTab(t)
	dst.signInWithKey(to)
	saved := importFile(t, name, file)
	dst.run(chromedp.Click("#import-csv"), chromedp.WaitVisible("#import-file"), chromedp.SetUploadFiles("#import-file", []string{saved}))
	created := fmt.Sprintf("%d to create.", len(people))
	dst.run(waitText("#import-summary", func(s string) bool { return strings.HasPrefix(s, created) }))
	var ignored string
	dst.run(chromedp.Text("#import-preview .muted", &ignored))
	if ignored != "Columns not read: createdAt, lastSignedInAt." {
		t.Errorf("the preview says %q", ignored)
	}
	dst.screenshot("roundtrip-preview")
	done := fmt.Sprintf("Imported %s: %d created.", name, len(people))
	dst.run(chromedp.Click("#import-run"), waitText("#import-result-summary", func(s string) bool { return s == done }))

	got := roundTripUsers(t, to, "tess@target.example")
	if !slices.EqualFunc(got, want, func(a, b roundTripUser) bool {
		return a.Email == b.Email && a.Firstname == b.Firstname && a.Lastname == b.Lastname && a.Username == b.Username &&
			a.OrganizationRole == b.OrganizationRole && a.Activated == b.Activated && slices.Equal(a.Workspaces, b.Workspaces)
	}) {
		t.Errorf("the second directory has\n%+v\nwant\n%+v", got, want)
	}

	// The same file again, updating: nothing to change.
	dst.run(chromedp.Navigate(to.URL+"/import"), chromedp.WaitVisible("#import-file"), chromedp.Click("#existing-update"),
		chromedp.SetUploadFiles("#import-file", []string{saved}))
	again := fmt.Sprintf("%d already as the file says.", len(people))
	dst.run(waitText("#import-summary", func(s string) bool { return strings.HasPrefix(s, again) }))
}
