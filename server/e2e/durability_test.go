package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// gqlResult is a GraphQL answer read without judging it.
type gqlResult struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions struct{ Code string }
	}
}

// post sends a document with the admin key and returns the answer; a transport error or a
// body that is not JSON is returned as err, GraphQL errors are left in the result.
func (s *server) post(client *http.Client, query string, variables map[string]any) (gqlResult, error) {
	var res gqlResult
	body, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	req, err := http.NewRequest(http.MethodPost, s.URL+s.Prefix+"/graphql", bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "X-API-Key: "+s.Key)
	resp, err := client.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("status %d", resp.StatusCode)
	}
	return res, json.NewDecoder(resp.Body).Decode(&res)
}

// TestDurability_Kill9 kills the server with SIGKILL in the middle of a stream of writes,
// restarts it on the same file, and checks that every write it had acknowledged is there.
func TestDurability_Kill9(t *testing.T) {
	db := filepath.Join(t.TempDir(), "users.db")
	s := startServer(t, "-db", db)
	admin := s.findUsers(t, map[string]any{"email": s.AdminEmail}, 1, 0, nil)[0]

	const writers = 4
	var (
		mu      sync.Mutex
		created []string        // emails of acknowledged creates
		renamed = map[int]int{} // writer -> last acknowledged rename of the admin's lastname
		wg      sync.WaitGroup
		stop    = make(chan struct{})
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if w == 0 {
					// One writer renames the admin in sequence: the last acknowledged name must stay.
					res, err := s.post(client, `mutation($id: ID!, $n: String!) { updatePropertiesInUser(where: {id: $id}, data: {lastname: $n}) { id } }`,
						map[string]any{"id": admin.ID, "n": fmt.Sprintf("Rename %06d", i)})
					if err != nil {
						return // the server is gone
					}
					if len(res.Errors) == 0 {
						mu.Lock()
						renamed[w] = i
						mu.Unlock()
					}
					continue
				}
				email := fmt.Sprintf("kill9-w%d-%d@durable.example", w, i)
				res, err := s.post(client, `mutation($d: CreateUserData!) { createUser(data: $d) { id } }`,
					map[string]any{"d": map[string]any{"email": email, "password": "a long password", "organizationRole": "USER"}})
				if err != nil {
					return
				}
				if len(res.Errors) == 0 {
					mu.Lock()
					created = append(created, email)
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	_ = s.cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(created) == 0 || len(renamed) == 0 {
		t.Fatalf("no write was acknowledged before the kill (%d creates, %d renames): the test proved nothing", len(created), len(renamed))
	}

	s2 := startServer(t, "-db", db)
	for _, email := range created {
		if n := s2.countUsers(t, map[string]any{"email": email}); n != 1 {
			t.Errorf("acknowledged create of %s: %d users after the restart, want 1", email, n)
		}
	}
	got := s2.findUser(t, admin.ID).Lastname
	if want := fmt.Sprintf("Rename %06d", renamed[0]); got < want {
		t.Errorf("the admin's lastname is %q after the restart, older than the last acknowledged %q", got, want)
	}
	t.Logf("killed with SIGKILL after %d acknowledged creates and %d renames; all there after the restart", len(created), renamed[0]+1)
}
