package graphql_test

import (
	"strings"
	"testing"
)

// kiliCase is one document that Kili's SDK sends, in the form with variables and the same
// operation with its input inline, and the data both must answer.
type kiliCase struct {
	name      string
	query     string
	variables string
	opName    string
	inline    string
	caller    string // "admin" or "user" of Acme
	want      string
	// check, when set, verifies what the operation stored.
	check func(t *testing.T, f *fixture)
}

func TestHandler_KiliDocuments(t *testing.T) {
	const allAcme = `{"data": [
		{"email": "admin@acme.test", "id": "$ACME_ADMIN_ID", "firstname": "Ada", "lastname": "Admin"},
		{"email": "uma@acme.test", "id": "$ACME_USER_ID", "firstname": "Uma", "lastname": "User"},
		{"email": "gone@acme.test", "id": "$GONE_ID", "firstname": "Gil", "lastname": "Gone"}]}`
	const acmeOrg = `{"id": "$ACME_ID", "name": "Acme"}`

	tests := []kiliCase{
		{
			name:      "Users",
			query:     `query users($where: UserWhere!, $first: PageSize!, $skip: Int!) { data: users(where: $where, first: $first, skip: $skip) { email id firstname lastname } }`,
			variables: `{"where": {"apiKey": null, "email": null, "organization": {"id": null}}, "first": 100, "skip": 0}`,
			opName:    "users",
			inline:    `query users { data: users(where: {apiKey: null, email: null, organization: {id: null}}, first: 100, skip: 0) { email id firstname lastname } }`,
			caller:    "admin",
			want:      allAcme,
		},
		{
			name:      "UsersByEmailPaged",
			query:     `query users($where: UserWhere!, $first: PageSize!, $skip: Int!) { data: users(where: $where, first: $first, skip: $skip) { email id firstname lastname } }`,
			variables: `{"where": {"apiKey": null, "email": "UMA@acme.test", "organization": {"id": "$ACME_ID"}}, "first": 1, "skip": 0}`,
			inline:    `query users { data: users(where: {apiKey: null, email: "UMA@acme.test", organization: {id: "$ACME_ID"}}, first: 1, skip: 0) { email id firstname lastname } }`,
			caller:    "admin",
			want:      `{"data": [{"email": "uma@acme.test", "id": "$ACME_USER_ID", "firstname": "Uma", "lastname": "User"}]}`,
		},
		{
			name:      "UsersOlderForm",
			query:     `query($where: UserWhere!, $first: PageSize!, $skip: Int!) { data: users(where: $where, first: $first, skip: $skip) { id email organizationRole activated organization { id name } } }`,
			variables: `{"where": {"apiKey": null, "email": null, "organization": {"id": null}}, "first": 2, "skip": 1}`,
			inline:    `{ data: users(where: {apiKey: null, email: null, organization: {id: null}}, first: 2, skip: 1) { id email organizationRole activated organization { id name } } }`,
			caller:    "admin",
			want: `{"data": [
				{"id": "$ACME_USER_ID", "email": "uma@acme.test", "organizationRole": "USER", "activated": true, "organization": ` + acmeOrg + `},
				{"id": "$GONE_ID", "email": "gone@acme.test", "organizationRole": "USER", "activated": false, "organization": ` + acmeOrg + `}]}`,
		},
		{
			name:      "UsersAsUser",
			query:     `query users($where: UserWhere!, $first: PageSize!, $skip: Int!) { data: users(where: $where, first: $first, skip: $skip) { email id firstname lastname } }`,
			variables: `{"where": {"apiKey": null, "email": null, "organization": {"id": null}}, "first": 100, "skip": 0}`,
			inline:    `query users { data: users(where: {apiKey: null, email: null, organization: {id: null}}, first: 100, skip: 0) { email id firstname lastname } }`,
			caller:    "user",
			want:      `{"data": [{"email": "uma@acme.test", "id": "$ACME_USER_ID", "firstname": "Uma", "lastname": "User"}]}`,
		},
		{
			name:      "CountUsers",
			query:     `query countUsers($where: UserWhere!) { data: countUsers(where: $where) }`,
			variables: `{"where": {"apiKey": null, "email": null, "organization": {"id": null}}}`,
			opName:    "countUsers",
			inline:    `query countUsers { data: countUsers(where: {apiKey: null, email: null, organization: {id: null}}) }`,
			caller:    "admin",
			want:      `{"data": 3}`,
		},
		{
			name:      "CountUsersAnonymous",
			query:     `query($where: UserWhere!) { data: countUsers(where: $where) }`,
			variables: `{"where": {"activated": true}}`,
			inline:    `{ data: countUsers(where: {activated: true}) }`,
			caller:    "admin",
			want:      `{"data": 2}`,
		},
		{
			name:   "Me",
			query:  `query { me { id email organizationId } }`,
			inline: `{ me { id email organizationId } }`,
			caller: "user",
			want:   `{"me": {"id": "$ACME_USER_ID", "email": "uma@acme.test", "organizationId": "$ACME_ID"}}`,
		},
		{
			name:   "Viewer",
			query:  `query Viewer { data: viewer { id email firstname lastname organizationRole } }`,
			opName: "Viewer",
			inline: `query Viewer { data: viewer { id email firstname lastname organizationRole } }`,
			caller: "admin",
			want:   `{"data": {"id": "$ACME_ADMIN_ID", "email": "admin@acme.test", "firstname": "Ada", "lastname": "Admin", "organizationRole": "ADMIN"}}`,
		},
		{
			name:      "CreateUser",
			query:     `mutation($data: CreateUserData!) { data: createUser(data: $data) { email organizationRole firstname lastname } }`,
			variables: `{"data": {"email": "New@Acme.test", "password": "a long password", "organizationRole": "USER", "firstname": "Nia", "lastname": null}}`,
			inline:    `mutation { data: createUser(data: {email: "New@Acme.test", password: "a long password", organizationRole: USER, firstname: "Nia", lastname: null}) { email organizationRole firstname lastname } }`,
			caller:    "admin",
			want:      `{"data": {"email": "new@acme.test", "organizationRole": "USER", "firstname": "Nia", "lastname": null}}`,
			check: func(t *testing.T, f *fixture) {
				if n := f.countUsers(t); n != 4 {
					t.Errorf("countUsers = %v, want 4", n)
				}
				f.data(t, gql{query: `mutation { signIn(email: "new@acme.test", password: "a long password") { expiresAt } }`})
			},
		},
		{
			name:      "UpdateOlderFormSomeVariables",
			query:     `mutation($email: String!, $firstname: String, $lastname: String, $organizationId: String, $organizationRole: OrganizationRole, $activated: Boolean) { data: updatePropertiesInUser(where: {email: $email}, data: {firstname: $firstname, lastname: $lastname, organizationId: $organizationId, organizationRole: $organizationRole, activated: $activated}) { id } }`,
			variables: `{"email": "uma@acme.test", "firstname": "Una"}`,
			inline:    `mutation { data: updatePropertiesInUser(where: {email: "uma@acme.test"}, data: {firstname: "Una"}) { id } }`,
			caller:    "admin",
			want:      `{"data": {"id": "$ACME_USER_ID"}}`,
			check: func(t *testing.T, f *fixture) {
				d := f.data(t, gql{query: `{ users(where: {email: "uma@acme.test"}, first: 1, skip: 0) { firstname lastname organizationRole activated organizationId } }`, key: f.acmeAdminKey})
				f.assertJSON(t, d, `{"users": [{"firstname": "Una", "lastname": "User", "organizationRole": "USER", "activated": true, "organizationId": "$ACME_ID"}]}`)
			},
		},
		{
			name:      "UpdateOlderFormRole",
			query:     `mutation($email: String!, $firstname: String, $lastname: String, $organizationId: String, $organizationRole: OrganizationRole, $activated: Boolean) { data: updatePropertiesInUser(where: {email: $email}, data: {firstname: $firstname, lastname: $lastname, organizationId: $organizationId, organizationRole: $organizationRole, activated: $activated}) { id } }`,
			variables: `{"email": "uma@acme.test", "organizationRole": "ADMIN", "activated": true}`,
			inline:    `mutation { data: updatePropertiesInUser(where: {email: "uma@acme.test"}, data: {organizationRole: ADMIN, activated: true}) { id } }`,
			caller:    "admin",
			want:      `{"data": {"id": "$ACME_USER_ID"}}`,
			check: func(t *testing.T, f *fixture) {
				d := f.data(t, gql{query: `{ users(where: {email: "uma@acme.test"}, first: 1, skip: 0) { firstname lastname organizationRole } }`, key: f.acmeAdminKey})
				f.assertJSON(t, d, `{"users": [{"firstname": "Uma", "lastname": "User", "organizationRole": "ADMIN"}]}`)
			},
		},
		{
			name:      "UpdateCurrentForm",
			query:     `mutation($data: UserData!, $where: UserWhere!) { data: updatePropertiesInUser(data: $data, where: $where) { id email firstname lastname } }`,
			variables: `{"data": {"lastname": "Usher"}, "where": {"email": "uma@acme.test"}}`,
			inline:    `mutation { data: updatePropertiesInUser(data: {lastname: "Usher"}, where: {email: "uma@acme.test"}) { id email firstname lastname } }`,
			caller:    "admin",
			want:      `{"data": {"id": "$ACME_USER_ID", "email": "uma@acme.test", "firstname": "Uma", "lastname": "Usher"}}`,
		},
		{
			name:      "UpdateOwnNames",
			query:     `mutation($data: UserData!, $where: UserWhere!) { data: updatePropertiesInUser(data: $data, where: $where) { id email firstname lastname } }`,
			variables: `{"data": {"firstname": "Umberta", "lastname": "Users"}, "where": {"id": "$ACME_USER_ID"}}`,
			inline:    `mutation { data: updatePropertiesInUser(data: {firstname: "Umberta", lastname: "Users"}, where: {id: "$ACME_USER_ID"}) { id email firstname lastname } }`,
			caller:    "user",
			want:      `{"data": {"id": "$ACME_USER_ID", "email": "uma@acme.test", "firstname": "Umberta", "lastname": "Users"}}`,
		},
		{
			name:      "UpdatePassword",
			query:     `mutation($data: UpdatePasswordData!, $where: UserWhere!) { data: updatePassword(data: $data, where: $where) { id } }`,
			variables: `{"data": {"oldPassword": "correct horse battery", "newPassword1": "staple 12345", "newPassword2": "staple 12345"}, "where": {"email": "uma@acme.test"}}`,
			inline:    `mutation { data: updatePassword(data: {oldPassword: "correct horse battery", newPassword1: "staple 12345", newPassword2: "staple 12345"}, where: {email: "uma@acme.test"}) { id } }`,
			caller:    "user",
			want:      `{"data": {"id": "$ACME_USER_ID"}}`,
			check: func(t *testing.T, f *fixture) {
				f.data(t, gql{query: `mutation { signIn(email: "uma@acme.test", password: "staple 12345") { expiresAt } }`})
				_, ext := f.firstError(t, gql{query: `mutation { signIn(email: "uma@acme.test", password: "correct horse battery") { expiresAt } }`})
				if ext["code"] != "UNAUTHENTICATED" {
					t.Errorf("old password: code = %v, want UNAUTHENTICATED", ext["code"])
				}
			},
		},
		{
			name:      "ResetPassword",
			query:     `mutation($where: UserWhere!) { data: resetPassword(where: $where) { id } }`,
			variables: `{"where": {"email": "uma@acme.test"}}`,
			inline:    `mutation { data: resetPassword(where: {email: "uma@acme.test"}) { id } }`,
			caller:    "admin",
			want:      `{"data": {"id": "$ACME_USER_ID"}}`,
			check: func(t *testing.T, f *fixture) {
				if len(f.mailer.sent) != 1 {
					t.Fatalf("sent %d mails, want 1", len(f.mailer.sent))
				}
				m := f.mailer.sent[0]
				if m.to != acmeUserEmail || !strings.HasPrefix(m.link, "http://127.0.0.1:8000/reset-password?token=") {
					t.Errorf("mail to %q with link %q", m.to, m.link)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, form := range []string{"Variables", "Inline"} {
				t.Run(form, func(t *testing.T) {
					f := newFixture(t)
					q := gql{query: tt.query, variables: f.expand(tt.variables), opName: tt.opName}
					if form == "Inline" {
						q = gql{query: f.expand(tt.inline)}
					}
					q.key = f.acmeAdminKey
					if tt.caller == "user" {
						q.key = f.acmeUserKey
					}
					f.assertJSON(t, f.data(t, q), tt.want)
					if tt.check != nil {
						tt.check(t, f)
					}
				})
			}
		})
	}
}
