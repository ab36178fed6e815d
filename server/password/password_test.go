package password_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"useradmin/server"
	"useradmin/server/password"
)

func TestHasher_HashAndCheck(t *testing.T) {
	h := password.NewHasher(2, time.Second)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q", hash)
	}
	for _, tc := range []struct {
		hash, password string
		want           bool
	}{
		{hash, "correct horse", true},
		{hash, "correct horse ", false},
		{hash, "", false},
		{"", "correct horse", false},
		{"not a hash", "correct horse", false},
		{password.Dummy, "", false},
		{strings.Replace(hash, "argon2id", "argon2i", 1), "correct horse", false},
	} {
		if got, err := h.Check(ctx, tc.hash, tc.password); err != nil || got != tc.want {
			t.Errorf("Check(%q, %q) = %v, %v; want %v", tc.hash, tc.password, got, err, tc.want)
		}
	}
}

func TestHasher_RefusesCostlierHashes(t *testing.T) {
	// A hash that asks for more memory than a slot holds was not made here: checking it
	// would break the bound.
	h := password.NewHasher(1, time.Second)
	costly := "$argon2id$v=19$m=1048576,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if ok, err := h.Check(context.Background(), costly, "x"); ok || err == nil {
		t.Errorf("Check of a 1 GiB hash = %v, %v; want an error", ok, err)
	}
}

func TestHasher_Bound(t *testing.T) {
	// However many run at once, at most the slots hash at a time, and all finish when the
	// wait is long enough.
	h := password.NewHasher(2, time.Minute)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 12)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := h.Check(context.Background(), password.Dummy, "guess")
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("check: %v", err)
		}
	}
	if p := h.Peak(); p < 1 || p > 2 {
		t.Errorf("%d hashes ran at once, want at most 2", p)
	}
}

func TestHasher_Busy(t *testing.T) {
	// With one slot and a wait shorter than a hash, checks that come together are refused
	// RATE_LIMITED with a sentence, and every one of them answers.
	h := password.NewHasher(1, time.Millisecond)
	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	var ok, busy int
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := h.Check(context.Background(), password.Dummy, "guess")
			mu.Lock()
			defer mu.Unlock()
			var se *server.Error
			switch {
			case err == nil:
				ok++
			case errors.As(err, &se) && se.Code == server.ERATELIMITED &&
				se.Message == "The directory is busy checking other passwords: try again in a few seconds." && se.RetryAfter > 0:
				busy++
			default:
				t.Errorf("check: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok < 1 || busy < 1 || ok+busy != 8 {
		t.Errorf("%d checked, %d refused as busy; want both, 8 in all", ok, busy)
	}
}

func TestSlots(t *testing.T) {
	for _, tc := range []struct {
		memory int64
		want   int
	}{
		{0, 1},
		{password.MemoryPerHash, 1},
		{password.DefaultMemory, min(6, runtime.GOMAXPROCS(0))},
		{1 << 40, runtime.GOMAXPROCS(0)},
	} {
		if got := password.Slots(tc.memory); got != tc.want {
			t.Errorf("Slots(%d) = %d, want %d", tc.memory, got, tc.want)
		}
	}
}
