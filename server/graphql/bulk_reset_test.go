package graphql_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"useradmin/server/graphql"
	servermail "useradmin/server/mail"
)

// resetBatch is the selection of a batch of issuePasswordResets the tests read.
const resetBatch = `{ matched changed failures { id email reason message } resets { id email link expiresAt mailed } next done }`

// TestBulkResets_IssuesLinksAndAuditsThem issues links to all of Acme without a mail
// sender: Uma gets one, handed back; the admin (the caller) and Gil (deactivated) are
// listed with the reason; the link works, and the event names no secret.
func TestBulkResets_IssuesLinksAndAuditsThem(t *testing.T) {
	f := newFixture(t)
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.Mailer = nil })
	d := f.data(t, gql{query: `mutation { issuePasswordResets(where: {}, first: 10) ` + resetBatch + ` }`, key: f.acmeAdminKey})
	got := d["issuePasswordResets"].(map[string]any)
	if got["matched"] != float64(3) || got["changed"] != float64(1) || got["done"] != true || got["next"] != nil {
		t.Fatalf("batch %v", got)
	}
	reasons := map[string]string{}
	for _, fl := range asList(got["failures"]) {
		m := fl.(map[string]any)
		reasons[m["id"].(string)] = m["reason"].(string)
		if !isSentence(m["message"].(string)) || m["email"] == nil {
			t.Errorf("failure %v", m)
		}
	}
	if reasons[f.expand("$ACME_ADMIN_ID")] != "SELF" || reasons[f.expand("$GONE_ID")] != "DEACTIVATED" || len(reasons) != 2 {
		t.Errorf("failures %v, want the admin SELF and Gil DEACTIVATED", reasons)
	}
	resets := asList(got["resets"])
	if len(resets) != 1 {
		t.Fatalf("resets %v", resets)
	}
	r := resets[0].(map[string]any)
	link, _ := r["link"].(string)
	if r["id"] != f.expand("$ACME_USER_ID") || r["email"] != "uma@acme.test" || r["mailed"] != false || r["expiresAt"] == nil ||
		!strings.HasPrefix(link, "http://127.0.0.1:8000/reset-password?token=ua_") {
		t.Fatalf("reset %v", r)
	}
	token := strings.TrimPrefix(link, "http://127.0.0.1:8000/reset-password?token=")
	f.data(t, gql{query: `mutation($t: String!) { completePasswordReset(token: $t, newPassword: "another long password") }`,
		variables: fmt.Sprintf(`{"t": %q}`, token)})
	events := f.data(t, gql{query: f.expand(`{ auditEvents(where: {userId: "$ACME_USER_ID"}, first: 10, skip: 0) { action actorEmail changes { field old new } } }`), key: f.acmeAdminKey})
	issued := 0
	for _, e := range asList(events["auditEvents"]) {
		m := e.(map[string]any)
		if m["action"] == "PASSWORD_RESET_ISSUED" {
			issued++
			if m["actorEmail"] == nil {
				t.Errorf("event %v has no actor", m)
			}
		}
		if s := fmt.Sprint(m); strings.Contains(s, token) {
			t.Errorf("event %v holds the token", m)
		}
	}
	if issued != 1 {
		t.Errorf("%d PASSWORD_RESET_ISSUED events for Uma, want 1", issued)
	}
}

// TestBulkResets_MailedWithAMailSender sends each link by email instead: none is answered.
func TestBulkResets_MailedWithAMailSender(t *testing.T) {
	f := newFixture(t)
	d := f.data(t, gql{query: f.expand(`mutation { issuePasswordResets(where: {idIn: ["$ACME_USER_ID", "$GONE_ID"]}, first: 10) ` + resetBatch + ` }`), key: f.acmeAdminKey})
	got := d["issuePasswordResets"].(map[string]any)
	resets := asList(got["resets"])
	if got["changed"] != float64(1) || len(resets) != 1 || resets[0].(map[string]any)["mailed"] != true || resets[0].(map[string]any)["link"] != nil {
		t.Fatalf("batch %v", got)
	}
	if len(f.mailer.sent) != 1 || f.mailer.sent[0].to != "uma@acme.test" || !strings.Contains(f.mailer.sent[0].link, "token=ua_") {
		t.Errorf("sent %+v", f.mailer.sent)
	}
}

// TestBulkResets_AttacksIssueNothing sends issuePasswordResets as a USER, a deactivated
// user and without a key, and as Globex's admin at Acme's users by every field that
// reaches them, inline and in variables, and aliased: each is refused or matches no one,
// nothing stored changes and no mail leaves.
func TestBulkResets_AttacksIssueNothing(t *testing.T) {
	f := newFixture(t)
	f.snapshot(t)
	for _, tt := range []struct {
		name, caller, query, variables, code string
	}{
		{"USER for all", "User", `mutation { issuePasswordResets(where: {}, first: 10) { changed } }`, "", forbidden},
		{"USER for herself", "User", `mutation { issuePasswordResets(where: {id: "$ACME_USER_ID"}, first: 10) { changed } }`, "", forbidden},
		{"USER for the admin in variables", "User", `mutation($w: UserWhere!) { issuePasswordResets(where: $w, first: 10) { changed } }`, `{"w": {"idIn": ["$ACME_ADMIN_ID"]}}`, forbidden},
		{"USER aliased", "User", `mutation { ` + aliases(10, `issuePasswordResets(where: {}, first: 1) { changed }`) + ` }`, "", forbidden},
		{"deactivated", "Deactivated", `mutation { issuePasswordResets(where: {}, first: 10) { changed } }`, "", unauth},
		{"no key", "NoKey", `mutation { issuePasswordResets(where: {}, first: 10) { changed } }`, "", unauth},
		{"other admin by idIn", "OtherAdmin", `mutation($ids: [ID!]) { issuePasswordResets(where: {idIn: $ids}, first: 10) { changed } }`, `{"ids": ["$ACME_USER_ID", "$ACME_ADMIN_ID", "$GONE_ID"]}`, ""},
		{"other admin by id", "OtherAdmin", `mutation { issuePasswordResets(where: {id: "$ACME_USER_ID"}, first: 10) { changed } }`, "", ""},
		{"other admin by email", "OtherAdmin", `mutation { issuePasswordResets(where: {email: "UMA@acme.test "}, first: 10) { changed } }`, "", ""},
		{"other admin by API key", "OtherAdmin", `mutation($k: String) { issuePasswordResets(where: {apiKey: $k}, first: 10) { changed } }`, `{"k": "$UMA_KEY"}`, ""},
		{"other admin by organization", "OtherAdmin", `mutation { issuePasswordResets(where: {organization: {id: "$ACME_ID"}}, first: 10) { changed } }`, "", ""},
		{"other admin by search", "OtherAdmin", `mutation { issuePasswordResets(where: {search: "acme"}, first: 10) { changed } }`, "", ""},
		{"other admin aliased", "OtherAdmin", `mutation { ` + aliases(10, `issuePasswordResets(where: {idIn: ["$ACME_USER_ID"]}, first: 10) { changed }`) + ` }`, "", ""},
		{"batch of 0", "Admin", `mutation { issuePasswordResets(where: {}, first: 0) { changed } }`, "", badInput},
		{"batch of 101", "Admin", `mutation { issuePasswordResets(where: {}, first: 101) { changed } }`, "", badInput},
		{"forged cursor", "Admin", `mutation { issuePasswordResets(where: {}, after: "0 OR 1=1", first: 10) { changed } }`, "", badInput},
		{"10 kB cursor", "Admin", `mutation { issuePasswordResets(where: {}, after: "1.` + strings.Repeat("x", 10_000) + `", first: 10) { changed } }`, "", badInput},
		{"10 kB search", "Admin", `mutation { issuePasswordResets(where: {search: "` + strings.Repeat("x", 10_000) + `"}, first: 10) { changed } }`, "", badInput},
		{"1001 ids", "Admin", `mutation($ids: [ID!]) { issuePasswordResets(where: {idIn: $ids}, first: 10) { changed } }`, `{"ids": [` + strings.TrimSuffix(strings.Repeat(`"x",`, 1001), ",") + `]}`, badInput},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := f.snapshot(t)
			mails := len(f.mailer.sent)
			vars := strings.ReplaceAll(f.expand(tt.variables), "$UMA_KEY", f.acmeUserKey)
			q := gql{query: f.expand(tt.query), variables: vars, key: f.callerKey(tt.caller)}
			got := f.do(t, q)
			if tt.code == "" {
				if got["errors"] != nil {
					t.Fatalf("errors: %v", got["errors"])
				}
				for field, v := range got["data"].(map[string]any) {
					if n := v.(map[string]any)["changed"]; n != float64(0) {
						t.Errorf("%s issued %v links", field, n)
					}
				}
			} else if _, ext := f.firstError(t, q); ext["code"] != tt.code {
				t.Errorf("code %v, want %s", ext["code"], tt.code)
			}
			if after := f.snapshot(t); after != before {
				t.Errorf("the store changed:\n%s\n---\n%s", before, after)
			}
			if len(f.mailer.sent) != mails {
				t.Errorf("%d mails sent", len(f.mailer.sent)-mails)
			}
		})
	}
}

// TestBulkResets_Batches walks the users two at a time with the cursor of each answer, and
// refuses a cursor after which the list moved (a user before it deleted).
func TestBulkResets_Batches(t *testing.T) {
	f := newFixture(t)
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.Mailer = nil })
	for _, email := range []string{"a@acme.test", "b@acme.test", "c@acme.test", "d@acme.test"} {
		f.data(t, gql{query: `mutation { createUser(data: {email: "` + email + `", password: "a long password", organizationRole: USER}) { id } }`, key: f.acmeAdminKey})
	}
	step := func(after any) map[string]any {
		vars := `{"after": null}`
		if after != nil {
			vars = `{"after": "` + after.(string) + `"}`
		}
		return f.data(t, gql{query: `mutation($after: String) { issuePasswordResets(where: {}, after: $after, first: 2) ` + resetBatch + ` }`,
			variables: vars, key: f.acmeAdminKey})["issuePasswordResets"].(map[string]any)
	}
	var after any
	matched, issued, batches := 0, map[string]bool{}, 0
	for {
		d := step(after)
		batches++
		matched += int(d["matched"].(float64))
		for _, r := range asList(d["resets"]) {
			issued[r.(map[string]any)["email"].(string)] = true
		}
		if d["done"] == true {
			break
		}
		after = d["next"]
		if batches > 10 {
			t.Fatal("no end")
		}
	}
	// The admin, Uma, Gil and the four new users; links for Uma and the four.
	if matched != 7 || len(issued) != 5 || batches != 4 {
		t.Errorf("matched %d, issued %v in %d batches", matched, issued, batches)
	}
	first := step(nil)
	f.data(t, gql{query: f.expand(`mutation { deleteUser(where: {id: "$ACME_USER_ID"}) }`), key: f.acmeAdminKey})
	before := f.snapshot(t)
	msg, ext := f.firstError(t, gql{query: `mutation($after: String) { issuePasswordResets(where: {}, after: $after, first: 2) { changed } }`,
		variables: `{"after": "` + first["next"].(string) + `"}`, key: f.acmeAdminKey})
	if ext["code"] != conflict || !isSentence(msg) {
		t.Errorf("after a deletion: %q %v, want CONFLICT", msg, ext)
	}
	if f.snapshot(t) != before {
		t.Error("the store changed")
	}
}

// TestBulkResets_HandedBackWhenMailOnlyReachesTheLog hands the links back to the admin
// when the mail sender only writes to the log (no SMTP), and writes none to the log.
func TestBulkResets_HandedBackWhenMailOnlyReachesTheLog(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	f.handler = f.handlerWith(func(h *graphql.Handler) { h.Mailer = servermail.Log{Logger: slog.New(slog.NewTextHandler(&log, nil))} })
	d := f.data(t, gql{query: f.expand(`mutation { issuePasswordResets(where: {idIn: ["$ACME_USER_ID"]}, first: 10) ` + resetBatch + ` }`), key: f.acmeAdminKey})
	resets := asList(d["issuePasswordResets"].(map[string]any)["resets"])
	if len(resets) != 1 || resets[0].(map[string]any)["mailed"] != false || resets[0].(map[string]any)["link"] == nil {
		t.Fatalf("resets %v", resets)
	}
	if strings.Contains(log.String(), "token=") {
		t.Errorf("the log holds a link: %s", log.String())
	}
}
