package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// storeGroup is one kind of the directory's figures, measured on both stores: the SQLite
// benchmarks (server/sqlite) named prefix…, the PostgreSQL ones (server/postgres)
// BenchmarkPG_… named as pgNames says.
type storeGroup struct {
	prefix, figure, target string
	limit                  float64 // the target as a maximum, in unit; 0: none
	unit                   string
	nsPerUnit              float64
	decimals               int
}

var storeGroups = []storeGroup{
	{"FindUsers/", "page of 100, ", "≤ 10 ms", 10, "ms", 1e6, 2},
	{"CountUsers/", "count, ", "≤ 10 ms", 10, "ms", 1e6, 2},
	{"Search/", "free-text search, ", "≤ 100 ms", 100, "ms", 1e6, 2},
	{"UpdateUser", "update a user", "≤ 5 ms", 5, "ms", 1e6, 2},
	{"Workspaces/", "workspaces and sign-in, ", "≤ 10 ms", 10, "ms", 1e6, 2},
	{"Bulk_Deactivate100000", "deactivate 10^5 users, in batches of 1,000", "≤ 30 s", 30, "s", 1e9, 1},
	{"Export_Million", "CSV export of every user, store to CSV writer", "", 0, "s", 1e9, 1},
}

// pgName is a PostgreSQL benchmark and the SQLite benchmark of the same figure, the name
// of its row; inSQLite tells whether SQLite has that benchmark (a row of PostgreSQL's
// alone shows "—" for SQLite).
type pgName struct {
	pg, name string
	inSQLite bool
}

// pgNames pairs the PostgreSQL benchmarks with the SQLite ones where their names differ;
// any other PG_X is X's PostgreSQL figure (BenchmarkPG_Workspaces/Find/SmallWorkspace
// beside BenchmarkWorkspaces/Find/SmallWorkspace). A benchmark that `go test -list` lists
// must give its figures; one not listed (not written yet) shows "—".
var pgNames = []pgName{
	{"PG_FirstPage", "FindUsers/FirstPage", true},
	{"PG_PageByLastname", "FindUsers/OrderByLastname", false},
	{"PG_DeepPage", "FindUsers/Offset50000", false},
	{"PG_Count", "CountUsers/Org", true},
	{"PG_CountAdminsActive", "CountUsers/OrgAdminActivated", false},
	{"PG_SearchPage", "Search/Find/kowal", false},
	{"PG_SearchCount", "Search/Count/kowal", false},
	{"PG_ShortSearchCount", "Search/Count/ma", true},
	{"PG_Update", "UpdateUser", true},
	{"PG_Workspaces/Find/SmallWorkspace", "Workspaces/Find/SmallWorkspace", true},
	{"PG_Workspaces/Count/SmallWorkspace", "Workspaces/Count/SmallWorkspace", true},
	{"PG_Workspaces/Find/BySignInDesc", "Workspaces/Find/OrderByLastSignIn", true},
	{"PG_Workspaces/Count/Dormant90Days", "Workspaces/Count/Dormant90Days", true},
	{"PG_Workspaces/Find/SearchUsername", "Workspaces/Find/SearchUsername", false},
	{"PG_BulkDeactivate", "Bulk_Deactivate100000", true},
	{"PG_Export", "Export_Million", true},
}

// storeRow is one figure on both stores; a cell is "—" when the store has no such
// benchmark yet, and missing (the table fails) when it has one that gave no figure.
type storeRow struct {
	group              storeGroup
	name               string
	sqlite, pg         float64
	hasSQLite, hasPG   bool
	needSQLite, needPG bool
}

// storeTable pairs the figures of the two stores, and lists what is missing: a figure of
// a benchmark that `go test -list` listed (lines "BenchmarkX" in the input) but that did
// not come, or a group of SQLite's with no figure at all.
func storeTable(res results, listed map[string]bool) ([]storeRow, []string) {
	top := func(name string) string { return strings.SplitN(name, "/", 2)[0] }
	byName := map[string]*storeRow{}
	var order []string
	rowFor := func(name string) *storeRow {
		if r, ok := byName[name]; ok {
			return r
		}
		for _, g := range storeGroups {
			if name == g.prefix || strings.HasSuffix(g.prefix, "/") && strings.HasPrefix(name, g.prefix) {
				byName[name] = &storeRow{group: g, name: name}
				order = append(order, name)
				return byName[name]
			}
		}
		return nil
	}
	for _, p := range pgNames {
		if r := rowFor(p.name); r != nil {
			r.needPG = listed[top(p.pg)]
			r.needSQLite = p.inSQLite && listed[top(p.name)]
		}
	}
	pgToName := map[string]string{}
	for _, p := range pgNames {
		pgToName[p.pg] = p.name
	}
	for _, name := range sortedNames(res) {
		v, ok := res[name]["ns/op"]
		if !ok {
			continue
		}
		if pg, isPG := strings.CutPrefix(name, "PG_"); isPG {
			if n, ok := pgToName[name]; ok {
				pg = n
			}
			if r := rowFor(pg); r != nil {
				r.pg, r.hasPG = v, true
			}
		} else if r := rowFor(name); r != nil {
			r.sqlite, r.hasSQLite = v, true
		}
	}
	var missing []string
	var rows []storeRow
	for _, g := range storeGroups {
		var group []storeRow
		for _, name := range order {
			// A row of neither store (a PG benchmark not written yet) is left out.
			if r := byName[name]; r.group.prefix == g.prefix && (r.hasSQLite || r.hasPG || r.needSQLite || r.needPG) {
				group = append(group, *r)
			}
		}
		slices.SortFunc(group, func(a, b storeRow) int { return strings.Compare(a.name, b.name) })
		any := false
		for _, r := range group {
			any = any || r.hasSQLite
			if r.needSQLite && !r.hasSQLite {
				missing = append(missing, r.name+" (SQLite)")
			}
			if r.needPG && !r.hasPG {
				missing = append(missing, r.name+" (PostgreSQL)")
			}
		}
		if !any {
			missing = append(missing, g.prefix+" (SQLite)")
		}
		rows = append(rows, group...)
	}
	return rows, missing
}

// printStores prints the directory's figures, SQLite and PostgreSQL side by side.
func printStores(w io.Writer, rows []storeRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "directory (store alone)\ttarget\tSQLite\tmet\tPostgreSQL\tmet")
	for _, r := range rows {
		g := r.group
		cell := func(v float64, has, need bool) (string, string) {
			switch {
			case has:
				met := ""
				if g.limit > 0 {
					met = "yes"
					if v/g.nsPerUnit > g.limit {
						met = "NO"
					}
				}
				return strconv.FormatFloat(v/g.nsPerUnit, 'f', g.decimals, 64) + " " + g.unit, met
			case need:
				return "MISSING", ""
			}
			return "—", ""
		}
		s, sMet := cell(r.sqlite, r.hasSQLite, r.needSQLite)
		p, pMet := cell(r.pg, r.hasPG, r.needPG)
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\n", g.figure, strings.TrimPrefix(r.name, g.prefix), g.target, s, sMet, p, pMet)
	}
	tw.Flush()
}
