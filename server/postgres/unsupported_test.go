package postgres_test

import (
	"errors"
	"testing"

	"useradmin/server"
	"useradmin/server/postgres"
)

// What the PostgreSQL store does not keep yet is refused with a sentence naming the
// field, and nothing is stored.
func TestUnsupported_Refused(t *testing.T) {
	a, _, ctx := instances(t)
	users := postgres.NewUserService(a)
	name, ws := "ann", "w1"
	me, err := users.FindUsers(ctx, server.UserFilter{}, server.Page{Limit: 10}, nil)
	if err != nil || len(me) != 1 {
		t.Fatalf("users %v, %v", me, err)
	}
	refused := map[string]error{}
	_, refused["username filter"] = users.FindUsers(ctx, server.UserFilter{Username: &name}, server.Page{Limit: 10}, nil)
	_, refused["workspace filter"] = users.CountUsers(ctx, server.UserFilter{WorkspaceID: &ws})
	_, refused["sort by username"] = users.FindUsers(ctx, server.UserFilter{}, server.Page{Limit: 10}, []server.UserOrder{{Field: server.SortUsername}})
	_, refused["create with a username"] = users.CreateUser(ctx, server.UserCreate{Email: "new@acme.example", Password: "correct horse", Role: server.RoleUser, Username: "newbie"})
	_, refused["update a username"] = users.UpdateUser(ctx, server.UserRef{ID: me[0].ID}, server.UserUpdate{Username: &name})
	for what, err := range refused {
		var e *server.Error
		if !errors.As(err, &e) || e.Code != server.EINVALID || e.Field == "" {
			t.Errorf("%s: %v, want BAD_USER_INPUT naming the field", what, err)
		}
	}
	if n, err := users.CountUsers(ctx, server.UserFilter{}); err != nil || n != 1 {
		t.Fatalf("%d users, %v: want the admin alone", n, err)
	}
}
