package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"useradmin/server"
)

// testSecurity_LastAdminAcrossWritesAtOnce has four admins each try, at once, to take
// every other admin's role or access, each by another way in: an import that demotes and
// deactivates them (or makes them again, deactivated, once deleted), a bulk deactivation,
// a bulk delete, and single updates and deletes.
// Each way keeps the last active admin on its own; together they must too, whatever
// order they run in. No write may fail other than by the rules, and the counts stay
// exact.
func testSecurity_LastAdminAcrossWritesAtOnce(t *testing.T, open Open) {
	for round := range 3 {
		f := newFixture(t, open)
		admins := []*server.User{f.admin}
		ctxs := []context.Context{f.adminCtx}
		for i := range 3 {
			u := f.mustCreateUser(t, f.adminCtx, fmt.Sprintf("admin%d@acme.example", i), "Ad", "Min", server.RoleAdmin)
			ctx, _ := f.mustUserContext(t, f.adminCtx, u)
			admins, ctxs = append(admins, u), append(ctxs, ctx)
		}
		others := func(me int) (ids []string, rows []server.ImportRow) {
			for i, a := range admins {
				if i != me {
					ids = append(ids, a.ID)
					rows = append(rows, server.ImportRow{Line: len(rows) + 2, Email: a.Email, Role: "user", Activated: "false"})
				}
			}
			return ids, rows
		}
		admin, off, user := server.RoleAdmin, false, server.RoleUser
		allowed := func(err error) bool {
			switch server.ErrorCode(err) {
			// An admin demoted, deactivated or deleted by another meanwhile is refused.
			case "", server.ECONFLICT, server.EUNAUTHENTICATED, server.EFORBIDDEN, server.ENOTFOUND:
				return true
			}
			return false
		}
		var wg sync.WaitGroup
		for me := range admins {
			ids, rows := others(me)
			ctx := ctxs[me]
			wg.Go(func() {
				results, err := f.store.Imports.ImportUsers(ctx, rows, server.ImportOptions{Mode: server.ImportCreate, Existing: server.ImportUpdate})
				if !allowed(err) {
					t.Errorf("round %d: import: %v", round, err)
				}
				for _, r := range results {
					// CREATED: another admin deleted them first, and the line makes them again,
					// deactivated, a USER.
					if r.Outcome == server.ImportSkipped || r.Outcome == server.ImportInvited {
						t.Errorf("round %d: import line %d: %s %q", round, r.Line, r.Outcome, r.Message)
					}
				}
			})
			wg.Go(func() {
				if _, err := f.store.Bulk.ApplyBulk(ctx, server.UserFilter{Role: &admin}, server.BulkChange{Activated: &off}, server.BulkBatch{Limit: 10}); !allowed(err) {
					t.Errorf("round %d: bulk deactivation: %v", round, err)
				}
			})
			wg.Go(func() {
				if _, err := f.store.Bulk.ApplyBulk(ctx, server.UserFilter{IDIn: ids}, server.BulkChange{Delete: true}, server.BulkBatch{Limit: 10}); !allowed(err) {
					t.Errorf("round %d: bulk delete: %v", round, err)
				}
			})
			wg.Go(func() {
				for _, id := range ids {
					if _, err := f.users.UpdateUser(ctx, server.UserRef{ID: id}, server.UserUpdate{Role: &user}); !allowed(err) {
						t.Errorf("round %d: demote: %v", round, err)
					}
					if err := f.users.DeleteUser(ctx, server.UserRef{ID: id}); !allowed(err) {
						t.Errorf("round %d: delete: %v", round, err)
					}
				}
			})
		}
		wg.Wait()
		if n := f.activeAdmins(t); n < 1 {
			t.Fatalf("round %d: no active admin left", round)
		}
		f.checkCounts(t)
	}
}
