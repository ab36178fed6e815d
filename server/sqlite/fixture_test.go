package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// password is the password of every user the fixtures make.
const password = "correct horse"

// fixture is a database with one organization, Acme, and its admin Ann. Its clock
// stands still until a test moves it.
type fixture struct {
	db    *sqlite.DB
	clock *clock
	users *sqlite.UserService
	auth  *sqlite.AuthService
	orgs  *sqlite.OrganizationService

	org      *server.Organization
	admin    *server.User
	adminKey string
	adminCtx context.Context
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	db := MustOpenDB(tb)
	f := &fixture{db: db, clock: newClock(db), users: sqlite.NewUserService(db), auth: sqlite.NewAuthService(db), orgs: sqlite.NewOrganizationService(db)}
	f.org, f.admin, f.adminKey, f.adminCtx = f.mustCreateOrganization(tb, "Acme", "ann@acme.example", "Ann", "Admin")
	return f
}

// mustCreateOrganization makes an organization and its admin, and returns the admin's
// key and a context that carries them.
func (f *fixture) mustCreateOrganization(tb testing.TB, name, email, firstname, lastname string) (*server.Organization, *server.User, string, context.Context) {
	tb.Helper()
	org, admin, key, err := f.db.CreateOrganization(context.Background(), name,
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
	ctx := f.mustAuthenticate(tb, key.Key)
	// The key's first use signed the user in.
	user.LastSignedInAt = server.UserFromContext(ctx).LastSignedInAt
	return ctx, key
}

// assertUnchanged calls fn and checks that it stored nothing; it returns fn's error.
func (f *fixture) assertUnchanged(tb testing.TB, fn func() error) error {
	tb.Helper()
	before := dump(tb, f.db)
	err := fn()
	if after := dump(tb, f.db); after != before {
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

	invites *sqlite.InvitationService
	ivy     *server.IssuedInvitation // Ann's pending invitation of ivy@acme.example, as a USER
}

func newPeople(tb testing.TB) *people {
	tb.Helper()
	p := &people{fixture: newFixture(tb)}
	p.clock.Add(time.Minute)
	p.bob = p.mustCreateUser(tb, p.adminCtx, "bob@acme.example", "Bob", "Baker", server.RoleUser)
	p.clock.Add(time.Minute)
	p.carol = p.mustCreateUser(tb, p.adminCtx, "carol@acme.example", "Carol", "Clark", server.RoleUser)
	p.bobCtx, p.bobKey = p.mustUserContext(tb, p.adminCtx, p.bob)
	p.globex, p.gus, _, p.gusCtx = p.mustCreateOrganization(tb, "Globex", "gus@globex.example", "Gus", "Grant")
	p.invites = sqlite.NewInvitationService(p.db)
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
