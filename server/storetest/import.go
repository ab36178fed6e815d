package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

// RunImport imports rows in batches of server.MaxImportBatch, as the widget does, and
// returns every result and the count of each outcome.
func RunImport(tb testing.TB, svc server.ImportService, ctx context.Context, rows []server.ImportRow, opts server.ImportOptions) ([]*server.ImportResult, map[server.ImportOutcome]int) {
	tb.Helper()
	var all []*server.ImportResult
	counts := map[server.ImportOutcome]int{}
	for start := 0; start < len(rows); start += server.MaxImportBatch {
		res, err := svc.ImportUsers(ctx, rows[start:min(start+server.MaxImportBatch, len(rows))], opts)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range res {
			counts[r.Outcome]++
		}
		all = append(all, res...)
	}
	return all, counts
}

// ImportRows makes n rows of new people, in the workspace Team for every third; lines
// from 2, after the header.
func ImportRows(n int) []server.ImportRow {
	rows := make([]server.ImportRow, n)
	for i := range rows {
		rows[i] = server.ImportRow{Line: i + 2, Email: fmt.Sprintf("Person%05d@Import.example", i),
			Firstname: "Person", Lastname: fmt.Sprint(i), Role: "user"}
		if i%3 == 0 {
			rows[i].Workspaces = []string{"team"}
		}
	}
	return rows
}

func testImport_TenThousandWithFailuresMixedInThenRerunChangesNothing(t *testing.T, open Open) {
	f := newFixture(t, open)
	svc := f.store.Imports
	if _, err := f.store.Workspaces.CreateWorkspace(f.adminCtx, "Team"); err != nil {
		t.Fatal(err)
	}
	// Globex's admin has an address the file lists: it is "already used", never touched.
	_, globexAdmin, _, _ := f.mustCreateOrganization(t, "Globex", "boss@globex.example", "Gus", "Boss")
	rows := ImportRows(10_000)
	rows[10].Email = "not an address"
	rows[20].Role = "owner"
	rows[30].Workspaces = []string{"Nowhere"}
	rows[40].Email = "boss@globex.example"
	rows[50].Email = rows[49].Email // listed twice
	rows[60].Username = "ann"       // Ann's username, made from her email
	rows[70].Activated = "maybe"
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip}

	// The preview writes nothing and answers what the import does.
	var preview []*server.ImportResult
	f.assertUnchanged(t, func() error {
		preview, _ = RunImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: opts.Mode, Existing: opts.Existing, DryRun: true})
		return nil
	})
	res, counts := RunImport(t, svc, f.adminCtx, rows, opts)
	if counts[server.ImportCreated] != 10_000-7 || counts[server.ImportFailed] != 7 {
		t.Fatalf("counts = %v", counts)
	}
	for i, r := range res {
		if r.Outcome != preview[i].Outcome || r.Message != preview[i].Message && r.Outcome == server.ImportFailed {
			t.Errorf("line %d: preview %s %q, import %s %q", r.Line, preview[i].Outcome, preview[i].Message, r.Outcome, r.Message)
		}
		if preview[i].Token != "" {
			t.Errorf("line %d: the preview made a link", r.Line)
		}
	}
	for _, i := range []int{10, 20, 30, 40, 50, 60, 70} {
		if res[i].Outcome != server.ImportFailed || res[i].Message == "" {
			t.Errorf("line %d: %s %q", res[i].Line, res[i].Outcome, res[i].Message)
		}
	}
	if !strings.Contains(res[40].Message, "already used") || strings.Contains(res[40].Message, "Globex") {
		t.Errorf("another organization's address: %q", res[40].Message)
	}
	if !strings.Contains(res[50].Message, "line 51") {
		t.Errorf("listed twice: %q", res[50].Message)
	}
	if res[0].Token == "" || !strings.Contains(res[0].Message, "link") {
		t.Errorf("a created user gets a reset link: %+v", res[0])
	}
	if got, err := f.users.FindUsers(f.adminCtx, server.UserFilter{Email: &globexAdmin.Email}, server.Page{Limit: 1}, nil); err != nil || len(got) != 0 {
		t.Errorf("Globex's admin is seen from Acme: %v %v", got, err)
	}
	// Every third user is in Team; the created users can set a password with their link.
	space, err := f.store.Workspaces.FindWorkspaces(f.adminCtx, server.WorkspaceFilter{}, server.Page{Limit: 10})
	if err != nil || len(space) != 1 || *space[0].MemberCount != 3334-2 { // lines 32 and 62 failed
		t.Fatalf("workspaces = %v %v", space, err)
	}
	if err := f.auth.CompletePasswordReset(context.Background(), res[1].Token, "a new password"); err != nil {
		t.Fatal(err)
	}
	f.checkCounts(t)

	// The same file again, skipping or updating: nothing changes.
	for _, existing := range []server.ImportExisting{server.ImportSkip, server.ImportUpdate} {
		f.assertUnchanged(t, func() error {
			_, counts := RunImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: existing})
			want := server.ImportSkipped
			if existing == server.ImportUpdate {
				want = server.ImportUnchanged
			}
			if counts[want] != 10_000-7 || counts[server.ImportFailed] != 7 {
				t.Errorf("%s again: %v", existing, counts)
			}
			return nil
		})
	}
}

func testImport_SkipOrUpdateExisting(t *testing.T, open Open) {
	f := newFixture(t, open)
	svc := f.store.Imports
	ws := f.store.Workspaces
	if _, err := ws.CreateWorkspace(f.adminCtx, "Reviewers"); err != nil {
		t.Fatal(err)
	}
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	row := server.ImportRow{Line: 2, Email: "UMA@acme.example", Firstname: "Umaima", Role: "ADMIN", Workspaces: []string{"reviewers"}}

	res, _ := RunImport(t, svc, f.adminCtx, []server.ImportRow{row}, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
	if res[0].Outcome != server.ImportSkipped || res[0].UserID != uma.ID {
		t.Fatalf("skip: %+v", res[0])
	}
	res, _ = RunImport(t, svc, f.adminCtx, []server.ImportRow{row}, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
	if res[0].Outcome != server.ImportUpdated {
		t.Fatalf("update: %+v", res[0])
	}
	got, err := f.users.FindUsers(f.adminCtx, server.UserFilter{ID: &uma.ID}, server.Page{Limit: 1}, nil)
	if err != nil || got[0].Firstname != "Umaima" || got[0].Lastname != "User" || got[0].Role != server.RoleAdmin {
		t.Fatalf("updated user = %+v %v", got, err)
	}
	spaces, err := ws.UserWorkspaces(f.adminCtx, uma.ID, server.Page{Limit: 10})
	if err != nil || len(spaces) != 1 {
		t.Fatalf("workspaces = %v %v", spaces, err)
	}
	// The caller's own line may not demote them, and the last admin stays.
	self := server.ImportRow{Line: 3, Email: f.admin.Email, Role: "USER"}
	res, _ = RunImport(t, svc, f.adminCtx, []server.ImportRow{self}, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
	if res[0].Outcome != server.ImportFailed || !strings.Contains(res[0].Message, "you") {
		t.Fatalf("self: %+v", res[0])
	}
	demote := []server.ImportRow{{Line: 2, Email: uma.Email, Activated: "false"}}
	res, _ = RunImport(t, svc, f.adminCtx, demote, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
	if res[0].Outcome != server.ImportUpdated {
		t.Fatalf("deactivate Uma, one of two admins: %+v", res[0])
	}
	// Ann's audit trail holds the run and each change.
	events, err := f.store.Audit.FindAuditEvents(f.adminCtx, server.AuditFilter{}, server.Page{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, string(e.Action))
	}
	want := "USERS_IMPORTED USER_DEACTIVATED USERS_IMPORTED WORKSPACE_MEMBERS_ADDED ROLE_CHANGED USER_UPDATED"
	if got := strings.Join(actions[:6], " "); got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	f.checkCounts(t)
}

func testImport_InviteMode(t *testing.T, open Open) {
	f := newFixture(t, open)
	svc := f.store.Imports
	f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	rows := []server.ImportRow{
		{Line: 2, Email: "ivy@example.test", Role: "ADMIN"},
		{Line: 3, Email: "uma@acme.example"},
		{Line: 4, Email: "ned@example.test", Firstname: "Ned"},
	}
	opts := server.ImportOptions{Mode: server.ImportInvite, Existing: server.ImportSkip}
	// The preview writes nothing (no invitation, no email counted) and answers as the
	// import does.
	var preview []*server.ImportResult
	f.assertUnchanged(t, func() error {
		preview, _ = RunImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: opts.Mode, Existing: opts.Existing, DryRun: true})
		return nil
	})
	res, counts := RunImport(t, svc, f.adminCtx, rows, opts)
	for i, r := range res {
		if preview[i].Outcome != r.Outcome || preview[i].Message != r.Message || preview[i].Token != "" || preview[i].Invitation != nil {
			t.Errorf("line %d: preview %+v, import %+v", r.Line, preview[i], r)
		}
	}
	if counts[server.ImportInvited] != 2 || counts[server.ImportSkipped] != 1 || res[0].Token == "" || res[0].Invitation == nil {
		t.Fatalf("invite: %v %+v", counts, res[0])
	}
	if !strings.Contains(res[2].Message, "names") {
		t.Errorf("an invitation does not keep names: %q", res[2].Message)
	}
	invs, err := f.store.Invitations.FindInvitations(f.adminCtx, server.InvitationFilter{}, server.Page{Limit: 10})
	if err != nil || len(invs) != 2 {
		t.Fatalf("invitations = %v %v", invs, err)
	}
	// Again: the pending invitations are skipped, none sent twice.
	f.assertUnchanged(t, func() error {
		_, counts = RunImport(t, svc, f.adminCtx, rows, opts)
		if counts[server.ImportSkipped] != 3 {
			t.Errorf("again: %v", counts)
		}
		return nil
	})
	// Past their expiry, the invitations are replaced by new ones.
	f.clock.Add(8 * 24 * time.Hour)
	res, counts = RunImport(t, svc, f.adminCtx, rows, opts)
	if counts[server.ImportInvited] != 2 || counts[server.ImportSkipped] != 1 || res[0].Token == "" {
		t.Fatalf("after expiry: %v %+v", counts, res[0])
	}
	invs, err = f.store.Invitations.FindInvitations(f.adminCtx, server.InvitationFilter{Statuses: []server.InvitationStatus{server.InvitationPending}}, server.Page{Limit: 10})
	if err != nil || len(invs) != 2 || !slices.Contains(invitationIDs(invs), res[0].Invitation.Invitation.ID) || !slices.Contains(invitationIDs(invs), res[2].Invitation.Invitation.ID) {
		t.Fatalf("pending invitations = %v %v", invs, err)
	}
}

func testImport_RefusesUsersAndBadBatches(t *testing.T, open Open) {
	f := newFixture(t, open)
	svc := f.store.Imports
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	umaCtx, _ := f.mustUserContext(t, f.adminCtx, uma)
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip}
	row := []server.ImportRow{{Line: 2, Email: "new@example.test"}}
	for name, tt := range map[string]struct {
		ctx  context.Context
		rows []server.ImportRow
		opts server.ImportOptions
		code string
	}{
		"user":       {umaCtx, row, opts, server.EFORBIDDEN},
		"no caller":  {context.Background(), row, opts, server.EUNAUTHENTICATED},
		"too many":   {f.adminCtx, ImportRows(server.MaxImportBatch + 1), opts, server.EINVALID},
		"none":       {f.adminCtx, nil, opts, server.EINVALID},
		"bad mode":   {f.adminCtx, row, server.ImportOptions{Mode: "DROP", Existing: server.ImportSkip}, server.EINVALID},
		"bad line":   {f.adminCtx, []server.ImportRow{{Line: 0, Email: "a@b.test"}}, opts, server.EINVALID},
		"workspaces": {f.adminCtx, []server.ImportRow{{Line: 2, Email: "a@b.test", Workspaces: make([]string, 21)}}, opts, server.EINVALID},
		"bad choice": {f.adminCtx, row, server.ImportOptions{Mode: server.ImportCreate, Existing: "MERGE"}, server.EINVALID},
	} {
		t.Run(name, func(t *testing.T) {
			err := f.assertUnchanged(t, func() error {
				_, err := svc.ImportUsers(tt.ctx, tt.rows, tt.opts)
				return err
			})
			assertCode(t, err, tt.code)
		})
	}
}

// Two organizations import the same file at once, each through its own instance, twice
// over: every address ends as one user, of one organization; a batch that met the
// other's uncommitted users answers them "already used", or, when it keeps meeting
// them, is refused whole (CONFLICT) and changes nothing; and the rows of the one that
// went through are the other's "already used" the next time.
func testImport_AtOnceInTwoOrganizations(t *testing.T, open Open) {
	f := newFixture(t, open)
	_, _, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Grant")
	services := []server.ImportService{f.store.Imports, f.store.OtherImports(t)}
	ctxs := []context.Context{f.adminCtx, globexCtx}
	rows := ImportRows(300)
	for i := range rows {
		rows[i].Workspaces = nil
		// Case and spaces vary between the two files: the same addresses.
		if i%2 == 1 {
			rows[i].Email = "  " + strings.ToUpper(rows[i].Email) + " "
		}
	}
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate}
	for round := range 2 {
		errs := AtOnce(2, func(i int) error {
			_, err := services[i].ImportUsers(ctxs[i], rows, opts)
			return err
		})
		for _, err := range errs {
			if code := server.ErrorCode(err); code != "" && code != server.ECONFLICT {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	var users, orgs int
	if err := f.store.Raw.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT organization_id) FROM users WHERE email LIKE '%@import.example'`).Scan(&users, &orgs); err != nil {
		t.Fatal(err)
	}
	if users != 300 || orgs != 1 {
		t.Fatalf("%d users of %d organizations, want the 300 addresses once, in one organization", users, orgs)
	}
	// The organization that lost sees nothing of the other's users but "already used".
	for i, ctx := range ctxs {
		res, err := services[i].ImportUsers(ctx, rows[:10], opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Outcome != server.ImportUnchanged && (r.Outcome != server.ImportFailed || r.Message != msgEmailUsed || r.UserID != "") {
				t.Errorf("organization %d, line %d: %s %q %q", i, r.Line, r.Outcome, r.Message, r.UserID)
			}
		}
	}
	f.checkCounts(t)
}

// msgEmailUsed is what both stores answer for an address of another organization.
const msgEmailUsed = "This email address is already used in the directory: use another address, or leave the line out."

// An import reaches no other organization: not by email, in any case, nor by a
// username another organization's user has, nor by a workspace of theirs; a USER, a
// deactivated admin or a revoked key may not import; 10 kB cells fail their row.
func testImport_Attacks(t *testing.T, open Open) {
	f := newFixture(t, open)
	svc := f.store.Imports
	_, gus, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Grant")
	if _, err := f.store.Workspaces.CreateWorkspace(globexCtx, "Secret"); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 10_000)
	rows := []server.ImportRow{
		{Line: 2, Email: "GUS@GLOBEX.EXAMPLE", Firstname: "Hijacked", Role: "USER"},
		{Line: 3, Email: "new1@acme.example", Username: strings.ToUpper(gus.Username)},
		{Line: 4, Email: "new2@acme.example", Workspaces: []string{"secret"}},
		{Line: 5, Email: long + "@acme.example"},
		{Line: 6, Email: "new3@acme.example", Firstname: long},
		{Line: 7, Email: "new4@acme.example", Username: long},
		{Line: 8, Email: "new5@acme.example", Workspaces: []string{long}},
		{Line: 9, Email: "new6@acme.example\x00", Firstname: "Nul"},
	}
	for _, existing := range []server.ImportExisting{server.ImportSkip, server.ImportUpdate} {
		for _, mode := range []server.ImportMode{server.ImportCreate, server.ImportInvite} {
			batch := rows
			if mode == server.ImportInvite {
				// An invitation takes no username: the person chooses theirs on accepting.
				batch = slices.Delete(slices.Clone(rows), 1, 2)
			}
			f.assertUnchanged(t, func() error {
				res, err := svc.ImportUsers(f.adminCtx, batch, server.ImportOptions{Mode: mode, Existing: existing})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					if r.Outcome != server.ImportFailed || r.Message == "" || strings.Contains(r.Message, "Globex") || r.UserID != "" {
						t.Errorf("%s %s, line %d: %s %q", mode, existing, r.Line, r.Outcome, r.Message)
					}
					if len(r.Email) > server.MaxEmailLength+10 {
						t.Errorf("line %d: the result repeats a %d-byte email", r.Line, len(r.Email))
					}
				}
				return nil
			})
		}
	}
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	umaCtx, _ := f.mustUserContext(t, f.adminCtx, uma)
	olga := f.mustCreateUser(t, f.adminCtx, "olga@acme.example", "Olga", "Off", server.RoleAdmin)
	olgaCtx, _ := f.mustUserContext(t, f.adminCtx, olga)
	if _, err := f.users.UpdateUser(f.adminCtx, server.UserRef{ID: olga.ID}, server.UserUpdate{Activated: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	rev := f.mustCreateUser(t, f.adminCtx, "rev@acme.example", "Rev", "Oked", server.RoleAdmin)
	revCtx, revKey := f.mustUserContext(t, f.adminCtx, rev)
	if err := f.auth.RevokeAPIKey(f.adminCtx, revKey.ID); err != nil {
		t.Fatal(err)
	}
	one := []server.ImportRow{{Line: 2, Email: "uma@acme.example", Role: "ADMIN"}}
	for name, c := range map[string]struct {
		ctx  context.Context
		code string
	}{"a USER promoting herself": {umaCtx, server.EFORBIDDEN}, "a deactivated admin": {olgaCtx, server.EUNAUTHENTICATED}, "a revoked key": {revCtx, server.EUNAUTHENTICATED}} {
		err := f.assertUnchanged(t, func() error {
			_, err := svc.ImportUsers(c.ctx, one, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
			return err
		})
		if server.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

// The batch decides usernames from what it read and did, and writes its new users at the
// end: a name taken or freed by an earlier line of the same batch counts for the later
// lines, the preview answers as the import does, and what is stored holds each name once.
func testImport_UsernamesWithinOneBatch(t *testing.T, open Open) {
	f := newFixture(t, open)
	svc := f.store.Imports
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser) // username "uma"
	f.mustCreateUser(t, f.adminCtx, "sam@other.example", "Sam", "Other", server.RoleUser)      // username "sam"
	rows := []server.ImportRow{
		{Line: 2, Email: "sam@acme.example"},                        // sam is taken: sam-2
		{Line: 3, Email: "SAM@third.example"},                       // sam-3
		{Line: 4, Email: "uma@acme.example", Username: "uma.user"},  // Uma's own name changes: "uma" is free again
		{Line: 5, Email: "new@acme.example", Username: "UMA"},       // takes the name Uma left, in another case
		{Line: 6, Email: "late@acme.example", Username: "Uma.User"}, // Uma took it on line 4
		{Line: 7, Email: "sam-4@acme.example", Username: "sam-4"},
		{Line: 8, Email: "sam@fourth.example"}, // sam-4 is taken on line 7: sam-5
	}
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate}
	want := []server.ImportOutcome{server.ImportCreated, server.ImportCreated, server.ImportUpdated, server.ImportCreated,
		server.ImportFailed, server.ImportCreated, server.ImportCreated}

	var preview []*server.ImportResult
	f.assertUnchanged(t, func() error {
		preview, _ = RunImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: opts.Mode, Existing: opts.Existing, DryRun: true})
		return nil
	})
	res, _ := RunImport(t, svc, f.adminCtx, rows, opts)
	for i, r := range res {
		if r.Outcome != want[i] || preview[i].Outcome != r.Outcome || preview[i].Message != r.Message && r.Outcome == server.ImportFailed {
			t.Errorf("line %d: preview %s %q, import %s %q, want %s", r.Line, preview[i].Outcome, preview[i].Message, r.Outcome, r.Message, want[i])
		}
	}
	if !strings.Contains(res[4].Message, "taken") {
		t.Errorf("line 6: %q", res[4].Message)
	}
	names := map[string]string{}
	for _, email := range []string{"sam@acme.example", "sam@third.example", "uma@acme.example", "new@acme.example", "sam-4@acme.example", "sam@fourth.example"} {
		got, err := f.users.FindUsers(f.adminCtx, server.UserFilter{Email: &email}, server.Page{Limit: 1}, nil)
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v %v", email, got, err)
		}
		names[email] = got[0].Username
	}
	wantNames := map[string]string{"sam@acme.example": "sam-2", "sam@third.example": "sam-3", "uma@acme.example": "uma.user",
		"new@acme.example": "UMA", "sam-4@acme.example": "sam-4", "sam@fourth.example": "sam-5"}
	for email, name := range wantNames {
		if names[email] != name {
			t.Errorf("%s: username %q, want %q", email, names[email], name)
		}
	}
	if names["uma@acme.example"] == "" || uma.ID == "" {
		t.Fatal("Uma is gone")
	}
	// The new users can choose their password with their links, and are counted.
	if err := f.auth.CompletePasswordReset(f.adminCtx, res[0].Token, "a new password"); err != nil {
		t.Fatal(err)
	}
	f.checkCounts(t)
}

// invitationIDs returns the ids of invitations, in order.
func invitationIDs(invs []*server.Invitation) []string {
	var s []string
	for _, inv := range invs {
		s = append(s, inv.ID)
	}
	return s
}
