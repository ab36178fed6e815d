package graphql_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"useradmin/server"
	"useradmin/server/graphql"
)

// tokenOf is the token of an invitation link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, "http://127.0.0.1:8000/accept-invitation?token=ua_") {
		t.Fatalf("link %q", link)
	}
	return u.Query().Get("token")
}

const inviteDoc = `mutation($emails: [String!]!, $role: OrganizationRole!) {
	inviteUsers(emails: $emails, organizationRole: $role) { email status message link mailed retryAfterSeconds invitation { id status organizationRole invitedBy { email } } } }`

func TestHandler_InviteUsers(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		d := f.data(t, gql{query: inviteDoc, variables: `{"emails": ["Zoe@Acme.test", "uma@acme.test", "ivy@acme.test", "nope"], "role": "ADMIN"}`, key: f.acmeAdminKey})
		results := d["inviteUsers"].([]any)
		zoe := results[0].(map[string]any)
		link := zoe["link"].(string)
		tokenOf(t, link)
		zoe["link"], zoe["message"] = "LINK", "MESSAGE"
		zoe["invitation"].(map[string]any)["id"] = "ID"
		f.assertJSON(t, results, `[
			{"email": "zoe@acme.test", "status": "INVITED", "message": "MESSAGE", "link": "LINK", "mailed": true, "retryAfterSeconds": null,
				"invitation": {"id": "ID", "status": "PENDING", "organizationRole": "ADMIN", "invitedBy": {"email": "admin@acme.test"}}},
			{"email": "uma@acme.test", "status": "ALREADY_USER", "message": "This address already has an account in the directory.", "link": null, "mailed": false,
				"retryAfterSeconds": null, "invitation": null},
			{"email": "ivy@acme.test", "status": "ALREADY_INVITED", "message": "`+results[2].(map[string]any)["message"].(string)+`", "link": null, "mailed": false,
				"retryAfterSeconds": null, "invitation": {"id": "$IVY_ID", "status": "PENDING", "organizationRole": "USER", "invitedBy": {"email": "admin@acme.test"}}},
			{"email": "nope", "status": "INVALID", "message": "Email \"nope\" is not a valid address: use the form name@example.com.", "link": null, "mailed": false,
				"retryAfterSeconds": null, "invitation": null}]`)
		if len(f.mailer.invitations) != 1 {
			t.Fatalf("mails %+v", f.mailer.invitations)
		}
		m := f.mailer.invitations[0]
		if m.To != "zoe@acme.test" || m.Link != link || m.Organization != "Acme" || m.InvitedBy != "Ada Admin" {
			t.Fatalf("mail %+v", m)
		}
	})

	t.Run("InlineAndAliases", func(t *testing.T) {
		// Two aliases invite one address: the second finds the first's invitation.
		f := newFixture(t)
		d := f.data(t, gql{query: `mutation { a: inviteUsers(emails: ["x@acme.test"], organizationRole: USER) { status }
			b: inviteUsers(emails: ["X@acme.test"], organizationRole: ADMIN) { status } }`, key: f.acmeAdminKey})
		f.assertJSON(t, d, `{"a": [{"status": "INVITED"}], "b": [{"status": "ALREADY_INVITED"}]}`)
	})

	t.Run("MailFails", func(t *testing.T) {
		f := newFixture(t)
		f.handler = f.newHandler(brokenMailer{})
		d := f.data(t, gql{query: inviteDoc, variables: `{"emails": ["zoe@acme.test"], "role": "USER"}`, key: f.acmeAdminKey})
		r := d["inviteUsers"].([]any)[0].(map[string]any)
		if r["status"] != "INVITED" || r["mailed"] != false || r["link"] == nil ||
			r["message"] != "Invited, but the email could not be sent: hand over the link yourself, or resend it later." {
			t.Fatalf("%v", r)
		}
		if !strings.Contains(f.log.String(), "connection refused") {
			t.Errorf("the cause is not logged: %s", f.log.String())
		}
	})

	t.Run("RateLimited", func(t *testing.T) {
		f := newFixture(t)
		f.db.InvitationLimit = server.InvitationLimit{Mails: 2}
		d := f.data(t, gql{query: inviteDoc, variables: `{"emails": ["a@acme.test", "b@acme.test"], "role": "USER"}`, key: f.acmeAdminKey})
		r := d["inviteUsers"].([]any)
		if r[0].(map[string]any)["status"] != "INVITED" || r[1].(map[string]any)["status"] != "RATE_LIMITED" {
			t.Fatalf("%v", r)
		}
		if n := r[1].(map[string]any)["retryAfterSeconds"].(float64); n < 3500 || n > 3600 {
			t.Fatalf("retryAfterSeconds %v", n)
		}
		_, ext := f.firstError(t, gql{query: f.expand(`mutation { resendInvitation(id: "$IVY_ID") { link } }`), key: f.acmeAdminKey})
		if ext["code"] != "RATE_LIMITED" || ext["retryAfterSeconds"] == nil {
			t.Fatalf("resend: %v", ext)
		}
	})

	for _, tc := range []struct {
		name, query, variables, field string
	}{
		{"ErrTooMany", inviteDoc, `{"emails": ` + string(mustJSON(t, make([]string, 101))) + `, "role": "USER"}`, "emails"},
		{"ErrNone", inviteDoc, `{"emails": [], "role": "USER"}`, "emails"},
		{"ErrRole", `mutation { inviteUsers(emails: ["a@acme.test"], organizationRole: OWNER) { status } }`, "", "organizationRole"},
		{"ErrNotAList", inviteDoc, `{"emails": {"a": 1}, "role": "USER"}`, "emails"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.snapshot(t)
			_, ext := f.firstError(t, gql{query: tc.query, variables: tc.variables, key: f.acmeAdminKey})
			if ext["code"] != "BAD_USER_INPUT" || ext["field"] != tc.field {
				t.Fatalf("%v", ext)
			}
			if f.snapshot(t) != before {
				t.Fatal("refused input changed the store")
			}
		})
	}
}

func TestHandler_InvitationLinks(t *testing.T) {
	f := newFixture(t)
	preview := gql{query: `query($t: String!) { invitationByToken(token: $t) { email organizationRole organizationName invitedBy } }`}
	withToken := func(q gql, token string) gql { q.variables = `{"t": "` + token + `"}`; return q }

	t.Run("Preview", func(t *testing.T) {
		d := f.data(t, withToken(preview, f.ivy.Token))
		f.assertJSON(t, d, `{"invitationByToken": {"email": "ivy@acme.test", "organizationRole": "USER", "organizationName": "Acme", "invitedBy": "Ada Admin"}}`)
		msg, ext := f.firstError(t, withToken(preview, "ua_unknown"))
		if ext["code"] != "BAD_USER_INPUT" || ext["field"] != "token" || !strings.HasPrefix(msg, "This invitation link is not valid") {
			t.Fatalf("%q %v", msg, ext)
		}
	})

	var second string
	t.Run("AnotherLinkKeepsTheFirst", func(t *testing.T) {
		d := f.data(t, gql{query: f.expand(`mutation { createInvitationLink(id: "$IVY_ID") { link mailed invitation { status } } }`), key: f.acmeAdminKey})
		l := d["createInvitationLink"].(map[string]any)
		second = tokenOf(t, l["link"].(string))
		if l["mailed"] != false || len(f.mailer.invitations) != 0 {
			t.Fatalf("%v, mails %v", l, f.mailer.invitations)
		}
		f.data(t, withToken(preview, f.ivy.Token))
		f.data(t, withToken(preview, second))
	})

	t.Run("ResendKillsThem", func(t *testing.T) {
		d := f.data(t, gql{query: f.expand(`mutation { resendInvitation(id: "$IVY_ID") { link mailed } }`), key: f.acmeAdminKey})
		l := d["resendInvitation"].(map[string]any)
		third := tokenOf(t, l["link"].(string))
		if l["mailed"] != true || len(f.mailer.invitations) != 1 || f.mailer.invitations[0].Link != l["link"] {
			t.Fatalf("%v, mails %v", l, f.mailer.invitations)
		}
		for _, old := range []string{f.ivy.Token, second} {
			msg, _ := f.firstError(t, withToken(preview, old))
			if !strings.HasPrefix(msg, "This link was replaced by a newer one") {
				t.Errorf("old link: %q", msg)
			}
		}
		f.data(t, withToken(preview, third))
	})

	t.Run("OtherOrganizationByAliasAndVariables", func(t *testing.T) {
		before := f.snapshot(t)
		got := f.do(t, gql{query: f.expand(`mutation($id: ID!) { a: revokeInvitation(id: $id) { status } b: resendInvitation(id: $id) { link }
			c: createInvitationLink(id: "$IVY_ID") { link } }`), variables: `{"id": "` + f.ivy.Invitation.ID + `"}`, key: f.globexAdminKey})
		if got["data"] != nil {
			t.Fatalf("data %v", got["data"])
		}
		errs := got["errors"].([]any)
		if len(errs) != 3 {
			t.Fatalf("%v", errs)
		}
		for _, e := range errs {
			if e.(map[string]any)["extensions"].(map[string]any)["code"] != "NOT_FOUND" {
				t.Errorf("%v", e)
			}
		}
		d := f.data(t, gql{query: `{ invitations(first: 10, skip: 0) { id } n: countInvitations }`, key: f.globexAdminKey})
		f.assertJSON(t, d, `{"invitations": [], "n": 0}`)
		if f.snapshot(t) != before {
			t.Fatal("Globex's admin changed Acme's invitation")
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		d := f.data(t, gql{query: f.expand(`mutation { revokeInvitation(id: "$IVY_ID") { status } }`), key: f.acmeAdminKey})
		f.assertJSON(t, d, `{"revokeInvitation": {"status": "REVOKED"}}`)
		d = f.data(t, gql{query: `{ pending: countInvitations(where: {status: PENDING}) revoked: countInvitations(where: {status: REVOKED})
			list: invitations(where: {status: REVOKED, search: "IVY"}, first: 5, skip: 0) { email } }`, key: f.acmeAdminKey})
		f.assertJSON(t, d, `{"pending": 0, "revoked": 1, "list": [{"email": "ivy@acme.test"}]}`)
	})
}

func TestHandler_AcceptInvitation(t *testing.T) {
	accept := `mutation($t: String!, $f: String!, $l: String, $p: String!) {
		acceptInvitation(token: $t, firstname: $f, lastname: $l, password: $p) { apiKey expiresAt user { email firstname organizationId organizationRole } } }`
	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		d := f.data(t, gql{query: accept, variables: `{"t": "` + f.ivy.Token + `", "f": "Ivy", "l": null, "p": "ivy's password"}`})
		s := d["acceptInvitation"].(map[string]any)
		f.assertJSON(t, s["user"], `{"email": "ivy@acme.test", "firstname": "Ivy", "organizationId": "$ACME_ID", "organizationRole": "USER"}`)
		v := f.data(t, gql{query: `{ viewer { email } }`, key: s["apiKey"].(string)})
		f.assertJSON(t, v, `{"viewer": {"email": "ivy@acme.test"}}`)
		d = f.data(t, gql{query: `{ invitations(first: 5, skip: 0) { status } }`, key: f.acmeAdminKey})
		f.assertJSON(t, d, `{"invitations": [{"status": "ACCEPTED"}]}`)
	})

	t.Run("ErrFields", func(t *testing.T) {
		f := newFixture(t)
		before := f.snapshot(t)
		for vars, field := range map[string]string{
			`{"t": "` + f.ivy.Token + `", "f": " ", "p": "ivy's password"}`:                                         "firstname",
			`{"t": "` + f.ivy.Token + `", "f": "Ivy", "l": "` + strings.Repeat("x", 101) + `", "p": "long enough"}`: "lastname",
			`{"t": "` + f.ivy.Token + `", "f": "Ivy", "p": "short"}`:                                                "password",
			`{"t": "ua_unknown", "f": "Ivy", "p": "long enough"}`:                                                   "token",
		} {
			_, ext := f.firstError(t, gql{query: accept, variables: vars})
			if ext["code"] != "BAD_USER_INPUT" || ext["field"] != field {
				t.Errorf("%s: %v", field, ext)
			}
		}
		if f.snapshot(t) != before {
			t.Fatal("refused input changed the store")
		}
	})

	t.Run("OnceAtOnceOverHTTP", func(t *testing.T) {
		// 24 requests bring the same link at once, from as many clients, more than the store has
		// connections: one user is made.
		f := newFixture(t)
		var wg sync.WaitGroup
		codes := make([]string, 24)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, _ := json.Marshal(map[string]any{"query": accept, "variables": map[string]any{"t": f.ivy.Token, "f": fmt.Sprint("Ivy ", i), "p": "ivy's password"}})
				_, got := f.postFrom(t, fmt.Sprintf("198.51.100.%d:1234", i), http.Header{}, string(body))
				if errs, ok := got["errors"].([]any); ok {
					codes[i] = fmt.Sprint(errs[0].(map[string]any)["extensions"].(map[string]any)["code"])
				}
			}()
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			if c == "" {
				ok++
			}
		}
		n := f.data(t, gql{query: `{ n: countUsers(where: {email: "ivy@acme.test"}) }`, key: f.acmeAdminKey})["n"]
		if ok != 1 || n != 1.0 {
			t.Fatalf("%d accepted, %v users; answers %v", ok, n, codes)
		}
	})

	t.Run("CoreContractHasNone", func(t *testing.T) {
		f := newFixture(t)
		f.handler = f.handlerWith(func(h *graphql.Handler) { h.CoreOnly = true })
		_, ext := f.firstError(t, gql{query: accept, variables: `{"t": "x", "f": "Ivy", "p": "long enough"}`})
		if ext["code"] != "BAD_USER_INPUT" || ext["field"] != "query" {
			t.Fatalf("%v", ext)
		}
	})
}
