package storetest

import "testing"

// tests is the suite, in the order it runs.
var tests = []struct {
	name string
	fn   func(t *testing.T, open Open)
}{
	{"UserService_FindUsers", testUserService_FindUsers},
	{"UserService_Search", testUserService_Search},
	{"UserService_CountUsers", testUserService_CountUsers},
	{"UserService_CreateUser", testUserService_CreateUser},
	{"UserService_UpdateUser", testUserService_UpdateUser},
	{"UserService_UpdatePassword", testUserService_UpdatePassword},
	{"UserService_DeleteUser", testUserService_DeleteUser},
	{"UserService_LastSignedInAt", testUserService_LastSignedInAt},
	{"InvitationService_InviteUsers", testInvitationService_InviteUsers},
	{"InvitationService_FindAndCount", testInvitationService_FindAndCount},
	{"InvitationService_Links", testInvitationService_Links},
	{"InvitationService_AcceptInvitation", testInvitationService_AcceptInvitation},
	{"Security_Invitations", testSecurity_Invitations},
	{"OrganizationService_FindOrganizationByID", testOrganizationService_FindOrganizationByID},
	{"OrganizationService_FindOrganizations", testOrganizationService_FindOrganizations},
	{"OrganizationService_CountOrganizations", testOrganizationService_CountOrganizations},
	{"DB_CreateOrganization", testDB_CreateOrganization},
	{"Security_NoUserCrossesOrganizations", testSecurity_NoUserCrossesOrganizations},
	{"Security_NoUserCrossesOrganizationsConcurrently", testSecurity_NoUserCrossesOrganizationsConcurrently},
	{"Security_NoWayIntoAnotherOrganization", testSecurity_NoWayIntoAnotherOrganization},
	{"Security_DatabaseRefusesMoves", testSecurity_DatabaseRefusesMoves},
	{"Security_SignInLimit", testSecurity_SignInLimit},
	{"Security_UpdatePasswordLimit", testSecurity_UpdatePasswordLimit},
	{"Security_SecretLimits", testSecurity_SecretLimits},
	{"Security_HashingBounded", testSecurity_HashingBounded},
	{"Security_CredentialsEnd", testSecurity_CredentialsEnd},
	{"AuthService_Authenticate", testAuthService_Authenticate},
	{"AuthService_AuthenticatePair", testAuthService_AuthenticatePair},
	{"AuthService_SignIn", testAuthService_SignIn},
	{"AuthService_SignOut", testAuthService_SignOut},
	{"AuthService_CreateAPIKey", testAuthService_CreateAPIKey},
	{"AuthService_RevokeAPIKey", testAuthService_RevokeAPIKey},
	{"AuthService_FindAPIKeys", testAuthService_FindAPIKeys},
	{"AuthService_PasswordReset", testAuthService_PasswordReset},
	{"Authorization", testAuthorization},
	{"Audit_EveryWriteRecords", testAudit_EveryWriteRecords},
	{"Audit_RefusedWriteRecordsNothing", testAudit_RefusedWriteRecordsNothing},
	{"Audit_Scope", testAudit_Scope},
	{"Audit_Sweep", testAudit_Sweep},
	{"EmbedToken_MintAndUse", testEmbedToken_MintAndUse},
	{"EmbedToken_MintRules", testEmbedToken_MintRules},
	{"EmbedToken_Refused", testEmbedToken_Refused},
	{"EmbedToken_ReadOnlyRefusesEveryWrite", testEmbedToken_ReadOnlyRefusesEveryWrite},
	{"EmbedToken_NoDelete", testEmbedToken_NoDelete},
}
