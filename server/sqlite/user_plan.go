package sqlite

import (
	"context"
	"fmt"

	"useradmin/server"
)

// signInCounted reports whether f is an organization, a role, an activation and a
// sign-in filter ("signed in before", "never signed in"), which user_sign_in_days counts.
func signInCounted(f server.UserFilter) bool {
	g := f
	g.SignedInBefore, g.NeverSignedIn = nil, nil
	return (f.SignedInBefore != nil || f.NeverSignedIn != nil) && onlyCounted(g)
}

// countSignIns counts the users of a filter for which signInCounted holds: the days
// before the one of SignedInBefore from user_sign_in_days, and the users of that day
// itself who signed in before the instant from the index of sign-ins.
func countSignIns(ctx context.Context, tx *Tx, f server.UserFilter) (int, error) {
	never := f.NeverSignedIn != nil && *f.NeverSignedIn
	if never && f.SignedInBefore != nil {
		return 0, nil // who never signed in did not sign in before anything
	}
	where, args := countedWhere(f)
	var n, partial int
	switch {
	case never:
		where += ` AND day = -1`
	case f.SignedInBefore == nil:
		where += ` AND day >= 0`
	default:
		before := toMicro(*f.SignedInBefore)
		day := floorDiv(before, microsPerDay)
		where, args = where+` AND day >= 0 AND day < ?`, append(args, day)
		// The unary + keep SQLite on the index of sign-ins: role and activation are checked
		// on the rows of one day.
		rest, restArgs := `organization_id = ?`, []any{*f.OrganizationID}
		if f.Role != nil {
			rest, restArgs = rest+` AND +role = ?`, append(restArgs, string(*f.Role))
		}
		if f.Activated != nil {
			rest, restArgs = rest+` AND +activated = ?`, append(restArgs, *f.Activated)
		}
		if err := tx.QueryRowContext(ctx, `
			SELECT COUNT(*) FROM users WHERE `+rest+` AND last_signed_in_at >= ? AND last_signed_in_at < ?`,
			append(restArgs, day*microsPerDay, before)...).Scan(&partial); err != nil {
			return 0, fmt.Errorf("count sign-ins: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM user_sign_in_days WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count sign-ins: %w", err)
	}
	return n + partial, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// planMembersAndSignIn decides how a page filtered by workspace or by "signed in before"
// is read, from the counts that the store keeps: by walking the index of the page's order
// and checking each user, which stops at the end of the page, or by reading the matching
// users first and sorting them. Walking reads about (offset+limit)·total/matches rows,
// reading the matches first reads matches rows: it walks when that is fewer. A small
// workspace (a hundred members among a million users) is read from its members; one of
// half the organization by walking.
func planMembersAndSignIn(ctx context.Context, tx *Tx, f server.UserFilter, page server.Page, order []server.UserOrder, p plan) (plan, error) {
	if f.WorkspaceID == nil && f.SignedInBefore == nil {
		return p, nil
	}
	if f.OrganizationID == nil || searchText(f) != "" || f.ID != nil || f.IDIn != nil || f.Email != nil || f.APIKey != nil || f.Username != nil {
		return p, nil
	}
	counted := server.UserFilter{OrganizationID: f.OrganizationID, Role: f.Role, Activated: f.Activated}
	total, err := countUsers(ctx, tx, counted)
	if err != nil {
		return p, err
	}
	var matches int
	if f.WorkspaceID != nil {
		// Checked on the members, or on the rows walked: never through the index of sign-ins.
		p.walkSignIn = true
		counted.WorkspaceID = f.WorkspaceID
		if matches, err = countMembers(ctx, tx, counted); err != nil {
			return p, err
		}
		p.walkMembers = walkCheaper(page, total, matches)
		return p, nil
	}
	if len(order) > 0 && order[0].Field == server.SortLastSignedInAt {
		return p, nil // the index of sign-ins is in page order already
	}
	counted.SignedInBefore = f.SignedInBefore
	if matches, err = countSignIns(ctx, tx, counted); err != nil {
		return p, err
	}
	p.walkSignIn = walkCheaper(page, total, matches)
	return p, nil
}

// walkCheaper reports whether walking an index in page order reads fewer rows than
// reading the matches and sorting them.
func walkCheaper(page server.Page, total, matches int) bool {
	if matches == 0 {
		return false
	}
	walked := int64(page.Offset+page.Limit) * int64(total) / int64(matches)
	return walked < int64(matches)
}

// fillSignInDays counts in user_sign_in_days the users after number base, which were
// stored without its trigger (see GenerateUsers).
func fillSignInDays(ctx context.Context, tx *Tx, base int64) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
		SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1), role, activated, COUNT(*)
		FROM users WHERE num > ? GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
		ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = n + excluded.n`, base); err != nil {
		return fmt.Errorf("count sign-ins: %w", err)
	}
	return nil
}
