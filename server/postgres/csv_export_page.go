package postgres

import (
	"context"
	"fmt"
	"strings"

	"useradmin/server"
)

// exportPager reads the users of a filter in a sort, a page at a time, each page starting
// after the last row of the one before: keyset paging, so that the hundredth page costs
// what the first did, where an offset would read all the rows before it again.
//
// The sort is total (userOrder ends with created_at and id). When its keys all go one
// way, a page starts where a row value comparison, (k1, k2, ..., id) > ($1, $2, ..., $n),
// says, which PostgreSQL answers by seeking in the index of the sort. Last sign-in may be
// NULL (never signed in), which no comparison finds: a sort by it is read in two
// segments, the users who never signed in and those who did, in the order the sort puts
// them (NULLs first ascending, last descending). Any other sort (directions mixed, or last
// sign-in after another key) is read with the comparison written out term by term, which
// is correct for any sort but may read more rows per page.
type exportPager struct {
	filter   server.UserFilter
	orderBy  string
	limit    int
	segments []exportSegment
	seg      int   // the segment being read
	cursor   []any // the values of the segment's terms in the last row read; nil at its start
}

// exportSegment is a part of the sort read with one keyset: the rows that match cond, in
// the order of terms.
type exportSegment struct {
	cond    string
	terms   []exportTerm
	generic bool // the comparison written out term by term, NULL-aware
}

// exportTerm is one column of the sort and its direction.
type exportTerm struct {
	col  string
	desc bool
}

// newExportPager returns a pager over the users of filter (scoped to one organization)
// in order, limit users a page.
func newExportPager(filter server.UserFilter, order []server.UserOrder, limit int) *exportPager {
	p := &exportPager{filter: filter, orderBy: userOrder(order), limit: limit}
	terms := orderTerms(order)
	sameDir, nullableAt := true, -1
	for i, t := range terms {
		sameDir = sameDir && t.desc == terms[0].desc
		if t.col == "last_signed_in_at" && nullableAt < 0 {
			nullableAt = i
		}
	}
	switch {
	case sameDir && nullableAt < 0:
		p.segments = []exportSegment{{terms: terms}}
	case sameDir && nullableAt == 0 && !hasColumn(terms[1:], "last_signed_in_at"):
		never := exportSegment{cond: "last_signed_in_at IS NULL", terms: terms[1:]}
		signedIn := exportSegment{cond: "last_signed_in_at IS NOT NULL", terms: terms}
		if terms[0].desc {
			p.segments = []exportSegment{signedIn, never}
		} else {
			p.segments = []exportSegment{never, signedIn}
		}
	default:
		p.segments = []exportSegment{{terms: terms, generic: true}}
	}
	return p
}

func hasColumn(terms []exportTerm, col string) bool {
	for _, t := range terms {
		if t.col == col {
			return true
		}
	}
	return false
}

// orderTerms are the columns of userOrder(order), with their directions.
func orderTerms(order []server.UserOrder) []exportTerm {
	var terms []exportTerm
	desc := false
	for _, o := range order {
		desc = o.Desc
		terms = append(terms, exportTerm{col: sortColumn(o.Field), desc: desc})
	}
	return append(terms, exportTerm{col: "created_at", desc: desc}, exportTerm{col: "id", desc: desc})
}

// next reads the next page: up to limit users, and whether it is the last page.
func (p *exportPager) next(ctx context.Context, tx *Tx) ([]*server.User, bool, error) {
	var users []*server.User
	for p.seg < len(p.segments) && len(users) < p.limit {
		seg := p.segments[p.seg]
		got, err := p.read(ctx, tx, seg, p.limit-len(users))
		if err != nil {
			return nil, false, err
		}
		users = append(users, got...)
		if len(got) > 0 {
			p.cursor = termValues(got[len(got)-1], seg.terms)
		}
		if len(users) < p.limit {
			p.seg, p.cursor = p.seg+1, nil // this segment is read to its end
		}
	}
	return users, p.seg >= len(p.segments), nil
}

// read returns up to limit users of seg after the cursor.
func (p *exportPager) read(ctx context.Context, tx *Tx, seg exportSegment, limit int) ([]*server.User, error) {
	var a queryArgs
	where := userWhere(&a, p.filter)
	if seg.cond != "" {
		where += " AND " + seg.cond
	}
	if p.cursor != nil {
		where += " AND " + keysetCondition(&a, seg, p.cursor)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where+` ORDER BY `+p.orderBy+` LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("read export page: %w", err)
	}
	defer rows.Close()
	users := make([]*server.User, 0, limit)
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("read export page: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read export page: %w", err)
	}
	return users, nil
}

// keysetCondition is the condition of the rows that come after values in seg's order,
// its arguments added to a.
func keysetCondition(a *queryArgs, seg exportSegment, values []any) string {
	if !seg.generic {
		cols, marks := make([]string, len(seg.terms)), make([]string, len(seg.terms))
		for i, t := range seg.terms {
			cols[i], marks[i] = t.col, a.add(values[i])
		}
		op := ">"
		if seg.terms[0].desc {
			op = "<"
		}
		return "(" + strings.Join(cols, ", ") + ") " + op + " (" + strings.Join(marks, ", ") + ")"
	}
	// (t1 after v1) OR (t1 = v1 AND t2 after v2) OR ..., where IS NOT DISTINCT FROM
	// compares NULLs too and "after" follows userOrder's order of NULLs: first
	// ascending, last descending.
	var ors []string
	for i, t := range seg.terms {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, seg.terms[j].col+" IS NOT DISTINCT FROM "+a.add(values[j]))
		}
		switch v := values[i]; {
		case v == nil && !t.desc:
			ands = append(ands, t.col+" IS NOT NULL")
		case v == nil && t.desc:
			ands = append(ands, "false")
		case !t.desc:
			ands = append(ands, t.col+" > "+a.add(v))
		default:
			mark := a.add(v)
			ands = append(ands, "("+t.col+" < "+mark+" OR "+t.col+" IS NULL)")
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// termValues are the values of terms in u, as the sort compares them.
func termValues(u *server.User, terms []exportTerm) []any {
	values := make([]any, len(terms))
	for i, t := range terms {
		values[i] = columnValue(u, t.col)
	}
	return values
}

// columnValue is the value of the sort's column col for u, as stored; nil for NULL.
func columnValue(u *server.User, col string) any {
	switch col {
	case "email":
		return u.Email
	case "lower_ascii(firstname)":
		return lowerASCII(u.Firstname)
	case "lower_ascii(lastname)":
		return lowerASCII(u.Lastname)
	case "lower(username)":
		return strings.ToLower(u.Username) // ASCII alone: lower folds it as the database does
	case "role":
		return string(u.Role)
	case "activated":
		return u.Activated
	case "updated_at":
		return toMicro(u.UpdatedAt)
	case "last_signed_in_at":
		if u.LastSignedInAt == nil {
			return nil
		}
		return toMicro(*u.LastSignedInAt)
	case "id":
		return u.ID
	default:
		return toMicro(u.CreatedAt)
	}
}

// lowerASCII is the database's lower_ascii (migration 000): ASCII letters in lower case,
// every other character as it is.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
