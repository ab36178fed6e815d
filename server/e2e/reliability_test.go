package e2e

import (
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// contains is a waitText condition.
func contains(part string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, part) }
}

// conflictRow is one row of the conflict view as the browser shows it.
type conflictRow struct {
	Class     string
	Mine      string
	Theirs    string
	Unchanged []bool // mine, theirs
}

// conflictRows reads the conflict view, by field key ("lastname").
func (tb *tab) conflictRows() map[string]conflictRow {
	tb.t.Helper()
	var rows []conflictRow
	tb.run(chromedp.Evaluate(`Array.from(document.querySelectorAll(".conflict-table tbody tr")).map(r => {
		const tds = Array.from(r.querySelectorAll("td"));
		return {Class: r.className, Mine: tds[0].querySelector(".value").innerText, Theirs: tds[1].querySelector(".value").innerText,
			Unchanged: tds.map(td => td.classList.contains("unchanged"))};
	})`, &rows))
	out := map[string]conflictRow{}
	for _, r := range rows {
		key := strings.TrimPrefix(strings.Fields(r.Class)[0], "conflict-")
		out[key] = r
	}
	return out
}

// TestReliability_Conflict edits one user in two tabs (each with its own session): the
// second save, based on the version before the first, is refused and shows both versions;
// nothing either person typed is lost.
func TestReliability_Conflict(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	users := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 2, 0, nil)

	// Two tabs, two sessions: each keeps its key in its own sessionStorage.
	first, second := b.newTab(t), b.newTab(t)
	first.signInWithKey(s)
	second.signInWithKey(s)

	// open opens u in both tabs, from the list, for the subtest t.
	open := func(t *testing.T, u apiUser) (*tab, *tab) {
		a, b := &tab{t: t, ctx: first.ctx}, &tab{t: t, ctx: second.ctx}
		for _, tb := range []*tab{a, b} {
			tb.run(chromedp.Evaluate(`document.querySelector("a.back") && document.querySelector("a.back").click()`, nil), rowsLoaded())
			tb.openUser(u, true)
		}
		return a, b
	}

	t.Run("ApplyMine", func(t *testing.T) {
		u := users[0]
		a, bt := open(t, u)
		// The second person is typing when the first one's save arrives (live updates
		// bring it at once): the conflict view opens over their unsaved edits.
		bt.run(
			selectValue("#role", "ADMIN"),
			setValue("#lastname", "Johnson"),
		)
		a.run(
			setValue("#firstname", "Annie"),
			setValue("#lastname", "Easley"+kb.Enter),
			waitText(".banner-success", contains("Saved.")),
		)
		bt.run(
			waitText(".conflict", contains("Someone else changed this user while you were editing")),
		)
		rows := bt.conflictRows()
		if r := rows["lastname"]; r.Mine != "Johnson" || r.Theirs != "Easley" || !strings.Contains(r.Class, "clash") {
			t.Errorf("last name row: %+v", r)
		}
		if r := rows["role"]; r.Mine != "Admin" || r.Theirs != "User" || strings.Contains(r.Class, "clash") || !r.Unchanged[1] {
			t.Errorf("role row: %+v", r)
		}
		if r := rows["firstname"]; r.Mine != u.Firstname || r.Theirs != "Annie" || !r.Unchanged[0] {
			t.Errorf("first name row: %+v", r)
		}
		if _, ok := rows["email"]; ok || len(rows) != 3 {
			t.Errorf("rows: %+v, want first name, last name and role", rows)
		}
		var role string
		bt.run(chromedp.Value("#role", &role))
		if v := bt.inputValues("lastname"); v["lastname"] != "Johnson" || role != "ADMIN" {
			t.Errorf("the second person's inputs: %v, role %q", v, role)
		}
		if got := s.findUser(t, u.ID); got.Lastname != "Easley" || got.OrganizationRole != "USER" || got.Firstname != "Annie" {
			t.Errorf("the stale save was stored: %+v", got)
		}
		for _, width := range []int64{1440, 360} {
			bt.run(chromedp.EmulateViewport(width, 900))
			bt.screenshot("conflict-" + strconv.FormatInt(width, 10))
			var overflow int
			bt.run(chromedp.Evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`, &overflow))
			if overflow > 0 {
				t.Errorf("conflict view at %d px: %d px wider than the screen", width, overflow)
			}
		}
		bt.run(
			chromedp.EmulateViewport(1440, 900),
			chromedp.Click("#conflict-apply"),
			waitText(".banner-success", contains("Saved: your changes are applied on top of theirs.")),
			waitJS(`document.querySelector("#firstname").value === "Annie"`),
		)
		if got := s.findUser(t, u.ID); got.Lastname != "Johnson" || got.OrganizationRole != "ADMIN" || got.Firstname != "Annie" {
			t.Errorf("after applying: %+v, want Annie Johnson, ADMIN", got)
		}
	})

	t.Run("DiscardMine", func(t *testing.T) {
		u := users[1]
		a, bt := open(t, u)
		bt.run(setValue("#firstname", "Dorothy"))
		a.run(
			setValue("#lastname", "Vaughan"+kb.Enter),
			waitText(".banner-success", contains("Saved.")),
		)
		bt.run(
			waitText(".conflict", contains("Someone else changed this user")),
			chromedp.Click("#conflict-discard"),
			waitText(".banner-success", contains("Your changes are discarded")),
		)
		v := bt.inputValues("firstname", "lastname")
		if v["firstname"] != u.Firstname || v["lastname"] != "Vaughan" {
			t.Errorf("after discarding, the form shows %v", v)
		}
		if got := s.findUser(t, u.ID); got.Firstname != u.Firstname || got.Lastname != "Vaughan" {
			t.Errorf("stored: %+v", got)
		}
		// The form is now based on the stored version: the next save goes through.
		bt.run(
			setValue("#firstname", "Dorothy"+kb.Enter),
			waitText(".banner-success", contains("Saved.")),
		)
		if got := s.findUser(t, u.ID); got.Firstname != "Dorothy" || got.Lastname != "Vaughan" {
			t.Errorf("stored after saving again: %+v", got)
		}
	})
}

// TestReliability_Faults puts a proxy between the widget and the directory and breaks
// the line in every way the issue names: 500s, a directory that is gone, an answer that
// never comes, the directory stopped and restarted. Each time the widget says what
// happened, keeps what was typed, sends each write once, and recovers by itself.
func TestReliability_Faults(t *testing.T) {
	b := newBrowser(t)
	db := filepath.Join(t.TempDir(), "users.db")
	s := startServer(t, "-db", db)
	p := startProxy(t, s.URL)
	tb := b.newTab(t)
	tb.signInAt(p.URL(), s.Key)
	survived := 0
	const unsure = "your change may not have been saved: check the user before saving again."

	step(t, "ReadAnswers500", func() {
		p.set(answer500)
		before := p.requests.Load()
		tb.run(
			chromedp.Click(`a[rel=next]`),
			waitText("table.users .state-error", contains("The directory answered with an error (500 Internal Server Error); retrying in")),
			chromedp.WaitVisible("#retry-now"),
		)
		waitUntil(t, 10*time.Second, "three failed reads", func() bool { return p.requests.Load() >= before+3 })
		tb.screenshot("list-retrying")
		p.set(passThrough)
		tb.run(waitJS(`location.search.includes("page=2")`), rowsLoaded())
		survived++
	})

	u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 0, nil)[0]
	typed := map[string]string{"firstname": "Typed first", "lastname": "Typed last"}
	mutations := func() int32 { return p.mutations.Load() }
	m0 := mutations()

	step(t, "WriteAnswers500", func() {
		tb.openUser(u, true)
		tb.run(setValue("#firstname", typed["firstname"]), setValue("#lastname", typed["lastname"]))
		p.set(answer500)
		tb.run(
			chromedp.Click(`#user-form button[type=submit]`),
			waitText(".banner-error", contains("The directory answered with an error (500 Internal Server Error); "+unsure)),
		)
		p.set(passThrough)
		tb.expectInputs(typed)
		if got := mutations(); got != m0+1 {
			t.Errorf("mutations sent: %d, want 1", got-m0)
		}
		if got := s.findUser(t, u.ID); got.Lastname != u.Lastname {
			t.Errorf("stored: %+v", got)
		}
		survived++
	})

	step(t, "WriteDirectoryGone", func() {
		p.down()
		tb.run(
			chromedp.Click(`#user-form button[type=submit]`),
			waitText(".banner-error", contains("The directory is not answering; "+unsure)),
		)
		tb.expectInputs(typed)
		p.up(t)
		tb.run(
			chromedp.Click("#check-user"),
			waitText(".banner-success", contains("The directory does not have your change: it is not saved.")),
		)
		tb.expectInputs(typed)
		tb.run(
			chromedp.Click(`#user-form button[type=submit]`),
			waitText(".banner-success", contains("Saved.")),
		)
		if got := s.findUser(t, u.ID); got.Firstname != typed["firstname"] || got.Lastname != typed["lastname"] {
			t.Errorf("stored: %+v", got)
		}
		if got := mutations(); got != m0+2 {
			t.Errorf("mutations sent: %d, want 2 (one per click on Save that reached the proxy)", got-m0)
		}
		survived++
	})

	step(t, "WriteAnswerLost", func() {
		typed["lastname"] = "Answer lost"
		tb.run(setValue("#lastname", typed["lastname"]))
		p.set(hangAfterForwarding)
		tb.run(
			chromedp.Click(`#user-form button[type=submit]`),
			waitText(`#user-form button[type=submit]`, func(s string) bool { return s == "Saving…" }),
			waitJS(`document.querySelector("#user-form button[type=submit]").disabled`),
		)
		// Everything a person might do while waiting: click again, press Enter, submit.
		tb.run(
			chromedp.Click(`#user-form button[type=submit]`),
			chromedp.SendKeys("#lastname", kb.Enter),
			chromedp.Evaluate(`document.querySelector("#user-form").requestSubmit()`, nil),
		)
		start := time.Now()
		tb.run(waitText(".banner-error", contains("The directory did not answer in time; "+unsure)))
		t.Logf("the widget gave up after %v", time.Since(start).Round(100*time.Millisecond))
		tb.screenshot("save-unanswered")
		p.set(passThrough)
		tb.expectInputs(typed)
		if got := mutations(); got != m0+3 {
			t.Errorf("mutations sent: %d, want 3: a pending save was sent again", got-m0)
		}
		tb.run(
			chromedp.Click("#check-user"),
			waitText(".banner-success", contains("The directory has your change: it is saved.")),
		)
		if got := s.findUser(t, u.ID); got.Lastname != typed["lastname"] {
			t.Errorf("stored: %+v", got)
		}
		survived++
	})

	step(t, "DirectoryRestarted", func() {
		s.stop(t)
		tb.run(
			chromedp.Click(`a.back`),
			waitText("table.users .state-error", contains("The directory answered with an error (502 Bad Gateway); retrying in")),
		)
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
		startServer(t, "-db", db, "-addr", "127.0.0.1:"+port)
		tb.run(rowsLoaded())
		survived++
	})

	step(t, "ReadDirectoryGone", func() {
		p.down()
		tb.run(
			chromedp.Click("a.clear-filters"),
			waitText("table.users .state-error", contains("The directory is not answering; retrying in")),
			chromedp.Click("#retry-now"),
			waitText("table.users .state-error", contains("The directory is not answering; retrying in")),
		)
		p.up(t)
		tb.run(rowsLoaded())
		var rows []string
		tb.run(texts("table.users tbody tr", &rows))
		if want := min(25, s.countUsers(t, map[string]any{})); len(rows) != want {
			t.Errorf("rows after recovering: %d, want %d", len(rows), want)
		}
		survived++
	})

	step(t, "RetriesStopWhenPageLeft", func() {
		p.set(answer500)
		tb.run(
			chromedp.Click(`a[rel=next]`),
			waitText("table.users .state-error", contains("retrying in")),
			chromedp.Click(`.topbar a[href="/account"]`),
			waitApp(`document.querySelector("#oldPassword")`),
		)
		left := p.requests.Load()
		time.Sleep(3 * time.Second) // longer than the next two waits of the list's retries
		if got := p.requests.Load(); got != left {
			t.Errorf("the list went on retrying after it was left: %d more requests", got-left)
		}
		p.set(passThrough)
	})

	t.Logf("faults injected and survived: %d", survived)
}

// TestReliability_SessionEnded revokes the key of a signed-in session, and deactivates
// the user of another: the next request leads back to sign-in, which says why.
func TestReliability_SessionEnded(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	const ended = "Your session ended (the key was revoked or the account deactivated): sign in again."

	// newAdmin creates an admin with an API key of its own.
	newAdmin := func(t *testing.T, email string) (userID, keyID, key string) {
		var c struct{ CreateUser struct{ ID string } }
		s.graphql(t, `mutation($d: CreateUserData!) { createUser(data: $d) { id } }`, map[string]any{"d": map[string]any{
			"email": email, "password": "a long password", "organizationRole": "ADMIN", "firstname": "Temporary", "lastname": "Admin",
		}}, &c)
		var k struct{ CreateApiKey struct{ ID, Key string } }
		s.graphql(t, `mutation($id: ID!) { createApiKey(name: "e2e", where: {id: $id}) { id key } }`,
			map[string]any{"id": c.CreateUser.ID}, &k)
		return c.CreateUser.ID, k.CreateApiKey.ID, k.CreateApiKey.Key
	}

	expectSignIn := func(tb *tab) {
		tb.t.Helper()
		tb.run(
			waitApp(`location.pathname === "/sign-in" && document.querySelector("form.signin-card")`),
			waitText(".banner-info", func(s string) bool { return s == ended }),
		)
		var stored string
		tb.run(chromedp.Evaluate(`sessionStorage.getItem("useradmin.key") || ""`, &stored))
		if stored != "" {
			tb.t.Errorf("the ended session's key is still in sessionStorage")
		}
	}

	t.Run("KeyRevoked", func(t *testing.T) {
		_, keyID, key := newAdmin(t, "revoked.admin@example.com")
		tb := b.newTab(t)
		tb.signInAt(s.URL, key)
		var out struct{ RevokeApiKey bool }
		s.graphql(t, `mutation($id: ID!) { revokeApiKey(id: $id) }`, map[string]any{"id": keyID}, &out)
		tb.run(chromedp.Click(`a[rel=next]`))
		expectSignIn(tb)
	})

	t.Run("UserDeactivated", func(t *testing.T) {
		userID, _, key := newAdmin(t, "deactivated.admin@example.com")
		tb := b.newTab(t)
		tb.signInAt(s.URL, key)
		var out struct{ UpdatePropertiesInUser struct{ ID string } }
		s.graphql(t, `mutation($id: ID!) { updatePropertiesInUser(data: {activated: false}, where: {id: $id}) { id } }`,
			map[string]any{"id": userID}, &out)
		tb.run(chromedp.Click(`table.users td.col-name a`))
		expectSignIn(tb)
	})
}

// TestReliability_SafeRendering stores names and emails that are HTML or script: the list
// and the edit page show them as text, and none of it runs.
func TestReliability_SafeRendering(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	hostile := []apiUser{
		{Email: "hostile.img@example.com", Firstname: `<img src=x onerror="window.__xss=1">`, Lastname: `<script>window.__xss=1</script>`},
		{Email: "hostile&lt&amp'{x}=1@example.com", Firstname: `"><svg onload=window.__xss=1>`, Lastname: `&lt;b&gt;bold&lt;/b&gt;`},
	}
	for i, h := range hostile {
		var c struct{ CreateUser struct{ ID string } }
		s.graphql(t, `mutation($d: CreateUserData!) { createUser(data: $d) { id } }`, map[string]any{"d": map[string]any{
			"email": h.Email, "password": "a long password", "organizationRole": "USER", "firstname": h.Firstname, "lastname": h.Lastname,
		}}, &c)
		hostile[i].ID = c.CreateUser.ID
	}
	tb := b.newTab(t)
	tb.signInWithKey(s)
	tb.run(chromedp.Navigate(s.URL+"/?q=hostile"), rowsLoaded())

	var names, emails []string
	tb.run(texts("table.users td.col-name", &names), texts("table.users td.col-email", &emails))
	for i, h := range hostile {
		if i >= len(names) || names[i] != h.Firstname+" "+h.Lastname || emails[i] != h.Email {
			t.Errorf("row %d: name %q, email %q; want the stored text %q, %q", i, at(names, i), at(emails, i), h.Firstname+" "+h.Lastname, h.Email)
		}
	}
	tb.expectNothingRan()

	for _, h := range hostile {
		tb.run(chromedp.Navigate(s.URL + "/users/" + url.PathEscape(h.ID)))
		tb.run(waitApp(`document.querySelector("#email") && document.querySelector("#email").value === ` + jsString(h.Email)))
		var title string
		tb.run(chromedp.Text("main h1", &title))
		if title != h.Firstname+" "+h.Lastname {
			t.Errorf("heading %q, want %q", title, h.Firstname+" "+h.Lastname)
		}
		tb.expectInputs(map[string]string{"firstname": h.Firstname, "lastname": h.Lastname, "email": h.Email})
		tb.expectNothingRan()
	}
}

// expectNothingRan fails when stored text became markup: a script ran, or an element
// named in it exists.
func (tb *tab) expectNothingRan() {
	tb.t.Helper()
	var report string
	tb.run(chromedp.Evaluate(`[typeof window.__xss === "undefined" ? "" : "window.__xss is set",
		document.querySelector("main img[src=x], main svg, main script, main b") ? "an element from stored text: " + document.querySelector("main img[src=x], main svg, main script, main b").outerHTML : ""].join(" ").trim()`, &report))
	if report != "" {
		tb.t.Errorf("stored text ran as markup: %s", report)
	}
}

// expectInputs checks the values of inputs, by id.
func (tb *tab) expectInputs(want map[string]string) {
	tb.t.Helper()
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	got := tb.inputValues(ids...)
	for id, w := range want {
		if got[id] != w {
			tb.t.Errorf("input #%s holds %q, want %q", id, got[id], w)
		}
	}
}

// step runs one stage of a test that must run in order on shared state, and logs how
// long it took.
func step(t *testing.T, name string, fn func()) {
	t.Helper()
	start := time.Now()
	fn()
	t.Logf("%s: done in %v", name, time.Since(start).Round(10*time.Millisecond))
}

// waitUntil polls ok until it holds, or fails the test after d.
func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
