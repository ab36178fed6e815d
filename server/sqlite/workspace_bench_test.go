package sqlite_test

import (
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// benchWorkspace returns the id of the benchmark organization's workspace called name.
func benchWorkspace(b *testing.B, ws *sqlite.WorkspaceService, name string) string {
	b.Helper()
	list, err := ws.FindWorkspaces(bench.ctx, server.WorkspaceFilter{Search: &name}, server.Page{Limit: 1})
	if err != nil || len(list) != 1 {
		b.Fatalf("workspace %s: %v %v", name, list, err)
	}
	return list[0].ID
}

// BenchmarkWorkspaces measures the figures at BENCH_USERS users in 10^4
// workspaces: a page filtered by a workspace and its count, for a workspace of about a
// hundred members and for one of a fifth of the users; a page sorted by last sign-in; the
// dormant count and page; a page of workspaces with their member counts.
func BenchmarkWorkspaces(b *testing.B) {
	mustBench(b)
	ws := sqlite.NewWorkspaceService(bench.db)
	small := benchWorkspace(b, ws, "Workspace 04242")
	large := benchWorkspace(b, ws, "All hands")
	dormant := time.Now().AddDate(0, 0, -90)
	page := server.Page{Limit: 100}
	for _, bc := range []struct {
		name   string
		filter server.UserFilter
		order  []server.UserOrder
	}{
		{"SmallWorkspace", server.UserFilter{WorkspaceID: &small}, nil},
		{"LargeWorkspace", server.UserFilter{WorkspaceID: &large}, nil},
		{"LargeWorkspaceByLastname", server.UserFilter{WorkspaceID: &large}, []server.UserOrder{{Field: server.SortLastname}}},
		{"OrderByLastSignIn", server.UserFilter{}, []server.UserOrder{{Field: server.SortLastSignedInAt, Desc: true}}},
		{"Dormant90Days", server.UserFilter{SignedInBefore: &dormant}, nil},
		{"NeverSignedIn", server.UserFilter{NeverSignedIn: ptr(true)}, nil},
		{"ByUsername", server.UserFilter{}, []server.UserOrder{{Field: server.SortUsername}}},
	} {
		b.Run("Find/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if users, err := bench.users.FindUsers(bench.ctx, bc.filter, page, bc.order); err != nil {
					b.Fatal(err)
				} else if len(users) == 0 {
					b.Fatal("empty page")
				}
			}
		})
		if bc.order != nil {
			continue
		}
		b.Run("Count/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if n, err := bench.users.CountUsers(bench.ctx, bc.filter); err != nil {
					b.Fatal(err)
				} else if n == 0 {
					b.Fatal("none counted")
				}
			}
		})
	}
	b.Run("WorkspacesPage", func(b *testing.B) {
		for b.Loop() {
			if list, err := ws.FindWorkspaces(bench.ctx, server.WorkspaceFilter{}, server.Page{Limit: 100, Offset: 5000}); err != nil || len(list) != 100 {
				b.Fatal(len(list), err)
			}
		}
	})
	b.Run("CountWorkspaces", func(b *testing.B) {
		for b.Loop() {
			if _, err := ws.CountWorkspaces(bench.ctx, server.WorkspaceFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
