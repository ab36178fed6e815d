package e2e

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWidget_SignInDeactivated signs in on the widget's form to a deactivated account
// with its right password, and to an active one with a wrong password: the form shows the
// one sentence of the directory under the password in both, so that it confirms no
// guessed password, and tells a real person what to check.
func TestWidget_SignInDeactivated(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	var created struct{ CreateUser struct{ ID string } }
	s.graphql(t, `mutation { createUser(data: {email: "dee@e2e.test", password: "correct horse battery", organizationRole: USER}) { id } }`, nil, &created)
	s.graphql(t, `mutation($id: ID!) { updatePropertiesInUser(where: {id: $id}, data: {activated: false}) { id } }`,
		map[string]any{"id": created.CreateUser.ID}, new(struct{}))
	const refused = "The email and password do not match an active account: check both, or ask an admin of your organization whether your account was deactivated."
	for name, login := range map[string][2]string{
		"deactivated, right password": {"dee@e2e.test", "correct horse battery"},
		"active, wrong password":      {s.AdminEmail, "wrong password"},
	} {
		tb := b.newTab(t)
		var msg string
		tb.run(
			chromedp.Navigate(s.URL+"/sign-in"),
			waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
			setValue("#email", login[0]),
			setValue("#password", login[1]),
			chromedp.Click(`form.signin-card button[type=submit]`),
			waitText("#password-error", func(s string) bool { return s != "" }),
			chromedp.Text("#password-error", &msg),
		)
		if msg != refused {
			t.Errorf("%s: the form says %q, want %q", name, msg, refused)
		}
	}
}

// TestWidget runs the widget against the built-in directory with the full contract. The
// subtests share one server and run in order: the read-only ones first.
func TestWidget(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)

	t.Run("SignInWithKey", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		var stored, local string
		tb.run(
			chromedp.Evaluate(`sessionStorage.getItem("useradmin.key") || ""`, &stored),
			chromedp.Evaluate(`Object.keys(localStorage).join(",")`, &local),
		)
		if !strings.Contains(stored, s.Key) {
			t.Errorf("sessionStorage holds %q, want the key", stored)
		}
		if strings.Contains(local, "key") {
			t.Errorf("localStorage holds %q: the key must stay in sessionStorage", local)
		}
	})

	t.Run("ErrWrongKey", func(t *testing.T) {
		tb := b.newTab(t)
		tb.run(
			chromedp.Navigate(s.URL+"/sign-in"),
			waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
			chromedp.Click("#toggle-mode"),
			setValue("#key", "not-a-key"),
			chromedp.Click(`form.signin-card button[type=submit]`),
			waitText("#key-error", func(s string) bool { return s != "" }),
		)
		var msg string
		tb.run(chromedp.Text("#key-error", &msg))
		if !strings.Contains(msg, "not accepted") {
			t.Errorf("wrong key message: %q", msg)
		}
	})

	t.Run("SignInWithPasswordAndOut", func(t *testing.T) {
		if s.AdminEmail == "" || s.AdminPassword == "" {
			t.Fatal("the server printed no admin email and password on its first start")
		}
		tb := b.newTab(t)
		tb.run(
			chromedp.Navigate(s.URL+"/sign-in"),
			waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
			setValue("#email", s.AdminEmail),
			setValue("#password", "wrong password"),
			chromedp.Click(`form.signin-card button[type=submit]`),
			waitText("#password-error", func(s string) bool { return s != "" }),
			setValue("#password", s.AdminPassword+kb.Enter),
			rowsLoaded(),
			chromedp.Click(`.topbar button`),
			chromedp.WaitVisible(`form.signin-card`),
		)
		var stored string
		tb.run(chromedp.Evaluate(`sessionStorage.getItem("useradmin.key") || ""`, &stored))
		if stored != "" {
			t.Errorf("sign-out left the key in sessionStorage: %q", stored)
		}
	})

	t.Run("CountEqualsDirectory", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		want := strconv.Itoa(s.countUsers(t, map[string]any{}))
		tb.run(waitText("#user-count", func(got string) bool { return digits(got) == want }))
	})

	t.Run("SearchNarrowsListAndCount", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		term := s.findUsers(t, map[string]any{"organizationRole": "USER"}, 1, 0, nil)[0].Lastname
		want := s.countUsers(t, map[string]any{"search": term})
		if total := s.countUsers(t, map[string]any{}); want >= total {
			t.Fatalf("search %q matches all %d users; pick a narrower term", term, total)
		}
		tb.run(
			setValue("#search", term),
			waitText("#user-count", func(got string) bool { return digits(got) == strconv.Itoa(want) }),
			waitJS(`location.search.includes("q=")`),
			rowsLoaded(),
		)
		var rows []string
		tb.run(texts("table.users tbody tr", &rows))
		if len(rows) != min(want, 25) {
			t.Fatalf("got %d rows, want %d", len(rows), min(want, 25))
		}
		for _, r := range rows {
			if !strings.Contains(strings.ToLower(r), strings.ToLower(term)) {
				t.Errorf("row %q does not match %q", r, term)
			}
		}
	})

	t.Run("Sort", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		emails := func(dir string) []string {
			var out []string
			for _, u := range s.findUsers(t, map[string]any{}, 25, 0, []map[string]string{{"field": "EMAIL", "direction": dir}}) {
				out = append(out, u.Email)
			}
			return out
		}
		tb.run(
			chromedp.Click(`th.col-email button.sort`),
			waitJS(`document.querySelector("th.col-email").getAttribute("aria-sort") === "ascending"`),
		)
		tb.expectEmails(emails("ASC"))
		tb.run(
			chromedp.Click(`th.col-email button.sort`),
			waitJS(`location.search.includes("dir=desc")`),
			waitJS(`document.querySelector("th.col-email").getAttribute("aria-sort") === "descending"`),
		)
		tb.expectEmails(emails("DESC"))
	})

	t.Run("PagingAndBackButton", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		if total := s.countUsers(t, map[string]any{}); total <= 20 {
			t.Fatalf("the seed has %d users; paging needs more than 20", total)
		}
		page := func(skip int) []string {
			var out []string
			for _, u := range s.findUsers(t, map[string]any{}, 10, skip, nil) {
				out = append(out, u.Email)
			}
			return out
		}
		page1, page2 := page(0), page(10)
		tb.run(chromedp.Navigate(s.URL+"/?size=10"), rowsLoaded())
		tb.expectEmails(page1)
		tb.run(chromedp.Click(`a[rel=next]`), waitJS(`location.search.includes("page=2")`), rowsLoaded())
		tb.expectEmails(page2)
		tb.run(chromedp.Click(`a[rel=prev]`), waitJS(`!location.search.includes("page=")`), rowsLoaded())
		tb.expectEmails(page1)
		tb.run(historyBack(), waitJS(`location.search.includes("page=2")`), rowsLoaded())
		tb.expectEmails(page2)
		tb.run(chromedp.Reload(), rowsLoaded())
		tb.expectEmails(page2)
	})

	t.Run("Layout360And1440", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		u := s.findUsers(t, map[string]any{"organizationRole": "USER"}, 1, 0, nil)[0]
		pages := []struct{ name, path, ready string }{
			{"list", "/", `document.querySelector("table.users tbody td.col-name a")`},
			{"edit", "/users/" + url.PathEscape(u.ID), `document.querySelector("#lastname")`},
			{"new", "/users/new", `document.querySelector("#password2")`},
			{"account", "/account", `document.querySelector("#oldPassword")`},
		}
		for _, width := range []int64{360, 1440} {
			tb.run(chromedp.EmulateViewport(width, 800))
			for _, p := range pages {
				tb.run(chromedp.Navigate(s.URL+p.path), waitApp(p.ready))
				tb.screenshot(p.name + "-" + strconv.FormatInt(width, 10))
				var overflow int
				tb.run(chromedp.Evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`, &overflow))
				if overflow > 0 {
					t.Errorf("%s at %d px: the page is %d px wider than the screen", p.name, width, overflow)
				}
			}
		}
		signedOut := b.newTab(t)
		for _, width := range []int64{360, 1440} {
			signedOut.run(
				chromedp.EmulateViewport(width, 800),
				chromedp.Navigate(s.URL+"/sign-in"),
				waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`),
			)
			signedOut.screenshot("sign-in-" + strconv.FormatInt(width, 10))
		}
	})

	t.Run("EditRoleAndNameKeptAfterReload", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 0, nil)[0]
		tb.openUser(u, true)
		tb.run(
			selectValue("#role", "ADMIN"),
			setValue("#lastname", "Edited"+kb.Enter),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
			chromedp.Reload(),
			waitApp(`document.querySelector("#lastname") && document.querySelector("#lastname").value === "Edited"`),
		)
		var role string
		tb.run(chromedp.Value("#role", &role))
		if role != "ADMIN" {
			t.Errorf("role after reload: %q", role)
		}
		if got := s.findUser(t, u.ID); got.Lastname != "Edited" || got.OrganizationRole != "ADMIN" || got.Firstname != u.Firstname {
			t.Errorf("stored: %+v", got)
		}
	})

	t.Run("Deactivate", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 1, nil)[0]
		tb.openUser(u, true)
		tb.run(
			chromedp.Click("#toggle-activated"),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "deactivated") }),
			waitText("#toggle-activated", func(s string) bool { return s == "Activate" }),
		)
		if got := s.findUser(t, u.ID); got.Activated {
			t.Errorf("stored user is still active: %+v", got)
		}
	})

	t.Run("Create", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		before := s.countUsers(t, map[string]any{})
		tb.run(
			chromedp.Click(`a[href="/users/new"]`),
			chromedp.WaitVisible("#password2"),
			setValue("#firstname", "Katherine"),
			setValue("#lastname", "Johnson"),
			setValue("#email", "katherine.johnson@example.com"),
			selectValue("#role", "USER"),
			setValue("#password", "orbital-mechanics"),
			setValue("#password2", "orbital-mechanics"),
			chromedp.Click(`#user-form button[type=submit]`),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "User created.") }),
			waitJS(`/\/users\/[^/]+$/.test(location.pathname) && !location.pathname.endsWith("/new")`),
		)
		if got := s.countUsers(t, map[string]any{"email": "katherine.johnson@example.com"}); got != 1 {
			t.Errorf("stored users with the new email: %d", got)
		}
		tb.run(chromedp.Click(`a.back`), waitText("#user-count", func(got string) bool {
			return digits(got) == strconv.Itoa(before+1)
		}))
	})

	t.Run("ResetLinkSetsPassword", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 4, nil)[0]
		tb.openUser(u, true)
		var link string
		tb.run(
			chromedp.Click("#reset-password"),
			chromedp.WaitVisible("#reset-link"),
			chromedp.Value("#reset-link", &link),
		)
		if !strings.HasPrefix(link, s.URL+"/reset-password?token=") {
			t.Fatalf("reset link %q", link)
		}
		other := b.newTab(t)
		other.run(
			chromedp.Navigate(link),
			waitApp(`document.querySelector("#password2")`),
			setValue("#password", "a new password"),
			setValue("#password2", "a new password"+kb.Enter),
			waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Your password is set.") }),
		)
		var out struct{ SignIn struct{ APIKey string } }
		s.graphql(t, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
			map[string]any{"e": u.Email, "p": "a new password"}, &out)
		if out.SignIn.APIKey == "" {
			t.Error("signing in with the new password gave no key")
		}
	})

	t.Run("DeleteAfterConfirmation", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 5, nil)[0]
		before := s.countUsers(t, map[string]any{})
		tb.openUser(u, true)
		var question string
		tb.run(
			chromedp.Click("#delete-user"),
			chromedp.WaitVisible("#delete-title"),
			chromedp.Text("#delete-title", &question),
		)
		if !strings.Contains(question, u.Firstname+" "+u.Lastname) || !strings.Contains(question, u.Email) {
			t.Errorf("the confirmation does not name the user: %q", question)
		}
		tb.run(
			chromedp.Click("#delete-confirm"),
			waitText("#user-count", func(got string) bool { return got != "" }),
		)
		if got := s.countUsers(t, map[string]any{}); got != before-1 {
			t.Errorf("users after delete: %d, want %d", got, before-1)
		}
	})

	t.Run("EscCancels", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 0, nil)[0]
		tb.openUser(u, true)
		tb.run(
			setValue("#firstname", "Not saved"+kb.Escape),
			waitApp(`location.pathname === "/" && document.querySelector("#search")`),
		)
		if got := s.findUser(t, u.ID); got.Firstname != u.Firstname {
			t.Errorf("Esc saved the first name: %q", got.Firstname)
		}
	})

	t.Run("ConflictOffersReload", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 6, nil)[0]
		tb.openUser(u, true)
		// Typing, then someone else's change: the conflict view opens over the unsaved edit
		// (as the change arrives, or at the save), and discarding it shows theirs.
		tb.run(setValue("#firstname", "Mine"))
		var out struct{ UpdatePropertiesInUser struct{ ID string } }
		s.graphql(t, `mutation($id: ID!) { updatePropertiesInUser(data: {lastname: "Elsewhere"}, where: {id: $id}) { id } }`,
			map[string]any{"id": u.ID}, &out)
		// Saving finds the conflict where no live update brought it (on PostgreSQL).
		tb.run(
			chromedp.Evaluate(`document.querySelector(".conflict") || document.querySelector("#firstname").form.requestSubmit()`, nil),
			waitText(".banner-warning", func(s string) bool { return strings.Contains(s, "Someone else changed this user") }),
			chromedp.Click("#conflict-discard"),
			waitApp(`document.querySelector("#lastname").value === "Elsewhere" && document.querySelector("#firstname").value === `+jsString(u.Firstname)),
		)
		if got := s.findUser(t, u.ID); got.Firstname != u.Firstname {
			t.Errorf("a stale save went through: %+v", got)
		}
	})

	t.Run("ErrFieldMessage", func(t *testing.T) {
		tb := b.newTab(t)
		tb.signInWithKey(s)
		users := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 2, 2, nil)
		u, other := users[0], users[1]
		tb.openUser(u, true)
		tb.run(
			setValue("#firstname", "Typed"),
			setValue("#email", other.Email+kb.Enter),
			waitText("#email-error", func(s string) bool { return s != "" }),
		)
		var first, email, invalid string
		tb.run(
			chromedp.Value("#firstname", &first),
			chromedp.Value("#email", &email),
			chromedp.AttributeValue("#email", "aria-invalid", &invalid, nil),
		)
		if first != "Typed" || email != other.Email || invalid != "true" {
			t.Errorf("after the error: firstname %q, email %q, aria-invalid %q", first, email, invalid)
		}
		if got := s.findUser(t, u.ID); got.Email != u.Email || got.Firstname != u.Firstname {
			t.Errorf("a refused save changed the user: %+v", got)
		}
	})
}

// TestWidget_CoreContract runs the widget against an endpoint that has only Kili's core:
// search, sort and delete are hidden, and the list and edits still work.
func TestWidget_CoreContract(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t, "-contract", "core")
	tb := b.newTab(t)
	tb.signInWithKey(s)

	want := strconv.Itoa(s.countUsers(t, map[string]any{}))
	tb.run(waitText("#user-count", func(got string) bool { return digits(got) == want }))
	var hidden bool
	tb.run(chromedp.Evaluate(`!document.querySelector("#search") && !document.querySelector("#role-filter") && !document.querySelector("button.sort") &&
		!document.querySelector("#invite-people") && !document.querySelector("#pending-invitations") && !document.querySelector("#activity") && !document.querySelector("#import-csv")`, &hidden))
	if !hidden {
		t.Error("search, role filter, sort or invitations are shown against a core-only endpoint")
	}

	u := s.findUsers(t, map[string]any{"activated": true}, 2, 0, nil)[1]
	tb.openUser(u, false)
	tb.run(chromedp.WaitVisible("#organization"))
	tb.run(chromedp.Evaluate(`!document.querySelector("#delete-user") && !document.querySelector(".activity")`, &hidden))
	if !hidden {
		t.Error("delete is shown against a core-only endpoint")
	}
	tb.run(
		setValue("#lastname", "Core"+kb.Enter),
		waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
	)
	if got := s.findUser(t, u.ID); got.Lastname != "Core" {
		t.Errorf("stored lastname %q", got.Lastname)
	}
}

// openUser opens u from the list: by searching where the endpoint can, else from the
// list's first page, which holds it.
func (tb *tab) openUser(u apiUser, search bool) {
	tb.t.Helper()
	if search {
		tb.run(
			setValue("#search", u.Email),
			waitApp(`new URLSearchParams(location.search).get("q") === `+jsString(u.Email)+` &&
				Array.from(document.querySelectorAll("table.users td.col-email")).map(e => e.innerText).join() === `+jsString(u.Email)),
		)
	}
	tb.run(
		chromedp.Click(`table.users a[href="/users/`+url.PathEscape(u.ID)+`"]`),
		waitApp(`document.querySelector("#lastname") && document.querySelector("#email").value === `+jsString(u.Email)),
	)
}

// expectEmails waits until the list's rows show these emails, in this order.
func (tb *tab) expectEmails(want []string) {
	tb.t.Helper()
	var got []string
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	for {
		if err := chromedp.Run(ctx, texts("table.users tbody td.col-email", &got)); err == nil && reflect.DeepEqual(got, want) {
			return
		}
		select {
		case <-ctx.Done():
			tb.t.Fatalf("rows: got %v, want %v", got, want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// historyBack is the browser's back button: it goes to the previous history entry, which
// for the widget is a same-document navigation (no page load to wait for).
func historyBack() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		cur, entries, err := page.GetNavigationHistory().Do(ctx)
		if err != nil {
			return err
		}
		if cur <= 0 || int(cur) >= len(entries) {
			return errors.New("no previous history entry")
		}
		return page.NavigateToHistoryEntry(entries[cur-1].ID).Do(ctx)
	})
}

// TestWidget_ChangeOwnPassword changes the admin's password on the account page, then
// signs in with the new one.
func TestWidget_ChangeOwnPassword(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	if s.AdminPassword == "" {
		t.Fatal("the server printed no admin password on its first start")
	}
	tb := b.newTab(t)
	tb.signInWithKey(s)
	tb.run(
		chromedp.Click(`.topbar a[href="/account"]`),
		waitApp(`document.querySelector("#oldPassword")`),
		setValue("#oldPassword", "not my password"),
		setValue("#password", "a brand new secret"),
		setValue("#password2", "a brand new secret"+kb.Enter),
		waitText(".banner-error, .field-error", func(s string) bool { return s != "" }),
		setValue("#oldPassword", s.AdminPassword+kb.Enter),
		waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Your password is changed.") }),
		waitApp(`document.querySelector("#password").value === ""`),
	)
	var out struct{ SignIn struct{ APIKey string } }
	s.graphql(t, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
		map[string]any{"e": s.AdminEmail, "p": "a brand new secret"}, &out)
	if out.SignIn.APIKey == "" {
		t.Error("signing in with the new password gave no key")
	}
}
