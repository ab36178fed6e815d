//go:build !wasm

package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// TestDocuments sends every document the widget has, as the widget sends them, and checks
// each one and its variables against the contract: against schema_core.graphql what the
// widget sends to an endpoint with the core alone, against schema.graphql what it sends
// to the directory with every extension. The requests go to a real directory too, which
// must have answered each of them.
func TestDocuments(t *testing.T) {
	for _, tt := range []struct {
		schema   string
		contract string
		fields   []string // the root fields the widget must have used
	}{
		{"schema_core.graphql", "core", []string{
			"bulkUserData", "countUsers", "createUser", "mutationType", "queryType", "resetPassword", "subscriptionType", "updatePassword",
			"updatePropertiesInUser", "userType", "userWhere", "users", "viewer",
		}},
		{"schema.graphql", "full", []string{
			"acceptInvitation", "accepted", "auditEvents", "bulkUserData", "completePasswordReset", "countUsers", "createInvitationLink", "createUser", "deleteUser", "deleteUsers",
			"embedGrant", "expired", "invitationByToken", "invitations", "inviteUsers", "issuePasswordReset", "matching",
			"mutationType", "organizations", "pending", "queryType", "resendInvitation", "revokeApiKey", "revokeInvitation", "revoked",
			"signIn", "signOut", "subscriptionType", "total", "updatePassword", "updatePropertiesInUser", "updateUsers", "userType", "userWhere", "users", "viewer",
			"importUsers", "addWorkspaceMembers", "countWorkspaces", "createWorkspace", "deleteWorkspace", "removeWorkspaceMembers", "renameWorkspace", "workspaces",
			"createExport", "export",
		}},
		{"schema_paradime.graphql", "paradime", []string{
			"bulkUserData", "disableUser", "inviteUser", "listUsers", "mutationType", "queryType", "subscriptionType", "updateUserAccountType", "userType", "userWhere",
		}},
	} {
		t.Run(tt.schema, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "server", "graphql", tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			schema, err := gqlparser.LoadSchema(&ast.Source{Name: tt.schema, Input: string(src)})
			if err != nil {
				t.Fatal(err)
			}
			d := startDirectoryWith(t, tt.contract)
			var caps capabilities
			if tt.contract == "paradime" {
				caps = sendParadimeDocuments(t, d)
			} else {
				caps = sendEveryDocument(t, d)
			}
			if (tt.contract == "core") != (caps == capabilities{}) {
				t.Fatalf("the endpoint offers %+v", caps)
			}
			docs := d.rec.documents()
			if tt.contract == "paradime" {
				// The session's one request asks for the viewer, which Paradime's API does
				// not have: refused, it opens step by step. That first request is the only
				// one the endpoint may refuse.
				if len(docs) == 0 || !strings.Contains(docs[0].Query, "viewer{") {
					t.Fatalf("the first request is not the session's one request: %+v", docs)
				}
				if _, errs := gqlparser.LoadQuery(schema, docs[0].Query); errs == nil {
					t.Fatalf("%s holds the session's one request, with the viewer:\n%s", tt.schema, docs[0].Query)
				}
				docs = docs[1:]
			}
			var fields []string
			for _, doc := range docs {
				q, errs := gqlparser.LoadQuery(schema, doc.Query)
				if errs != nil {
					t.Errorf("%s does not hold:\n%s\n%v", tt.schema, doc.Query, errs)
					continue
				}
				for _, op := range q.Operations {
					if _, err := validator.VariableValues(schema, op, doc.Variables); err != nil {
						t.Errorf("variables %v of\n%s\n%v", doc.Variables, doc.Query, err)
					}
					for _, sel := range op.SelectionSet {
						if f, ok := sel.(*ast.Field); ok && !slices.Contains(fields, f.Alias) {
							fields = append(fields, f.Alias)
						}
					}
				}
			}
			slices.Sort(fields)
			want := slices.Sorted(slices.Values(tt.fields))
			if !slices.Equal(fields, want) {
				t.Errorf("root fields sent:\n got %v\nwant %v", fields, want)
			}
		})
	}
}

// sendEveryDocument makes each of the widget's calls once, as the widget would on an
// endpoint that offers what it finds there, and returns that. Each call must succeed:
// a document the directory refused would prove nothing.
func sendEveryDocument(t *testing.T, d *directory) capabilities {
	t.Helper()
	ctx := context.Background()
	must := func(what string, f *failure) {
		t.Helper()
		if f != nil {
			t.Fatalf("%s: %v", what, f)
		}
	}
	a := d.api(d.AdminKey)
	if p := d.api("").probe(ctx, d.URL); p.Status != statusReady {
		t.Fatalf("probe: %+v", p)
	}
	st, f := a.openSession(ctx)
	must("open the session", f)
	caps := st.Caps
	for _, q := range []listQuery{
		{Page: 1, Size: 25},
		parseListQuery(url.Values{"q": {"a"}, "role": {"USER"}, "status": {"active"}, "sort": {"name"}, "dir": {"desc"}, "page": {"2"}, "size": {"10"}}),
	} {
		if page := a.users(ctx, q.supported(caps), caps); page.Status != statusReady {
			must("list users", page.Err)
		}
	}
	u := someUser(t, a)
	must("read a user", a.user(ctx, u.ID).Err)
	name := "Documented"
	_, f = a.saveUser(ctx, saveRequest{ID: u.ID, Data: UserData{Lastname: &name}, UpdatedAt: u.UpdatedAt}, caps.UpdatedAt)
	must("save", f)
	created, f := a.createUser(ctx, CreateUserData{Email: "documents@northwind.example", Password: "a long password", OrganizationRole: "USER", Lastname: "Doc"})
	must("create", f)
	_, f = a.resetPassword(ctx, created.ID, caps.IssuePasswordReset)
	must("reset", f)
	if caps.Organizations {
		_, f := a.organizations(ctx)
		must("organizations", f)
	}
	if caps.EmbedGrant {
		// An API key has no grant: the widget reads null.
		if scope, f := a.embedGrant(ctx, &credential{}); f != nil || scope != "" {
			t.Fatalf("embedGrant with an API key: %q, %v", scope, f)
		}
		if st, f := a.openPortalSession(ctx, &credential{}); f != nil || st.Scope != "" {
			t.Fatalf("the portal's session with an API key: %+v, %v", st, f)
		}
	}
	if caps.APIKeys {
		var k struct {
			CreateAPIKey struct{ ID string } `json:"createApiKey"`
		}
		d.post(t, d.AdminKey, `mutation($w: UserWhere) { createApiKey(name: "ci", where: $w) { id } }`, map[string]any{"w": map[string]any{"id": created.ID}}, &k)
		must("list keys", a.apiKeys(ctx, created.ID).Err)
		must("revoke a key", a.revokeAPIKey(ctx, k.CreateAPIKey.ID))
	}
	// The bulk actions: all matching (read page by page where they go one by one), and a
	// selection.
	on, search := true, UserWhere{Email: "documents@northwind.example"}
	search.Activated = &on
	must("bulk deactivate", a.runBulk(ctx, bulkRequest{Action: bulkDeactivate, Where: search, Emails: map[string]string{}}, caps.Bulk, func(bulkState) {}).Err)
	must("bulk activate", a.runBulk(ctx, bulkRequest{Action: bulkActivate, IDs: []string{created.ID}, Emails: map[string]string{}}, caps.Bulk, func(bulkState) {}).Err)
	if caps.Import {
		rows := []ImportRow{{Line: 2, Email: "imported@example.test", Firstname: "Imo", Workspaces: []string{}}}
		must("import preview", a.runImport(ctx, importRequest{Rows: rows, Mode: "CREATE", Existing: "SKIP", DryRun: true}, func(importState) {}).Err)
	}
	if caps.Bulk {
		must("bulk delete", a.runBulk(ctx, bulkRequest{Action: bulkDelete, IDs: []string{"nosuchuser"}, Emails: map[string]string{}}, caps.Bulk, func(bulkState) {}).Err)
	}
	sendExportDocuments(t, a, caps)
	if caps.DeleteUser {
		must("delete", a.deleteUser(ctx, created.ID))
	}
	if caps.IssuePasswordReset {
		r, f := a.resetPassword(ctx, u.ID, true)
		must("issue a reset link", f)
		link, _ := url.Parse(r.ResetLink)
		must("complete the reset", d.api("").completeReset(ctx, resetRequest{Token: link.Query().Get("token"), Password: "a reset password"}))
	}
	if caps.Invitations {
		sendInvitationDocuments(t, d, a)
	}
	if caps.Workspaces {
		sendWorkspaceDocuments(t, a, u.ID, caps)
	}
	if caps.AuditEvents {
		must("a user's activity", a.activity(ctx, activityQuery{UserID: u.ID, Page: 1}).Err)
		must("the organization's activity", a.activity(ctx, activityQuery{Action: "USER_UPDATED", Page: 2}).Err)
	}
	viewer, f := a.viewer(ctx)
	must("viewer", f)
	must("change password", a.changePassword(ctx, viewer.ID, UpdatePasswordData{OldPassword: d.AdminPassword, NewPassword1: "changed password 1", NewPassword2: "changed password 1"}))
	if caps.SignIn {
		key, _, f := d.api("").signIn(ctx, d.AdminEmail, "changed password 1")
		must("sign in", f)
		if caps.SignOut {
			must("sign out", d.api(key).signOut(ctx))
		}
	}
	return caps
}

// sendInvitationDocuments makes each of the invitation pages' calls once.
func sendInvitationDocuments(t *testing.T, d *directory, a api) {
	t.Helper()
	ctx := context.Background()
	results, f := a.inviteUsers(ctx, inviteRequest{Emails: []string{"invited@northwind.example", "also@northwind.example"}, Role: "USER"})
	if f != nil || len(results) != 2 || results[0].Status != "INVITED" || results[0].Link == "" {
		t.Fatalf("invite: %+v %v", results, f)
	}
	page := a.invitations(ctx, invitationsQuery{Status: "pending", Search: "northwind", Page: 1})
	if page.Status != statusReady || page.Counts.Pending != 2 || len(page.Items) != 2 {
		t.Fatalf("invitations: %+v", page)
	}
	first, second := page.Items[1], page.Items[0]
	for _, w := range []invitationWrite{{Kind: "link", ID: first.ID}, {Kind: "resend", ID: first.ID}, {Kind: "revoke", ID: second.ID}} {
		if _, f := a.writeInvitation(ctx, w); f != nil {
			t.Fatalf("%s: %v", w.Kind, f)
		}
	}
	out, _ := a.writeInvitation(ctx, invitationWrite{Kind: "link", ID: first.ID})
	link, _ := url.Parse(out.Link)
	token := link.Query().Get("token")
	if p, f := d.api("").invitationByToken(ctx, token); f != nil || p.Email != first.Email {
		t.Fatalf("preview: %+v %v", p, f)
	}
	if _, _, f := d.api("").acceptInvitation(ctx, acceptRequest{Token: token, Firstname: "Ina", Lastname: "Vited", Password: "a long password"}); f != nil {
		t.Fatalf("accept: %v", f)
	}
}

// sendParadimeDocuments makes each of the widget's calls to an endpoint with Paradime's
// API alone, and returns what it offers.
func sendParadimeDocuments(t *testing.T, d *directory) capabilities {
	t.Helper()
	ctx := context.Background()
	a := d.api(d.AdminKey)
	st, f := a.openSession(ctx)
	if f != nil {
		t.Fatalf("open the session: %v", f)
	}
	list := a.listParadimeUsers(ctx)
	if list.Status != statusReady || len(list.Active) < 2 {
		t.Fatalf("list: %+v", list)
	}
	var someone paradimeUser
	for _, u := range list.Active {
		if u.AccountType == "DEVELOPER" {
			someone = u
		}
	}
	if results := a.inviteOneByOne(ctx, inviteRequest{Emails: []string{"p1@northwind.example", "bad"}, Role: "ADMIN"}); results[0].Status != "INVITED" || results[1].Status != "FAILED" {
		t.Fatalf("invite: %+v", results)
	}
	if f := a.setAccountType(ctx, someone.UID, "ADMIN"); f != nil {
		t.Fatalf("account type: %v", f)
	}
	if f := a.disableParadimeUser(ctx, someone.UID); f != nil {
		t.Fatalf("disable: %v", f)
	}
	return st.Caps
}

// sendExportDocuments exports as the widget does: from the directory where it has
// createExport (its progress read once the file is downloaded), else page by page.
func sendExportDocuments(t *testing.T, a api, caps capabilities) {
	t.Helper()
	ctx := context.Background()
	q := parseListQuery(url.Values{"q": {"a"}, "role": {"USER"}, "sort": {"name"}}).supported(caps)
	cols := []string{"email", "lastname"}
	var out exportState
	if caps.Export {
		out = a.exportFromDirectory(ctx, exportRequest{Query: q, Columns: cols}, func(href string) {
			resp, err := http.Get(href)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}, func(exportState) {})
	} else {
		out = a.exportInWidget(ctx, exportRequest{Query: q, Columns: cols}, caps, &partSink{}, func(exportState) {})
	}
	if out.Err != nil || !out.Done {
		t.Fatalf("export: %+v", out)
	}
}
