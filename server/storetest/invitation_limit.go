package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"useradmin/server"
)

// testSecurity_InvitationMailsLimitAtOnce races every way of sending invitation emails
// against one organization's hourly allowance at once: imports in INVITE mode,
// inviteUsers, and resends. However they interleave, the organization sends
// no more emails than it may; each address over the limit is answered RATE_LIMITED with
// a sentence and has no invitation; each refused resend is RATE_LIMITED and changes
// nothing.
func testSecurity_InvitationMailsLimitAtOnce(t *testing.T, open Open) {
	const mails = 10
	p := newPeople(t, open)
	p.store.SetInvitationLimit(server.InvitationLimit{Mails: mails}) // Ivy's invitation took one
	var mu sync.Mutex
	sent, limited := 1, []string{}
	count := func(email string, ok, rateLimited bool, message string) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case ok:
			sent++
		case rateLimited:
			if !strings.Contains(message, fmt.Sprintf("%d invitation emails of the hour", mails)) {
				t.Errorf("%s: %q", email, message)
			}
			if email != "" {
				limited = append(limited, email)
			}
		default:
			t.Errorf("%s: neither sent nor rate-limited: %q", email, message)
		}
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			var rows []server.ImportRow
			for j := range 5 {
				rows = append(rows, server.ImportRow{Line: j + 2, Email: fmt.Sprintf("imp%d-%d@acme.example", i, j)})
			}
			results, err := p.store.Imports.ImportUsers(p.adminCtx, rows, server.ImportOptions{Mode: server.ImportInvite, Existing: server.ImportSkip})
			if err != nil {
				t.Errorf("import: %v", err)
				return
			}
			for _, r := range results {
				count(r.Email, r.Outcome == server.ImportInvited, r.Outcome == server.ImportFailed, r.Message)
			}
		})
		wg.Go(func() {
			var emails []string
			for j := range 5 {
				emails = append(emails, fmt.Sprintf("inv%d-%d@acme.example", i, j))
			}
			results, err := p.invites.InviteUsers(p.adminCtx, emails, server.RoleUser)
			if err != nil {
				t.Errorf("invite: %v", err)
				return
			}
			for _, r := range results {
				count(r.Email, r.Outcome == server.InviteInvited, r.Outcome == server.InviteRateLimited, r.Message)
			}
		})
		wg.Go(func() {
			_, err := p.invites.ResendInvitation(p.adminCtx, p.ivy.Invitation.ID)
			count("", err == nil, server.ErrorCode(err) == server.ERATELIMITED, server.ErrorMessage(err))
		})
	}
	wg.Wait()
	if sent != mails {
		t.Errorf("%d invitation emails sent, want exactly the allowance of %d", sent, mails)
	}
	for _, email := range limited {
		if n := pendingOf(t, p, email); n != 0 {
			t.Errorf("%s was rate-limited but has %d pending invitations", email, n)
		}
	}
	var pending int
	if err := p.store.Raw.QueryRow(`SELECT COUNT(*) FROM invitations WHERE status = 'PENDING'`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending > mails {
		t.Errorf("%d pending invitations, more than %d emails may go out", pending, mails)
	}
}
