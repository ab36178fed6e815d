package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	argon "useradmin/server/password"
)

// password is the password of every user the fixtures make.
const password = "correct horse"

// fixture is a database with one organization, Acme, and its admin Ann. Its clock
// stands still until a test moves it.
type fixture struct {
	store *Store
	clock *clock
	users server.UserService
	auth  server.AuthService
	orgs  server.OrganizationService

	org      *server.Organization
	admin    *server.User
	adminKey string
	adminCtx context.Context
}

func newFixture(tb testing.TB, open Open) *fixture {
	tb.Helper()
	store := open(tb)
	c := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	store.SetNow(c.Now)
	// Hashes wait for their turn as long as a loaded machine needs: a hash refused as
	// busy gives its attempt back, which would make the tests of the limits count fewer
	// failures than they sent. Security_HashingBounded tests the refusal itself.
	store.SetHasher(argon.NewHasher(argon.Slots(argon.DefaultMemory), time.Minute))
	f := &fixture{store: store, clock: c, users: store.Users, auth: store.Auth, orgs: store.Organizations}
	f.org, f.admin, f.adminKey, f.adminCtx = f.mustCreateOrganization(tb, "Acme", "ann@acme.example", "Ann", "Admin")
	return f
}

// mustCreateOrganization makes an organization and its admin, and returns the admin's
// key and a context that carries them.
func (f *fixture) mustCreateOrganization(tb testing.TB, name, email, firstname, lastname string) (*server.Organization, *server.User, string, context.Context) {
	tb.Helper()
	org, admin, key, err := f.store.CreateOrganization(context.Background(), name,
		server.UserCreate{Email: email, Password: password, Firstname: firstname, Lastname: lastname})
	if err != nil {
		tb.Fatal(err)
	}
	return org, admin, key.Key, f.mustAuthenticate(tb, key.Key)
}

func (f *fixture) mustAuthenticate(tb testing.TB, key string) context.Context {
	tb.Helper()
	auth, err := f.auth.Authenticate(context.Background(), key)
	if err != nil {
		tb.Fatal(err)
	}
	return server.NewContextWithAuth(context.Background(), auth)
}

// mustCreateUser adds a user to the organization of the admin in ctx.
func (f *fixture) mustCreateUser(tb testing.TB, ctx context.Context, email, firstname, lastname string, role server.Role) *server.User {
	tb.Helper()
	u, err := f.users.CreateUser(ctx, server.UserCreate{Email: email, Password: password, Role: role, Firstname: firstname, Lastname: lastname})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// mustUserContext returns a context for user, with a key made by the admin in adminCtx.
func (f *fixture) mustUserContext(tb testing.TB, adminCtx context.Context, user *server.User) (context.Context, *server.APIKey) {
	tb.Helper()
	key, err := f.auth.CreateAPIKey(adminCtx, server.APIKeyCreate{Name: "test"}, &server.UserRef{ID: user.ID})
	if err != nil {
		tb.Fatal(err)
	}
	return f.mustAuthenticate(tb, key.Key), key
}

// formerAdmin are the ways an admin stops being one, as removeAdmin takes them.
var formerAdmin = []string{"demoted", "deactivated", "deleted"}

// formerAdminInBulk are formerAdmin's ways as a bulk action takes them, which writes the
// users in statements of its own.
var formerAdminInBulk = []string{"demoted in bulk", "deactivated in bulk", "deleted in bulk"}

// removeAdmin has Ann make the admin user no longer one: "demoted" to USER, "deactivated"
// or "deleted", one at a time or "in bulk".
func (f *fixture) removeAdmin(tb testing.TB, user *server.User, how string) {
	tb.Helper()
	var err error
	switch how {
	case "demoted":
		_, err = f.users.UpdateUser(f.adminCtx, server.UserRef{ID: user.ID}, server.UserUpdate{Role: ptr(server.RoleUser)})
	case "deactivated":
		_, err = f.users.UpdateUser(f.adminCtx, server.UserRef{ID: user.ID}, server.UserUpdate{Activated: ptr(false)})
	case "deleted":
		err = f.users.DeleteUser(f.adminCtx, server.UserRef{ID: user.ID})
	case "demoted in bulk", "deactivated in bulk", "deleted in bulk":
		change := map[string]server.BulkChange{
			"demoted in bulk":     {Role: ptr(server.RoleUser)},
			"deactivated in bulk": {Activated: ptr(false)},
			"deleted in bulk":     {Delete: true},
		}[how]
		var r *server.BulkResult
		r, err = f.store.Bulk.ApplyBulk(f.adminCtx, server.UserFilter{ID: &user.ID}, change, server.BulkBatch{Limit: 10})
		if err == nil && (r.Changed != 1 || len(r.Failures) != 0) {
			tb.Fatalf("%s: %+v", how, r)
		}
	default:
		tb.Fatalf("no way %q to remove an admin", how)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// assertUnchanged calls fn and checks that it stored nothing; it returns fn's error.
func (f *fixture) assertUnchanged(tb testing.TB, fn func() error) error {
	tb.Helper()
	before := f.store.Dump(tb)
	err := fn()
	if after := f.store.Dump(tb); after != before {
		tb.Fatalf("the store changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return err
}

// ids returns the ids of users, in order.
func ids(users []*server.User) []string {
	var s []string
	for _, u := range users {
		s = append(s, u.ID)
	}
	return s
}

// assertError checks that err is a *server.Error with code, field and message.
func assertError(tb testing.TB, err error, code, field, message string) {
	tb.Helper()
	var e *server.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v, want %s %q", err, code, message)
	}
	if e.Code != code || e.Field != field || e.Message != message {
		tb.Fatalf("error = %s / %q / %q, want %s / %q / %q", e.Code, e.Field, e.Message, code, field, message)
	}
}

// assertCode checks only the code of err, for the authorization matrix.
func assertCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := server.ErrorCode(err); got != code {
		tb.Fatalf("error = %v, want code %q", err, code)
	}
}

func ptr[T any](v T) *T { return &v }

// people is a fixture with more people: Bob and Carol (USERs) join Acme a minute apart
// after Ann, and Globex has its own admin, Gus.
type people struct {
	*fixture
	bob, carol *server.User
	bobCtx     context.Context
	bobKey     *server.APIKey

	globex *server.Organization
	gus    *server.User
	gusCtx context.Context

	invites server.InvitationService
	ivy     *server.IssuedInvitation // Ann's pending invitation of ivy@acme.example, as a USER
}

func newPeople(tb testing.TB, open Open) *people {
	tb.Helper()
	p := &people{fixture: newFixture(tb, open)}
	p.clock.Add(time.Minute)
	p.bob = p.mustCreateUser(tb, p.adminCtx, "bob@acme.example", "Bob", "Baker", server.RoleUser)
	p.clock.Add(time.Minute)
	p.carol = p.mustCreateUser(tb, p.adminCtx, "carol@acme.example", "Carol", "Clark", server.RoleUser)
	p.bobCtx, p.bobKey = p.mustUserContext(tb, p.adminCtx, p.bob)
	p.globex, p.gus, _, p.gusCtx = p.mustCreateOrganization(tb, "Globex", "gus@globex.example", "Gus", "Grant")
	p.invites = p.store.Invitations
	p.ivy = p.mustInvite(tb, p.adminCtx, "ivy@acme.example", server.RoleUser)
	p.clock.Add(time.Minute)
	return p
}

// mustInvite invites email to the organization of the admin in ctx and returns the
// invitation with its link's token.
func (p *people) mustInvite(tb testing.TB, ctx context.Context, email string, role server.Role) *server.IssuedInvitation {
	tb.Helper()
	results, err := p.invites.InviteUsers(ctx, []string{email}, role)
	if err != nil {
		tb.Fatal(err)
	}
	if r := results[0]; r.Outcome != server.InviteInvited {
		tb.Fatalf("invite %s: %s %s", email, r.Outcome, r.Message)
	}
	return &server.IssuedInvitation{Invitation: results[0].Invitation, Token: results[0].Token}
}

// clock is a time that stands still until a test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sameUser reports whether a and b are the same user, leaving out the last sign-in,
// which a user's first request of a day sets and UserService_LastSignedInAt checks.
func sameUser(a, b *server.User) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.LastSignedInAt, y.LastSignedInAt = nil, nil
	return reflect.DeepEqual(x, y)
}
