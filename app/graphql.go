package app

import (
	"context"
	"errors"
	"strings"

	graphql "github.com/hasura/go-graphql-client"
)

// The types below are named exactly as the contract's GraphQL types: go-graphql-client
// v0.6.3 writes a variable's type from its Go type name ($where:UserWhere!), so these few
// names are exported where everything else in the widget is not. Optional input fields are
// omitted when empty, so an endpoint with only the core never sees an extension field.

// UserWhere is the contract's UserWhere input.
type UserWhere struct {
	ID               string             `json:"id,omitempty"`
	IDIn             []string           `json:"idIn,omitempty"`
	Email            string             `json:"email,omitempty"`
	Activated        *bool              `json:"activated,omitempty"`
	Search           string             `json:"search,omitempty"`
	OrganizationRole string             `json:"organizationRole,omitempty"`
	UpdatedAt        string             `json:"updatedAt,omitempty"`
	Organization     *OrganizationWhere `json:"organization,omitempty"`
	// The usernames, workspaces and last sign-in extension: set only where it is offered.
	WorkspaceID        string `json:"workspaceId,omitempty"`
	LastSignedInBefore string `json:"lastSignedInBefore,omitempty"`
	NeverSignedIn      *bool  `json:"neverSignedIn,omitempty"`
}

// OrganizationWhere is the contract's OrganizationWhere input.
type OrganizationWhere struct {
	ID string `json:"id,omitempty"`
}

// UserData is the contract's UserData input: only the fields that changed are sent.
type UserData struct {
	Firstname        *string `json:"firstname,omitempty"`
	Lastname         *string `json:"lastname,omitempty"`
	Email            *string `json:"email,omitempty"`
	OrganizationID   *string `json:"organizationId,omitempty"`
	OrganizationRole *string `json:"organizationRole,omitempty"`
	Activated        *bool   `json:"activated,omitempty"`
	Username         *string `json:"username,omitempty"`
}

// CreateUserData is the contract's CreateUserData input.
type CreateUserData struct {
	Email            string `json:"email"`
	Password         string `json:"password"`
	OrganizationRole string `json:"organizationRole"`
	Firstname        string `json:"firstname,omitempty"`
	Lastname         string `json:"lastname,omitempty"`
	Username         string `json:"username,omitempty"`
}

// UpdatePasswordData is the contract's UpdatePasswordData input.
type UpdatePasswordData struct {
	OldPassword  string `json:"oldPassword"`
	NewPassword1 string `json:"newPassword1"`
	NewPassword2 string `json:"newPassword2"`
}

// UserOrderBy is the contract's UserOrderBy input (the sort extension).
type UserOrderBy struct {
	Field     string `json:"field"`
	Direction string `json:"direction"`
}

// PageSize is the contract's PageSize scalar: an Int from 1 to 100.
type PageSize int32

// user is a user as the widget reads it.
type user struct {
	ID               string
	Email            string
	Firstname        string
	Lastname         string
	Activated        bool
	OrganizationID   string
	OrganizationRole string
	CreatedAt        string
	UpdatedAt        string
}

// organization is an organization as the widget reads it.
type organization struct {
	ID   string
	Name string
}

// capabilities tells which of the contract's extensions an endpoint offers; the zero
// value is the core alone.
type capabilities struct {
	Search             bool
	RoleFilter         bool
	OrderBy            bool
	DeleteUser         bool
	SignIn             bool
	SignOut            bool
	IssuePasswordReset bool
	Organizations      bool
	UpdatedAt          bool
	APIKeys            bool // User.apiKeys and revokeApiKey
	Invitations        bool // inviteUsers, invitations and the rest of the invitations extension
	Paradime           bool // Paradime's user-management API: listUsers, inviteUser, ...
	NoCore             bool // no users query: an endpoint with Paradime's API alone
	Live               bool // Subscription.userChanged: live updates over a WebSocket
	EmbedGrant         bool // embedGrant: what a portal's token allows
	Usernames          bool // User.username, its filter and sort, username in the forms
	LastSignIn         bool // User.lastSignedInAt, its sort and the dormant filters
	Workspaces         bool // workspaces, their writes, User.workspaces and UserWhere.workspaceId
	AuditEvents        bool // auditEvents and countAuditEvents: the activity timelines
	Bulk               bool // updateUsers and deleteUsers: a batch of users per request
	Import             bool // importUsers: the CSV import
	BulkMembership     bool // BulkUserData.addToWorkspace and removeFromWorkspace
	Export             bool // createExport and export(id): the directory streams the CSV file
}

// userModels reports whether the endpoint has the whole usernames, last sign-in and
// workspaces extension, which the list and the user page read together.
func (c capabilities) userModels() bool { return c.Usernames && c.LastSignIn && c.Workspaces }

// apiKey is an API key of a user, as User.apiKeys lists it: never its secret.
type apiKey struct {
	ID        string
	Name      string
	CreatedAt string
	ExpiresAt string
}

// introspection is one request that asks for the names the capabilities depend on. The
// json tags let encoding/json read it too, where it is part of a larger answer (sessionLook).
type introspection struct {
	User struct {
		Fields []struct{ Name string }
	} `graphql:"userType: __type(name: \"User\")" json:"userType"`
	UserWhere struct {
		InputFields []struct{ Name string }
	} `graphql:"userWhere: __type(name: \"UserWhere\")" json:"userWhere"`
	Mutation struct {
		Fields []struct{ Name string }
	} `graphql:"mutationType: __type(name: \"Mutation\")" json:"mutationType"`
	Query struct {
		Fields []struct {
			Name string
			Args []struct{ Name string }
		}
	} `graphql:"queryType: __type(name: \"Query\")" json:"queryType"`
	Subscription struct {
		Fields []struct{ Name string }
	} `graphql:"subscriptionType: __type(name: \"Subscription\")" json:"subscriptionType"`
	BulkUserData struct {
		InputFields []struct{ Name string }
	} `graphql:"bulkUserData: __type(name: \"BulkUserData\")" json:"bulkUserData"`
}

// capabilities reads what the introspection found.
func (q *introspection) capabilities() capabilities {
	var c capabilities
	hasAPIKeys, hasRevoke := false, false
	hasUserWorkspaces, hasWorkspaceFilter, hasDormantFilter, hasWorkspaceWrites := false, false, false, false
	for _, f := range q.User.Fields {
		switch f.Name {
		case "apiKeys":
			hasAPIKeys = true
		case "username":
			c.Usernames = true
		case "lastSignedInAt":
			c.LastSignIn = true
		case "workspaces":
			hasUserWorkspaces = true
		}
	}
	for _, f := range q.UserWhere.InputFields {
		switch f.Name {
		case "search":
			c.Search = true
		case "organizationRole":
			c.RoleFilter = true
		case "updatedAt":
			c.UpdatedAt = true
		case "workspaceId":
			hasWorkspaceFilter = true
		case "neverSignedIn":
			hasDormantFilter = true
		}
	}
	for _, f := range q.Mutation.Fields {
		switch f.Name {
		case "deleteUser":
			c.DeleteUser = true
		case "signIn":
			c.SignIn = true
		case "signOut":
			c.SignOut = true
		case "issuePasswordReset":
			c.IssuePasswordReset = true
		case "revokeApiKey":
			hasRevoke = true
		case "inviteUsers":
			c.Invitations = true
		case "addWorkspaceMembers":
			hasWorkspaceWrites = true
		case "updateUsers":
			c.Bulk = true
		case "importUsers":
			c.Import = true
		case "createExport":
			c.Export = true
		}
	}
	hasUsers := false
	for _, f := range q.Query.Fields {
		switch f.Name {
		case "listUsers":
			c.Paradime = true
		case "embedGrant":
			c.EmbedGrant = true
		case "organizations":
			c.Organizations = true
		case "workspaces":
			c.Workspaces = true
		case "auditEvents":
			c.AuditEvents = true
		case "users":
			hasUsers = true
			for _, a := range f.Args {
				if a.Name == "orderBy" {
					c.OrderBy = true
				}
			}
		}
	}
	for _, f := range q.Subscription.Fields {
		c.Live = c.Live || f.Name == "userChanged"
	}
	addTo, removeFrom := false, false
	for _, f := range q.BulkUserData.InputFields {
		addTo, removeFrom = addTo || f.Name == "addToWorkspace", removeFrom || f.Name == "removeFromWorkspace"
	}
	c.APIKeys = hasAPIKeys && hasRevoke
	c.LastSignIn = c.LastSignIn && hasDormantFilter
	c.Workspaces = c.Workspaces && hasUserWorkspaces && hasWorkspaceFilter && hasWorkspaceWrites
	c.BulkMembership = c.Bulk && c.Workspaces && addTo && removeFrom
	// An endpoint that answered introspection without Kili's users query has Paradime's
	// API alone; one that refused introspection is taken for the core.
	c.NoCore = c.Paradime && !hasUsers
	return c
}

// The error codes of the contract's errors[].extensions.code, and two of the widget's own.
const (
	codeBadInput        = "BAD_USER_INPUT"
	codeUnauthenticated = "UNAUTHENTICATED"
	codeForbidden       = "FORBIDDEN"
	codeNotFound        = "NOT_FOUND"
	codeConflict        = "CONFLICT"
	codeRateLimited     = "RATE_LIMITED"
	codeInternal        = "INTERNAL"
	codeUnreachable     = "UNREACHABLE" // no answer at all: down, refused, offline
	codeTimeout         = "TIMEOUT"     // no answer within requestTimeout
	codeUnavailable     = "UNAVAILABLE" // an HTTP 5xx instead of GraphQL
	codeNotGraphQL      = "NOT_GRAPHQL"
)

// failure is an error as the person at the screen sees it: a sentence, the form field it
// is about (if any), for a conflict the user as it is stored now, and for an HTTP error
// its status ("502 Bad Gateway").
type failure struct {
	Code    string
	Message string
	Field   string
	Current *user
	Status  string
}

// Error implements the error interface.
func (f *failure) Error() string { return f.Message }

// toFailure turns what go-graphql-client returned into a failure. GraphQL errors keep
// the server's sentence; transport errors become a sentence that says what to check.
func toFailure(err error) *failure {
	if err == nil {
		return nil
	}
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	var gqlErrs graphql.Errors
	if errors.As(err, &gqlErrs) && len(gqlErrs) > 0 {
		e := gqlErrs[0]
		f := &failure{Code: codeInternal, Message: strings.TrimSpace(e.Message)}
		if code, ok := e.Extensions["code"].(string); ok && code != "" {
			f.Code = code
		}
		if field, ok := e.Extensions["field"].(string); ok {
			f.Field = formField(field)
		}
		if cur, ok := e.Extensions["current"].(map[string]interface{}); ok {
			f.Current = userFromMap(cur)
		}
		if f.Message == "" || f.Code == codeInternal {
			f.Message = "Internal error."
		}
		return f
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &timeout) && timeout.Timeout()) {
		return &failure{Code: codeTimeout, Message: "The endpoint did not answer in time. Check your connection, then retry."}
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "non-200 OK status code: "):
		status := strings.TrimPrefix(msg, "non-200 OK status code: ")
		if i := strings.Index(status, " body:"); i >= 0 {
			status = status[:i]
		}
		if strings.HasPrefix(status, "5") {
			return &failure{Code: codeUnavailable, Status: status, Message: "The endpoint answered " + status + ". Retry in a moment."}
		}
		return &failure{Code: codeNotGraphQL, Status: status, Message: "The endpoint answered " + status + " instead of GraphQL. Check the endpoint address, then retry."}
	case strings.Contains(msg, "invalid character") || strings.Contains(msg, "cannot unmarshal") || strings.Contains(msg, "unexpected end of JSON"):
		return &failure{Code: codeNotGraphQL, Message: "The endpoint did not answer with GraphQL. Check the endpoint address, then retry."}
	}
	return &failure{Code: codeUnreachable, Message: "Cannot reach the GraphQL endpoint. Check the address and your connection, then retry."}
}

// formField turns a contract field path ("data.email", "data.organizationId") into the
// name of the form field that shows its message.
func formField(path string) string {
	path = strings.TrimPrefix(path, "data.")
	switch path {
	case "newPassword", "newPassword1", "password":
		return "password"
	case "newPassword2":
		return "password2"
	case "organizationId":
		return "organization"
	case "organizationRole":
		return "role"
	}
	return path
}

// userFromMap reads a user out of a JSON object already decoded into a map, as
// extensions.current arrives.
func userFromMap(m map[string]interface{}) *user {
	s := func(k string) string { v, _ := m[k].(string); return v }
	u := &user{
		ID:               s("id"),
		Email:            s("email"),
		Firstname:        s("firstname"),
		Lastname:         s("lastname"),
		OrganizationID:   s("organizationId"),
		OrganizationRole: s("organizationRole"),
		CreatedAt:        s("createdAt"),
		UpdatedAt:        s("updatedAt"),
	}
	u.Activated, _ = m["activated"].(bool)
	return u
}

// contractCaps is what the built-in directory offers with each of its contracts (its
// -contract flag, which the page names as DIRECTORY_CONTRACT), as its introspection finds
// it: TestAPI_OpenSession checks that they agree.
func contractCaps(contract string) (capabilities, bool) {
	switch contract {
	case "full":
		return capabilities{Search: true, RoleFilter: true, OrderBy: true, DeleteUser: true, SignIn: true,
			SignOut: true, IssuePasswordReset: true, Organizations: true, UpdatedAt: true, APIKeys: true,
			Invitations: true, Paradime: true, Live: true, EmbedGrant: true, Usernames: true, LastSignIn: true,
			Workspaces: true, AuditEvents: true, Bulk: true, Import: true, BulkMembership: true, Export: true}, true
	case "core":
		return capabilities{}, true
	case "paradime":
		return capabilities{Paradime: true, NoCore: true}, true
	}
	return capabilities{}, false
}
