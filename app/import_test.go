//go:build !wasm

package app

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
)

// The import against the real directory: a file parsed as the page parses it, previewed
// and imported in batches, and its result as the CSV to download.
func TestImport_PreviewThenImportAgainstTheDirectory(t *testing.T) {
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	ctx := context.Background()
	var file strings.Builder
	file.WriteString("email,firstname,lastname,organizationRole,workspaces\n")
	for i := range 1200 {
		fmt.Fprintf(&file, "p%04d@import.test,Pia,%d,USER,\n", i, i)
	}
	file.WriteString("=cmd@import.test,Eq,,USER,\n") // a valid address, that a spreadsheet would take for a formula
	file.WriteString("owner@import.test,Olga,,OWNER,\n")
	f, msg := parseImport([]byte(file.String()))
	if msg != "" {
		t.Fatal(msg)
	}
	progressed := 0
	preview := a.runImport(ctx, importRequest{Rows: f.Rows, Mode: "CREATE", Existing: "SKIP", DryRun: true}, func(importState) { progressed++ })
	if preview.Err != nil || preview.Counts["CREATED"] != 1201 || preview.Counts["FAILED"] != 1 || progressed != 3 {
		t.Fatalf("preview: %v %v, %d progress calls", preview.Err, preview.Counts, progressed)
	}
	done := a.runImport(ctx, importRequest{Rows: f.Rows, Mode: "CREATE", Existing: "SKIP"}, func(importState) {})
	if done.Err != nil || done.Counts["CREATED"] != 1201 || done.importable() != 1201 {
		t.Fatalf("import: %v %v", done.Err, done.Counts)
	}
	again := a.runImport(ctx, importRequest{Rows: f.Rows, Mode: "CREATE", Existing: "UPDATE"}, func(importState) {})
	if again.Counts["UNCHANGED"] != 1201 {
		t.Fatalf("again: %v", again.Counts)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(importResultsCSV(done.Results), "\ufeff"))).ReadAll()
	if err != nil || len(records) != 1203 {
		t.Fatalf("result CSV: %d records, %v", len(records), err)
	}
	if r := records[1]; r[2] != "CREATED" || !strings.Contains(r[4], "/reset-password?token=") {
		t.Errorf("first row = %v", r)
	}
	if r := records[1201]; r[1] != "'=cmd@import.test" || r[2] != "CREATED" {
		t.Errorf("the formula-like email is not inert: %v", r)
	}
}

// A cancelled run stops between two batches, with what was sent imported and counted.
func TestImport_CancelStopsBetweenBatches(t *testing.T) {
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	ctx, cancel := context.WithCancel(context.Background())
	rows := make([]ImportRow, 30)
	for i := range rows {
		rows[i] = ImportRow{Line: i + 2, Email: fmt.Sprintf("c%d@import.test", i)}
	}
	s := a.runImport(ctx, importRequest{Rows: rows, Mode: "CREATE", Existing: "SKIP", Batch: 10}, func(s importState) {
		if s.Done == 10 {
			cancel()
		}
	})
	if !s.Cancelled || s.Done != 10 || s.Counts["CREATED"] != 10 || s.Err != nil {
		t.Fatalf("%+v", s)
	}
}
