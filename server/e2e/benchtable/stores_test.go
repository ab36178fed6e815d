package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// benchOutput is the start of a run: what `go test -list` lists, then figures.
const benchOutput = `BenchmarkFindUsers
BenchmarkCountUsers
BenchmarkSearch
BenchmarkUpdateUser
BenchmarkWorkspaces
BenchmarkBulk_Deactivate100000
BenchmarkExport_Million
ok  	useradmin/server/sqlite	0.017s
BenchmarkPG_FirstPage
BenchmarkPG_Count
BenchmarkPG_Update
BenchmarkPG_Workspaces
ok  	useradmin/server/postgres	0.005s
BenchmarkFindUsers/FirstPage-2         	     100	   1500000 ns/op
BenchmarkFindUsers/OffsetHalf-2        	     100	   2500000 ns/op
BenchmarkCountUsers/Org-2              	     100	     10000 ns/op
BenchmarkSearch/Count/ma-2             	     100	  50000000 ns/op
BenchmarkUpdateUser-2                  	     100	    300000 ns/op
BenchmarkWorkspaces/Find/SmallWorkspace-2 	 100	    400000 ns/op
BenchmarkWorkspaces/Count/SmallWorkspace-2 	 100	    400000 ns/op
BenchmarkWorkspaces/Find/OrderByLastSignIn-2 	 100	    400000 ns/op
BenchmarkWorkspaces/Count/Dormant90Days-2 	 100	    400000 ns/op
BenchmarkBulk_Deactivate100000-2       	       1	9000000000 ns/op
BenchmarkExport_Million-2              	       1	4000000000 ns/op
BenchmarkPG_FirstPage-2                	     100	   2000000 ns/op
BenchmarkPG_Count-2                    	     100	     20000 ns/op
BenchmarkPG_Update-2                   	     100	  12000000 ns/op
BenchmarkPG_Workspaces/Find/SmallWorkspace-2 	 100	    500000 ns/op
BenchmarkPG_Workspaces/Find/BySignIn-2 	 100	    500000 ns/op
`

// The stores' figures pair by name: the PostgreSQL benchmarks that exist and gave no
// figure are missing; those not written yet show "—"; a PG benchmark under the SQLite
// scheme (PG_Workspaces/…) finds its SQLite row by itself.
func TestStoreTable(t *testing.T) {
	run, err := parse(strings.NewReader(benchOutput))
	if err != nil || run.failed {
		t.Fatal(err, run.failed)
	}
	rows, missing := storeTable(run.res, run.listed)
	wantMissing := []string{
		"Workspaces/Count/SmallWorkspace (PostgreSQL)",
		"Workspaces/Count/Dormant90Days (PostgreSQL)",
		"Workspaces/Find/OrderByLastSignIn (PostgreSQL)",
		"Workspaces/Find/SearchUsername (PostgreSQL)",
	}
	slices.Sort(missing)
	slices.Sort(wantMissing)
	if !slices.Equal(missing, wantMissing) {
		t.Errorf("missing %q,\nwant %q", missing, wantMissing)
	}
	var out bytes.Buffer
	printStores(&out, rows)
	if strings.Contains(out.String(), "OrderByLastname ") {
		t.Errorf("a row of no store's benchmark:\n%s", out.String())
	}
	for _, want := range []string{
		"page of 100, FirstPage  ≤ 10 ms   1.50 ms  yes  2.00 ms  yes",
		"page of 100, OffsetHalf  ≤ 10 ms   2.50 ms  yes  —",
		"update a user  ≤ 5 ms   0.30 ms  yes  12.00 ms  NO",
		"workspaces and sign-in, Find/BySignIn  ≤ 10 ms   —  ",
		"deactivate 10^5 users, in batches of 1,000  ≤ 30 s   9.0 s  yes  —",
		"CSV export of every user, store to CSV writer  ",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("no line %q in\n%s", want, out.String())
		}
	}

	// A SQLite group with no figure at all is missing too.
	_, missing = storeTable(results{}, map[string]bool{})
	if len(missing) != len(storeGroups) {
		t.Errorf("with no figures, missing %q", missing)
	}
}
