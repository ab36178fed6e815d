package e2e

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"useradmin/server/mail/smtptest"
)

// startSMTP runs a test SMTP server that asks for a username and password, and puts them
// in the environment the binary reads them from (never its command line).
func startSMTP(t *testing.T) *smtptest.Server {
	t.Helper()
	srv, err := smtptest.Start(smtptest.Options{Username: "mailer", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("USERADMIN_SMTP_USERNAME", "mailer")
	t.Setenv("USERADMIN_SMTP_PASSWORD", "s3cret")
	return srv
}

var acceptLinkRe = regexp.MustCompile(`http://127\.0\.0\.1:\d+/accept-invitation\?token=ua_[A-Za-z0-9_-]+`)

// linkMailedTo waits for the nth email to to and returns the invitation link in it.
func linkMailedTo(t *testing.T, srv *smtptest.Server, to string, nth int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		seen := 0
		for _, m := range srv.Messages() {
			if len(m.To) != 1 || m.To[0] != to {
				continue
			}
			if seen++; seen < nth {
				continue
			}
			if m.User != "mailer" {
				t.Errorf("the email to %s was sent without authenticating", to)
			}
			p, err := m.Parsed()
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(p.Body)
			text := strings.ReplaceAll(strings.ReplaceAll(string(body), "=\r\n", ""), "=\n", "")
			text = strings.ReplaceAll(text, "=3D", "=")
			link := acceptLinkRe.FindString(text)
			if link == "" {
				t.Fatalf("no invitation link in the email to %s:\n%s", to, text)
			}
			return link
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email %d to %s arrived; %d emails in all", nth, to, len(srv.Messages()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// invitationID is the id of the newest invitation of email, read from the directory.
func (s *server) invitationID(t *testing.T, email string) string {
	t.Helper()
	var out struct {
		Invitations []struct{ ID, Email string }
	}
	s.graphql(t, `query($w: InvitationWhere) { invitations(where: $w, first: 10, skip: 0) { id email } }`,
		map[string]any{"w": map[string]any{"search": email}}, &out)
	for _, inv := range out.Invitations {
		if inv.Email == email {
			return inv.ID
		}
	}
	t.Fatalf("no invitation of %s", email)
	return ""
}

// TestInvitations invites people through the widget, as an admin would: the emails reach
// a real SMTP server, the invited open their links and sign up, and the admin follows
// their invitations. The subtests share one server and run in order.
func TestInvitations(t *testing.T) {
	mail := startSMTP(t)
	s := startServer(t, "-smtp-addr", mail.Addr, "-smtp-from", "Users <users@e2e.test>")
	b := newBrowser(t)
	signedIn := b.newTab(t)
	signedIn.signInWithKey(s)
	// The admin's tab, failing the subtest that uses it.
	adminFor := func(t *testing.T) *tab { return &tab{t: t, ctx: signedIn.ctx} }

	t.Run("InviteMany", func(t *testing.T) {
		admin := adminFor(t)
		admin.run(
			chromedp.Click(`#invite-people`),
			waitApp(`document.querySelector("#invite-emails")`),
			setValue("#invite-emails", "Zoe Ng <zoe@e2e.test>, not-an-address\nyan@e2e.test; ken@e2e.test"),
			waitText(".invite-form .form-actions .muted", func(s string) bool { return s == "4 addresses" }),
			chromedp.Click(`#send-invitations`),
			waitText("#invite-summary", func(s string) bool { return s != "" }),
		)
		var summary, left string
		var links []string
		admin.run(
			chromedp.Text("#invite-summary", &summary),
			chromedp.Evaluate(`document.querySelector("#invite-emails").value`, &left),
			chromedp.Evaluate(`Array.from(document.querySelectorAll(".link-field input")).map(e => e.value)`, &links),
		)
		if summary != "3 invited · 1 invalid." || left != "not-an-address" || len(links) != 3 {
			t.Fatalf("summary %q, left in the box %q, %d links", summary, left, len(links))
		}
		admin.screenshot("invite-results")
		if got := linkMailedTo(t, mail, "zoe@e2e.test", 1); got != links[0] {
			t.Fatalf("the emailed link %s is not the one shown, %s", got, links[0])
		}
		// Copy puts the link on the clipboard, keyboard only.
		admin.run(
			chromedp.Focus(`#invite-link-0-copy`),
			chromedp.KeyEvent("\r"),
			waitText(".copy-status", func(s string) bool { return s != "" }),
		)
		var status string
		admin.run(chromedp.Text(".copy-status", &status))
		if status != "Copied." {
			t.Errorf("copy: %q", status)
		}
	})

	t.Run("AcceptSignsIn", func(t *testing.T) {
		admin := adminFor(t)
		link := linkMailedTo(t, mail, "zoe@e2e.test", 1)
		invited := b.newTab(t)
		invited.run(
			chromedp.Navigate(link),
			waitApp(`document.querySelector("#firstname")`),
		)
		var intro string
		invited.run(chromedp.Text("#invitation-intro", &intro))
		if !strings.Contains(intro, "as user") || !strings.Contains(intro, "zoe@e2e.test") {
			t.Errorf("intro %q", intro)
		}
		invited.screenshot("accept")
		invited.run(
			setValue("#firstname", "Zoe"),
			setValue("#lastname", "Ng"),
			setValue("#password", "zoe's password"),
			setValue("#password2", "zoe's other"),
			chromedp.Click("#accept"),
			waitText("#password2-error", func(s string) bool { return s != "" }),
			setValue("#password2", "zoe's password"),
			chromedp.Click("#accept"),
			rowsLoaded(),
			waitText(".topbar .viewer", func(s string) bool { return s == "Zoe Ng" }),
		)
		// The link worked once: opened again, it says so and offers nothing else.
		again := b.newTab(t)
		again.run(chromedp.Navigate(link), waitApp(`document.querySelector("#invitation-dead")`))
		var msg string
		var inputs int
		again.run(chromedp.Text("#invitation-dead", &msg), chromedp.Evaluate(`document.querySelectorAll("main input, main button").length`, &inputs))
		if msg != "This invitation was accepted already: sign in as zoe@e2e.test." || inputs != 0 {
			t.Errorf("used link: %q, %d inputs", msg, inputs)
		}
		// The admin sees the invitation accepted, and Zoe among the users.
		admin.run(
			chromedp.Navigate(s.URL+"/invitations?status=accepted"),
			waitApp(`document.querySelector("table.invitations tbody.invitation-rows")`),
		)
		var rows []string
		admin.run(texts("table.invitations tbody tr", &rows))
		if len(rows) != 1 || !strings.Contains(rows[0], "zoe@e2e.test") || !strings.Contains(rows[0], "Accepted") {
			t.Fatalf("accepted: %q", rows)
		}
		if n := s.countUsers(t, map[string]any{"email": "zoe@e2e.test", "organizationRole": "USER"}); n != 1 {
			t.Fatalf("%d users zoe@e2e.test", n)
		}
	})

	t.Run("ResendKillsOldLink", func(t *testing.T) {
		admin := adminFor(t)
		old := linkMailedTo(t, mail, "yan@e2e.test", 1)
		id := s.invitationID(t, "yan@e2e.test")
		admin.run(
			chromedp.Navigate(s.URL+"/invitations"),
			waitApp(`document.querySelector("#resend-`+id+`")`),
		)
		var tabs []string
		admin.run(texts(".tabs .tab", &tabs))
		if strings.Join(tabs, "|") != "Pending\n2|Expired\n0|Accepted\n1|Revoked\n0|All\n3" {
			t.Errorf("tabs %q", tabs)
		}
		admin.screenshot("invitations")
		admin.run(
			chromedp.Click("#resend-"+id),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "A new invitation was emailed to yan@e2e.test") }),
		)
		fresh := linkMailedTo(t, mail, "yan@e2e.test", 2)
		if fresh == old {
			t.Fatal("the resent link is the old one")
		}
		tb := b.newTab(t)
		tb.run(chromedp.Navigate(old), waitApp(`document.querySelector("#invitation-dead")`))
		var msg string
		tb.run(chromedp.Text("#invitation-dead", &msg))
		if !strings.HasPrefix(msg, "This link was replaced by a newer one") {
			t.Errorf("old link: %q", msg)
		}
		tb.run(chromedp.Navigate(fresh), waitApp(`document.querySelector("#firstname")`))
	})

	t.Run("Revoke", func(t *testing.T) {
		admin := adminFor(t)
		link := linkMailedTo(t, mail, "yan@e2e.test", 2)
		id := s.invitationID(t, "yan@e2e.test")
		admin.run(
			chromedp.Navigate(s.URL+"/invitations"),
			waitApp(`document.querySelector("#revoke-`+id+`")`),
			chromedp.Click("#revoke-"+id),
			waitJS(`document.activeElement && document.activeElement.id === "revoke-cancel"`),
			chromedp.Click("#revoke-confirm"),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "is revoked") }),
			waitText("#tab-revoked .tab-count", func(s string) bool { return s == "1" }),
		)
		tb := b.newTab(t)
		tb.run(chromedp.Navigate(link), waitApp(`document.querySelector("#invitation-dead")`))
		var msg string
		tb.run(chromedp.Text("#invitation-dead", &msg))
		if !strings.HasPrefix(msg, "This invitation to ") || !strings.Contains(msg, "was withdrawn") {
			t.Errorf("revoked link: %q", msg)
		}
	})

	t.Run("CopyAnotherLink", func(t *testing.T) {
		admin := adminFor(t)
		id := s.invitationID(t, "ken@e2e.test")
		admin.run(
			chromedp.Navigate(s.URL+"/invitations?q=ken"),
			waitApp(`document.querySelector("#link-`+id+`-make")`),
			chromedp.Click("#link-"+id+"-make"),
			waitApp(`document.querySelector("#new-link")`),
			waitJS(`document.activeElement && document.activeElement.id === "new-link-copy"`),
			chromedp.KeyEvent("\r"),
			waitText(".copy-status", func(s string) bool { return s == "Copied." }),
		)
		var link string
		admin.run(chromedp.Evaluate(`document.querySelector("#new-link").value`, &link))
		// Both the emailed link and the copied one work.
		tb := b.newTab(t)
		for _, l := range []string{link, linkMailedTo(t, mail, "ken@e2e.test", 1)} {
			tb.run(chromedp.Navigate(l), waitApp(`document.querySelector("#firstname")`))
		}
	})
}

// TestInvitations_Expiry runs a directory whose links work for 3 seconds: once expired,
// a link says so, the admin sees EXPIRED, and resending makes a link that works.
func TestInvitations_Expiry(t *testing.T) {
	s := startServer(t, "-invitation-lifetime", "3s")
	var out struct {
		InviteUsers []struct{ Link string }
	}
	s.graphql(t, `mutation { inviteUsers(emails: ["late@e2e.test"], organizationRole: ADMIN) { link } }`, nil, &out)
	link := out.InviteUsers[0].Link
	if !s.logged(`msg="would send" to=late@e2e.test`) {
		t.Errorf("without -smtp-addr, the log has no \"would send\" line:\n%s", s.logs())
	}
	time.Sleep(3500 * time.Millisecond)
	b := newBrowser(t)
	tb := b.newTab(t)
	tb.run(chromedp.Navigate(link), waitApp(`document.querySelector("#invitation-dead")`))
	var msg string
	tb.run(chromedp.Text("#invitation-dead", &msg))
	if !strings.HasPrefix(msg, "This invitation expired on ") {
		t.Errorf("expired link: %q", msg)
	}
	admin := b.newTab(t)
	admin.signInWithKey(s)
	id := s.invitationID(t, "late@e2e.test")
	admin.run(
		chromedp.Navigate(s.URL+"/invitations?status=expired"),
		waitApp(`document.querySelector("#resend-`+id+`")`),
	)
	var row string
	admin.run(chromedp.Text("#invitation-"+id, &row))
	if !strings.Contains(row, "Expired") || strings.Contains(row, "Copy link") {
		t.Errorf("expired row: %q", row)
	}
	admin.run(
		chromedp.Click("#resend-"+id),
		waitApp(`document.querySelector("#new-link")`),
	)
	var fresh string
	admin.run(chromedp.Evaluate(`document.querySelector("#new-link").value`, &fresh))
	tb.run(
		chromedp.Navigate(fresh),
		waitApp(`document.querySelector("#firstname")`),
		setValue("#firstname", "Lee"),
		setValue("#password", "lee's password"),
		setValue("#password2", "lee's password"),
		chromedp.Click("#accept"),
		rowsLoaded(),
	)
	if n := s.countUsers(t, map[string]any{"email": "late@e2e.test", "organizationRole": "ADMIN"}); n != 1 {
		t.Fatalf("%d admins late@e2e.test", n)
	}
}
