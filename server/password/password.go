// Package password hashes and checks passwords with argon2id, a bounded number at once,
// for every store of the directory.
//
// Each hash or check takes argonMemory (19 MiB) for tens of milliseconds. Without a bound,
// 100 concurrent sign-ins take 2 GB; with one, a few run at once and the others wait in
// line briefly, then are refused RATE_LIMITED, so that the server's memory stays bounded
// and every request gets an answer.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"useradmin/server"
)

// Argon2id parameters: OWASP's recommendation of 19 MiB of memory, 2 passes, 1 lane.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MemoryPerHash is the memory one hash or check takes, in bytes.
const MemoryPerHash = argonMemory * 1024

// DefaultMemory is how much memory hashing may take at once by default: 128 MiB, room
// for 6 at a time.
const DefaultMemory = 128 << 20

// DefaultWait is how long a hash waits for its turn before it is refused.
const DefaultWait = 2 * time.Second

// Slots returns how many hashes may run at once within memory bytes: as many as fit, but
// no more than there are processors (more would only share the processors, each taking
// longer and holding its memory longer), and at least one.
func Slots(memory int64) int {
	return max(1, min(int(memory/MemoryPerHash), runtime.GOMAXPROCS(0)))
}

// Hasher hashes and checks passwords, at most a fixed number at once.
type Hasher struct {
	slots chan struct{}
	wait  time.Duration

	running, peak atomic.Int32 // hashes running now, and the most at once (for tests)
}

// NewHasher returns a Hasher that runs at most slots hashes at once; a hash waits at most
// wait for a slot, then is refused RATE_LIMITED.
func NewHasher(slots int, wait time.Duration) *Hasher {
	return &Hasher{slots: make(chan struct{}, max(1, slots)), wait: wait}
}

// NewDefaultHasher returns a Hasher sized for DefaultMemory that waits DefaultWait.
func NewDefaultHasher() *Hasher {
	return NewHasher(Slots(DefaultMemory), DefaultWait)
}

// errBusy is the answer when every slot stayed taken for the whole wait.
func (h *Hasher) errBusy() *server.Error {
	return &server.Error{Code: server.ERATELIMITED, RetryAfter: 3 * time.Second,
		Message: "The directory is busy checking other passwords: try again in a few seconds."}
}

// run runs fn in a slot: at once if one is free, else after waiting for one at most
// h.wait. It returns RATE_LIMITED when none came free, and ctx's error when ctx ended.
func (h *Hasher) run(ctx context.Context, fn func()) error {
	select {
	case h.slots <- struct{}{}:
	default:
		timer := time.NewTimer(h.wait)
		defer timer.Stop()
		select {
		case h.slots <- struct{}{}:
		case <-timer.C:
			return h.errBusy()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-h.slots }()
	n := h.running.Add(1)
	defer h.running.Add(-1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	fn()
	return nil
}

// Hash returns a salted argon2id hash of password in the PHC string format, e.g.
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, which records its own parameters.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	var key []byte
	if err := h.run(ctx, func() {
		key = argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	}); err != nil {
		return "", err
	}
	return encode(salt, key), nil
}

// Check reports whether password matches encoded, a hash made by Hash, comparing in
// constant time. An empty or malformed hash matches nothing, but is checked as long as a
// real one (see Dummy), so that the answer takes as long whether or not a user has a
// password. The error is RATE_LIMITED when the hasher stayed busy, or ctx's.
func (h *Hasher) Check(ctx context.Context, encoded, password string) (bool, error) {
	p, ok := decode(encoded)
	if !ok {
		p, _ = decode(Dummy)
	}
	if p.memory > argonMemory || p.passes > argonTime || p.threads != argonThreads {
		// A hash made with costlier parameters than ours was not made here; checking it
		// would take more memory than a slot has.
		return false, fmt.Errorf("check password: the stored hash has parameters m=%d,t=%d,p=%d", p.memory, p.passes, p.threads)
	}
	var got []byte
	if err := h.run(ctx, func() {
		got = argon2.IDKey([]byte(password), p.salt, p.passes, p.memory, p.threads, uint32(len(p.key)))
	}); err != nil {
		return false, err
	}
	return ok && subtle.ConstantTimeCompare(got, p.key) == 1, nil
}

// Peak returns the most hashes that ran at once so far.
func (h *Hasher) Peak() int { return int(h.peak.Load()) }

// Dummy is a well-formed hash that no password matches, checked when there is no user or
// no password.
var Dummy = encode(make([]byte, argonSaltLen), make([]byte, argonKeyLen))

// params are the parts of an encoded hash.
type params struct {
	memory, passes uint32
	threads        uint8
	salt, key      []byte
}

func decode(encoded string) (params, bool) {
	var p params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.passes, &p.threads); err != nil {
		return p, false
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return p, false
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) == 0 {
		return p, false
	}
	return p, true
}

func encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}
