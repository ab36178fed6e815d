package sqlite_test

import (
	"strings"
	"testing"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// The batch decides usernames from what it read and did, and writes its new users at the
// end: a name taken or freed by an earlier line of the same batch counts for the later
// lines, the preview answers as the import does, and what is stored holds each name once.
func TestImportService_UsernamesWithinOneBatch(t *testing.T) {
	f := newFixture(t)
	svc := sqlite.NewImportService(f.db)
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
		preview, _ = runImport(t, svc, f.adminCtx, rows, server.ImportOptions{Mode: opts.Mode, Existing: opts.Existing, DryRun: true})
		return nil
	})
	res, _ := runImport(t, svc, f.adminCtx, rows, opts)
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
	checkCounts(t, f.db)
}
