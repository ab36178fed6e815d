//go:build !wasm

package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fullCaps is what the built-in directory offers.
var fullCaps = capabilities{Search: true, RoleFilter: true, OrderBy: true, DeleteUser: true, SignIn: true,
	SignOut: true, IssuePasswordReset: true, Organizations: true, UpdatedAt: true, APIKeys: true, Invitations: true, Paradime: true, Live: true, EmbedGrant: true,
	Usernames: true, LastSignIn: true, Workspaces: true, AuditEvents: true, Bulk: true, Import: true, BulkMembership: true, Export: true}

func TestAPI_OpenSession(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		d := startDirectory(t, false)
		st, f := d.api(d.AdminKey).openSession(ctx)
		if f != nil {
			t.Fatal(f)
		}
		if st.Status != statusReady || st.Viewer.Email != d.AdminEmail || st.Caps != fullCaps {
			t.Fatalf("got %+v, want %s with every extension", st, d.AdminEmail)
		}
		if caps, ok := contractCaps("full"); !ok || caps != st.Caps {
			t.Fatalf("the widget takes the full contract for %+v, its introspection finds %+v", caps, st.Caps)
		}
		// The introspection and the viewer go in one request: a round trip before the rows.
		if docs := d.rec.documents(); len(docs) != 1 {
			t.Fatalf("the session opened in %d requests, want 1", len(docs))
		}
	})
	t.Run("PortalOneRequest", func(t *testing.T) {
		d := startDirectory(t, false)
		c := credential{}
		st, f := d.api(d.AdminKey).openPortalSession(ctx, &c)
		if f != nil || st.Viewer.Email != d.AdminEmail || st.Caps != fullCaps || st.Scope != "" || !c.ExpiresAt.IsZero() {
			t.Fatalf("got %+v %+v %v, want %s with every extension and an API key's empty scope", st, c, f, d.AdminEmail)
		}
		if docs := d.rec.documents(); len(docs) != 1 {
			t.Fatalf("the portal's session opened in %d requests, want 1", len(docs))
		}
	})
	t.Run("PortalCoreOnly", func(t *testing.T) {
		// Without embedGrant the one request is refused: the session opens step by step.
		d := startDirectory(t, true)
		st, f := d.api(d.AdminKey).openPortalSession(ctx, &credential{})
		if f != nil || st.Status != statusReady || st.Viewer.Email != d.AdminEmail || st.Caps != (capabilities{}) {
			t.Fatalf("got %+v %v, want %s on the core alone", st, f, d.AdminEmail)
		}
	})
	t.Run("CoreOnly", func(t *testing.T) {
		d := startDirectory(t, true)
		st, f := d.api(d.AdminKey).openSession(ctx)
		if f != nil || st.Caps != (capabilities{}) || st.Viewer.Email != d.AdminEmail {
			t.Fatalf("got %+v %v, want %s on the core alone", st, f, d.AdminEmail)
		}
		if caps, ok := contractCaps("core"); !ok || caps != st.Caps {
			t.Fatalf("the widget takes the core contract for %+v, its introspection finds %+v", caps, st.Caps)
		}
	})
	t.Run("ParadimeOnly", func(t *testing.T) {
		d := startDirectoryWith(t, "paradime")
		st, f := d.api(d.AdminKey).openSession(ctx)
		if f != nil || st.Caps != (capabilities{Paradime: true, NoCore: true}) {
			t.Fatalf("got %+v %v, want Paradime's API alone", st.Caps, f)
		}
		if caps, ok := contractCaps("paradime"); !ok || caps != st.Caps {
			t.Fatalf("the widget takes the paradime contract for %+v, its introspection finds %+v", caps, st.Caps)
		}
		if _, ok := contractCaps(""); ok {
			t.Fatal("another endpoint than the built-in directory has known capabilities")
		}
		if _, f := d.api("not-a-key").openSession(ctx); f == nil || f.Code != codeUnauthenticated {
			t.Fatalf("a wrong key: %+v", f)
		}
	})
	t.Run("ErrWrongKey", func(t *testing.T) {
		d := startDirectory(t, false)
		_, f := d.api("not-a-key").openSession(ctx)
		if f == nil || f.Code != codeUnauthenticated || f.Message != "This API key was not accepted. Check it, or ask an admin for a new one." {
			t.Fatalf("got %+v", f)
		}
	})
}

func TestAPI_Users(t *testing.T) {
	ctx := context.Background()
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	all := a.users(ctx, listQuery{Page: 1, Size: 10}, capabilities{})
	if all.Status != statusReady || len(all.Users) != 10 || all.Total <= 10 {
		t.Fatalf("first page: %d users of %d (%v)", len(all.Users), all.Total, all.Err)
	}
	admins := a.users(ctx, parseListQuery(url.Values{"role": {"ADMIN"}, "sort": {"email"}, "size": {"100"}}), capabilities{})
	if admins.Status != statusReady || admins.Total == 0 || admins.Total >= all.Total {
		t.Fatalf("admins: %d of %d", admins.Total, all.Total)
	}
	for i, u := range admins.Users {
		if u.OrganizationRole != "ADMIN" || (i > 0 && u.Email < admins.Users[i-1].Email) {
			t.Fatalf("admins sorted by email: %v", admins.Users)
		}
	}
	one := a.users(ctx, listQuery{Search: d.AdminEmail, Page: 1, Size: 10}, capabilities{})
	if one.Total != 1 || one.Users[0].Email != d.AdminEmail {
		t.Fatalf("search: %+v", one)
	}
}

// someUser is a user of the admin's organization with the USER role.
func someUser(t *testing.T, a api) user {
	t.Helper()
	page := a.users(context.Background(), listQuery{Status: "active", Page: 1, Size: 100}, capabilities{})
	for _, u := range page.Users {
		if u.OrganizationRole == "USER" {
			return u
		}
	}
	t.Fatalf("no active USER in the seed's first 100: %v", page.Err)
	return user{}
}

func TestAPI_SaveUser(t *testing.T) {
	ctx := context.Background()
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	u := someUser(t, a)
	name := "Renamed"
	saved, f := a.saveUser(ctx, saveRequest{ID: u.ID, Data: UserData{Lastname: &name}, UpdatedAt: u.UpdatedAt}, true)
	if f != nil || saved.Lastname != "Renamed" {
		t.Fatalf("save: %+v %v", saved, f)
	}
	if got := a.user(ctx, u.ID); got.User.Lastname != "Renamed" {
		t.Fatalf("stored: %+v", got)
	}
	t.Run("ErrConflict", func(t *testing.T) {
		other := "Stale"
		_, f := a.saveUser(ctx, saveRequest{ID: u.ID, Data: UserData{Lastname: &other}, UpdatedAt: u.UpdatedAt}, true)
		if f == nil || f.Code != codeConflict || f.Current == nil || f.Current.Lastname != "Renamed" {
			t.Fatalf("got %+v, want CONFLICT with the stored user", f)
		}
		if got := a.user(ctx, u.ID); got.User.Lastname != "Renamed" {
			t.Fatalf("the stale save changed the user: %+v", got.User)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if got := a.user(ctx, "no-such-user"); got.Status != statusFailed || got.Err.Code != codeNotFound {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestAPI_CreateAndDeleteUser(t *testing.T) {
	ctx := context.Background()
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	u, f := a.createUser(ctx, CreateUserData{Email: "new.person@northwind.example", Password: "a long password", OrganizationRole: "USER", Firstname: "New"})
	if f != nil || u.ID == "" {
		t.Fatalf("create: %+v %v", u, f)
	}
	_, f = a.createUser(ctx, CreateUserData{Email: "NEW.person@northwind.example", Password: "a long password", OrganizationRole: "USER"})
	if f == nil || f.Field != "email" {
		t.Fatalf("a second user with the same email: %+v", f)
	}
	if f := a.deleteUser(ctx, u.ID); f != nil {
		t.Fatal(f)
	}
	if got := a.user(ctx, u.ID); got.Err == nil || got.Err.Code != codeNotFound {
		t.Fatalf("after delete: %+v", got)
	}
}

func TestAPI_APIKeys(t *testing.T) {
	ctx := context.Background()
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	u := someUser(t, a)
	var created struct {
		CreateAPIKey struct{ ID, Key string } `json:"createApiKey"`
	}
	d.post(t, d.AdminKey, `mutation($w: UserWhere) { createApiKey(name: "laptop", where: $w) { id key } }`,
		map[string]any{"w": map[string]any{"id": u.ID}}, &created)
	if _, f := d.api(created.CreateAPIKey.Key).viewer(ctx); f != nil {
		t.Fatalf("the new key does not work: %v", f)
	}
	keys := a.apiKeys(ctx, u.ID)
	if keys.Status != statusReady || len(keys.Keys) != 1 || keys.Keys[0].Name != "laptop" || keys.Keys[0].ID != created.CreateAPIKey.ID {
		t.Fatalf("keys: %+v", keys)
	}
	if f := a.revokeAPIKey(ctx, keys.Keys[0].ID); f != nil {
		t.Fatal(f)
	}
	if keys := a.apiKeys(ctx, u.ID); len(keys.Keys) != 0 {
		t.Fatalf("after revoke: %+v", keys.Keys)
	}
	if _, f := d.api(created.CreateAPIKey.Key).viewer(ctx); f == nil || f.Code != codeUnauthenticated {
		t.Fatalf("the revoked key still works: %v", f)
	}
}

func TestAPI_SignInAndOut(t *testing.T) {
	ctx := context.Background()
	d := startDirectory(t, false)
	key, expires, f := d.api("").signIn(ctx, d.AdminEmail, d.AdminPassword)
	if f != nil || key == "" || !expires.After(time.Now()) {
		t.Fatalf("sign in: %q %v %v", key, expires, f)
	}
	if _, f := d.api(key).viewer(ctx); f != nil {
		t.Fatal(f)
	}
	if f := d.api(key).signOut(ctx); f != nil {
		t.Fatal(f)
	}
	if _, f := d.api(key).viewer(ctx); f == nil || f.Code != codeUnauthenticated {
		t.Fatalf("the session key works after signing out: %v", f)
	}
	if _, _, f := d.api("").signIn(ctx, d.AdminEmail, "wrong password"); f == nil || f.Code != codeUnauthenticated {
		t.Fatalf("wrong password: %v", f)
	}
}

func TestAPI_PasswordReset(t *testing.T) {
	ctx := context.Background()
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	u := someUser(t, a)
	r, f := a.resetPassword(ctx, u.ID, true)
	if f != nil || !strings.HasPrefix(r.ResetLink, "http://widget.test/reset-password?token=") {
		t.Fatalf("issue: %+v %v", r, f)
	}
	link, _ := url.Parse(r.ResetLink)
	if f := d.api("").completeReset(ctx, resetRequest{Token: link.Query().Get("token"), Password: "a brand new password"}); f != nil {
		t.Fatal(f)
	}
	if _, _, f := d.api("").signIn(ctx, u.Email, "a brand new password"); f != nil {
		t.Fatalf("sign in with the new password: %v", f)
	}
	if f := d.api("").completeReset(ctx, resetRequest{Token: link.Query().Get("token"), Password: "yet another password"}); f == nil {
		t.Fatal("a reset link worked twice")
	}
}

func TestAPI_ChangePassword(t *testing.T) {
	ctx := context.Background()
	d := startDirectory(t, false)
	viewer, _ := d.api(d.AdminKey).viewer(ctx)
	data := UpdatePasswordData{OldPassword: d.AdminPassword, NewPassword1: "another long password", NewPassword2: "another long password"}
	if f := d.api(d.AdminKey).changePassword(ctx, viewer.ID, data); f != nil {
		t.Fatal(f)
	}
	if _, _, f := d.api("").signIn(ctx, d.AdminEmail, "another long password"); f != nil {
		t.Fatal(f)
	}
}
