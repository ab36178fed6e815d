package sqlite_test

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"useradmin/server"
	"useradmin/server/sqlite"
)

// TestUserService_ShortSearch checks searches of one and two characters, which are counted
// from user_grams and found by one of two plans, against a count by brute force over the
// same users, through every kind of change.
func TestUserService_ShortSearch(t *testing.T) {
	p := newPeople(t)
	for i, name := range [][2]string{
		{"Zoë", "Müller"}, {"ZOË", "Ström"}, {"Percy 100%", "Under_score"}, {`Quinn "Q"`, "O'Hara"},
		{"雪", "田中"}, {"İlker", "Yılmaz"}, {"\u212Aelvin", "Straße"}, {"Anna-Lena", "Back\\slash"},
	} {
		p.clock.Add(time.Minute)
		role := server.RoleUser
		if i%3 == 0 {
			role = server.RoleAdmin
		}
		p.mustCreateUser(t, p.adminCtx, strings.Repeat("x", i)+"u@acme.example", name[0], name[1], role)
	}
	p.mustCreateUser(t, p.gusCtx, "zoe@globex.example", "Zoë", "Müller", server.RoleUser)
	check := func(t *testing.T) {
		t.Helper()
		all, err := p.users.FindUsers(p.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, search := range shortSearches(all) {
			for _, role := range []*server.Role{nil, ptr(server.RoleAdmin)} {
				for _, activated := range []*bool{nil, ptr(true), ptr(false)} {
					filter := server.UserFilter{Search: &search, Role: role, Activated: activated}
					checkShortSearch(t, p.users, p.adminCtx, filter, bruteForce(all, filter))
				}
			}
		}
	}

	t.Run("OK", check)
	t.Run("FollowsChanges", func(t *testing.T) {
		all, _ := p.users.FindUsers(p.adminCtx, server.UserFilter{}, server.Page{Limit: 100}, nil)
		for _, step := range []struct {
			user *server.User
			upd  server.UserUpdate
		}{
			{all[1], server.UserUpdate{Firstname: ptr("Ægir"), Lastname: ptr("Þórsson")}},
			{all[2], server.UserUpdate{Activated: ptr(false)}},
			{all[3], server.UserUpdate{Role: ptr(server.RoleUser)}},
			{all[4], server.UserUpdate{Email: ptr("new.mail@acme.example")}},
			{all[7], server.UserUpdate{Lastname: ptr("Nakamura"), Role: ptr(server.RoleAdmin)}},
			{all[5], server.UserUpdate{Firstname: ptr("Zoë"), Activated: ptr(false), Role: ptr(server.RoleUser)}},
		} {
			if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: step.user.ID}, step.upd); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.users.DeleteUser(p.adminCtx, server.UserRef{ID: all[6].ID}); err != nil {
			t.Fatal(err)
		}
		check(t)
	})

	t.Run("CountsMadeByMigration", func(t *testing.T) {
		// A database made before the counts existed: the migration counts the users it has.
		for _, stmt := range []string{
			`DROP TABLE user_grams`, `DROP TRIGGER user_grams_insert`, `DROP TRIGGER user_grams_delete`,
			`DROP TRIGGER user_grams_update_text`,
			`DROP TRIGGER user_grams_update_group`, `DELETE FROM migrations WHERE name = 'migration/001_search_grams.sql'`,
			`DELETE FROM migrations WHERE name = 'migration/011_search_usernames.sql'`,
		} {
			if err := p.db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		MustCloseDB(t, p.db)
		if err := p.db.Open(); err != nil {
			t.Fatal(err)
		}
		check(t)
	})
}

// TestDB_GenerateUsers_ShortSearch checks the counts that GenerateUsers makes for the
// users it adds, after users made one by one.
func TestDB_GenerateUsers_ShortSearch(t *testing.T) {
	f := newFixture(t)
	f.mustCreateUser(t, f.adminCtx, "zoe@acme.example", "Zoë", "Müller", server.RoleUser)
	if err := f.db.GenerateUsers(context.Background(), f.org.ID, 300); err != nil {
		t.Fatal(err)
	}
	var all []*server.User
	for offset := 0; ; offset += 100 {
		page, err := f.users.FindUsers(f.adminCtx, server.UserFilter{}, server.Page{Limit: 100, Offset: offset}, nil)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 100 {
			break
		}
	}
	if len(all) != 302 {
		t.Fatalf("%d users, want 302", len(all))
	}
	for _, search := range []string{"a", "ö", "Ö", "ë", "ma", "MA", "ı", "'", "@", ".e", "zz", "q"} {
		for _, activated := range []*bool{nil, ptr(false)} {
			filter := server.UserFilter{Search: &search, Activated: activated}
			checkShortSearch(t, f.users, f.adminCtx, filter, bruteForce(all, filter))
		}
	}
}

// checkShortSearch checks the count of filter and its pages of 100 and of 1.
func checkShortSearch(t *testing.T, users *sqlite.UserService, ctx context.Context, filter server.UserFilter, want []string) {
	t.Helper()
	if n, err := users.CountUsers(ctx, filter); err != nil || n != len(want) {
		t.Fatalf("%q role %v activated %v: count = %d, %v; want %d", *filter.Search, filter.Role, filter.Activated, n, err, len(want))
	}
	type page struct {
		limit, offset int
		want          []string
	}
	var pages []page
	for offset := 0; offset < len(want); offset += 100 {
		pages = append(pages, page{100, offset, want[offset:min(offset+100, len(want))]})
	}
	// Pages of one user take the other plan when the search is common enough.
	for _, offset := range []int{0, len(want) / 2, len(want) - 1, len(want)} {
		pg := page{limit: 1, offset: max(offset, 0)}
		if pg.offset < len(want) {
			pg.want = want[pg.offset : pg.offset+1]
		}
		pages = append(pages, pg)
	}
	for _, pg := range pages {
		f := filter
		got, err := users.FindUsers(ctx, f, server.Page{Limit: pg.limit, Offset: pg.offset}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := pg.want; !reflect.DeepEqual(ids(got), want) {
			t.Fatalf("%q role %v activated %v first %d skip %d: ids = %v, want %v", *f.Search, f.Role, f.Activated, pg.limit, pg.offset, ids(got), want)
		}
	}
}

// shortSearches returns every text of one and two characters of the users' emails and
// names, in their case and in upper case, and some that none has.
func shortSearches(users []*server.User) []string {
	seen := map[string]bool{}
	for _, u := range users {
		for _, text := range []string{u.Email, u.Firstname, u.Lastname, u.Username} {
			for _, text := range []string{text, strings.ToUpper(text)} {
				runes := []rune(text)
				for i := range runes {
					seen[string(runes[i])] = true
					if i+1 < len(runes) {
						seen[string(runes[i:i+2])] = true
					}
				}
			}
		}
	}
	for _, s := range []string{"zz", "%%", "_%", `\\`, "q%", "ß"} {
		seen[s] = true
	}
	var searches []string
	for s := range seen {
		if strings.TrimSpace(s) == s && s != "" && utf8.RuneCountInString(s) <= 2 {
			searches = append(searches, s)
		}
	}
	sort.Strings(searches)
	return searches
}

// bruteForce returns the ids of the users that filter matches, in page order, by the
// contract's definition: the search text, ignoring case, in the email or a name.
func bruteForce(users []*server.User, filter server.UserFilter) []string {
	part := strings.ToLower(*filter.Search)
	var match []*server.User
	for _, u := range users {
		if filter.Role != nil && u.Role != *filter.Role || filter.Activated != nil && u.Activated != *filter.Activated {
			continue
		}
		for _, text := range []string{u.Email, u.Firstname, u.Lastname, u.Username} {
			if strings.Contains(strings.ToLower(text), part) {
				match = append(match, u)
				break
			}
		}
	}
	sort.SliceStable(match, func(i, j int) bool {
		if !match[i].CreatedAt.Equal(match[j].CreatedAt) {
			return match[i].CreatedAt.Before(match[j].CreatedAt)
		}
		return match[i].ID < match[j].ID
	})
	return ids(match)
}

// TestUserService_SearchUsername checks that SQLite's search mechanisms take usernames:
// long searches (the full-text index), short ones (the counts of user_grams and both page
// plans), after a rename, and on a database whose users were stored before usernames were
// searched. What every store answers is in storetest (UserService_SearchUsername).
func TestUserService_SearchUsername(t *testing.T) {
	p := newPeople(t)
	u, err := p.users.CreateUser(p.adminCtx, server.UserCreate{Email: "ada@acme.example", Firstname: "Ada", Lastname: "Lee",
		Password: password, Role: server.RoleUser, Username: "Qwz_97"})
	if err != nil {
		t.Fatal(err)
	}
	found := func(t *testing.T, search string, want []string) {
		t.Helper()
		filter := server.UserFilter{Search: &search}
		checkShortSearch(t, p.users, p.adminCtx, filter, want)
		for _, activated := range []*bool{ptr(true), ptr(false)} {
			filter.Activated = activated
			all, err := p.users.FindUsers(p.adminCtx, server.UserFilter{Activated: activated}, server.Page{Limit: 100}, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkShortSearch(t, p.users, p.adminCtx, filter, bruteForce(all, filter))
		}
	}
	searches := []string{"qwz_97", "QWZ", "z_9", "wz", "Q", "_9", "97"}
	t.Run("Found", func(t *testing.T) {
		for _, s := range searches {
			found(t, s, []string{u.ID})
		}
	})
	t.Run("MadeByMigration", func(t *testing.T) {
		// A database from before usernames were searched: the index and the counts
		// without them, as migrations 000 and 001 made them.
		for _, stmt := range []string{
			`DROP TRIGGER users_search_insert`, `DROP TRIGGER users_search_delete`, `DROP TRIGGER users_search_update`,
			`DROP TABLE users_search`,
			`CREATE VIRTUAL TABLE users_search USING fts5 (email, firstname, lastname, content = 'users', content_rowid = 'num', tokenize = 'trigram')`,
			`INSERT INTO users_search (users_search) VALUES ('rebuild')`,
			`DELETE FROM user_grams`,
			`INSERT INTO user_grams (organization_id, gram, role, activated, n)
				SELECT organization_id, g.value, role, activated, COUNT(*) FROM users, json_each(short_grams(email, firstname, lastname)) g
				GROUP BY 1, 2, 3, 4`,
			`DELETE FROM migrations WHERE name = 'migration/011_search_usernames.sql'`,
		} {
			if err := p.db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := p.users.CountUsers(p.adminCtx, server.UserFilter{Search: ptr("qwz")}); err != nil || n != 0 {
			t.Fatalf("before the migration, %d users match the username, %v: the test does not make the old database", n, err)
		}
		MustCloseDB(t, p.db)
		if err := p.db.Open(); err != nil {
			t.Fatal(err)
		}
		for _, s := range searches {
			found(t, s, []string{u.ID})
		}
	})
	t.Run("Renamed", func(t *testing.T) {
		if _, err := p.users.UpdateUser(p.adminCtx, server.UserRef{ID: u.ID}, server.UserUpdate{Username: ptr("Xy-8")}); err != nil {
			t.Fatal(err)
		}
		for _, s := range searches {
			found(t, s, nil)
		}
		for _, s := range []string{"xy-8", "XY", "y-", "8"} {
			found(t, s, []string{u.ID})
		}
	})
}
