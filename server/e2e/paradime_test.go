package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// paradimeBody is a curl example of Paradime's documentation (kept unchanged in
// server/graphql/testdata/paradime), with its variables replaced when vars is not nil.
func paradimeBody(t *testing.T, name string, vars map[string]any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "server", "graphql", "testdata", "paradime", name))
	if err != nil {
		t.Fatal(err)
	}
	if vars == nil {
		return b
	}
	var req map[string]any
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	req["variables"] = vars
	out, _ := json.Marshal(req)
	return out
}

// paradimeCall posts body as Paradime's curl examples do, with X-API-KEY and X-API-SECRET.
func (s *server) paradimeCall(t *testing.T, id, secret string, body []byte) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-KEY", id)
	req.Header.Set("X-API-SECRET", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	return out
}

// listed is what listUsers answers, read with Paradime's own document.
type listed struct {
	Active  []struct{ UID, Email, Name, AccountType string }
	Invited []struct{ Email, AccountType, InviteStatus string }
}

func (s *server) listUsers(t *testing.T, id, secret string) listed {
	t.Helper()
	got := s.paradimeCall(t, id, secret, paradimeBody(t, "list_users.curl.json", nil))
	b, _ := json.Marshal(got["data"].(map[string]any)["listUsers"])
	var l struct {
		Ok           bool
		ActiveUsers  []struct{ UID, Email, Name, AccountType string }
		InvitedUsers []struct{ Email, AccountType, InviteStatus string }
	}
	if err := json.Unmarshal(b, &l); err != nil || !l.Ok {
		t.Fatalf("listUsers: %v %v", got, err)
	}
	return listed{Active: l.ActiveUsers, Invited: l.InvitedUsers}
}

// TestParadime runs the binary with -contract paradime: Paradime's curl examples are
// answered with an API key's id and secret as Paradime's headers, and the widget, finding
// only Paradime's API by introspection, shows Paradime's list and its three changes.
func TestParadime(t *testing.T) {
	full := startServer(t) // to make the key: Paradime's API has no createApiKey
	var k struct{ CreateAPIKey struct{ ID, Key string } }
	full.graphql(t, `mutation { createApiKey(name: "paradime") { id key } }`, nil, &k)
	full.cmd.Process.Signal(os.Interrupt)
	full.cmd.Wait()
	s := startServerOn(t, full.db, "-contract", "paradime")
	id, secret := k.CreateAPIKey.ID, k.CreateAPIKey.Key

	t.Run("CurlExamples", func(t *testing.T) {
		l := s.listUsers(t, id, secret)
		if len(l.Active) < 10 || l.Active[0].AccountType != "ADMIN" {
			t.Fatalf("active users: %+v", l.Active)
		}
		got := s.paradimeCall(t, id, secret, paradimeBody(t, "invite_user.curl.json", nil))
		if ok := got["data"].(map[string]any)["inviteUser"].(map[string]any)["ok"]; ok != true {
			t.Fatalf("inviteUser: %v", got)
		}
		dev := l.Active[len(l.Active)-1]
		got = s.paradimeCall(t, id, secret, paradimeBody(t, "update_user_account_type.curl.json", map[string]any{"uid": dev.UID, "accountType": "ADMIN"}))
		if ok := got["data"].(map[string]any)["updateUserAccountType"].(map[string]any)["ok"]; ok != true {
			t.Fatalf("updateUserAccountType: %v", got)
		}
		got = s.paradimeCall(t, id, secret, paradimeBody(t, "update_user_account_type.curl.json", map[string]any{"uid": dev.UID, "accountType": "DEVELOPER"}))
		if ok := got["data"].(map[string]any)["updateUserAccountType"].(map[string]any)["ok"]; ok != true {
			t.Fatalf("updateUserAccountType back: %v", got)
		}
		// The documentation's own uid is not one of ours: ok false, and why.
		got = s.paradimeCall(t, id, secret, paradimeBody(t, "disable_user.curl.json", nil))
		if got["data"].(map[string]any)["disableUser"].(map[string]any)["ok"] != false || !strings.Contains(mustMarshal(got), `"NOT_FOUND"`) {
			t.Fatalf("disableUser of an unknown uid: %v", got)
		}
		// A wrong secret: not authenticated, ok false.
		got = s.paradimeCall(t, id, "ua_wrong", paradimeBody(t, "list_users.curl.json", nil))
		if !strings.Contains(mustMarshal(got), `"UNAUTHENTICATED"`) {
			t.Fatalf("wrong secret: %v", got)
		}
		if l := s.listUsers(t, id, secret); len(l.Invited) != 1 || l.Invited[0].Email != "alice@acme.io" || l.Invited[0].InviteStatus != "ACTIVE" {
			t.Fatalf("invited: %+v", l.Invited)
		}
	})

	t.Run("Widget", func(t *testing.T) {
		b := newBrowser(t)
		tb := b.newTab(t)
		tb.run(
			chromedp.Navigate(s.URL+"/sign-in"),
			waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
			setValue("#key", s.Key),
			chromedp.Click(`form.signin-card button[type=submit]`),
			waitApp(`document.querySelector("table.paradime-users tbody tr td.col-email")`),
		)
		l := s.listUsers(t, id, secret)
		want := formatUsers(len(l.Active)) + " · " + strconv.Itoa(len(l.Invited)) + " invited"
		tb.run(waitText("#user-count", func(got string) bool { return got == want }))
		var rows, invited []string
		var hidden bool
		tb.run(
			texts("table.paradime-users tbody tr", &rows),
			texts("table.paradime-invited tbody tr", &invited),
			chromedp.Evaluate(`!document.querySelector("#search") && !document.querySelector("button.sort") && !document.querySelector("a[rel=next]") &&
				!document.querySelector("a[href^='/users/']") && !document.querySelector("a[href='/account']") && !document.querySelector("#firstname")`, &hidden),
		)
		if len(rows) != len(l.Active) || len(invited) != 1 || !strings.Contains(invited[0], "alice@acme.io") || !hidden {
			t.Fatalf("%d rows for %d active users, invited %q, search/sort/pages/names hidden: %v", len(rows), len(l.Active), invited, hidden)
		}
		for _, width := range []int64{1440, 390} {
			tb.run(chromedp.EmulateViewport(width, 900))
			tb.screenshot("paradime-list-" + strconv.FormatInt(width, 10))
		}
		tb.run(chromedp.EmulateViewport(1440, 900))

		// Change an account type, keyboard only: pick, then the row's Change button.
		dev := l.Active[len(l.Active)-1]
		tb.run(
			chromedp.Focus("#type-"+dev.UID),
			selectValue("#type-"+dev.UID, "ADMIN"),
			waitJS(`!document.querySelector("#apply-`+dev.UID+`").disabled`),
			chromedp.Focus("#apply-"+dev.UID),
			chromedp.KeyEvent("\r"),
			waitText(".banner-success", func(s string) bool { return strings.HasSuffix(s, "is Admin now.") }),
		)
		if after := s.listUsers(t, id, secret); accountTypeOf(after, dev.UID) != "ADMIN" {
			t.Fatalf("account type %q, want ADMIN", accountTypeOf(after, dev.UID))
		}

		// Disable, with a confirmation that Escape takes back.
		tb.run(
			chromedp.Click("#disable-"+dev.UID),
			waitJS(`document.activeElement && document.activeElement.id === "disable-cancel"`),
			chromedp.KeyEvent("\x1b"),
			waitJS(`document.activeElement && document.activeElement.id === "disable-`+dev.UID+`"`),
			chromedp.Click("#disable-"+dev.UID),
			chromedp.Click("#disable-confirm"),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "is disabled") }),
			waitJS(`!document.querySelector("#disable-`+dev.UID+`")`),
		)
		if after := s.listUsers(t, id, secret); accountTypeOf(after, dev.UID) != "" || len(after.Active) != len(l.Active)-1 {
			t.Fatalf("%s is still active", dev.Email)
		}

		// Invite: the invite page invites each address with inviteUser.
		tb.run(
			chromedp.Click("#invite-people"),
			waitApp(`document.querySelector("#invite-emails")`),
			setValue("#invite-emails", "pam@acme.io, bad"),
			selectValue("#invite-role", "ADMIN"),
			chromedp.Click("#send-invitations"),
			waitText("#invite-summary", func(s string) bool { return s != "" }),
		)
		var summary string
		tb.run(chromedp.Text("#invite-summary", &summary))
		if summary != "1 invited · 1 not invited." {
			t.Errorf("summary %q", summary)
		}
		tb.screenshot("paradime-invite")
		after := s.listUsers(t, id, secret)
		if len(after.Invited) != 2 || after.Invited[0].Email != "pam@acme.io" || after.Invited[0].AccountType != "ADMIN" {
			t.Fatalf("invited: %+v", after.Invited)
		}
	})
}

func accountTypeOf(l listed, uid string) string {
	for _, u := range l.Active {
		if u.UID == uid {
			return u.AccountType
		}
	}
	return ""
}

// formatUsers writes a count as the widget does: "1 user", "57 users".
func formatUsers(n int) string {
	if n == 1 {
		return "1 user"
	}
	return strconv.Itoa(n) + " users"
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
