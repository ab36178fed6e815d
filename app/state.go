package app

import (
	"net/url"
	"strings"
	"sync"
	"time"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// status is where a piece of loaded state stands.
type status int

// The statuses of loaded state.
const (
	statusIdle status = iota
	statusLoading
	statusReady
	statusFailed
)

// State keys. Components observe them; only the handlers below set them.
const (
	stateSession       = "session"       // session
	stateProbe         = "probe"         // probe: what the sign-in form's endpoint offers
	stateSignIn        = "signIn"        // result: the sign-in form's request
	stateUsers         = "users"         // usersState
	stateCount         = "count"         // countState
	stateUser          = "user"          // userState: the user being edited
	stateSave          = "save"          // result: the edit page's last write
	stateOrganizations = "organizations" // []organization
	stateAccount       = "account"       // result: changing one's own password
	stateReset         = "reset"         // result: completing a password reset
	stateEmbed         = "embed"         // embedState: the handshake with a framing portal
)

// Actions. Components dispatch them with ctx.NewActionWithValue; the handlers do the I/O.
const (
	actionSession       = "session"        // nothing: open the session after a reload
	actionProbe         = "probe"          // string: endpoint
	actionSignIn        = "signIn"         // signInRequest
	actionSignOut       = "signOut"        // nothing
	actionLoadUsers     = "loadUsers"      // listQuery
	actionLoadUser      = "loadUser"       // string: id
	actionSaveUser      = "saveUser"       // saveRequest
	actionCreateUser    = "createUser"     // CreateUserData
	actionDeleteUser    = "deleteUser"     // string: id
	actionResetPassword = "resetPassword"  // string: id
	actionChangePass    = "changePassword" // UpdatePasswordData
	actionCompleteReset = "completeReset"  // resetRequest
	actionJoinPortal    = "joinPortal"     // nothing: start the handshake with a framing portal
	actionPortalInit    = "portalInit"     // portalInit: the portal's useradmin:init
)

// Where the session survives a reload: sessionStorage, which the browser forgets with the
// tab, never localStorage.
const (
	storageKey      = "useradmin.key"
	storageEndpoint = "useradmin.endpoint"
	storagePortal   = "useradmin.portal" // true when the key came from the framing portal
	storageCaps     = "useradmin.caps:"  // + endpoint: the capabilities it last had
)

// session is who is signed in, where, and what that endpoint offers. Status is statusReady
// when signed in and statusFailed when signed out; Notice says why it ended. FromPortal
// is set when the framing portal handed over the key: the portal owns that key, so
// signing out forgets it without revoking it.
type session struct {
	Status     status
	Endpoint   string
	Key        string
	Viewer     user
	Caps       capabilities
	Notice     string
	FromPortal bool
}

// probe is what an endpoint offers, found without signing in.
type probe struct {
	Status   status
	Endpoint string
	Caps     capabilities
}

// result is the outcome of a write: a failure, or what to tell the person.
type result struct {
	Status    status
	Err       *failure
	Notice    string
	CreatedID string // set by createUser
	Deleted   bool   // set by deleteUser
	ResetLink string // set by issuePasswordReset
	Seq       int    // tells two equal outcomes apart, so each one is shown
}

// usersState is one page of the user list.
type usersState struct {
	Status status
	Err    *failure
	Query  listQuery
	Users  []user
	Total  int
}

// countState is how many users match the current filters.
type countState struct {
	Status status
	Count  int
}

// userState is the user the edit page shows.
type userState struct {
	Status status
	Err    *failure
	ID     string
	User   user
}

// signInRequest is what the sign-in form sends: a key, or an email and password.
type signInRequest struct {
	Endpoint string
	Key      string
	Email    string
	Password string
}

// saveRequest is an edit: only the changed fields, and the updatedAt the form was
// filled from, as a precondition where the endpoint supports it.
type saveRequest struct {
	ID        string
	Data      UserData
	UpdatedAt string
	Notice    string
}

// resetRequest completes a password reset with the token of a reset link.
type resetRequest struct {
	Token    string
	Password string
}

func init() {
	handle(actionSession, handleSession)
	handle(actionProbe, handleProbe)
	handle(actionSignIn, handleSignIn)
	handle(actionSignOut, handleSignOut)
	handle(actionLoadUsers, handleLoadUsers)
	handle(actionLoadUser, handleLoadUser)
	handle(actionSaveUser, handleSaveUser)
	handle(actionCreateUser, handleCreateUser)
	handle(actionDeleteUser, handleDeleteUser)
	handle(actionResetPassword, handleResetPassword)
	handle(actionChangePass, handleChangePassword)
	handle(actionCompleteReset, handleCompleteReset)
	handle(actionJoinPortal, handleJoinPortal)
	handle(actionPortalInit, handlePortalInit)
}

// handle registers an action handler that runs only in the browser: prerendering on the
// server and component tests show the loading state and call no endpoint.
func handle(name string, h app.ActionHandler) {
	app.Handle(name, func(ctx app.Context, a app.Action) {
		if app.IsServer {
			return
		}
		h(ctx, a)
	})
}

// defaultEndpoint is the GraphQL endpoint the server configured (GRAPHQL_ENDPOINT), else
// the widget's own /graphql (under its prefix), resolved against the page so that the
// browser's fetch gets a full URL.
func defaultEndpoint() string {
	e := app.Getenv("GRAPHQL_ENDPOINT")
	if e == "" {
		e = link("/graphql")
	}
	return resolveEndpoint(e)
}

// resolveEndpoint makes an endpoint typed by a person or configured as a path absolute.
func resolveEndpoint(e string) string {
	e = strings.TrimSpace(e)
	u, err := url.Parse(e)
	if err != nil || app.IsServer {
		return e
	}
	return app.Window().URL().ResolveReference(u).String()
}

// seqs numbers the requests of each state, so that a slow answer to an old request never
// overwrites the answer to a newer one.
var seqs = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

func nextSeq(key string) int {
	seqs.Lock()
	defer seqs.Unlock()
	seqs.n[key]++
	return seqs.n[key]
}

func isLatest(key string, seq int) bool {
	seqs.Lock()
	defer seqs.Unlock()
	return seqs.n[key] == seq
}

// sessionEnded is what the sign-in page says when the directory stopped accepting the
// key of a signed-in session.
const sessionEnded = "Your session ended (the key was revoked or the account deactivated): sign in again."

// sessionMu makes concurrent handlers open the session once.
var sessionMu sync.Mutex

// currentSession returns the signed-in session, opening it from sessionStorage after a
// reload. Without a usable key it signs out (the top bar then leads to the sign-in page)
// and returns an UNAUTHENTICATED failure. Framed by a portal, it first waits for the key
// the portal hands over.
func currentSession(ctx app.Context) (session, *failure) {
	waitForPortal(ctx)
	sessionMu.Lock()
	defer sessionMu.Unlock()
	var s session
	ctx.GetState(stateSession, &s)
	if s.Status == statusReady {
		return s, nil
	}
	key, endpoint, fromPortal := storedKey(ctx)
	if key == "" {
		endSession(ctx, "")
		return s, &failure{Code: codeUnauthenticated, Message: "Sign in to continue."}
	}
	s, f := openSession(ctx, endpoint, key)
	if f != nil {
		if f.Code == codeUnauthenticated {
			revokedSession(ctx)
		}
		return s, f
	}
	s.FromPortal = fromPortal
	ctx.SetState(stateSession, s)
	return s, nil
}

// storedKey is the key, endpoint and origin of the session kept in sessionStorage.
func storedKey(ctx app.Context) (key, endpoint string, fromPortal bool) {
	ctx.SessionStorage().Get(storageKey, &key)
	ctx.SessionStorage().Get(storageEndpoint, &endpoint)
	ctx.SessionStorage().Get(storagePortal, &fromPortal)
	if endpoint == "" {
		endpoint = defaultEndpoint()
	}
	return key, endpoint, fromPortal
}

// readSession is the session to read a list page with. After a reload the page need not
// wait for the session to open (two requests, viewer and capabilities): with the stored
// key it goes out at once, alongside them, when the capabilities the query depends on
// are known from an earlier visit or q needs none of them. A key that no longer works
// then fails the page, which ends the session as any read does.
func readSession(ctx app.Context, q listQuery) (session, *failure) {
	var s session
	ctx.GetState(stateSession, &s)
	if s.Status == statusReady {
		return s, nil
	}
	waitForPortal(ctx)
	key, endpoint, _ := storedKey(ctx)
	if key == "" {
		return currentSession(ctx)
	}
	caps, known := cachedCapabilities(ctx, endpoint)
	if !known && q != q.supported(capabilities{}) {
		return currentSession(ctx)
	}
	ctx.Async(func() { currentSession(ctx) })
	return session{Endpoint: endpoint, Key: key, Caps: caps}, nil
}

// openSession checks key with viewer and, at the same time, finds what the endpoint offers.
func openSession(ctx app.Context, endpoint, key string) (session, *failure) {
	c := newClient(endpoint, key)
	type found struct {
		caps capabilities
		f    *failure
	}
	capsDone := make(chan found, 1)
	go func() {
		caps, f := findCapabilities(ctx, c)
		capsDone <- found{caps, f}
	}()
	var q struct {
		Viewer user `graphql:"viewer"`
	}
	err := queryInto(ctx, c, &q, nil)
	caps := <-capsDone
	if err != nil {
		f := toFailure(err)
		if f.Code == codeUnauthenticated {
			f.Message = "This API key was not accepted. Check it, or ask an admin for a new one."
		}
		return session{}, f
	}
	if caps.f != nil {
		return session{}, caps.f
	}
	ctx.SessionStorage().Set(storageCaps+endpoint, caps.caps)
	return session{
		Status:   statusReady,
		Endpoint: endpoint,
		Key:      key,
		Viewer:   q.Viewer,
		Caps:     caps.caps,
	}, nil
}

// cachedCapabilities is what endpoint offered when this tab last opened a session on it.
func cachedCapabilities(ctx app.Context, endpoint string) (capabilities, bool) {
	var caps *capabilities
	ctx.SessionStorage().Get(storageCaps+endpoint, &caps)
	if caps == nil {
		return capabilities{}, false
	}
	return *caps, true
}

// findCapabilities asks the endpoint which extensions it has; an endpoint that refuses
// introspection is treated as the core alone. An endpoint that did not answer is not:
// taken for the core, the widget would hide features and, worse, save without the
// updatedAt precondition. Its failure is returned, to be retried.
func findCapabilities(ctx app.Context, c *graphql.Client) (capabilities, *failure) {
	var q introspection
	if err := c.Query(ctx, &q, nil); err != nil {
		if f := toFailure(err); retryable(f) {
			return capabilities{}, f
		}
		app.Log("introspection failed, using the core contract only:", err)
		return capabilities{}, nil
	}
	return q.capabilities(), nil
}

// endSession forgets the key and marks the session signed out.
func endSession(ctx app.Context, notice string) {
	ctx.SessionStorage().Del(storageKey)
	ctx.SessionStorage().Del(storagePortal)
	ctx.SetState(stateSession, session{Status: statusFailed, Notice: notice})
}

// failed reports f and, when the key stopped working, ends the session.
func failed(ctx app.Context, f *failure) *failure {
	if f != nil && f.Code == codeUnauthenticated {
		sessionMu.Lock()
		revokedSession(ctx)
		sessionMu.Unlock()
	}
	return f
}

// revokedSession ends the session whose key the endpoint stopped accepting, and tells the
// portal once, however many requests found out. The caller holds sessionMu.
func revokedSession(ctx app.Context) {
	var s session
	ctx.GetState(stateSession, &s)
	if s.Status == statusFailed && s.Notice == sessionEnded {
		return
	}
	endSession(ctx, sessionEnded)
	portalSignedOut()
}

// handleSession opens the session for pages that load nothing else, so that they show
// who is signed in, or lead to the sign-in page.
func handleSession(ctx app.Context, a app.Action) {
	currentSession(ctx)
}

func handleProbe(ctx app.Context, a app.Action) {
	endpoint, _ := a.Value.(string)
	ctx.SetState(stateProbe, probe{Status: statusLoading, Endpoint: endpoint})
	var q introspection
	err := newClient(resolveEndpoint(endpoint), "").Query(ctx, &q, nil)
	p := probe{Status: statusReady, Endpoint: endpoint, Caps: q.capabilities()}
	if err != nil {
		p.Status = statusFailed
	}
	ctx.SetState(stateProbe, p)
}

func handleSignIn(ctx app.Context, a app.Action) {
	req, _ := a.Value.(signInRequest)
	seq := nextSeq(stateSignIn)
	ctx.SetState(stateSignIn, result{Status: statusLoading, Seq: seq})
	endpoint := resolveEndpoint(req.Endpoint)
	key := strings.TrimSpace(req.Key)
	if req.Email != "" {
		var m struct {
			SignIn struct {
				APIKey string `graphql:"apiKey"`
			} `graphql:"signIn(email: $email, password: $password)"`
		}
		vars := map[string]interface{}{
			"email":    graphql.String(strings.TrimSpace(req.Email)),
			"password": graphql.String(req.Password),
		}
		if err := newClient(endpoint, "").Mutate(ctx, &m, vars); err != nil {
			ctx.SetState(stateSignIn, result{Status: statusFailed, Err: toFailure(err), Seq: seq})
			return
		}
		key = m.SignIn.APIKey
	}
	s, f := openSession(ctx, endpoint, key)
	if f != nil {
		ctx.SetState(stateSignIn, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	sessionMu.Lock()
	ctx.SessionStorage().Set(storageKey, key)
	ctx.SessionStorage().Set(storageEndpoint, endpoint)
	ctx.SessionStorage().Del(storagePortal)
	ctx.SetState(stateSession, s)
	sessionMu.Unlock()
	ctx.SetState(stateSignIn, result{Status: statusReady, Seq: seq})
}

// handleSignOut forgets the key at once, then revokes it on the endpoint: a directory
// that does not answer must not keep the person signed in on this screen.
func handleSignOut(ctx app.Context, a app.Action) {
	var s session
	ctx.GetState(stateSession, &s)
	sessionMu.Lock()
	endSession(ctx, "You are signed out.")
	sessionMu.Unlock()
	portalSignedOut()
	if s.Status == statusReady && s.Caps.SignOut && !s.FromPortal {
		var m struct {
			SignOut bool `graphql:"signOut"`
		}
		if err := newClient(s.Endpoint, s.Key).Mutate(ctx, &m, nil); err != nil {
			app.Log("signing out on the endpoint failed:", err)
		}
	}
}

// userPage is the users query; usersSortedPage adds the sort extension's orderBy.
type userPage struct {
	Users []user `graphql:"users(where: $where, first: $first, skip: $skip)"`
	Count int    `graphql:"countUsers(where: $where)" json:"countUsers"`
}

type userPageSorted struct {
	Users []user `graphql:"users(where: $where, first: $first, skip: $skip, orderBy: $orderBy)"`
	Count int    `graphql:"countUsers(where: $where)" json:"countUsers"`
}

func handleLoadUsers(ctx app.Context, a app.Action) {
	q, _ := a.Value.(listQuery)
	seq := nextSeq(stateUsers)
	var prev usersState
	ctx.GetState(stateUsers, &prev)
	ctx.SetState(stateUsers, usersState{Status: statusLoading, Query: q, Users: prev.Users, Total: prev.Total})
	s, f := readSession(ctx, q)
	if f != nil {
		ctx.SetState(stateUsers, usersState{Status: statusFailed, Query: q, Err: f})
		return
	}
	q = q.supported(s.Caps)
	c := newClient(s.Endpoint, s.Key)
	vars := map[string]interface{}{
		"where": q.where(),
		"first": PageSize(q.Size),
		"skip":  graphql.Int(q.skip()),
	}
	var page userPage
	var err error
	if order := q.orderBy(); order != nil {
		vars["orderBy"] = order
		var sorted userPageSorted
		err = queryInto(ctx, c, &sorted, vars)
		page = userPage(sorted)
	} else {
		err = queryInto(ctx, c, &page, vars)
	}
	if !isLatest(stateUsers, seq) {
		return
	}
	if err != nil {
		// The total stays as last known, so that the pager does not claim a shorter list.
		ctx.SetState(stateUsers, usersState{Status: statusFailed, Query: q, Err: failed(ctx, toFailure(err)), Total: prev.Total})
		return
	}
	ctx.SetState(stateUsers, usersState{Status: statusReady, Query: q, Users: page.Users, Total: page.Count})
	ctx.SetState(stateCount, countState{Status: statusReady, Count: page.Count})
}

// findUser reads one user by id; none is NOT_FOUND.
func findUser(ctx app.Context, s session, id string) (user, *failure) {
	var q struct {
		Users []user `graphql:"users(where: $where, first: $first, skip: $skip)"`
	}
	vars := map[string]interface{}{
		"where": UserWhere{ID: id},
		"first": PageSize(1),
		"skip":  graphql.Int(0),
	}
	if err := newClient(s.Endpoint, s.Key).Query(ctx, &q, vars); err != nil {
		return user{}, failed(ctx, toFailure(err))
	}
	if len(q.Users) == 0 {
		return user{}, &failure{Code: codeNotFound, Message: "This user does not exist, or you may not see them. Go back to the list."}
	}
	return q.Users[0], nil
}

func handleLoadUser(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	seq := nextSeq(stateUser)
	ctx.SetState(stateUser, userState{Status: statusLoading, ID: id})
	s, f := currentSession(ctx)
	if f != nil {
		ctx.SetState(stateUser, userState{Status: statusFailed, ID: id, Err: f})
		return
	}
	if s.Caps.Organizations {
		loadOrganizations(ctx, s)
	}
	if id == "" {
		ctx.SetState(stateUser, userState{Status: statusReady})
		return
	}
	u, f := findUser(ctx, s, id)
	if !isLatest(stateUser, seq) {
		return
	}
	if f != nil {
		ctx.SetState(stateUser, userState{Status: statusFailed, ID: id, Err: f})
		return
	}
	ctx.SetState(stateUser, userState{Status: statusReady, ID: id, User: u})
}

// loadOrganizations fills the organization picker (the organizations extension).
func loadOrganizations(ctx app.Context, s session) {
	var q struct {
		Organizations []organization `graphql:"organizations(first: $first, skip: $skip)"`
	}
	vars := map[string]interface{}{"first": PageSize(100), "skip": graphql.Int(0)}
	if err := newClient(s.Endpoint, s.Key).Query(ctx, &q, vars); err != nil {
		app.Log("listing organizations failed:", err)
		return
	}
	ctx.SetState(stateOrganizations, q.Organizations)
}

// write runs a mutation for the edit page and reports its outcome in stateSave; unsure
// says what may have happened when no answer came. It sends the mutation once: a write
// whose answer was lost may have been applied, so only the person may send it again.
func write(ctx app.Context, unsure string, run func(s session, c *graphql.Client) (result, error)) {
	seq := nextSeq(stateSave)
	ctx.SetState(stateSave, result{Status: statusLoading, Seq: seq})
	s, f := currentSession(ctx)
	if f != nil {
		ctx.SetState(stateSave, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	r, err := run(s, newClient(s.Endpoint, s.Key))
	if err != nil {
		ctx.SetState(stateSave, result{Status: statusFailed, Err: writeFailure(failed(ctx, toFailure(err)), unsure), Seq: seq})
		return
	}
	r.Status, r.Seq = statusReady, seq
	ctx.SetState(stateSave, r)
}

func handleSaveUser(ctx app.Context, a app.Action) {
	req, _ := a.Value.(saveRequest)
	write(ctx, unsureSave, func(s session, c *graphql.Client) (result, error) {
		where := UserWhere{ID: req.ID}
		if s.Caps.UpdatedAt {
			where.UpdatedAt = req.UpdatedAt
		}
		var m struct {
			User user `graphql:"updatePropertiesInUser(data: $data, where: $where)"`
		}
		vars := map[string]interface{}{"data": req.Data, "where": where}
		if err := c.Mutate(ctx, &m, vars); err != nil {
			return result{}, err
		}
		ctx.SetState(stateUser, userState{Status: statusReady, ID: m.User.ID, User: m.User})
		portalUserChanged(m.User.ID, "updated")
		return result{Notice: req.Notice}, nil
	})
}

func handleCreateUser(ctx app.Context, a app.Action) {
	data, _ := a.Value.(CreateUserData)
	write(ctx, unsureCreate, func(s session, c *graphql.Client) (result, error) {
		var m struct {
			User user `graphql:"createUser(data: $data)"`
		}
		if err := c.Mutate(ctx, &m, map[string]interface{}{"data": data}); err != nil {
			return result{}, err
		}
		portalUserChanged(m.User.ID, "created")
		return result{Notice: "User created.", CreatedID: m.User.ID}, nil
	})
}

func handleDeleteUser(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	write(ctx, unsureDelete, func(s session, c *graphql.Client) (result, error) {
		var m struct {
			ID string `graphql:"deleteUser(where: $where)"`
		}
		if err := c.Mutate(ctx, &m, map[string]interface{}{"where": UserWhere{ID: id}}); err != nil {
			return result{}, err
		}
		portalUserChanged(id, "deleted")
		return result{Notice: "User deleted.", Deleted: true}, nil
	})
}

func handleResetPassword(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	write(ctx, unsureReset, func(s session, c *graphql.Client) (result, error) {
		vars := map[string]interface{}{"where": UserWhere{ID: id}}
		if s.Caps.IssuePasswordReset {
			var m struct {
				Reset struct {
					Link      string
					ExpiresAt string
				} `graphql:"issuePasswordReset(where: $where)"`
			}
			if err := c.Mutate(ctx, &m, vars); err != nil {
				return result{}, err
			}
			return result{
				Notice:    "Send this link to the user. It works once, until " + formatTime(m.Reset.ExpiresAt) + ".",
				ResetLink: m.Reset.Link,
			}, nil
		}
		var m struct {
			User struct{ Email string } `graphql:"resetPassword(where: $where)"`
		}
		if err := c.Mutate(ctx, &m, vars); err != nil {
			return result{}, err
		}
		return result{Notice: "A password reset was started for " + m.User.Email + "."}, nil
	})
}

func handleChangePassword(ctx app.Context, a app.Action) {
	data, _ := a.Value.(UpdatePasswordData)
	seq := nextSeq(stateAccount)
	ctx.SetState(stateAccount, result{Status: statusLoading, Seq: seq})
	s, f := currentSession(ctx)
	if f == nil {
		var m struct {
			User struct{ ID string } `graphql:"updatePassword(data: $data, where: $where)"`
		}
		vars := map[string]interface{}{"data": data, "where": UserWhere{ID: s.Viewer.ID}}
		f = writeFailure(failed(ctx, toFailure(newClient(s.Endpoint, s.Key).Mutate(ctx, &m, vars))), unsurePassword)
	}
	if f != nil {
		ctx.SetState(stateAccount, result{Status: statusFailed, Err: f, Seq: seq})
		return
	}
	ctx.SetState(stateAccount, result{Status: statusReady, Notice: "Your password is changed.", Seq: seq})
}

func handleCompleteReset(ctx app.Context, a app.Action) {
	req, _ := a.Value.(resetRequest)
	seq := nextSeq(stateReset)
	ctx.SetState(stateReset, result{Status: statusLoading, Seq: seq})
	endpoint := ""
	ctx.SessionStorage().Get(storageEndpoint, &endpoint)
	if endpoint == "" {
		endpoint = defaultEndpoint()
	}
	var m struct {
		Done bool `graphql:"completePasswordReset(token: $token, newPassword: $newPassword)"`
	}
	vars := map[string]interface{}{
		"token":       graphql.String(req.Token),
		"newPassword": graphql.String(req.Password),
	}
	if err := newClient(endpoint, "").Mutate(ctx, &m, vars); err != nil {
		ctx.SetState(stateReset, result{Status: statusFailed, Err: toFailure(err), Seq: seq})
		return
	}
	ctx.SetState(stateReset, result{Status: statusReady, Notice: "Your password is set. Sign in with it.", Seq: seq})
}

// formatTime shows an RFC 3339 timestamp in the reader's time zone, to the minute.
func formatTime(ts string) string {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ts
	}
	return t.Local().Format("2006-01-02 15:04")
}
