//go:build !wasm

package app

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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
		coreOnly bool
		fields   []string // the root fields the widget must have used
	}{
		{"schema_core.graphql", true, []string{
			"countUsers", "createUser", "mutationType", "queryType", "resetPassword", "updatePassword",
			"updatePropertiesInUser", "userType", "userWhere", "users", "viewer",
		}},
		{"schema.graphql", false, []string{
			"completePasswordReset", "countUsers", "createUser", "deleteUser", "issuePasswordReset",
			"mutationType", "organizations", "queryType", "revokeApiKey", "signIn", "signOut", "updatePassword",
			"updatePropertiesInUser", "userType", "userWhere", "users", "viewer",
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
			d := startDirectory(t, tt.coreOnly)
			caps := sendEveryDocument(t, d)
			if tt.coreOnly != (caps == capabilities{}) {
				t.Fatalf("the endpoint offers %+v", caps)
			}
			var fields []string
			for _, doc := range d.rec.documents() {
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
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("root fields sent:\n got %v\nwant %v", fields, tt.fields)
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
		if page := a.users(ctx, q.supported(caps)); page.Status != statusReady {
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
	if caps.APIKeys {
		var k struct {
			CreateAPIKey struct{ ID string } `json:"createApiKey"`
		}
		d.post(t, d.AdminKey, `mutation($w: UserWhere) { createApiKey(name: "ci", where: $w) { id } }`, map[string]any{"w": map[string]any{"id": created.ID}}, &k)
		must("list keys", a.apiKeys(ctx, created.ID).Err)
		must("revoke a key", a.revokeAPIKey(ctx, k.CreateAPIKey.ID))
	}
	if caps.DeleteUser {
		must("delete", a.deleteUser(ctx, created.ID))
	}
	if caps.IssuePasswordReset {
		r, f := a.resetPassword(ctx, u.ID, true)
		must("issue a reset link", f)
		link, _ := url.Parse(r.ResetLink)
		must("complete the reset", d.api("").completeReset(ctx, resetRequest{Token: link.Query().Get("token"), Password: "a reset password"}))
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
