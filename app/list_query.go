package app

import (
	"net/url"
	"strconv"
	"strings"
	"time"
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
	// The usernames, workspaces and last sign-in extension.
	SignIn    string // "" or a key of signInFilters
	Workspace string // a workspace's id, or ""
}

// signInFilters are the dormant filters: URL value and label. "never" is who never signed
// in; a number of days, who last signed in longer ago than that.
var signInFilters = [][2]string{
	{"", "Any sign-in"}, {"never", "Never signed in"}, {"30", "Not in 30 days"}, {"90", "Not in 90 days"}, {"365", "Not in a year"},
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
	// The usernames and last sign-in extension.
	"username": {"USERNAME"},
	"signin":   {"LAST_SIGNED_IN_AT"},
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
	for _, f := range signInFilters {
		if v.Get("signin") == f[0] {
			q.SignIn = f[0]
		}
	}
	if ws := v.Get("workspace"); len(ws) <= 64 {
		q.Workspace = ws
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
	if q.SignIn != "" {
		v.Set("signin", q.SignIn)
	}
	if q.Workspace != "" {
		v.Set("workspace", q.Workspace)
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
	if !c.OrderBy || (q.Sort == "username" && !c.Usernames) || (q.Sort == "signin" && !c.LastSignIn) {
		q.Sort, q.Desc = "", false
	}
	if !c.LastSignIn {
		q.SignIn = ""
	}
	if !c.Workspaces {
		q.Workspace = ""
	}
	return q
}

// filtered reports whether any filter narrows the list.
func (q listQuery) filtered() bool {
	return q.Search != "" || q.Role != "" || q.Status != "" || q.SignIn != "" || q.Workspace != ""
}

// where is the contract's UserWhere for the filters.
func (q listQuery) where() UserWhere {
	w := UserWhere{Search: q.Search, OrganizationRole: q.Role}
	if q.Status != "" {
		active := q.Status == "active"
		w.Activated = &active
	}
	w.WorkspaceID = q.Workspace
	switch q.SignIn {
	case "":
	case "never":
		never := true
		w.NeverSignedIn = &never
	default:
		days, _ := strconv.Atoi(q.SignIn)
		// To the minute, so that the same filter a few seconds apart is the same request.
		w.LastSignedInBefore = time.Now().UTC().Truncate(time.Minute).AddDate(0, 0, -days).Format(time.RFC3339)
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
