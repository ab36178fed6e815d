package app

// status is where a piece of loaded state stands.
type status int

// The statuses of loaded state.
const (
	statusIdle status = iota
	statusLoading
	statusReady
	statusFailed
)

// State keys. Components observe them; only the action handlers set them.
const (
	stateSession       = "session"       // sessionState
	stateProbe         = "probe"         // probe: what the sign-in form's endpoint offers
	stateSignIn        = "signIn"        // result: the sign-in form's request
	stateUsers         = "users"         // usersState
	stateCount         = "count"         // countState
	stateUser          = "user"          // userState: the user being edited
	stateSave          = "save"          // result: the edit page's last write
	stateOrganizations = "organizations" // []organization
	stateAPIKeys       = "apiKeys"       // apiKeysState: the keys of the user being edited
	stateRevoke        = "revoke"        // result: revoking one of them
	stateAccount       = "account"       // result: changing one's own password
	stateReset         = "reset"         // result: completing a password reset
	stateEmbed         = "embed"         // embedState: the handshake with a framing portal
	stateUserChanged   = "userChanged"   // userChange: the last user saved, created or deleted
	stateLive          = "live"          // liveChange: the last change of a user, by anyone
)

// Actions. Components dispatch them with ctx.NewActionWithValue; the handlers, each in
// its feature's _actions.go file, do the I/O.
const (
	actionSession       = "session"        // nothing: open the session after a reload
	actionSignOut       = "signOut"        // nothing
	actionProbe         = "probe"          // string: endpoint
	actionSignIn        = "signIn"         // signInRequest
	actionLoadUsers     = "loadUsers"      // listQuery
	actionLoadUser      = "loadUser"       // string: id
	actionSaveUser      = "saveUser"       // saveRequest
	actionCreateUser    = "createUser"     // CreateUserData
	actionDeleteUser    = "deleteUser"     // string: id
	actionResetPassword = "resetPassword"  // string: id
	actionLoadAPIKeys   = "loadApiKeys"    // string: user id
	actionRevokeAPIKey  = "revokeApiKey"   // revokeRequest
	actionChangePass    = "changePassword" // UpdatePasswordData
	actionCompleteReset = "completeReset"  // resetRequest
	actionJoinPortal    = "joinPortal"     // nothing: start the handshake with a framing portal
	actionPortalInit    = "portalInit"     // portalInit: the portal's useradmin:init
	actionLive          = "live"           // nothing: follow the changes of users while signed in
)

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

// userChange is a user saved, created or deleted, for the portal (useradmin:user-updated).
type userChange struct {
	ID     string
	Change string // "updated", "created" or "deleted"
	Seq    int
}
