package e2e

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	_ "github.com/jackc/pgx/v5/stdlib"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"useradmin/server/postgres"
)

// The security review, run against the real binary over HTTP as an attacker would: each
// test is an attack in several variants (inline and in variables, aliases, other
// mutations and fields that reach the same row, requests at once), which must fail and
// leave the stored directory as it was.

// call is one request to /graphql.
type call struct {
	query       string
	variables   map[string]any
	key         string // sent as "Authorization: Bearer <key>"; empty: none
	forwarded   string // X-Forwarded-For, for a server started with -trust-proxy
	contentType string // empty: application/json
}

// answer is what /graphql answered.
type answer struct {
	status int
	Data   map[string]json.RawMessage
	Errors []struct {
		Message    string
		Path       []any
		Extensions struct {
			Code              string
			Field             string
			RetryAfterSeconds int
		}
	}
}

// code returns the code of the first error, or "" when there is none.
func (a answer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].Extensions.Code
}

// codes counts the errors of a by code, and the fields answered without one as "data".
func (a answer) codes() map[string]int {
	n := map[string]int{}
	for _, e := range a.Errors {
		n[e.Extensions.Code]++
	}
	for _, v := range a.Data {
		if string(v) != "null" {
			n["data"]++
		}
	}
	return n
}

// wrongPasswords counts the errors of a that say the current password is not correct.
func (a answer) wrongPasswords() int {
	n := 0
	for _, e := range a.Errors {
		if e.Extensions.Code == "BAD_USER_INPUT" && e.Extensions.Field == "data.oldPassword" {
			n++
		}
	}
	return n
}

// attackClient sends many requests at once, each on a connection of its own if need be.
var attackClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 0}, Timeout: 60 * time.Second}

// send posts c to the server and returns the answer; it fails the test only when the
// answer is not JSON.
func (s *server) send(t testing.TB, c call) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.variables})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	ct := c.contentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.forwarded != "" {
		req.Header.Set("X-Forwarded-For", c.forwarded)
	}
	resp, err := attackClient.Do(req)
	if err != nil {
		t.Errorf("POST /graphql: %v", err)
		return answer{}
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Errorf("POST /graphql: status %d, the answer is not JSON: %v", resp.StatusCode, err)
	}
	return a
}

// sendAtOnce sends every call at the same moment and returns the answers in order; each
// answer is also handed to seen (if not nil) as it comes.
func (s *server) sendAtOnce(t testing.TB, calls []call, seen ...func(answer)) []answer {
	t.Helper()
	out := make([]answer, len(calls))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = s.send(t, c)
			for _, fn := range seen {
				fn(out[i])
			}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// snapshot returns every row of every table of the database file but the counters of
// failed credential checks (counting is what a failed attempt is meant to store), read
// on a connection of its own while the server runs.
func snapshot(t testing.TB, path string) string {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('credential_attempts', 'user_sign_in_days') ORDER BY name`
	if postgres.IsURL(path) {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('credential_attempts', 'user_sign_in_days') ORDER BY 1`
	}
	tables, err := queryLines(db, list)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := queryLines(db, `SELECT `+snapshotColumns(table, path)+` FROM "`+table+`"`)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		slices.Sort(rows)
		fmt.Fprintf(&b, "%s: %d rows\n%s\n", table, len(rows), strings.Join(rows, "\n"))
	}
	return b.String()
}

// queryLines runs query and writes each row as one line.
func queryLines(db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if len(cols) == 1 {
			out = append(out, fmt.Sprint(vals[0]))
		} else {
			out = append(out, fmt.Sprintf("%q", vals))
		}
	}
	return out, rows.Err()
}

// queryOne reads one value from the database file.
func queryOne(t testing.TB, path, query string, args ...any) string {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	lines, err := queryLines(db, rebind(path, query), args...)
	if err != nil || len(lines) != 1 {
		t.Fatalf("%s: %v, %v", query, lines, err)
	}
	return lines[0]
}

// openRaw opens the database at path (a SQLite file, or a postgres:// URL) on a
// connection of its own, read-only for a file.
func openRaw(t testing.TB, path string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+path+"?mode=ro"
	if postgres.IsURL(path) {
		driver, dsn = "pgx", path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// rebind writes the ? placeholders of a test's query as $1, $2… for PostgreSQL.
func rebind(path, query string) string {
	if !postgres.IsURL(path) {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// directory is a running server on a database file the test can read.
type directory struct {
	*server
	path string
}

// startDirectory starts the binary on a seeded database of its own.
func startDirectory(t *testing.T, flags ...string) *directory {
	t.Helper()
	path := newDatabase(t)
	d := &directory{server: startServer(t, append([]string{"-db", path}, flags...)...), path: path}
	// Before the server stops (cleanups run last first): a connection dialled for a burst
	// but never used would hold its graceful shutdown for 5 s.
	t.Cleanup(attackClient.CloseIdleConnections)
	return d
}

// sessions counts the session keys stored for the user with email.
func (d *directory) sessions(t testing.TB, email string) int {
	t.Helper()
	n, _ := strconv.Atoi(queryOne(t, d.path, `SELECT COUNT(*) FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.email = ? AND k.kind = 'session'`, email))
	return n
}

// signIn opens a session for email and password and returns its key.
func (d *directory) signIn(t *testing.T, email, password string) string {
	t.Helper()
	a := d.send(t, call{query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
		variables: map[string]any{"e": email, "p": password}})
	var s struct{ APIKey string }
	if a.code() != "" || json.Unmarshal(a.Data["signIn"], &s) != nil {
		t.Fatalf("sign in as %s: %+v", email, a)
	}
	return s.APIKey
}

func TestSecurity_NoAdminCrossesOrganizations(t *testing.T) {
	// The seeded admin of Northwind Labs knows the id of Globex Research (any member of
	// Globex sees it) and tries to move users there, themself included, and to reach
	// Globex's users by every filter, with every mutation.
	d := startDirectory(t)
	globex := queryOne(t, d.path, `SELECT id FROM organizations WHERE name = 'Globex Research'`)
	northwind := queryOne(t, d.path, `SELECT id FROM organizations WHERE name = 'Northwind Labs'`)
	gUser := queryOne(t, d.path, `SELECT id FROM users WHERE organization_id = ? ORDER BY created_at LIMIT 1`, globex)
	gEmail := queryOne(t, d.path, `SELECT email FROM users WHERE id = ?`, gUser)
	admin := d.findUsers(t, map[string]any{"email": d.AdminEmail}, 1, 0, nil)[0]
	users := d.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 12, 0, nil)
	if len(users) < 12 || globex == northwind {
		t.Fatalf("the seed has %d users", len(users))
	}
	// Another key of the admin, and a USER's, made before the attacks.
	var k struct{ CreateApiKey struct{ Key string } }
	d.graphql(t, `mutation($id: ID!) { createApiKey(name: "uma", where: {id: $id}) { key } }`, map[string]any{"id": users[0].ID}, &k)
	userKey := k.CreateApiKey.Key

	var moves []call
	moveQuery := `mutation($w: UserWhere!, $d: UserData!) { updatePropertiesInUser(where: $w, data: $d) { id organizationId } }`
	for _, who := range []struct {
		name string
		key  string
	}{{"admin", d.Key}, {"user", userKey}} {
		for _, where := range []map[string]any{
			{"id": users[1].ID}, {"email": strings.ToUpper(users[2].Email)}, {"idIn": []string{users[3].ID}},
			{"id": admin.ID}, {"email": d.AdminEmail}, {"id": users[0].ID}, {"organization": map[string]any{"id": northwind}, "id": users[4].ID},
		} {
			for _, data := range []map[string]any{
				{"organizationId": globex}, {"organizationId": globex, "organizationRole": "ADMIN"},
				{"organizationId": globex, "firstname": "Moved"}, {"organizationId": "nowhere"}, {"organizationId": " " + globex},
			} {
				moves = append(moves, call{query: moveQuery, variables: map[string]any{"w": where, "d": data}, key: who.key})
			}
		}
	}
	// Inline, as Kili's older SDK declares it (organizationId: String), and in aliases.
	moves = append(moves,
		call{query: fmt.Sprintf(`mutation { updatePropertiesInUser(where: {id: %q}, data: {organizationId: %q}) { id } }`, users[5].ID, globex), key: d.Key},
		call{query: `mutation($organizationId: String, $id: ID) { updatePropertiesInUser(data: {organizationId: $organizationId}, where: {id: $id}) { id } }`,
			variables: map[string]any{"organizationId": globex, "id": admin.ID}, key: d.Key},
	)
	var aliases strings.Builder
	aliases.WriteString("mutation {")
	for i := range 10 {
		fmt.Fprintf(&aliases, ` m%d: updatePropertiesInUser(where: {id: %q}, data: {organizationId: %q, organizationRole: ADMIN}) { id }`, i, users[i].ID, globex)
	}
	aliases.WriteString(" }")
	moves = append(moves, call{query: aliases.String(), key: d.Key})

	before := snapshot(t, d.path)
	// A write finds its user as the caller reads first: a USER, who sees only themselves,
	// does not find another user (NOT_FOUND); every move the caller can name is FORBIDDEN.
	t.Run("Moves", func(t *testing.T) {
		for i, c := range moves {
			a := d.send(t, c)
			if n := a.codes(); n["data"] > 0 || n["FORBIDDEN"]+n["NOT_FOUND"] == 0 || len(a.Errors) != n["FORBIDDEN"]+n["NOT_FOUND"] {
				t.Errorf("move %d (%v): %+v, want FORBIDDEN or NOT_FOUND only", i, c.variables, a)
			}
			for _, e := range a.Errors {
				if !strings.Contains(e.Message, "cannot be moved to another organization") && !strings.Contains(e.Message, "only your own") && e.Message != "User not found." {
					t.Errorf("move %d: %q does not say why", i, e.Message)
				}
			}
		}
	})
	t.Run("MovesAtOnce", func(t *testing.T) {
		var at []call
		for range 4 {
			at = append(at, moves...)
		}
		for i, a := range d.sendAtOnce(t, at) {
			if a.code() != "FORBIDDEN" && a.code() != "NOT_FOUND" {
				t.Errorf("move %d at once: %+v", i, a)
			}
		}
	})
	t.Run("ReachGlobexUsers", func(t *testing.T) {
		for _, where := range []map[string]any{
			{"id": gUser}, {"email": gEmail}, {"idIn": []string{gUser}}, {"organization": map[string]any{"id": globex}},
			{"organization": map[string]any{"id": globex}, "id": gUser},
		} {
			for _, q := range []string{
				`mutation($w: UserWhere!) { updatePropertiesInUser(where: $w, data: {organizationRole: USER}) { id } }`,
				`mutation($w: UserWhere!) { updatePropertiesInUser(where: $w, data: {organizationId: "` + northwind + `"}) { id } }`,
				`mutation($w: UserWhere!) { deleteUser(where: $w) }`,
				`mutation($w: UserWhere!) { resetPassword(where: $w) { id } }`,
				`mutation($w: UserWhere!) { issuePasswordReset(where: $w) { link } }`,
				`mutation($w: UserWhere!) { createApiKey(name: "stolen", where: $w) { key } }`,
				`mutation($w: UserWhere!) { updatePassword(where: $w, data: {oldPassword: "x", newPassword1: "a new password", newPassword2: "a new password"}) { id } }`,
			} {
				if a := d.send(t, call{query: q, variables: map[string]any{"w": where}, key: d.Key}); a.code() != "NOT_FOUND" && a.code() != "FORBIDDEN" {
					t.Errorf("%s with %v: %+v", q, where, a)
				}
			}
			a := d.send(t, call{query: `query($w: UserWhere!) { users(where: $w, first: 10, skip: 0) { id } n: countUsers(where: $w) }`,
				variables: map[string]any{"w": where}, key: d.Key})
			if a.code() != "" || string(a.Data["users"]) != "[]" || string(a.Data["n"]) != "0" {
				t.Errorf("reading with %v: %+v", where, a)
			}
		}
	})
	if after := snapshot(t, d.path); after != before {
		t.Errorf("the attacks changed the directory")
	}
	if n := queryOne(t, d.path, `SELECT COUNT(*) FROM users WHERE organization_id = ?`, globex); n != "5" {
		t.Errorf("Globex has %s users, want its 5", n)
	}
}

// wrongSignIns returns n sign-ins for email with wrong passwords.
func wrongSignIns(n int, email string) []call {
	calls := make([]call, n)
	for i := range calls {
		calls[i] = call{query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
			variables: map[string]any{"e": email, "p": fmt.Sprint("guess number ", i)}}
	}
	return calls
}

func TestSecurity_ParallelGuesses(t *testing.T) {
	t.Run("SignIn", func(t *testing.T) {
		// 40 wrong passwords at once from one client, and the right one as soon as the
		// first guess is refused: at most 10 are checked, the right one is refused, and no
		// session is made.
		d := startDirectory(t)
		before := snapshot(t, d.path)
		refused := make(chan struct{})
		var once sync.Once
		done := make(chan []answer)
		go func() {
			done <- d.sendAtOnce(t, wrongSignIns(40, d.AdminEmail), func(a answer) {
				if a.code() == "RATE_LIMITED" {
					once.Do(func() { close(refused) })
				}
			})
		}()
		var answers []answer
		select {
		case <-refused:
		case answers = <-done: // none refused: send the right one after them all
		}
		right := d.send(t, call{query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
			variables: map[string]any{"e": d.AdminEmail, "p": d.AdminPassword}})
		if answers == nil {
			answers = <-done
		}
		n := map[string]int{}
		for _, a := range answers {
			n[a.code()]++
		}
		t.Logf("40 wrong passwords at once: %d checked (UNAUTHENTICATED), %d RATE_LIMITED; the right one: %s", n["UNAUTHENTICATED"], n["RATE_LIMITED"], right.code())
		if n["UNAUTHENTICATED"] > 10 || n["UNAUTHENTICATED"]+n["RATE_LIMITED"] != 40 {
			t.Errorf("answers %v: want at most 10 checked", n)
		}
		if right.code() != "RATE_LIMITED" || right.Errors[0].Extensions.RetryAfterSeconds < 1 || !strings.Contains(right.Errors[0].Message, "wait") {
			t.Errorf("the right password: %+v, want RATE_LIMITED with when to try again", right)
		}
		if s := d.sessions(t, d.AdminEmail); s != 0 {
			t.Errorf("%d sessions made", s)
		}
		if snapshot(t, d.path) != before {
			t.Errorf("the guesses changed the directory")
		}
	})

	t.Run("SignInFromManyAddresses", func(t *testing.T) {
		// Behind a trusted proxy, 40 addresses guess one account: the account's own count
		// stops them.
		d := startDirectory(t, "-trust-proxy")
		calls := wrongSignIns(40, d.AdminEmail)
		for i := range calls {
			calls[i].forwarded = fmt.Sprintf("198.51.100.%d", i)
		}
		n := map[string]int{}
		for _, a := range d.sendAtOnce(t, calls) {
			n[a.code()]++
		}
		if n["UNAUTHENTICATED"] > 10 || n["UNAUTHENTICATED"]+n["RATE_LIMITED"] != 40 {
			t.Errorf("answers %v: want at most 10 checked", n)
		}
	})

	t.Run("SignInAliases", func(t *testing.T) {
		// 60 guesses as aliases of one request, then 6 requests of 10: at most 10 checked.
		d := startDirectory(t)
		alias := func(from, to int) string {
			var q strings.Builder
			q.WriteString("mutation {")
			for i := from; i < to; i++ {
				fmt.Fprintf(&q, ` g%d: signIn(email: %q, password: "guess %d") { apiKey }`, i, d.AdminEmail, i)
			}
			return q.String() + " }"
		}
		checked := 0
		sixty := d.send(t, call{query: alias(0, 60)})
		checked += sixty.codes()["UNAUTHENTICATED"]
		for i := range 6 {
			a := d.send(t, call{query: alias(i*10, i*10+10)})
			checked += a.codes()["UNAUTHENTICATED"]
			if a.codes()["data"] > 0 {
				t.Errorf("a guess got a session: %+v", a)
			}
		}
		t.Logf("120 guesses in aliases: %d checked (60 in one request: %v)", checked, sixty.codes())
		if checked > 10 || d.sessions(t, d.AdminEmail) != 0 {
			t.Errorf("%d guesses checked, want at most 10", checked)
		}
	})

	t.Run("CurrentPassword", func(t *testing.T) {
		// Guesses of the admin's current password through updatePassword: in a row, at
		// once, and in aliases; the password stays what it was.
		d := startDirectory(t)
		admin := d.findUsers(t, map[string]any{"email": d.AdminEmail}, 1, 0, nil)[0]
		before := snapshot(t, d.path)
		guess := func(i int) call {
			return call{query: `mutation($w: UserWhere!, $d: UpdatePasswordData!) { updatePassword(where: $w, data: $d) { id } }`,
				variables: map[string]any{"w": map[string]any{"id": admin.ID},
					"d": map[string]any{"oldPassword": fmt.Sprint("guess ", i), "newPassword1": "owned by mallory", "newPassword2": "owned by mallory"}},
				key: d.Key}
		}
		checked := 0
		for i := range 15 {
			checked += d.send(t, guess(i)).wrongPasswords()
		}
		var calls []call
		for i := range 40 {
			calls = append(calls, guess(100+i))
		}
		for _, a := range d.sendAtOnce(t, calls) {
			checked += a.wrongPasswords()
		}
		var q strings.Builder
		q.WriteString("mutation {")
		for i := range 60 {
			fmt.Fprintf(&q, ` p%d: updatePassword(where: {id: %q}, data: {oldPassword: "guess %d", newPassword1: "owned by mallory", newPassword2: "owned by mallory"}) { id }`, i, admin.ID, i)
		}
		q.WriteString(" }")
		checked += d.send(t, call{query: q.String(), key: d.Key}).wrongPasswords()
		t.Logf("115 guesses of the current password: %d checked", checked)
		if checked > 10 {
			t.Errorf("%d guesses checked, want at most 10", checked)
		}
		a := d.send(t, call{query: `mutation($w: UserWhere!, $d: UpdatePasswordData!) { updatePassword(where: $w, data: $d) { id } }`,
			variables: map[string]any{"w": map[string]any{"id": admin.ID},
				"d": map[string]any{"oldPassword": d.AdminPassword, "newPassword1": "owned by mallory", "newPassword2": "owned by mallory"}},
			key: d.Key})
		if a.code() != "RATE_LIMITED" {
			t.Errorf("the right current password after the guesses: %+v, want RATE_LIMITED", a)
		}
		if snapshot(t, d.path) != before {
			t.Errorf("the guesses changed the directory")
		}
	})

	t.Run("Keys", func(t *testing.T) {
		// 40 made-up keys at once: at most 10 are told the key is wrong.
		d := startDirectory(t)
		var calls []call
		for i := range 40 {
			calls = append(calls, call{query: `{ viewer { id } }`, key: fmt.Sprint("ua_madeUpKey", i)})
		}
		n := map[string]int{}
		for _, a := range d.sendAtOnce(t, calls) {
			n[a.code()]++
		}
		if n["UNAUTHENTICATED"] > 10 || n["UNAUTHENTICATED"]+n["RATE_LIMITED"] != 40 {
			t.Errorf("answers %v: want at most 10 UNAUTHENTICATED", n)
		}
	})
}

// peakMemory returns the most memory the process with pid has held (VmHWM), in bytes.
func peakMemory(t testing.TB, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

func TestSecurity_HashingBounded(t *testing.T) {
	// 100 sign-ins at once for unknown emails, from 100 addresses behind a trusted proxy so
	// that no count stops them before the hash: every one is answered, and the server's
	// peak memory stays under 512 MB.
	d := startDirectory(t, "-trust-proxy")
	var calls []call
	for i := range 100 {
		calls = append(calls, call{query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
			variables: map[string]any{"e": fmt.Sprintf("nobody%d@example.com", i), "p": "a guess"},
			forwarded: fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)})
	}
	start := time.Now()
	answers := d.sendAtOnce(t, calls)
	elapsed := time.Since(start)
	n := map[string]int{}
	busy := 0
	for _, a := range answers {
		n[a.code()]++
		if a.code() == "RATE_LIMITED" && strings.Contains(a.Errors[0].Message, "busy") {
			busy++
		}
	}
	peak := peakMemory(t, d.cmd.Process.Pid)
	t.Logf("100 sign-ins at once: %v in %s (%d busy); peak memory %.0f MB", n, elapsed.Round(time.Millisecond), busy, float64(peak)/(1<<20))
	if n["UNAUTHENTICATED"]+n["RATE_LIMITED"] != 100 {
		t.Errorf("answers %v: want 100, each UNAUTHENTICATED or RATE_LIMITED", n)
	}
	if peak >= 512<<20 {
		t.Errorf("peak memory %d MB, want under 512 MB", peak>>20)
	}
}

func TestSecurity_OnlyJSONIsExecuted(t *testing.T) {
	// What a web page can make a visitor's browser send without a CORS preflight:
	// text/plain, a form, multipart. None runs, none changes anything, none uses up the
	// account's sign-in attempts.
	d := startDirectory(t)
	before := snapshot(t, d.path)
	for i, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		for j := range 5 {
			for _, q := range []call{
				{query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { apiKey } }`,
					variables: map[string]any{"e": d.AdminEmail, "p": fmt.Sprint("guess ", i, j)}},
				{query: `mutation { deleteUser(where: {email: "` + d.AdminEmail + `"}) }`, key: d.Key},
			} {
				q.contentType = ct
				if a := d.send(t, q); a.status != http.StatusUnsupportedMediaType || len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, "application/json") {
					t.Errorf("%s: %+v, want 415 with a sentence", ct, a)
				}
			}
		}
	}
	if snapshot(t, d.path) != before {
		t.Errorf("requests that are not JSON changed the directory")
	}
	if n := queryOne(t, d.path, `SELECT COUNT(*) FROM credential_attempts`); n != "0" {
		t.Errorf("requests that are not JSON counted %s attempts", n)
	}
	d.signIn(t, d.AdminEmail, d.AdminPassword)
	if a := d.send(t, call{query: `{ viewer { id } }`, key: d.Key, contentType: "application/json; charset=utf-8"}); a.code() != "" {
		t.Errorf("application/json; charset=utf-8: %+v", a)
	}
}

func TestSecurity_CredentialsEnd(t *testing.T) {
	d := startDirectory(t)
	admin := d.findUsers(t, map[string]any{"email": d.AdminEmail}, 1, 0, nil)[0]
	s1 := d.signIn(t, d.AdminEmail, d.AdminPassword)
	s2 := d.signIn(t, d.AdminEmail, d.AdminPassword)

	// A key made with a session says so, and may be given an expiry, never in the past.
	a := d.send(t, call{query: `mutation($at: DateTime) { createApiKey(name: "ci", expiresAt: $at) { key expiresAt } }`,
		variables: map[string]any{"at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)}, key: s1})
	if a.code() != "BAD_USER_INPUT" || a.Errors[0].Extensions.Field != "expiresAt" {
		t.Errorf("a key that expired already: %+v", a)
	}
	at := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	a = d.send(t, call{query: `mutation($at: DateTime) { createApiKey(name: "ci", expiresAt: $at) { key expiresAt } }`,
		variables: map[string]any{"at": at}, key: s1})
	var made struct{ Key, ExpiresAt string }
	if a.code() != "" || json.Unmarshal(a.Data["createApiKey"], &made) != nil || !sameInstant(made.ExpiresAt, at) {
		t.Fatalf("a key for a day: %+v", a)
	}
	a = d.send(t, call{query: `{ viewer { apiKeys { name session createdWithSession expiresAt } } }`, key: s1})
	var keys struct {
		APIKeys []struct {
			Name                        string
			Session, CreatedWithSession bool
		} `json:"apiKeys"`
	}
	json.Unmarshal(a.Data["viewer"], &keys)
	var listed []string
	for _, k := range keys.APIKeys {
		listed = append(listed, fmt.Sprintf("%s/%v/%v", k.Name, k.Session, k.CreatedWithSession))
	}
	if got := strings.Join(listed, " "); got != "Demo admin key/false/false Session/true/false Session/true/false ci/false/true" {
		t.Errorf("the admin's keys: %s", got)
	}

	// A completed reset ends both sessions and the key made with one; the other API key
	// stays.
	var r struct{ IssuePasswordReset struct{ Link string } }
	d.graphql(t, `mutation($id: ID!) { issuePasswordReset(where: {id: $id}) { link } }`, map[string]any{"id": admin.ID}, &r)
	token := r.IssuePasswordReset.Link[strings.Index(r.IssuePasswordReset.Link, "token=")+len("token="):]
	a = d.send(t, call{query: `mutation($t: String!) { completePasswordReset(token: $t, newPassword: "a brand new password") }`, variables: map[string]any{"t": token}})
	if a.code() != "" {
		t.Fatalf("complete the reset: %+v", a)
	}
	for name, key := range map[string]string{"first session": s1, "second session": s2, "key made with a session": made.Key} {
		if a := d.send(t, call{query: `{ viewer { id } }`, key: key}); a.code() != "UNAUTHENTICATED" {
			t.Errorf("%s after the reset: %+v", name, a)
		}
	}
	for name, key := range map[string]string{"demo key": d.Key} {
		if a := d.send(t, call{query: `{ viewer { id } }`, key: key}); a.code() != "" {
			t.Errorf("%s after the reset: %+v", name, a)
		}
	}
}

// TestSecurity_PasswordChangeEndsKeysOfOtherSessions has a thief signed in as the admin
// make a key for the admin and one for a user; the admin, in a session of their own,
// changes the password: both of the thief's keys stop working at once, while the key the
// admin made in that session, and the demo key, work.
func TestSecurity_PasswordChangeEndsKeysOfOtherSessions(t *testing.T) {
	d := startDirectory(t)
	admin := d.findUsers(t, map[string]any{"email": d.AdminEmail}, 1, 0, nil)[0]
	user := d.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 1, 0, nil)[0]
	thief := d.signIn(t, d.AdminEmail, d.AdminPassword)
	victim := d.signIn(t, d.AdminEmail, d.AdminPassword)
	key := func(session string, where map[string]any) string {
		t.Helper()
		a := d.send(t, call{query: `mutation($w: UserWhere) { createApiKey(name: "made in a session", where: $w) { key } }`,
			variables: map[string]any{"w": where}, key: session})
		var k struct{ Key string }
		if a.code() != "" || json.Unmarshal(a.Data["createApiKey"], &k) != nil {
			t.Fatalf("create a key: %+v", a)
		}
		return k.Key
	}
	thiefOwn, thiefForUser, victimOwn := key(thief, nil), key(thief, map[string]any{"id": user.ID}), key(victim, nil)
	a := d.send(t, call{query: `mutation($w: UserWhere!, $d: UpdatePasswordData!) { updatePassword(where: $w, data: $d) { id } }`,
		variables: map[string]any{"w": map[string]any{"id": admin.ID},
			"d": map[string]any{"oldPassword": d.AdminPassword, "newPassword1": "a brand new password", "newPassword2": "a brand new password"}},
		key: victim})
	if a.code() != "" {
		t.Fatalf("change the password: %+v", a)
	}
	for name, key := range map[string]string{"the thief's session": thief, "the thief's key": thiefOwn, "the thief's key for a user": thiefForUser} {
		if a := d.send(t, call{query: `{ viewer { id } }`, key: key}); a.code() != "UNAUTHENTICATED" {
			t.Errorf("%s after the change: %+v", name, a)
		}
	}
	for name, key := range map[string]string{"the changing session": victim, "its key": victimOwn, "the demo key": d.Key} {
		if a := d.send(t, call{query: `{ viewer { id } }`, key: key}); a.code() != "" {
			t.Errorf("%s after the change: %+v", name, a)
		}
	}
}

// TestSecurity_ResetLinkOfADemotedAdmin has an admin issue a reset link for a user and
// be demoted: the link is refused, and still refused once they are an admin again, with
// nothing stored changed.
func TestSecurity_ResetLinkOfADemotedAdmin(t *testing.T) {
	d := startDirectory(t)
	users := d.findUsers(t, map[string]any{"organizationRole": "USER", "activated": true}, 2, 0, nil)
	issuer, target := users[0], users[1]
	role := func(r string) {
		t.Helper()
		var changed map[string]any
		d.graphql(t, `mutation($id: ID!, $r: OrganizationRole) { updatePropertiesInUser(where: {id: $id}, data: {organizationRole: $r}) { id } }`,
			map[string]any{"id": issuer.ID, "r": r}, &changed)
	}
	role("ADMIN")
	var k struct{ CreateApiKey struct{ Key string } }
	d.graphql(t, `mutation($id: ID!) { createApiKey(name: "issuer", where: {id: $id}) { key } }`, map[string]any{"id": issuer.ID}, &k)
	a := d.send(t, call{query: `mutation($id: ID!) { issuePasswordReset(where: {id: $id}) { link } }`,
		variables: map[string]any{"id": target.ID}, key: k.CreateApiKey.Key})
	var r struct{ Link string }
	if a.code() != "" || json.Unmarshal(a.Data["issuePasswordReset"], &r) != nil {
		t.Fatalf("issue a reset link: %+v", a)
	}
	token := r.Link[strings.Index(r.Link, "token=")+len("token="):]
	role("USER")
	for _, when := range []string{"demoted", "an admin again"} {
		before := snapshot(t, d.path)
		a := d.send(t, call{query: `mutation($t: String!) { completePasswordReset(token: $t, newPassword: "taken over now") }`,
			variables: map[string]any{"t": token}})
		if a.code() != "BAD_USER_INPUT" {
			t.Errorf("the link with its issuer %s: %+v", when, a)
		}
		if snapshot(t, d.path) != before {
			t.Errorf("the refused link, its issuer %s, changed the store", when)
		}
		role("ADMIN")
	}
}

// sameInstant reports whether two RFC 3339 strings name the same instant, however many
// fraction digits each has.
func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

// snapshotColumns are the columns of table a snapshot compares: all but when a user last
// signed in, which the first use of a key each day is meant to record (as the counts of
// user_sign_in_days, left out too).
// The PostgreSQL store's users have neither a row number nor a username yet.
func snapshotColumns(table, path string) string {
	switch {
	case table == "users" && postgres.IsURL(path):
		return "id, email, firstname, lastname, activated, organization_id, role, password_hash, created_at, updated_at"
	case table == "users":
		return "num, id, email, firstname, lastname, activated, organization_id, role, password_hash, created_at, updated_at, username"
	}
	return "*"
}
