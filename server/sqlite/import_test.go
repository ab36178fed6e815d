package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// runImport imports rows in batches of server.MaxImportBatch, as the widget does, and
// returns every result and the count of each outcome.
func runImport(tb testing.TB, svc *sqlite.ImportService, ctx context.Context, rows []server.ImportRow, opts server.ImportOptions) ([]*server.ImportResult, map[server.ImportOutcome]int) {
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

// importRows makes n rows of new people, in the workspace Team for every third; lines
// from 2, after the header.
func importRows(n int) []server.ImportRow {
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

func TestImportService_TenThousandWithFailuresMixedInThenRerunChangesNothing(t *testing.T) {
	f := newFixture(t)
	svc := sqlite.NewImportService(f.db)
	if _, err := sqlite.NewWorkspaceService(f.db).CreateWorkspace(f.adminCtx, "Team"); err != nil {
		t.Fatal(err)
	}
	// Globex's admin has an address the file lists: it is "already used", never touched.
	_, globexAdmin, _, _ := f.mustCreateOrganization(t, "Globex", "boss@globex.example", "Gus", "Boss")
	rows := importRows(10_000)
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
		preview, _ = runImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: opts.Mode, Existing: opts.Existing, DryRun: true})
		return nil
	})
	res, counts := runImport(t, svc, f.adminCtx, rows, opts)
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
	space, err := sqlite.NewWorkspaceService(f.db).FindWorkspaces(f.adminCtx, server.WorkspaceFilter{}, server.Page{Limit: 10})
	if err != nil || len(space) != 1 || *space[0].MemberCount != 3334-2 { // lines 32 and 62 failed
		t.Fatalf("workspaces = %v %v", space, err)
	}
	if err := f.auth.CompletePasswordReset(context.Background(), res[1].Token, "a new password"); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, f.db)

	// The same file again, skipping or updating: nothing changes.
	for _, existing := range []server.ImportExisting{server.ImportSkip, server.ImportUpdate} {
		f.assertUnchanged(t, func() error {
			_, counts := runImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: existing})
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

func TestImportService_SkipOrUpdateExisting(t *testing.T) {
	f := newFixture(t)
	svc := sqlite.NewImportService(f.db)
	ws := sqlite.NewWorkspaceService(f.db)
	if _, err := ws.CreateWorkspace(f.adminCtx, "Reviewers"); err != nil {
		t.Fatal(err)
	}
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	row := server.ImportRow{Line: 2, Email: "UMA@acme.example", Firstname: "Umaima", Role: "ADMIN", Workspaces: []string{"reviewers"}}

	res, _ := runImport(t, svc, f.adminCtx, []server.ImportRow{row}, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportSkip})
	if res[0].Outcome != server.ImportSkipped || res[0].UserID != uma.ID {
		t.Fatalf("skip: %+v", res[0])
	}
	res, _ = runImport(t, svc, f.adminCtx, []server.ImportRow{row}, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
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
	res, _ = runImport(t, svc, f.adminCtx, []server.ImportRow{self}, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
	if res[0].Outcome != server.ImportFailed || !strings.Contains(res[0].Message, "you") {
		t.Fatalf("self: %+v", res[0])
	}
	demote := []server.ImportRow{{Line: 2, Email: uma.Email, Activated: "false"}}
	res, _ = runImport(t, svc, f.adminCtx, demote, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
	if res[0].Outcome != server.ImportUpdated {
		t.Fatalf("deactivate Uma, one of two admins: %+v", res[0])
	}
	// Ann's audit trail holds the run and each change.
	events, err := sqlite.NewAuditService(f.db).FindAuditEvents(f.adminCtx, server.AuditFilter{}, server.Page{Limit: 20})
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
	checkCounts(t, f.db)
}

func TestImportService_InviteMode(t *testing.T) {
	f := newFixture(t)
	svc := sqlite.NewImportService(f.db)
	f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	rows := []server.ImportRow{
		{Line: 2, Email: "ivy@example.test", Role: "ADMIN"},
		{Line: 3, Email: "uma@acme.example"},
		{Line: 4, Email: "ned@example.test", Firstname: "Ned"},
	}
	opts := server.ImportOptions{Mode: server.ImportInvite, Existing: server.ImportSkip}
	res, counts := runImport(t, svc, f.adminCtx, rows, opts)
	if counts[server.ImportInvited] != 2 || counts[server.ImportSkipped] != 1 || res[0].Token == "" || res[0].Invitation == nil {
		t.Fatalf("invite: %v %+v", counts, res[0])
	}
	if !strings.Contains(res[2].Message, "names") {
		t.Errorf("an invitation does not keep names: %q", res[2].Message)
	}
	invs, err := sqlite.NewInvitationService(f.db).FindInvitations(f.adminCtx, server.InvitationFilter{}, server.Page{Limit: 10})
	if err != nil || len(invs) != 2 {
		t.Fatalf("invitations = %v %v", invs, err)
	}
	// Again: the pending invitations are skipped, none sent twice.
	f.assertUnchanged(t, func() error {
		_, counts = runImport(t, svc, f.adminCtx, rows, opts)
		if counts[server.ImportSkipped] != 3 {
			t.Errorf("again: %v", counts)
		}
		return nil
	})
}

func TestImportService_RefusesUsersAndBadBatches(t *testing.T) {
	f := newFixture(t)
	svc := sqlite.NewImportService(f.db)
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
		"too many":   {f.adminCtx, importRows(server.MaxImportBatch + 1), opts, server.EINVALID},
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
