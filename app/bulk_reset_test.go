//go:build !wasm

package app

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
)

// TestBulk_ResetLinksAgainstTheDirectory issues reset links to every user of the
// directory, which has no mail sender, 7 at a time: one link per user but the viewer,
// each handed back; the core offers no bulk links, and the widget says so.
func TestBulk_ResetLinksAgainstTheDirectory(t *testing.T) {
	d := startDirectoryWith(t, "full")
	a := d.api(d.AdminKey)
	ctx := context.Background()
	st, f := a.openSession(ctx)
	if f != nil {
		t.Fatal(f)
	}
	if !st.Caps.BulkResets {
		t.Fatal("the directory's issuePasswordResets was not found")
	}
	on := true
	active := UserWhere{Activated: &on}
	total := countWhere(t, a, active)
	s := a.runBulk(ctx, bulkRequest{Action: bulkResetLinks, Where: active, Total: total, ViewerID: st.Viewer.ID, Batch: 7, Emails: map[string]string{}},
		st.Caps.BulkResets, func(bulkState) {})
	if s.Err != nil || s.Done != total || s.Changed != total-1 || len(s.Resets) != total-1 || s.Mailed != 0 ||
		len(s.Failures) != 1 || s.Failures[0].Reason != "SELF" {
		t.Fatalf("done %d changed %d resets %d mailed %d failures %+v; %d active", s.Done, s.Changed, len(s.Resets), s.Mailed, s.Failures, total)
	}
	seen := map[string]bool{}
	for _, r := range s.Resets {
		if !strings.Contains(r.Link, "token=") || r.ExpiresAt == "" || seen[r.Email] {
			t.Fatalf("reset %+v", r)
		}
		seen[r.Email] = true
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(resetLinksCSV(s.Resets), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != total || strings.Join(rows[0], ",") != "email,link,expires" || rows[1][1] != s.Resets[0].Link {
		t.Fatalf("csv %v %v", rows, err)
	}

	core := startDirectoryWith(t, "core").api(d.AdminKey)
	cst, f := core.openSession(ctx)
	if f != nil {
		t.Fatal(f)
	}
	if cst.Caps.BulkResets {
		t.Error("the core offers bulk reset links")
	}
	s = core.runBulk(ctx, bulkRequest{Action: bulkResetLinks, IDs: []string{"x"}, Emails: map[string]string{}}, cst.Caps.BulkResets, func(bulkState) {})
	if s.Err == nil || s.Changed != 0 {
		t.Errorf("core: %+v", s)
	}
}

// TestBulk_ResetLinksCSVIsInert makes a cell that starts as a formula would inert.
func TestBulk_ResetLinksCSVIsInert(t *testing.T) {
	got := resetLinksCSV([]issuedReset{{Email: "=cmd@x.test", Link: "https://d.test/r?token=a", ExpiresAt: "2026-01-01T00:00:00Z"}})
	if !strings.Contains(got, "'=cmd@x.test,https://d.test/r?token=a,2026-01-01T00:00:00Z\r\n") {
		t.Errorf("csv %q", got)
	}
}
