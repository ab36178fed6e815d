package app

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

func TestSplitAddresses(t *testing.T) {
	for text, want := range map[string][]string{
		"a@x.org, b@x.org;c@x.org\nd@x.org\te@x.org": {"a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org"},
		`"Ann Lee" <ann@x.org>, Bob <bob@x.org>`:     {"ann@x.org", "bob@x.org"},
		"Zoe Ng <zoe@x.org>, typo.x.org\nyan@x.org":  {"zoe@x.org", "typo.x.org", "yan@x.org"}, // a typo is kept, to be answered
		"ann@x.org bob.x.org":                        {"ann@x.org", "bob.x.org"},
		"  ,, \n ":                                   nil,
	} {
		if got := splitAddresses(text); !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
}

func TestRelativeTime(t *testing.T) {
	now := time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC)
	for ts, want := range map[string]string{
		"2025-03-08T11:59:30Z": "just now",
		"2025-03-08T11:55:00Z": "5 minutes ago",
		"2025-03-08T11:00:00Z": "1 hour ago",
		"2025-03-05T12:00:00Z": "3 days ago",
		"2025-03-15T12:00:00Z": "in 7 days",
		"2025-03-09T11:00:00Z": "in 23 hours",
		"2025-03-15T11:59:00Z": "in 7 days",
		"not a time":           "not a time",
	} {
		if got := relativeTime(ts, now); got != want {
			t.Errorf("%s: got %q, want %q", ts, got, want)
		}
	}
}

func TestInvitationsQuery(t *testing.T) {
	q := parseInvitationsQuery(url.Values{"status": {"expired"}, "q": {" ann "}, "page": {"3"}})
	if q != (invitationsQuery{Status: "expired", Search: "ann", Page: 3}) || q.contractStatus() != "EXPIRED" {
		t.Fatalf("got %+v", q)
	}
	if got := q.values().Encode(); got != "page=3&q=ann&status=expired" {
		t.Fatalf("values %s", got)
	}
	d := parseInvitationsQuery(url.Values{"status": {"lost"}, "page": {"-1"}})
	if d != (invitationsQuery{Status: "pending", Page: 1}) || d.values().Encode() != "" {
		t.Fatalf("defaults %+v", d)
	}
	if all := (invitationsQuery{Status: "all"}); all.contractStatus() != "" {
		t.Fatal("all has a status")
	}
}

func TestUserList_InvitationLinks(t *testing.T) {
	c, set := listPage(t, capabilities{}, "")
	assertHasNot(t, rendered(c), `id="invite-people"`, `id="pending-invitations"`)
	set(stateSession, sessionState{Status: statusReady, Caps: capabilities{Invitations: true}})
	assertHas(t, rendered(c), `id="invite-people"`, `href="/invite"`, `id="pending-invitations"`, `href="/invitations"`)
}

func TestInvitationsPage(t *testing.T) {
	c := &invitationsPage{w: New()}
	d := mount(t, c, capabilities{Invitations: true})
	d.Nav(&url.URL{Path: "/invitations", RawQuery: "status=all"})
	d.Consume()
	now := time.Now().UTC()
	set(d, stateInvitations, invitationsState{Status: statusReady, Query: c.query,
		Counts: invitationCounts{Pending: 1, Accepted: 1, Matching: 2},
		Items: []invitationItem{
			{ID: "i1", Email: "zoe@acme.test", OrganizationRole: "ADMIN", Status: "PENDING",
				CreatedAt: now.Add(-3 * 24 * time.Hour).Format(time.RFC3339), ExpiresAt: now.Add(4*24*time.Hour + time.Hour).Format(time.RFC3339)},
			{ID: "i2", Email: "yan@acme.test", OrganizationRole: "USER", Status: "ACCEPTED",
				CreatedAt: now.Add(-time.Hour).Format(time.RFC3339), ExpiresAt: now.Format(time.RFC3339)},
		}})
	h := rendered(c)
	assertHas(t, h, `id="tab-all"`, `aria-current="page"`, "Pending", ">1<", ">2<", "3 days ago", "in 4 days",
		`id="resend-i1"`, `id="revoke-i1"`, `id="link-i1-make"`, "Accepted")
	assertHasNot(t, h, `id="resend-i2"`, `id="revoke-i2"`)

	// Revoking asks first; Escape takes it back.
	d.Dispatch(app.Dispatch{Mode: app.Update, Source: c, Function: func(ctx app.Context) { c.askRevoke("i1")(ctx, app.Event{}) }})
	d.Consume()
	assertHas(t, rendered(c), `id="revoke-confirm"`, `id="revoke-cancel"`)
	assertHasNot(t, rendered(c), `id="revoke-i1"`)

	// A link asked for shows above the list, to copy.
	c.baseSeq = 0
	set(d, stateInvitationWrite, invitationWriteState{Status: statusReady, Seq: 1, Link: "http://x/accept-invitation?token=ua_t",
		Write: invitationWrite{Kind: "link", ID: "i1", Email: "zoe@acme.test"}, Notice: "Here is a link."})
	assertHas(t, rendered(c), `id="new-link"`, `value="http://x/accept-invitation?token=ua_t"`, `id="new-link-copy"`, "Here is a link.")
}

func TestInvitePage(t *testing.T) {
	c := &invitePage{w: New(), role: "USER"}
	d := mount(t, c, capabilities{Invitations: true})
	d.Nav(&url.URL{Path: "/invite"})
	d.Consume()
	assertHas(t, rendered(c), `id="invite-emails"`, `id="invite-role"`, `id="send-invitations"`, `href="/invitations"`)
	set(d, stateInvite, inviteState{Status: statusReady, Seq: c.baseSeq + 1, Results: []inviteResult{
		{Email: "zoe@acme.test", Status: "INVITED", Link: "http://x/accept-invitation?token=ua_z", Mailed: true, ExpiresAt: "2025-03-15T12:00:00Z"},
		{Email: "bob@acme.test", Status: "ALREADY_USER", Message: "This address already has an account in the directory."},
		{Email: "nope", Status: "INVALID", Message: "Email \"nope\" is not a valid address."},
	}})
	h := rendered(c)
	assertHas(t, h, "1 invited · 1 already a user · 1 invalid.", `value="http://x/accept-invitation?token=ua_z"`, "Emailed.",
		"This address already has an account in the directory.")
	if c.emails != "nope" {
		t.Errorf("the box holds %q, want the address to fix", c.emails)
	}
}

func TestParadimeUsers(t *testing.T) {
	c, set := listPage(t, capabilities{Paradime: true, NoCore: true}, "")
	set(stateParadime, paradimeState{Status: statusReady,
		Active:  []paradimeUser{{UID: "u1", Email: "ada@acme.io", Name: "Ada", AccountType: "ADMIN"}, {UID: "u2", Email: "matt@acme.io", AccountType: "DEVELOPER"}},
		Invited: []paradimeInvite{{Email: "max@acme.io", AccountType: "ADMIN", InviteStatus: "EXPIRED"}}})
	h := rendered(c)
	assertHas(t, h, "2 users · 1 invited", `id="type-u2"`, `id="apply-u2"`, `id="disable-u2"`, "matt@acme.io", "Expired", `href="/invite"`)
	// What Paradime's API lacks is not offered: search, sort, pages, names to edit.
	assertHasNot(t, h, `id="search"`, `class="sort"`, `rel="next"`, `href="/users/`, `id="firstname"`)
}
