package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	domain "useradmin/server"
	"useradmin/server/postgres"
	"useradmin/server/sqlite"
)

// loadDuration is how long the load test runs; its clients stop by themselves.
const loadDuration = 30 * time.Second

// loadStats gathers what the load test's clients saw.
type loadStats struct {
	mu         sync.Mutex
	latencies  []time.Duration
	codes      map[string]int // GraphQL error codes, by operation kind
	unexpected []string
}

func (st *loadStats) record(kind string, d time.Duration, res gqlResult, err error, expected ...string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.latencies = append(st.latencies, d)
	switch {
	case err != nil:
		st.unexpected = append(st.unexpected, kind+": "+err.Error())
	case len(res.Errors) > 0:
		code := res.Errors[0].Extensions.Code
		st.codes[kind+" "+code]++
		if !slices.Contains(expected, code) {
			st.unexpected = append(st.unexpected, kind+": "+code+" "+res.Errors[0].Message)
		}
	}
}

// prepareLoadDB makes the directory the load test runs on: the demo organization (its
// admin's key is adminKey) and a second organization, "Churn", whose only admin is given
// a key here; the test then adds a second admin there through the API.
func prepareLoadDB(t *testing.T, path string) (adminEmail, churnKey string) {
	t.Helper()
	ctx := context.Background()
	churn := domain.UserCreate{Email: "p@churn.example", Password: "a long password", Firstname: "P"}
	if postgres.IsURL(path) {
		db := postgres.NewDB(path)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		seed, err := db.Seed(ctx, postgres.SeedOptions{AdminKey: adminKey})
		if err != nil {
			t.Fatal(err)
		}
		_, _, key, err := db.CreateOrganization(ctx, "Churn", churn)
		if err != nil {
			t.Fatal(err)
		}
		return seed.AdminEmail, key.Key
	}
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seed, err := db.Seed(ctx, sqlite.SeedOptions{AdminKey: adminKey})
	if err != nil {
		t.Fatal(err)
	}
	_, _, key, err := db.CreateOrganization(ctx, "Churn", churn)
	if err != nil {
		t.Fatal(err)
	}
	return seed.AdminEmail, key.Key
}

// TestLoad runs 50 clients doing mixed reads and writes for 30 s: the only errors are the
// expected conflicts (stale updatedAt, duplicate email, last admin) and, for the admins
// demoting each other, FORBIDDEN once demoted; afterwards emails are unique, counts agree
// with the rows, and every organization still has an active admin.
func TestLoad(t *testing.T) {
	path := newDatabase(t)
	adminEmail, churnP := prepareLoadDB(t, path)
	s := startServer(t, "-db", path)
	pServer := &server{URL: s.URL, Key: churnP}

	var q struct{ CreateUser struct{ ID string } }
	pServer.graphql(t, `mutation { createUser(data: {email: "q@churn.example", password: "a long password", organizationRole: ADMIN}) { id } }`, nil, &q)
	// Q's key is one Q makes, with the key P made for them: a key P made works only while
	// P is an admin, and P is demoted half of the time.
	var k struct{ CreateApiKey struct{ Key string } }
	pServer.graphql(t, `mutation($id: ID!) { createApiKey(name: "from P", where: {id: $id}) { key } }`, map[string]any{"id": q.CreateUser.ID}, &k)
	fromP := &server{URL: s.URL, Key: k.CreateApiKey.Key}
	fromP.graphql(t, `mutation { createApiKey(name: "load") { key } }`, nil, &k)
	qServer := &server{URL: s.URL, Key: k.CreateApiKey.Key}
	var p struct{ Viewer struct{ ID string } }
	pServer.graphql(t, `{ viewer { id } }`, nil, &p)
	users := s.findUsers(t, map[string]any{}, 100, 0, nil)

	st := &loadStats{codes: map[string]int{}}
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	deadline := time.Now().Add(loadDuration)
	var wg sync.WaitGroup
	for c := 0; c < 50; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			for time.Now().Before(deadline) {
				switch {
				case c < 2: // the two Churn admins demote and promote each other
					self, other := pServer, q.CreateUser.ID
					if c == 1 {
						self, other = qServer, p.Viewer.ID
					}
					role := []string{"USER", "ADMIN"}[rng.IntN(2)]
					start := time.Now()
					res, err := self.post(client, `mutation($id: ID!, $r: OrganizationRole!) { updatePropertiesInUser(where: {id: $id}, data: {organizationRole: $r}) { id } }`,
						map[string]any{"id": other, "r": role})
					// Demoted meanwhile, an admin is a USER, who sees only themselves: the
					// other is not found, or, between the read and the write, forbidden.
					st.record("churn", time.Since(start), res, err, "CONFLICT", "FORBIDDEN", "NOT_FOUND")
				default:
					loadStep(rng, s, client, st, users)
				}
			}
		}(c)
	}
	wg.Wait()

	st.mu.Lock()
	defer st.mu.Unlock()
	n := len(st.latencies)
	slices.Sort(st.latencies)
	t.Logf("%d requests in %s by 50 clients: %.0f requests/s, p50 %s, p99 %s; errors by kind: %v",
		n, loadDuration, float64(n)/loadDuration.Seconds(), st.latencies[n/2], st.latencies[n*99/100], st.codes)
	if len(st.unexpected) > 0 {
		t.Errorf("%d unexpected errors, e.g. %q", len(st.unexpected), st.unexpected[:min(5, len(st.unexpected))])
	}
	checkLoadInvariants(t, s, path, adminEmail)
}

// loadStep does one random operation on the demo organization, as an admin at work.
func loadStep(rng *rand.Rand, s *server, client *http.Client, st *loadStats, users []apiUser) {
	start := time.Now()
	switch r := rng.IntN(100); {
	case r < 40:
		res, err := s.post(client, `query($skip: Int!) { users(where: {}, first: 25, skip: $skip) { id email } }`, map[string]any{"skip": rng.IntN(40)})
		st.record("list", time.Since(start), res, err)
	case r < 55:
		res, err := s.post(client, `{ a: countUsers(where: {activated: true}) b: countUsers(where: {organizationRole: USER}) }`, nil)
		st.record("count", time.Since(start), res, err)
	case r < 70:
		term := []string{"an", "ma", "son", "ová", "li", "e", "nguyen"}[rng.IntN(7)]
		res, err := s.post(client, `query($s: String) { users(where: {search: $s}, first: 25, skip: 0) { id } n: countUsers(where: {search: $s}) }`, map[string]any{"s": term})
		st.record("search", time.Since(start), res, err)
	case r < 95:
		// Read, then write with the updatedAt read: another client may have written
		// between, which must answer CONFLICT rather than overwrite.
		u := users[1+rng.IntN(len(users)-1)]
		var read struct{ Users []struct{ UpdatedAt string } }
		res, err := s.post(client, `query($id: ID!) { users(where: {id: $id}, first: 1, skip: 0) { updatedAt } }`, map[string]any{"id": u.ID})
		if err == nil && len(res.Errors) == 0 && json.Unmarshal(res.Data, &read) == nil && len(read.Users) == 1 {
			res, err = s.post(client, `mutation($id: ID!, $at: DateTime, $n: String!) { updatePropertiesInUser(where: {id: $id, updatedAt: $at}, data: {firstname: $n}) { id } }`,
				map[string]any{"id": u.ID, "at": read.Users[0].UpdatedAt, "n": fmt.Sprintf("Load %d", rng.IntN(1000))})
		}
		st.record("update", time.Since(start), res, err, "CONFLICT")
	default:
		email := fmt.Sprintf("load-%d@load.example", rng.IntN(40)) // a small pool: duplicates are tried
		res, err := s.post(client, `mutation($e: String!) { createUser(data: {email: $e, password: "a long password", organizationRole: USER}) { id } }`, map[string]any{"e": email})
		// RATE_LIMITED: the directory hashes a few passwords at a time and refuses a hash
		// that waited its turn for 2 s, which a slow machine under this load may reach.
		st.record("create", time.Since(start), res, err, "CONFLICT", "RATE_LIMITED")
	}
}

// checkLoadInvariants reads the file itself once the load is over.
func checkLoadInvariants(t *testing.T, s *server, path, adminEmail string) {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	var rows, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT lower(email)) FROM users`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != distinct {
		t.Errorf("%d users but %d distinct emails", rows, distinct)
	}
	orgs, err := db.Query(`SELECT o.name, (SELECT count(*) FROM users u WHERE u.organization_id = o.id AND u.role = 'ADMIN' AND u.activated)
		FROM organizations o`)
	if err != nil {
		t.Fatal(err)
	}
	defer orgs.Close()
	for orgs.Next() {
		var name string
		var admins int
		if err := orgs.Scan(&name, &admins); err != nil {
			t.Fatal(err)
		}
		if admins < 1 {
			t.Errorf("organization %s has no active admin left", name)
		}
	}
	var inOrg int
	if err := db.QueryRow(rebind(path, `SELECT count(*) FROM users u JOIN users a ON a.organization_id = u.organization_id WHERE a.email = ?`), adminEmail).Scan(&inOrg); err != nil {
		t.Fatal(err)
	}
	if got := s.countUsers(t, map[string]any{}); got != inOrg {
		t.Errorf("countUsers = %d, but the organization has %d rows", got, inOrg)
	}
}
