package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"useradmin/server"
)

// A batch that names another organization's user, among rows it writes, answers that
// line "already used" and leaves the user as they were, in every mode: not their names,
// their role, their username, nor an invitation of their address.
func testImport_OtherOrganizationsUserAmongWrites(t *testing.T, open Open) {
	f := newFixture(t, open)
	_, gus, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Grant")
	f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	before, err := f.users.FindUsers(globexCtx, server.UserFilter{ID: &gus.ID}, server.Page{Limit: 1}, nil)
	if err != nil || len(before) != 1 {
		t.Fatal(before, err)
	}
	for k, opts := range []server.ImportOptions{
		{Mode: server.ImportCreate, Existing: server.ImportUpdate},
		{Mode: server.ImportCreate, Existing: server.ImportSkip},
		{Mode: server.ImportInvite, Existing: server.ImportUpdate},
	} {
		rows := []server.ImportRow{
			{Line: 2, Email: fmt.Sprintf("new%d@acme.example", k), Firstname: "New"},
			{Line: 3, Email: " Gus@Globex.Example", Firstname: "Hijacked", Role: "USER", Activated: "false"},
			{Line: 4, Email: "uma@acme.example", Firstname: fmt.Sprint("Uma ", k)},
		}
		if opts.Mode == server.ImportCreate {
			rows[1].Username = "gus-hijacked"
		}
		res, err := f.store.Imports.ImportUsers(f.adminCtx, rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		if r := res[1]; r.Outcome != server.ImportFailed || r.Message != msgEmailUsed || r.UserID != "" || r.Token != "" || r.Invitation != nil {
			t.Errorf("%v: Gus's line: %+v", opts, r)
		}
		if res[0].Outcome != server.ImportCreated && res[0].Outcome != server.ImportInvited {
			t.Errorf("%v: a new address: %+v", opts, res[0])
		}
		after, err := f.users.FindUsers(globexCtx, server.UserFilter{ID: &gus.ID}, server.Page{Limit: 1}, nil)
		if err != nil || len(after) != 1 || !reflect.DeepEqual(after[0], before[0]) {
			t.Fatalf("%v: Gus is now %+v, was %+v (%v)", opts, after, before[0], err)
		}
	}
	var invited int
	if err := f.store.Raw.QueryRow(`SELECT COUNT(*) FROM invitations WHERE email = 'gus@globex.example'`).Scan(&invited); err != nil || invited != 0 {
		t.Errorf("%d invitations of Gus's address (%v)", invited, err)
	}
	f.checkCounts(t)
}

// An address listed twice in a batch, in another case or with spaces, is imported once,
// on its first line, in every mode; the later line fails and names the first, and what
// it says is not written.
func testImport_DuplicatesWithinOneBatch(t *testing.T, open Open) {
	f := newFixture(t, open)
	if _, err := f.store.Workspaces.CreateWorkspace(f.adminCtx, "Team"); err != nil {
		t.Fatal(err)
	}
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	rows := []server.ImportRow{
		{Line: 2, Email: "dup@acme.example", Firstname: "First"},
		{Line: 3, Email: "uma@acme.example", Firstname: "Umaima"},
		{Line: 4, Email: " DUP@Acme.Example ", Firstname: "Second", Role: "ADMIN", Workspaces: []string{"team"}},
		{Line: 5, Email: "UMA@acme.example", Firstname: "Not this", Role: "ADMIN", Workspaces: []string{"team"}},
	}
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate}
	var preview []*server.ImportResult
	f.assertUnchanged(t, func() error {
		preview, _ = RunImport(t, f.store.Imports, f.adminCtx, rows, server.ImportOptions{Mode: opts.Mode, Existing: opts.Existing, DryRun: true})
		return nil
	})
	res, counts := RunImport(t, f.store.Imports, f.adminCtx, rows, opts)
	if counts[server.ImportCreated] != 1 || counts[server.ImportUpdated] != 1 || counts[server.ImportFailed] != 2 {
		t.Fatalf("counts = %v", counts)
	}
	for i, first := range map[int]int{2: 2, 3: 3} {
		if !strings.Contains(res[i].Message, fmt.Sprintf("line %d", first)) || res[i].Message != preview[i].Message {
			t.Errorf("line %d: %q, preview %q", res[i].Line, res[i].Message, preview[i].Message)
		}
	}
	for email, want := range map[string]string{"dup@acme.example": "First", "uma@acme.example": "Umaima"} {
		got, err := f.users.FindUsers(f.adminCtx, server.UserFilter{Email: &email}, server.Page{Limit: 2}, nil)
		if err != nil || len(got) != 1 || got[0].Firstname != want || got[0].Role != server.RoleUser {
			t.Errorf("%s: %+v %v", email, got, err)
		}
	}
	if spaces, err := f.store.Workspaces.UserWorkspaces(f.adminCtx, uma.ID, server.Page{Limit: 10}); err != nil || len(spaces) != 0 {
		t.Errorf("Uma's workspaces = %v %v", spaces, err)
	}
	// Invitations: one per address.
	invite := []server.ImportRow{{Line: 2, Email: "ivy@example.test"}, {Line: 3, Email: "IVY@example.test ", Role: "ADMIN"}}
	res, _ = RunImport(t, f.store.Imports, f.adminCtx, invite, server.ImportOptions{Mode: server.ImportInvite, Existing: server.ImportSkip})
	if res[0].Outcome != server.ImportInvited || res[1].Outcome != server.ImportFailed || !strings.Contains(res[1].Message, "line 2") {
		t.Errorf("invitations: %+v %+v", res[0], res[1])
	}
	invs, err := f.store.Invitations.FindInvitations(f.adminCtx, server.InvitationFilter{}, server.Page{Limit: 10})
	if err != nil || len(invs) != 1 || invs[0].Role != server.RoleUser {
		t.Errorf("invitations = %v %v", invs, err)
	}
	f.checkCounts(t)
}

// Two organizations import the same new address at once, each through its own
// instance, among addresses of their own: the address ends as one user; the batch that
// lost answers its line "already used", per row, and writes its other rows; no batch
// fails. Two admins of one organization doing the same both succeed too: the second
// finds the first's user. Addresses whose usernames are made alike get distinct ones.
func testImport_SameNewAddressAtOnce(t *testing.T, open Open) {
	f := newFixture(t, open)
	_, _, _, globexCtx := f.mustCreateOrganization(t, "Globex", "gus@globex.example", "Gus", "Grant")
	other := f.store.OtherImports(t)
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip}
	batch := func(round int, shared, own string) []server.ImportRow {
		rows := []server.ImportRow{{Line: 2, Email: shared, Firstname: "Shared"}}
		for i := range 50 {
			// sam@…: the same username base in both batches.
			rows = append(rows, server.ImportRow{Line: i + 3, Email: fmt.Sprintf("sam@%s-%d-%d.example", own, round, i)})
		}
		return rows
	}
	for round := range 4 {
		shared := fmt.Sprintf("both%d@shared.example", round)
		type side struct {
			svc server.ImportService
			ctx context.Context
			own string
		}
		sides := []side{{f.store.Imports, f.adminCtx, "acme"}, {other, globexCtx, "globex"}}
		if round%2 == 1 {
			sides[1] = side{other, f.adminCtx, "acme2"} // one organization, two instances
		}
		results := make([][]*server.ImportResult, 2)
		errs := AtOnce(2, func(i int) error {
			var err error
			results[i], err = sides[i].svc.ImportUsers(sides[i].ctx, batch(round, shared, sides[i].own), opts)
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, batch %d: %v", round, i, err)
			}
		}
		outcomes := map[server.ImportOutcome]int{}
		for i, res := range results {
			outcomes[res[0].Outcome]++
			for _, r := range res[1:] {
				if r.Outcome != server.ImportCreated {
					t.Errorf("round %d, batch %d, line %d: %s %q", round, i, r.Line, r.Outcome, r.Message)
				}
			}
			if res[0].Outcome == server.ImportFailed && (res[0].Message != msgEmailUsed || res[0].UserID != "") {
				t.Errorf("round %d: the batch that lost: %+v", round, res[0])
			}
		}
		lost := server.ImportFailed
		if round%2 == 1 {
			lost = server.ImportSkipped
		}
		if outcomes[server.ImportCreated] != 1 || outcomes[lost] != 1 {
			t.Errorf("round %d: the shared address came to %v, want one %s and one %s", round, outcomes, server.ImportCreated, lost)
		}
	}
	var users, names int
	if err := f.store.Raw.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT lower(username)) FROM users
		WHERE email LIKE '%@shared.example' OR email LIKE 'sam@%'`).Scan(&users, &names); err != nil {
		t.Fatal(err)
	}
	if want := 4 + 4*2*50; users != want || names != want {
		t.Errorf("%d users with %d usernames, want %d of each", users, names, want)
	}
	f.checkCounts(t)
}

// A batch cut off midway, its client gone (the context ended), stores all of its rows
// or none: never some users without their events, links or memberships. Each round has
// addresses and a workspace of its own: a commit the cut came too late to stop may land
// after the client is told it failed (PostgreSQL ends the wait, not the COMMIT), and it
// must then be whole too, which each round is checked for again at the end.
func testImport_CutOffMidwayStoresAllOrNothing(t *testing.T, open Open) {
	f := newFixture(t, open)
	rows := ImportRows(server.MaxImportBatch)
	opts := server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip}
	cuts := []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond,
		100 * time.Millisecond, 300 * time.Millisecond}
	var cut int
	for k, after := range cuts {
		team := fmt.Sprintf("Team %d", k)
		if _, err := f.store.Workspaces.CreateWorkspace(f.adminCtx, team); err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			rows[i].Email = fmt.Sprintf("person%d@cut%d.example", i, k)
			if len(rows[i].Workspaces) > 0 {
				rows[i].Workspaces = []string{team}
			}
		}
		ctx, cancel := context.WithTimeout(f.adminCtx, after)
		_, err := f.store.Imports.ImportUsers(ctx, rows, opts)
		cancel()
		stored, all := f.cutRound(t, k, len(rows))
		if err != nil {
			cut++
			if stored && !all {
				t.Errorf("cut after %s (%v): part of the batch stored", after, err)
			}
		} else if !all {
			t.Errorf("after %s: the batch is not all stored", after)
		}
	}
	t.Logf("%d batches of %d cut off", cut, len(cuts))
	for k := range cuts {
		if stored, all := f.cutRound(t, k, len(rows)); stored && !all {
			t.Errorf("round %d: part of its batch stored, at the end", k)
		}
	}
	f.checkCounts(t)
}

// cutRound reports whether anything of round k of testImport_CutOffMidwayStoresAllOrNothing
// is stored (its users at cutK.example, their events, the members of its workspace), and
// whether all of its n rows are, each with its two events and a third of them in the
// workspace with theirs.
func (f *fixture) cutRound(tb testing.TB, k, n int) (stored, all bool) {
	tb.Helper()
	var users, events int
	if err := f.store.Raw.QueryRow(fmt.Sprintf(`SELECT
		(SELECT COUNT(*) FROM users WHERE email LIKE '%%@cut%d.example'),
		(SELECT COUNT(*) FROM audit_events WHERE user_email LIKE '%%@cut%d.example')`, k, k)).Scan(&users, &events); err != nil {
		tb.Fatal(err)
	}
	team := fmt.Sprintf("Team %d", k)
	spaces, err := f.store.Workspaces.FindWorkspaces(f.adminCtx, server.WorkspaceFilter{Search: &team}, server.Page{Limit: 2})
	if err != nil || len(spaces) != 1 {
		tb.Fatalf("workspace %s: %v %v", team, spaces, err)
	}
	members := *spaces[0].MemberCount
	return users+events+members > 0, users == n && members == (n+2)/3 && events == 2*n+members
}
