package graphql

import (
	"errors"

	"useradmin/server"
)

// The domain validates its input once, and names the field at fault with its own names
// (server.Error.Field); the contract names the same field by where it sits in the
// request. These tables rename them, one per kind of argument.
var (
	// whereFields are the fields of UserWhere, as server.UserFilter names them.
	whereFields = map[string]string{
		"id": "where.id", "idIn": "where.idIn", "email": "where.email", "apiKey": "where.apiKey",
		"organizationId": "where.organization.id", "search": "where.search", "role": "where.organizationRole",
		"username": "where.username", "workspaceId": "where.workspaceId",
	}
	// dataFields are the fields of CreateUserData and UserData, as server.UserCreate
	// and server.UserUpdate name them.
	dataFields = map[string]string{
		"email": "data.email", "password": "data.password", "role": "data.organizationRole",
		"firstname": "data.firstname", "lastname": "data.lastname", "organizationId": "data.organizationId",
		"username": "data.username",
	}
	// passwordFields are the fields of UpdatePasswordData, as server.PasswordChange
	// names them.
	passwordFields = map[string]string{
		"currentPassword": "data.oldPassword", "newPassword": "data.newPassword1", "newPasswordAgain": "data.newPassword2",
	}
	// pageFields are the paging and sorting arguments, as server.Page and
	// server.ValidateOrder name them.
	pageFields = map[string]string{"offset": "skip", "limit": "first", "order": "orderBy"}
	// keyWhereFields are the fields of ApiKeyWhere, as server.APIKeyFilter names them.
	keyWhereFields = map[string]string{"key": "where.key", "userId": "where.userId"}
	// invitationWhereFields are the fields of InvitationWhere, as server.InvitationFilter
	// names them.
	invitationWhereFields = map[string]string{"status": "where.status", "search": "where.search"}
	// inviteFields are the arguments of inviteUsers, as server.ValidateInvitees and
	// server.ValidateRole name them.
	inviteFields = map[string]string{"emails": "emails", "role": "organizationRole"}
	// workspaceFields are the arguments of the workspace operations, as the domain names
	// them.
	workspaceFields = map[string]string{"id": "id", "name": "name", "userIds": "userIds", "search": "where.search"}
	// paradimeFields are the arguments of Paradime's mutations, as the domain names them.
	// bulkFields are the arguments of updateUsers and deleteUsers, as server.BulkChange
	// and server.BulkBatch name them.
	bulkFields = map[string]string{"change": "data", "changeRole": "data.organizationRole", "batchSize": "first", "cursor": "after",
		"addToWorkspace": "data.addToWorkspace", "removeFromWorkspace": "data.removeFromWorkspace"}
	paradimeFields = map[string]string{"id": "uid", "role": "accountType", "email": "email", "emails": "email"}
)

// inContract renames the field of a domain error with the contract's name for it, from
// the first table that has it; other errors are returned as they are.
func inContract(err error, tables ...map[string]string) error {
	var se *server.Error
	if !errors.As(err, &se) || se.Field == "" {
		return err
	}
	for _, names := range tables {
		if field, ok := names[se.Field]; ok {
			renamed := *se
			renamed.Field = field
			return &renamed
		}
	}
	return err
}
