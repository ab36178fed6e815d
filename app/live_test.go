//go:build !wasm

package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestLiveDocument checks the subscription the widget sends against the full contract:
// it goes over the WebSocket, which TestDocuments does not record.
func TestLiveDocument(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "server", "graphql", "schema.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "schema.graphql", Input: string(src)})
	if _, errs := gqlparser.LoadQuery(schema, liveDocument); errs != nil {
		t.Fatalf("liveDocument does not hold: %v", errs)
	}
}

// TestLive_Follow follows the real directory's changes, then resumes after a dropped
// connection from the cursor of the last change received.
func TestLive_Follow(t *testing.T) {
	d := startDirectory(t, false)
	a := d.api(d.AdminKey)
	caps, f := a.capabilities(context.Background())
	if f != nil || !caps.Live {
		t.Fatalf("capabilities %+v %v, want Live", caps, f)
	}
	viewer, f := a.viewer(context.Background())
	if f != nil {
		t.Fatal(f)
	}
	rename := func(name string) {
		var out any
		d.post(t, d.AdminKey, `mutation($id: ID, $n: String) { updatePropertiesInUser(where: {id: $id}, data: {firstname: $n}) { id } }`,
			map[string]any{"id": viewer.ID, "n": name}, &out)
	}

	got := make(chan liveChange, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan liveEnd, 1)
	go func() { done <- a.follow(ctx, "", func(c liveChange) { got <- c }) }()
	var first liveChange
	for i := 0; first.Kind == ""; i++ {
		rename("Live" + string(rune('A'+i%26)))
		select {
		case first = <-got:
		case <-time.After(100 * time.Millisecond):
			if i > 50 {
				t.Fatal("no change arrived")
			}
		}
	}
	if first.Kind != "UPDATED" || first.UserID != viewer.ID || first.User == nil || first.ChangedByID != viewer.ID || first.Cursor == "" {
		t.Fatalf("got %+v", first)
	}
	for len(got) > 0 {
		first = <-got
	}
	cancel()
	if end := <-done; end.stop || !end.connected {
		t.Fatalf("a cancelled follow ended with %+v", end)
	}

	rename("Missed")
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- a.follow(ctx, first.Cursor, func(c liveChange) { got <- c }) }()
	select {
	case c := <-got:
		if c.User == nil || c.User.Firstname != "Missed" {
			t.Fatalf("resumed with %+v, want the missed rename", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the missed change did not come")
	}
}

// TestLive_RefusedKey stops for good when the directory refuses the key.
func TestLive_RefusedKey(t *testing.T) {
	d := startDirectory(t, false)
	end := d.api("ua_neverIssued").follow(context.Background(), "", func(liveChange) {})
	if !end.stop || end.connected {
		t.Fatalf("refused key: %+v, want stop", end)
	}
}

// TestLive_HiddenWithoutSubscription: Kili's core has no Subscription.
func TestLive_HiddenWithoutSubscription(t *testing.T) {
	d := startDirectory(t, true)
	caps, f := d.api(d.AdminKey).capabilities(context.Background())
	if f != nil || caps.Live {
		t.Fatalf("core: %+v %v, want no Live", caps, f)
	}
}

// TestLive_NamesItsPortal names the portal that frames the widget in connection_init, as
// every request names it: a portal's token works only from its portal.
func TestLive_NamesItsPortal(t *testing.T) {
	framed := api{key: "uaet_x", frameOrigin: "https://portal.example"}.liveParams()
	if framed["Authorization"] != "X-API-Key: uaet_x" || framed[frameOriginHeader] != "https://portal.example" {
		t.Fatalf("framed: %v", framed)
	}
	if p := (api{key: "ua_x"}).liveParams(); len(p) != 1 {
		t.Fatalf("not framed: %v", p)
	}
}
