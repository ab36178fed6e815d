//go:build !wasm

package app

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// listEmails reads the emails of every user of q, page after page, as the list shows them.
func listEmails(t *testing.T, a api, q listQuery, caps capabilities) []string {
	t.Helper()
	var out []string
	for q.Page, q.Size = 1, 100; ; q.Page++ {
		page := a.users(context.Background(), q, caps)
		if page.Err != nil {
			t.Fatal(page.Err)
		}
		for _, u := range page.Users {
			out = append(out, u.Email)
		}
		if len(page.Users) < q.Size {
			return out
		}
	}
}

func readCSV(t *testing.T, text string) [][]string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("the file is not CSV: %v\n%s", err, text[:min(len(text), 300)])
	}
	return records
}

func column(records [][]string, i int) []string {
	var out []string
	for _, r := range records[1:] {
		out = append(out, r[i])
	}
	return out
}

// TestExport_FromDirectory exports as the widget does from the directory: createExport, the
// link downloaded with no credential, the progress followed to done. The file holds the
// list's users of the filters, in its sort.
func TestExport_FromDirectory(t *testing.T) {
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	st, f := a.openSession(context.Background())
	if f != nil || !st.Caps.Export {
		t.Fatalf("session %+v, %v: want createExport", st.Caps, f)
	}
	q := parseListQuery(url.Values{"status": {"active"}, "sort": {"email"}, "dir": {"desc"}})
	var file string
	var steps []exportState
	out := a.exportFromDirectory(context.Background(), exportRequest{Query: q, Columns: []string{"email", "lastname", "workspaces"}},
		func(href string) {
			if !strings.HasPrefix(href, d.URL+"/export/ua_") {
				t.Errorf("the link is %q", href)
			}
			resp, err := http.Get(href) // no key, no cookie: the token is the credential
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("download: %s %s", resp.Status, body)
			}
			file = string(body)
		}, func(s exportState) { steps = append(steps, s) })
	if out.Err != nil || !out.Done {
		t.Fatalf("export ended %+v", out)
	}
	records := readCSV(t, file)
	if !slices.Equal(records[0], []string{"email", "lastname", "workspaces"}) {
		t.Errorf("header %q", records[0])
	}
	want := listEmails(t, a, q, st.Caps)
	if got := column(records, 0); !slices.Equal(got, want) || len(want) < 10 {
		t.Errorf("the file has %d users, the list %d: first difference at %d", len(got), len(want), firstDiff(got, want))
	}
	if out.Written != len(want) || out.Total != len(want) || len(steps) == 0 {
		t.Errorf("progress %+v after steps %+v, want %d written", out, steps, len(want))
	}
}

// TestExport_InWidget exports from Kili's core, which has no createExport: the widget
// pages through users itself and hands the sink one page at a time; the file is the same
// list, in its order.
func TestExport_InWidget(t *testing.T) {
	d := startDirectory(t, true)
	a := d.api(d.AdminKey)
	st, f := a.openSession(context.Background())
	if f != nil || st.Caps.Export {
		t.Fatalf("session %+v, %v: the core has no createExport", st.Caps, f)
	}
	cols := exportColumnsOf(st.Caps)
	var names []string
	for _, c := range cols {
		names = append(names, c[0])
	}
	if !slices.Equal(names, []string{"email", "firstname", "lastname", "organizationRole", "activated", "createdAt"}) {
		t.Errorf("the core's columns: %v", names)
	}
	sink := &partSink{}
	out := a.exportInWidget(context.Background(), exportRequest{Query: listQuery{}, Columns: names}, st.Caps, sink, func(exportState) {})
	if out.Err != nil || !out.Done || sink.name == "" || !strings.HasPrefix(sink.name, "users-") {
		t.Fatalf("export ended %+v, file %q", out, sink.name)
	}
	records := readCSV(t, strings.Join(sink.parts, ""))
	want := listEmails(t, a, listQuery{}, st.Caps)
	if got := column(records, 0); !slices.Equal(got, want) {
		t.Errorf("the file has %d users, the list %d", len(got), len(want))
	}
	if len(sink.parts) != len(want)/exportFallbackPage+1 {
		t.Errorf("%d parts for %d users: want one per page of %d", len(sink.parts), len(want), exportFallbackPage)
	}
	for _, r := range records[1:] {
		if r[3] != "ADMIN" && r[3] != "USER" || r[4] != "true" && r[4] != "false" || !strings.HasSuffix(r[5], "Z") {
			t.Fatalf("row %q", r)
		}
	}
}

// partSink keeps the parts, as blobSink hands them to the browser.
type partSink struct {
	parts []string
	name  string
}

func (s *partSink) add(part string)        { s.parts = append(s.parts, part) }
func (s *partSink) finish(filename string) { s.name = filename }

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
