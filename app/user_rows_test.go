package app

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestUserRows_Columns checks that each row has one cell per column of the table's head,
// in its order, with the checkbox first when the list offers a selection.
func TestUserRows_Columns(t *testing.T) {
	cellClass := regexp.MustCompile(`<td class="col-([a-z]+)"`)
	classes := func(rows [][]string) string {
		var got []string
		for _, m := range cellClass.FindAllStringSubmatch(rowsHTML(rows), -1) {
			got = append(got, m[1])
		}
		return strings.Join(got, " ")
	}
	keys := func(cols [][2]string) string {
		var k []string
		for _, c := range cols {
			k = append(k, c[0])
		}
		return strings.Join(k, " ")
	}
	one := someUsers[:1]
	now := time.Now()
	cases := []struct {
		name string
		rows *userRows
		want string
	}{
		{"Core", &userRows{Users: one}, keys(columns)},
		{"Models", &userRows{Users: one, Extras: []userExtras{{Username: "ada"}}}, keys(modelColumns)},
		{"Selectable", &userRows{Users: one, Extras: []userExtras{{}}, List: &userList{}}, "select " + keys(modelColumns)},
	}
	for _, c := range cases {
		if got := classes(c.rows.rows(now)); got != c.want {
			t.Errorf("%s: cells %q, want %q", c.name, got, c.want)
		}
	}
}

// TestUserRows_StoredTextStaysText writes rows for a user whose every field is markup:
// none of it reaches the HTML as markup, in text, attributes or the link.
func TestUserRows_StoredTextStaysText(t *testing.T) {
	hostile := user{
		ID: `"><img src=x onerror=alert(1)>`, Email: `<script>alert(1)</script>@example.com`,
		Firstname: `"><svg onload=alert(1)>`, Lastname: `' onmouseover='alert(1)`,
		OrganizationRole: `x"><b>`, Activated: false, CreatedAt: `"><i>`,
	}
	extras := userExtras{Username: "<u>name</u>", LastSignedInAt: `"><em>`, Workspaces: []workspaceRef{{Name: "<s>team</s>"}}}
	rows := (&userRows{Users: []user{hostile}, Extras: []userExtras{extras}, List: &userList{}, Prefix: `/a"b`}).rows(time.Now())
	out := rowsHTML(rows)
	for _, tag := range []string{"<img", "<script", "<svg", "<b>", "<i>", "<u>", "<em>", "<s>", `' onmouseover`, `"b/`} {
		if strings.Contains(out, tag) {
			t.Errorf("the rows hold %q as markup:\n%s", tag, out)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;@example.com", "&lt;u&gt;name&lt;/u&gt;", "&lt;s&gt;team&lt;/s&gt;"} {
		if !strings.Contains(out, want) {
			t.Errorf("the rows lack the stored text %q, escaped:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "<td"); n != 9 {
		t.Errorf("%d cells, want 9: a value closed a cell\n%s", n, out)
	}
}
