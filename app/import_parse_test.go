package app

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseImport_ReadsTheExportsColumns(t *testing.T) {
	file := "\xef\xbb\xbfemail,firstname,lastname,username,organizationRole,activated,workspaces,createdAt,lastSignedInAt\r\n" +
		"Ann@Example.test,Ann,\"O'Neil, Jr.\",ann,ADMIN,true,Annotators;Reviewers,2026-01-01T00:00:00Z,\r\n" +
		"\r\n" +
		"bob@example.test,'=Bob,,,,false,,2026-01-02T00:00:00Z,2026-02-01T00:00:00Z\r\n" +
		"\"multi\nline@example.test\",,,,,,\r\n"
	got, msg := parseImport([]byte(file))
	if msg != "" {
		t.Fatal(msg)
	}
	want := []ImportRow{
		{Line: 2, Email: "Ann@Example.test", Firstname: "Ann", Lastname: "O'Neil, Jr.", Username: "ann", OrganizationRole: "ADMIN", Activated: "true", Workspaces: []string{"Annotators", "Reviewers"}},
		{Line: 4, Email: "bob@example.test", Firstname: "=Bob", Activated: "false"},
		{Line: 5, Email: "multi\nline@example.test"},
	}
	if !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("rows = %+v", got.Rows)
	}
	if !reflect.DeepEqual(got.Ignored, []string{"createdAt", "lastSignedInAt"}) {
		t.Errorf("ignored = %v", got.Ignored)
	}
}

func TestParseImport_SemicolonsAndPlainHeaders(t *testing.T) {
	got, msg := parseImport([]byte("E-mail;First name;Role\nann@example.test;Ann;user\n"))
	if msg != "" || len(got.Rows) != 1 || got.Rows[0].Firstname != "Ann" || got.Rows[0].OrganizationRole != "user" {
		t.Fatalf("%+v %q", got, msg)
	}
}

// Every malformed file gets its own sentence, naming the line when there is one.
func TestParseImport_MalformedFilesGetASentence(t *testing.T) {
	wide := "email" + strings.Repeat(",x", 100_000) + "\n"
	wideRow := "email,firstname\nann@example.test" + strings.Repeat(",x", 100_000) + "\n"
	for name, tt := range map[string]struct {
		data string
		want string
	}{
		"empty":            {"", "This file is empty"},
		"not UTF-8":        {"email,firstname\nann@example.test,J\xf6rg\n", "not UTF-8"},
		"UTF-16":           {"\xff\xfee\x00m\x00a\x00i\x00l\x00\n\x00", "not UTF-8"},
		"no header":        {"ann@example.test,Ann\n", "no email column"},
		"header only":      {"email,firstname\n", "no one to import"},
		"column twice":     {"email,Email\n", "twice"},
		"open quote":       {"email,firstname\nann@example.test,\"Ann\nbob@example.test,Bob\n", "Line 2 opens a quote that is never closed"},
		"bare quote":       {"email,firstname\nann@example.test,An\"n\n", "Line 2 has a \""},
		"wide header":      {wide, "Line 1 has 100,001 columns"},
		"wide row":         {wideRow, "Line 2 has 100,001 columns"},
		"huge cell":        {"email\n\"" + strings.Repeat("a", 5000) + "\"\n", "Line 2 has a cell of 5,000 characters"},
		"header, then nil": {"\xef\xbb\xbf", "no lines"},
	} {
		t.Run(name, func(t *testing.T) {
			got, msg := parseImport([]byte(tt.data))
			if !strings.Contains(msg, tt.want) || len(got.Rows) != 0 {
				t.Errorf("got %q (%d rows), want a sentence with %q", msg, len(got.Rows), tt.want)
			}
			if !strings.HasSuffix(msg, ".") {
				t.Errorf("%q is not a sentence", msg)
			}
		})
	}
}

func TestCheckImportSize_RefusesBeforeReading(t *testing.T) {
	if msg := checkImportSize(100 << 20); !strings.Contains(msg, "100.0 MB") || !strings.Contains(msg, "10.0 MB") {
		t.Errorf("100 MB: %q", msg)
	}
	if msg := checkImportSize(1 << 20); msg != "" {
		t.Errorf("1 MB: %q", msg)
	}
	if _, msg := parseImport(make([]byte, maxImportFileSize+1)); !strings.Contains(msg, "up to 10.0 MB") {
		t.Errorf("parse of a file too large: %q", msg)
	}
}

func TestParseImport_TooManyRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("email\n")
	for range maxImportRows + 1 {
		b.WriteString("a@b.test\n")
	}
	if _, msg := parseImport([]byte(b.String())); !strings.Contains(msg, "more than 50,000") {
		t.Errorf("got %q", msg)
	}
}
