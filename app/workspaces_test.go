//go:build !wasm

package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// sendWorkspaceDocuments sends the documents of the workspaces page and of the user list
// with the usernames, last sign-in and workspaces extension, and checks their answers.
func sendWorkspaceDocuments(t *testing.T, a api, userID string, caps capabilities) {
	t.Helper()
	ctx := context.Background()
	notice, f := a.writeWorkspace(ctx, workspaceWrite{Kind: "create", Name: "Documented"})
	if f != nil || !strings.Contains(notice, "Documented") {
		t.Fatalf("create: %q %v", notice, f)
	}
	list := a.workspaces(ctx, workspacesQuery{Search: "document", Page: 1})
	if list.Status != statusReady || len(list.Items) != 1 || list.Total != 1 || list.Items[0].members() != "0 members" {
		t.Fatalf("workspaces: %+v", list)
	}
	id := list.Items[0].ID
	for _, w := range []workspaceWrite{
		{Kind: "rename", ID: id, Name: "Documents"},
		{Kind: "add", ID: id, Name: "Documents", UserIDs: []string{userID}},
	} {
		if _, f := a.writeWorkspace(ctx, w); f != nil {
			t.Fatalf("%s: %v", w.Kind, f)
		}
	}
	for _, q := range []listQuery{
		parseListQuery(url.Values{"workspace": {id}, "sort": {"username"}}),
		parseListQuery(url.Values{"signin": {"never"}, "sort": {"signin"}, "dir": {"desc"}}),
		parseListQuery(url.Values{"signin": {"30"}}),
	} {
		page := a.users(ctx, q.supported(caps), caps)
		if page.Status != statusReady || len(page.Extras) != len(page.Users) {
			t.Fatalf("list %+v: %+v", q, page)
		}
		if q.Workspace != "" && (len(page.Users) != 1 || page.Users[0].ID != userID || page.Extras[0].Username == "" ||
			workspaceNames(page.Extras[0].Workspaces) != "Documents") {
			t.Fatalf("members of the workspace: %+v", page)
		}
	}
	// The user page's panel: the username, the last sign-in, the workspaces; a new username.
	models := a.userModels(ctx, userID)
	if models.Status != statusReady || models.Username == "" || workspaceNames(models.Workspaces) != "Documents" {
		t.Fatalf("user page: %+v", models)
	}
	if f := a.saveUsername(ctx, usernameChange{ID: userID, Username: "documented.user"}); f != nil {
		t.Fatalf("username: %v", f)
	}
	if f := a.saveUsername(ctx, usernameChange{ID: userID, Username: "not valid"}); f == nil || f.Code != codeBadInput || f.Field != "username" {
		t.Fatalf("invalid username: %+v", f)
	}
	if got := a.userModels(ctx, userID); got.Username != "documented.user" {
		t.Fatalf("after the change: %+v", got)
	}
	// Deleting it with its member needs the confirmation, which the page sends as Force.
	if _, f := a.writeWorkspace(ctx, workspaceWrite{Kind: "delete", ID: id, Name: "Documents"}); f == nil || f.Code != codeConflict ||
		!strings.Contains(f.Message, "1 member") {
		t.Fatalf("delete without confirmation: %v", f)
	}
	if _, f := a.writeWorkspace(ctx, workspaceWrite{Kind: "remove", ID: id, Name: "Documents", UserIDs: []string{userID}}); f != nil {
		t.Fatalf("remove: %v", f)
	}
	if _, f := a.writeWorkspace(ctx, workspaceWrite{Kind: "delete", ID: id, Name: "Documents", Force: true}); f != nil {
		t.Fatalf("delete: %v", f)
	}
}

// TestWorkspaces_Capabilities checks that only the full contract shows the extension:
// the core shows none of it, and a link made for it lists users there all the same.
func TestWorkspaces_Capabilities(t *testing.T) {
	for _, contract := range []string{"core", "full"} {
		t.Run(contract, func(t *testing.T) {
			d := startDirectoryWith(t, contract)
			a := d.api(d.AdminKey)
			st, f := a.openSession(context.Background())
			if f != nil {
				t.Fatal(f)
			}
			if st.Caps.userModels() != (contract == "full") {
				t.Fatalf("capabilities %+v", st.Caps)
			}
			q := parseListQuery(url.Values{"workspace": {"someid"}, "signin": {"90"}, "sort": {"signin"}}).supported(st.Caps)
			if contract == "core" && (q.Workspace != "" || q.SignIn != "" || q.Sort != "") {
				t.Fatalf("the core keeps %+v", q)
			}
			if page := a.users(context.Background(), q, st.Caps); contract == "core" && (page.Status != statusReady || page.Extras != nil) {
				t.Fatalf("core list: %+v", page)
			}
		})
	}
}

func TestListQuery_SignInAndWorkspace(t *testing.T) {
	q := parseListQuery(url.Values{"signin": {"90"}, "workspace": {"abc"}, "sort": {"signin"}})
	if q.SignIn != "90" || q.Workspace != "abc" || q.Sort != "signin" || !q.filtered() {
		t.Fatalf("parsed %+v", q)
	}
	if got := q.values().Encode(); got != "signin=90&sort=signin&workspace=abc" {
		t.Fatalf("values %q", got)
	}
	w := q.where()
	if w.WorkspaceID != "abc" || w.LastSignedInBefore == "" || w.NeverSignedIn != nil {
		t.Fatalf("where %+v", w)
	}
	if q := parseListQuery(url.Values{"signin": {"7"}, "workspace": {strings.Repeat("x", 65)}}); q.SignIn != "" || q.Workspace != "" {
		t.Fatalf("unknown values kept: %+v", q)
	}
	if never := parseListQuery(url.Values{"signin": {"never"}}).where(); never.NeverSignedIn == nil || !*never.NeverSignedIn {
		t.Fatalf("never: %+v", never)
	}
}

func TestWorkspaceNames(t *testing.T) {
	for _, tc := range []struct {
		ws   []workspaceRef
		want string
	}{
		{nil, "—"},
		{[]workspaceRef{{Name: "A"}}, "A"},
		{[]workspaceRef{{Name: "A"}, {Name: "B"}, {Name: "C"}, {Name: "D"}}, "A, B, C and more"},
	} {
		if got := workspaceNames(tc.ws); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.ws, got, tc.want)
		}
	}
}
