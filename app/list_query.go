package app

import (
	"net/url"
	"strconv"
	"strings"
)

// listQuery is the state of the user list. It lives in the page URL (?q=&role=&status=
// &sort=&dir=&page=&size=), so that reload, links, back and forward restore it.
type listQuery struct {
	Search string
	Role   string // "", "ADMIN" or "USER"
	Status string // "", "active" or "inactive"
	Sort   string // "" (the endpoint's order) or a key of sortColumns
	Desc   bool
	Page   int // from 1
	Size   int
}

// pageSizes are the page sizes offered; the contract's PageSize allows at most 100.
var pageSizes = []int{10, 25, 50, 100}

const defaultPageSize = 25

// sortColumns maps a sortable column to the contract's UserSortField keys it sorts by.
var sortColumns = map[string][]string{
	"name":    {"LASTNAME", "FIRSTNAME"},
	"email":   {"EMAIL"},
	"role":    {"ORGANIZATION_ROLE"},
	"status":  {"ACTIVATED"},
	"created": {"CREATED_AT"},
}

// parseListQuery reads the list state from URL query values; anything unknown falls back
// to its default, so a hand-edited link never breaks the page.
func parseListQuery(v url.Values) listQuery {
	q := listQuery{
		Search: strings.TrimSpace(v.Get("q")),
		Page:   1,
		Size:   defaultPageSize,
	}
	if r := v.Get("role"); r == "ADMIN" || r == "USER" {
		q.Role = r
	}
	if s := v.Get("status"); s == "active" || s == "inactive" {
		q.Status = s
	}
	if s := v.Get("sort"); sortColumns[s] != nil {
		q.Sort = s
		q.Desc = v.Get("dir") == "desc"
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 1 {
		q.Page = p
	}
	if n, err := strconv.Atoi(v.Get("size")); err == nil {
		for _, s := range pageSizes {
			if n == s {
				q.Size = n
			}
		}
	}
	return q
}

// values writes the list state as URL query values, leaving out defaults.
func (q listQuery) values() url.Values {
	v := url.Values{}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if q.Role != "" {
		v.Set("role", q.Role)
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
		if q.Desc {
			v.Set("dir", "desc")
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Size != 0 && q.Size != defaultPageSize {
		v.Set("size", strconv.Itoa(q.Size))
	}
	return v
}

// supported drops what the endpoint cannot do, so a link made for a richer endpoint still
// lists users on a core-only one.
func (q listQuery) supported(c capabilities) listQuery {
	if !c.Search {
		q.Search = ""
	}
	if !c.RoleFilter {
		q.Role = ""
	}
	if !c.OrderBy {
		q.Sort, q.Desc = "", false
	}
	return q
}

// filtered reports whether any filter narrows the list.
func (q listQuery) filtered() bool {
	return q.Search != "" || q.Role != "" || q.Status != ""
}

// where is the contract's UserWhere for the filters.
func (q listQuery) where() UserWhere {
	w := UserWhere{Search: q.Search, OrganizationRole: q.Role}
	if q.Status != "" {
		active := q.Status == "active"
		w.Activated = &active
	}
	return w
}

// orderBy is the contract's orderBy for the sort, or nil for the endpoint's own order.
func (q listQuery) orderBy() []UserOrderBy {
	if q.Sort == "" {
		return nil
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	var o []UserOrderBy
	for _, f := range sortColumns[q.Sort] {
		o = append(o, UserOrderBy{Field: f, Direction: dir})
	}
	return o
}

// skip is how many users come before the page.
func (q listQuery) skip() int {
	return (q.Page - 1) * q.Size
}

// withSort returns the state after a click on a column header: the first click sorts
// ascending, the next one descending.
func (q listQuery) withSort(col string) listQuery {
	if q.Sort == col {
		q.Desc = !q.Desc
	} else {
		q.Sort, q.Desc = col, false
	}
	q.Page = 1
	return q
}
