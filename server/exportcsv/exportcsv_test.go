package exportcsv_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"

	"useradmin/server/exportcsv"
)

// TestWriter_RFC4180 writes cells that need quoting and reads them back with the standard
// library's reader: commas, quotes, line breaks and non-ASCII text come back as they were.
func TestWriter_RFC4180(t *testing.T) {
	created := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	rows := []exportcsv.Row{
		{Email: "a@example.com", Firstname: "Smith, Jr.", Lastname: `The "Boss"`, Username: "a", OrganizationRole: "ADMIN", Activated: true,
			Workspaces: []string{"Labelling", "QA; night"}, CreatedAt: created},
		{Email: "b@example.com", Firstname: "Line\nbreak", Lastname: "Zoë Ågren 東京", Username: "b", OrganizationRole: "USER", CreatedAt: created,
			LastSignedInAt: &created},
	}
	var buf bytes.Buffer
	w := exportcsv.NewWriter(&buf, exportcsv.Columns)
	if err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := w.WriteRow(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{"\"Smith, Jr.\"", `"The ""Boss"""`, "\"Line\r\nbreak\"", "\r\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lacks %q:\n%s", want, text)
		}
	}
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"email", "firstname", "lastname", "username", "organizationRole", "activated", "workspaces", "createdAt", "lastSignedInAt"},
		{"a@example.com", "Smith, Jr.", `The "Boss"`, "a", "ADMIN", "true", "Labelling;QA; night", "2026-03-04T05:06:07.000008Z", ""},
		{"b@example.com", "Line\nbreak", "Zoë Ågren 東京", "b", "USER", "false", "", "2026-03-04T05:06:07.000008Z", "2026-03-04T05:06:07.000008Z"},
	}
	if !reflect.DeepEqual(records, want) {
		t.Errorf("read back\n%q\nwant\n%q", records, want)
	}
}

// TestInert checks each character that starts a formula, and cells that are left alone.
func TestInert(t *testing.T) {
	cases := map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+1+2":                     "'+1+2",
		"-2+3":                     "'-2+3",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\tcmd":                    "'\tcmd",
		"\rcmd":                    "'\rcmd",
		"":                         "",
		"a=b":                      "a=b",
		"'quoted":                  "'quoted",
		"Émile":                    "Émile",
	}
	for in, want := range cases {
		if got := exportcsv.Inert(in); got != want {
			t.Errorf("Inert(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriter_InjectionCells checks that the writer makes every column inert, the chosen
// columns alone, in the chosen order.
func TestWriter_InjectionCells(t *testing.T) {
	var buf bytes.Buffer
	w := exportcsv.NewWriter(&buf, []exportcsv.Column{exportcsv.Lastname, exportcsv.Firstname, exportcsv.Workspaces})
	w.WriteHeader()
	w.WriteRow(&exportcsv.Row{Firstname: "=1+1", Lastname: "@cmd", Workspaces: []string{"-x", "y"}})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"lastname", "firstname", "workspaces"}, {"'@cmd", "'=1+1", "'-x;y"}}
	if !reflect.DeepEqual(records, want) {
		t.Errorf("got %q, want %q", records, want)
	}
}

func TestFilename(t *testing.T) {
	if got := exportcsv.Filename(time.Date(2026, 12, 2, 23, 0, 0, 0, time.UTC)); got != "users-2026-12-02.csv" {
		t.Errorf("Filename = %q", got)
	}
}
