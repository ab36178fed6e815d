package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestEmbedTokens runs the life of the example portal's embed tokens across sites, the
// portal on http://127.0.0.1:Q and the widget on http://localhost:P, in each storage mode:
// the portal's back end mints a token per frame with the admin key the browser never sees;
// the widget uses it, offers only what its scope allows, asks for a new one before it
// expires and keeps the page across the renewal, says the session ended when none comes,
// and stops at once when its user is deactivated.
func TestEmbedTokens(t *testing.T) {
	widgetAddr := freeAddr(t, "127.0.0.1")
	widget := "http://localhost:" + widgetAddr[strings.LastIndex(widgetAddr, ":")+1:]
	portalAddr := freeAddr(t, "127.0.0.1")
	portalURL := "http://" + portalAddr
	s := startServer(t, "-addr", widgetAddr, "-public-url", widget, "-portal-addr", portalAddr, "-allowed-origins", portalURL)
	axe := axeSource(t)

	t.Run("ForeignOrigin", func(t *testing.T) {
		// A token the portal's back end minted works from the portal's origin only.
		tok := mintThroughPortal(t, portalURL, portalURL, "", "READ_ONLY")
		for origin, want := range map[string]string{
			portalURL:                  "",
			"":                         "This embed token works only from the portal it was made for: use it from that portal's page, or mint one for this origin.",
			"http://127.0.0.3:1":       "This embed token works only from the portal it was made for: use it from that portal's page, or mint one for this origin.",
			strings.ToUpper(portalURL): "This embed token works only from the portal it was made for: use it from that portal's page, or mint one for this origin.",
		} {
			if got := viewerWithToken(t, s.URL, tok, origin); got != want {
				t.Errorf("from %q: %q, want %q", origin, got, want)
			}
		}
		// Another site's page cannot have the portal's back end mint one.
		req, _ := http.NewRequest(http.MethodPost, portalURL+"/api/embed-token", strings.NewReader(`{"userId": "x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://127.0.0.3:1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a stranger's mint: status %d, want 403", resp.StatusCode)
		}
	})

	for i, mode := range storageModes {
		t.Run(mode.name, func(t *testing.T) {
			ctx, close := launchBrowserWith(t, mode.prefs)
			t.Cleanup(close)
			b := &browser{ctx: ctx}
			uma := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 5+i, nil)[0]

			t.Run("LiveUpdate", func(t *testing.T) {
				// The framed widget follows the changes with its portal's token: a rename
				// made elsewhere shows without a reload.
				portal := b.newTab(t)
				portal.openPortalWith(portalURL, portalForm{})
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded())
				u := s.findUsers(t, map[string]any{"activated": true}, 1, 0, nil)[0]
				renameUntilShown(t, frame, s, u.ID, "Live"+mode.name)
			})

			t.Run("MintAndUse", func(t *testing.T) {
				portal := b.newTab(t)
				portal.openPortalWith(portalURL, portalForm{person: uma.ID})
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded(), waitText("#user-count", func(got string) bool { return digits(got) == "1" }))
				var viewer, html string
				frame.run(chromedp.Text(".topbar .viewer", &viewer))
				portal.run(chromedp.Evaluate(`document.documentElement.outerHTML + location.href + document.getElementById("widget").src`, &html))
				if !strings.Contains(viewer, uma.Firstname) {
					t.Errorf("the widget shows %q, want %s", viewer, uma.Firstname)
				}
				if strings.Contains(html, s.Key) {
					t.Error("the portal's page holds the admin key")
				}
				var minted int
				portal.run(chromedp.Evaluate(`window.minted`, &minted))
				if minted != 1 {
					t.Errorf("the portal minted %d tokens, want 1", minted)
				}
			})

			t.Run("ReadOnly", func(t *testing.T) {
				portal := b.newTab(t)
				portal.openPortalWith(portalURL, portalForm{scope: "READ_ONLY"})
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded(), waitText("#scope-note", func(s string) bool {
					return s == "Read-only: your portal lets you see users here, not change them."
				}))
				var controls int
				frame.run(chromedp.Evaluate(`document.querySelectorAll("#new-user, #invite-people, #import-csv").length`, &controls))
				if controls != 0 {
					t.Errorf("the read-only list offers %d controls that write", controls)
				}
				frame.checkFramedWorkspaces(s, portal, axe, "read-only", mode.name, i == 0, 0)
				u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 1, nil)[0]
				frame.openUser(u, true)
				var state struct {
					Disabled bool
					Writes   int
				}
				frame.run(chromedp.Evaluate(`({disabled: document.querySelector("#user-form fieldset").disabled,
					writes: document.querySelectorAll("#user-form button[type=submit], #delete-user, #toggle-activated, #reset-password, .api-keys button").length})`, &state))
				if !state.Disabled || state.Writes != 0 {
					t.Errorf("the read-only edit page: fieldset disabled %v, %d controls that write", state.Disabled, state.Writes)
				}
				if i == 0 {
					for _, width := range []int64{1440, 390} {
						portal.run(chromedp.EmulateViewport(width, 900))
						time.Sleep(300 * time.Millisecond)
						frame.axe(axe, "read-only-edit-"+strconv.FormatInt(width, 10))
						portal.pageScreenshot(width, "read-only-edit-"+strconv.FormatInt(width, 10))
					}
				}
			})

			t.Run("NoDelete", func(t *testing.T) {
				portal := b.newTab(t)
				portal.openPortalWith(portalURL, portalForm{scope: "NO_DELETE", theme: "dark"})
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded(), waitText("#scope-note", func(s string) bool { return strings.HasPrefix(s, "Your portal lets you change users here") }))
				u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 2, nil)[0]
				// The bulk bar over a selected row offers the writes, but no delete.
				frame.selectRows([]apiUser{u})
				var bulk []int
				frame.run(chromedp.Evaluate(`[document.querySelectorAll("#bulk-delete").length, document.querySelectorAll("#bulk-deactivate").length]`, &bulk))
				if bulk[0] != 0 || bulk[1] != 1 {
					t.Errorf("no-delete bulk bar: %d delete buttons, %d deactivate; want 0 and 1", bulk[0], bulk[1])
				}
				frame.checkFramedWorkspaces(s, portal, axe, "no-delete-dark", mode.name, i == 0, 2)
				frame.openUser(u, true)
				var got []int
				frame.run(chromedp.Evaluate(`[document.querySelectorAll("#delete-user").length, document.querySelectorAll("#toggle-activated, #user-form button[type=submit]").length]`, &got))
				if got[0] != 0 || got[1] != 2 {
					t.Errorf("no-delete edit page: %d delete buttons, %d other writes; want 0 and 2", got[0], got[1])
				}
				if i == 0 {
					for _, width := range []int64{1440, 390} {
						portal.run(chromedp.EmulateViewport(width, 900))
						time.Sleep(300 * time.Millisecond)
						frame.axe(axe, "no-delete-edit-dark-"+strconv.FormatInt(width, 10))
						portal.axe(axe, "portal-"+strconv.FormatInt(width, 10))
						portal.pageScreenshot(width, "no-delete-edit-dark-"+strconv.FormatInt(width, 10))
					}
				}
			})

			t.Run("RenewedThenEnded", func(t *testing.T) {
				portal := b.newTab(t)
				// A 12 s token: the widget asks for the next one at half its life.
				portal.openPortalWith(portalURL, portalForm{lifetime: 12})
				opened := time.Now()
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded())
				u := s.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 10+i, nil)[0]
				frame.openUser(u, true)
				frame.run(setValue("#lastname", "Renewed"))
				portal.run(waitJS(`window.minted === 2`))
				// Past the first token's expiry, the page kept what is typed and saves
				// with the second.
				time.Sleep(time.Until(opened.Add(13 * time.Second)))
				var typed string
				frame.run(chromedp.Value("#lastname", &typed))
				if typed != "Renewed" {
					t.Fatalf("after the renewal the form holds %q", typed)
				}
				frame.run(
					chromedp.SendKeys("#lastname", kb.Enter),
					waitText(".banner-success", func(s string) bool { return strings.Contains(s, "Saved.") }),
				)
				if got := s.findUser(t, u.ID); got.Lastname != "Renewed" {
					t.Errorf("stored lastname %q", got.Lastname)
				}
				// The portal stops renewing: at the next expiry the widget says so.
				portal.run(chromedp.Click("#renew"))
				frame.run(waitText(".banner-info", func(s string) bool {
					return strings.Contains(s, "Your session ended at") && strings.Contains(s, "your portal did not renew it")
				}))
				portal.run(waitText("#events", func(log string) bool { return strings.Contains(log, "useradmin:signed-out") }))
				var events []string
				portal.run(texts("#events li", &events))
				if n := count(events, "useradmin:token-expiring"); n < 2 {
					t.Errorf("the widget asked %d times for a token, want 2 at least: %v", n, events)
				}
			})

			t.Run("RevokedByDeactivation", func(t *testing.T) {
				portal := b.newTab(t)
				portal.openPortalWith(portalURL, portalForm{person: uma.ID})
				frame := b.frame(t, widget+"/")
				frame.run(rowsLoaded())
				setActivated(t, s, uma.ID, false)
				defer setActivated(t, s, uma.ID, true)
				// A live update of the change may end the session before any click; when
				// none has yet, opening the user is the request that finds out.
				frame.run(chromedp.Evaluate(`document.querySelector('table.users a[href="/users/`+uma.ID+`"]')?.click()`, nil))
				frame.run(waitText(".banner-info", func(s string) bool {
					return strings.Contains(s, "Your session ended (the key was revoked or the account deactivated)")
				}))
				portal.run(waitText("#events", func(log string) bool { return strings.Contains(log, "useradmin:signed-out") }))
			})
		})
	}
}

// mintThroughPortal asks the example portal's back end for a token, as its page does.
func mintThroughPortal(t *testing.T, portalURL, origin, userID, scope string) string {
	t.Helper()
	if userID == "" {
		resp, err := http.Get(portalURL + "/api/people")
		if err != nil {
			t.Fatal(err)
		}
		var people []struct{ ID string }
		json.NewDecoder(resp.Body).Decode(&people)
		resp.Body.Close()
		if len(people) == 0 {
			t.Fatal("the portal lists no one")
		}
		userID = people[0].ID
	}
	body, _ := json.Marshal(map[string]any{"userId": userID, "scope": scope})
	req, _ := http.NewRequest(http.MethodPost, portalURL+"/api/embed-token", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token, Error string }
	json.NewDecoder(resp.Body).Decode(&out)
	if out.Token == "" {
		t.Fatalf("the portal minted no token: %d %s", resp.StatusCode, out.Error)
	}
	return out.Token
}

// viewerWithToken asks for the viewer with token from origin; it returns the first
// error's message, or "" when it answered.
func viewerWithToken(t *testing.T, url, token, origin string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(`{"query": "{ viewer { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Errors []struct{ Message string }
	}
	json.NewDecoder(resp.Body).Decode(&out)
	if len(out.Errors) > 0 {
		return out.Errors[0].Message
	}
	return ""
}

// setActivated activates or deactivates a user with the admin's key.
func setActivated(t *testing.T, s *server, id string, on bool) {
	t.Helper()
	s.graphql(t, `mutation($id: ID!, $on: Boolean) { updatePropertiesInUser(where: {id: $id}, data: {activated: $on}) { id } }`,
		map[string]any{"id": id, "on": on}, new(struct{}))
}

// embedToken is what createEmbedToken answers.
type embedToken struct{ Token, ExpiresAt string }

// mintToken mints an hour's FULL token for the admin, bound to origin, with the admin's key.
func (s *server) mintToken(t *testing.T, origin string) embedToken {
	t.Helper()
	var out struct {
		Viewer struct{ ID string }
	}
	s.graphql(t, `{ viewer { id } }`, nil, &out)
	var minted struct {
		CreateEmbedToken embedToken `json:"createEmbedToken"`
	}
	s.graphql(t, `mutation($u: ID!, $o: String!) { createEmbedToken(userId: $u, origin: $o, lifetimeSeconds: 3600) { token expiresAt } }`,
		map[string]any{"u": out.Viewer.ID, "o": origin}, &minted)
	return minted.CreateEmbedToken
}

// checkFramedWorkspaces opens the framed widget's workspaces page from its list, with a
// workspace of its own, and checks the writes it offers: writes 0, neither the new
// workspace's form nor Rename nor Delete (READ_ONLY); 2, the form and Rename but no
// Delete (NO_DELETE). With shots, it runs axe-core on the page and saves the portal's
// screenshots at 1440 and 390 px. It goes back to the list after.
func (tb *tab) checkFramedWorkspaces(s *server, portal *tab, axe, label, mode string, shots bool, writes int) {
	tb.t.Helper()
	var made struct{ CreateWorkspace struct{ ID string } }
	s.graphql(tb.t, `mutation($n: String!) { createWorkspace(name: $n) { id } }`, map[string]any{"n": label + " " + mode}, &made)
	row := "#workspace-" + made.CreateWorkspace.ID
	tb.run(chromedp.Click("#workspaces-link"),
		waitApp(`document.querySelector("table.workspaces").getAttribute("aria-busy") === "false" && document.querySelector("`+row+`")`))
	var got []int
	tb.run(chromedp.Evaluate(`[document.querySelectorAll("#create-workspace").length,
		document.querySelectorAll("`+row+` [id^=rename-]").length, document.querySelectorAll("`+row+` [id^=delete-]").length]`, &got))
	if want := []int{min(writes, 1), min(writes, 1), 0}; !slices.Equal(got, want) {
		tb.t.Errorf("%s workspaces page: %v create, rename and delete buttons; want %v", label, got, want)
	}
	if shots {
		for _, width := range []int64{1440, 390} {
			portal.run(chromedp.EmulateViewport(width, 900))
			time.Sleep(300 * time.Millisecond)
			tb.axe(axe, label+"-workspaces-"+strconv.FormatInt(width, 10))
			portal.pageScreenshot(width, label+"-workspaces-"+strconv.FormatInt(width, 10))
		}
	}
	tb.run(chromedp.Click("a.back"), rowsLoaded())
}
