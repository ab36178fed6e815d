package app

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParseListQuery(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		got := parseListQuery(url.Values{})
		want := listQuery{Page: 1, Size: defaultPageSize}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("AllFields", func(t *testing.T) {
		v, _ := url.ParseQuery("q=+ada+&role=ADMIN&status=inactive&sort=email&dir=desc&page=3&size=50")
		got := parseListQuery(v)
		want := listQuery{Search: "ada", Role: "ADMIN", Status: "inactive", Sort: "email", Desc: true, Page: 3, Size: 50}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("UnknownValuesFallBack", func(t *testing.T) {
		v, _ := url.ParseQuery("role=OWNER&status=gone&sort=password&dir=desc&page=-2&size=1000")
		got := parseListQuery(v)
		want := listQuery{Page: 1, Size: defaultPageSize}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
}

func TestListQuery_Values(t *testing.T) {
	t.Run("DefaultsLeftOut", func(t *testing.T) {
		if got := (listQuery{Page: 1, Size: defaultPageSize}).values().Encode(); got != "" {
			t.Fatalf("got %q, want empty", got)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		q := listQuery{Search: "lee & co", Role: "USER", Status: "active", Sort: "created", Desc: true, Page: 7, Size: 100}
		if got := parseListQuery(q.values()); got != q {
			t.Fatalf("got %+v, want %+v", got, q)
		}
		if got, want := New().listHref(q), "/?dir=desc&page=7&q=lee+%26+co&role=USER&size=100&sort=created&status=active"; got != want {
			t.Fatalf("href: got %q, want %q", got, want)
		}
	})
}

func TestListQuery_WithSort(t *testing.T) {
	q := listQuery{Page: 4, Size: 25}
	q = q.withSort("email")
	if q.Sort != "email" || q.Desc || q.Page != 1 {
		t.Fatalf("first click: got %+v", q)
	}
	q = q.withSort("email")
	if q.Sort != "email" || !q.Desc {
		t.Fatalf("second click: got %+v", q)
	}
	q = q.withSort("name")
	if q.Sort != "name" || q.Desc {
		t.Fatalf("other column: got %+v", q)
	}
}

func TestListQuery_Supported(t *testing.T) {
	q := listQuery{Search: "ada", Role: "ADMIN", Status: "active", Sort: "email", Desc: true, Page: 2, Size: 10}

	t.Run("CoreOnly", func(t *testing.T) {
		got := q.supported(capabilities{})
		want := listQuery{Status: "active", Page: 2, Size: 10}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("AllExtensions", func(t *testing.T) {
		if got := q.supported(capabilities{Search: true, RoleFilter: true, OrderBy: true}); got != q {
			t.Fatalf("got %+v, want %+v", got, q)
		}
	})
}

func TestListQuery_Request(t *testing.T) {
	q := listQuery{Search: "ada", Status: "inactive", Sort: "name", Desc: true, Page: 3, Size: 25}
	w := q.where()
	if w.Search != "ada" || w.OrganizationRole != "" || w.Activated == nil || *w.Activated {
		t.Fatalf("where: got %+v", w)
	}
	want := []UserOrderBy{{Field: "LASTNAME", Direction: "DESC"}, {Field: "FIRSTNAME", Direction: "DESC"}}
	if got := q.orderBy(); !reflect.DeepEqual(got, want) {
		t.Fatalf("orderBy: got %+v, want %+v", got, want)
	}
	if got := q.skip(); got != 50 {
		t.Fatalf("skip: got %d, want 50", got)
	}
	if got := (listQuery{Page: 1, Size: 25}).orderBy(); got != nil {
		t.Fatalf("no sort: got %+v, want nil", got)
	}
}
