package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/postgres/pgtest"
)

// The benchmarks run on one organization of BENCH_USERS users (10^5 unless set), made
// once per run on the test cluster, or on the database at BENCH_PG_URL, which is reused
// when it has them already.
var pgBench struct {
	once       sync.Once
	err        error
	users      *postgres.UserService
	workspaces *postgres.WorkspaceService
	ctx        context.Context
}

const pgBenchAdminKey = "ua_benchmark-admin-key"

func mustPGBench(b *testing.B) {
	b.Helper()
	pgBench.once.Do(func() { pgBench.err = openPGBench(b) })
	if pgBench.err != nil {
		b.Fatal(pgBench.err)
	}
}

func openPGBench(b *testing.B) error {
	n := 100_000
	if s := os.Getenv("BENCH_USERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			return fmt.Errorf("BENCH_USERS: %w", err)
		}
	}
	pgBenchUsers = n
	url := os.Getenv("BENCH_PG_URL")
	if url == "" {
		url = pgtest.NewDatabase(b)
	}
	db := postgres.NewDB(url)
	if err := db.Open(); err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := db.Seed(ctx, postgres.SeedOptions{AdminKey: pgBenchAdminKey}); err != nil {
		return err
	}
	auth, err := postgres.NewAuthService(db).Authenticate(ctx, pgBenchAdminKey)
	if err != nil {
		return err
	}
	pgBench.ctx = server.NewContextWithAuth(ctx, auth)
	pgBench.users = postgres.NewUserService(db)
	have, err := pgBench.users.CountUsers(pgBench.ctx, server.UserFilter{})
	if err != nil {
		return err
	}
	if have < n {
		start := time.Now()
		if err := db.GenerateUsers(ctx, auth.User.OrganizationID, n-have); err != nil {
			return err
		}
		fmt.Printf("generated %d users in %s\n", n-have, time.Since(start).Round(time.Millisecond))
	}
	// 10^4 workspaces at 10^6 users: a hundred members each, and "All hands" a fifth.
	start := time.Now()
	if err := db.GenerateWorkspaces(ctx, auth.User.OrganizationID, pgBenchWorkspaces()); err != nil {
		return err
	}
	fmt.Printf("generated workspaces in %s\n", time.Since(start).Round(time.Millisecond))
	pgBench.workspaces = postgres.NewWorkspaceService(db)
	// One user has a username that shares nothing with their email and names.
	if named, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{Username: ptrTo(benchUsername)}, server.Page{Limit: 1}, nil); err != nil {
		return err
	} else if len(named) == 0 {
		some, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{Role: ptrTo(server.RoleUser)}, server.Page{Limit: 1, Offset: n / 2}, nil)
		if err != nil || len(some) == 0 {
			return fmt.Errorf("find a user to name: %v", err)
		}
		if _, err := pgBench.users.UpdateUser(pgBench.ctx, server.UserRef{ID: some[0].ID}, server.UserUpdate{Username: ptrTo(benchUsername)}); err != nil {
			return err
		}
	}
	return nil
}

// benchUsername is the username of one of the benchmark's users.
const benchUsername = "Qwz_bench_7"

func benchFind(b *testing.B, filter server.UserFilter, page server.Page, order []server.UserOrder) {
	mustPGBench(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := pgBench.users.FindUsers(pgBench.ctx, filter, page, order); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCount(b *testing.B, filter server.UserFilter) {
	mustPGBench(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := pgBench.users.CountUsers(pgBench.ctx, filter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPG_FirstPage(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Limit: 100}, nil)
}

func BenchmarkPG_PageByLastname(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Limit: 100}, []server.UserOrder{{Field: server.SortLastname}})
}

func BenchmarkPG_DeepPage(b *testing.B) {
	benchFind(b, server.UserFilter{}, server.Page{Offset: 50_000, Limit: 100}, nil)
}

func BenchmarkPG_Count(b *testing.B) {
	benchCount(b, server.UserFilter{})
}

func BenchmarkPG_CountAdminsActive(b *testing.B) {
	role, on := server.RoleAdmin, true
	benchCount(b, server.UserFilter{Role: &role, Activated: &on})
}

func BenchmarkPG_SearchPage(b *testing.B) {
	q := "kowal"
	benchFind(b, server.UserFilter{Search: &q}, server.Page{Limit: 100}, nil)
}

func BenchmarkPG_SearchCount(b *testing.B) {
	q := "kowal"
	benchCount(b, server.UserFilter{Search: &q})
}

func BenchmarkPG_ShortSearchCount(b *testing.B) {
	q := "ma"
	benchCount(b, server.UserFilter{Search: &q})
}

func BenchmarkPG_Update(b *testing.B) {
	mustPGBench(b)
	users, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{Role: ptrTo(server.RoleUser)}, server.Page{Limit: 1}, nil)
	if err != nil || len(users) == 0 {
		b.Fatal(err)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		name := fmt.Sprint("Name ", i)
		if _, err := pgBench.users.UpdateUser(pgBench.ctx, server.UserRef{ID: users[0].ID}, server.UserUpdate{Firstname: &name}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchWorkspace returns the id of the benchmark organization's workspace called name.
func benchWorkspace(b *testing.B, name string) string {
	b.Helper()
	list, err := pgBench.workspaces.FindWorkspaces(pgBench.ctx, server.WorkspaceFilter{Search: &name}, server.Page{Limit: 1})
	if err != nil || len(list) != 1 {
		b.Fatalf("workspace %s: %v %v", name, list, err)
	}
	return list[0].ID
}

// BenchmarkPG_Workspaces measures, at BENCH_USERS users in BENCH_USERS/100 workspaces, a
// page filtered by a workspace and its count, for a workspace of about a hundred members
// and for one of a fifth of the users; pages sorted by last sign-in and by username; the
// dormant count and page; a search by username; a page of workspaces with their member
// counts, and the workspaces of a page of users.
func BenchmarkPG_Workspaces(b *testing.B) {
	mustPGBench(b)
	small := benchWorkspace(b, fmt.Sprintf("Workspace %05d", 4242%pgBenchWorkspaces()))
	large := benchWorkspace(b, "All hands")
	dormant := time.Now().AddDate(0, 0, -90)
	search := "qwz_bench"
	page := server.Page{Limit: 100}
	for _, bc := range []struct {
		name   string
		filter server.UserFilter
		order  []server.UserOrder
	}{
		{"SmallWorkspace", server.UserFilter{WorkspaceID: &small}, nil},
		{"LargeWorkspace", server.UserFilter{WorkspaceID: &large}, nil},
		{"LargeWorkspaceByLastname", server.UserFilter{WorkspaceID: &large}, []server.UserOrder{{Field: server.SortLastname}}},
		{"BySignIn", server.UserFilter{}, []server.UserOrder{{Field: server.SortLastSignedInAt}}},
		{"BySignInDesc", server.UserFilter{}, []server.UserOrder{{Field: server.SortLastSignedInAt, Desc: true}}},
		{"Dormant90Days", server.UserFilter{SignedInBefore: &dormant}, nil},
		{"NeverSignedIn", server.UserFilter{NeverSignedIn: ptrTo(true)}, nil},
		{"ByUsername", server.UserFilter{}, []server.UserOrder{{Field: server.SortUsername}}},
		{"SearchUsername", server.UserFilter{Search: &search}, nil},
		{"Username", server.UserFilter{Username: ptrTo("QWZ_BENCH_7")}, nil},
	} {
		b.Run("Find/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if users, err := pgBench.users.FindUsers(pgBench.ctx, bc.filter, page, bc.order); err != nil {
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
				if n, err := pgBench.users.CountUsers(pgBench.ctx, bc.filter); err != nil {
					b.Fatal(err)
				} else if n == 0 {
					b.Fatal("none counted")
				}
			}
		})
	}
	b.Run("WorkspacesPage", func(b *testing.B) {
		offset := pgBenchWorkspaces() / 2
		for b.Loop() {
			if list, err := pgBench.workspaces.FindWorkspaces(pgBench.ctx, server.WorkspaceFilter{}, server.Page{Limit: 100, Offset: offset}); err != nil || len(list) == 0 {
				b.Fatal(len(list), err)
			}
		}
	})
	b.Run("CountWorkspaces", func(b *testing.B) {
		for b.Loop() {
			if _, err := pgBench.workspaces.CountWorkspaces(pgBench.ctx, server.WorkspaceFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UsersWorkspaces", func(b *testing.B) {
		users, err := pgBench.users.FindUsers(pgBench.ctx, server.UserFilter{}, page, nil)
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		for b.Loop() {
			if byUser, err := pgBench.workspaces.UsersWorkspaces(pgBench.ctx, ids, 3); err != nil || len(byUser) != len(ids) {
				b.Fatal(len(byUser), err)
			}
		}
	})
}

// pgBenchUsers is how many users the benchmark's organization has (BENCH_USERS).
var pgBenchUsers int

// pgBenchWorkspaces is how many workspaces the benchmark's organization has.
func pgBenchWorkspaces() int { return max(1, pgBenchUsers/100) }
