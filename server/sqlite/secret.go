package sqlite

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// apiKeyPrefix starts every API key and reset token the directory makes, so that a
// leaked one is easy to recognize (e.g. by secret scanners).
const apiKeyPrefix = "ua_"

// newSecret returns a new API key or reset token: 32 random bytes, URL-safe.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return apiKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret returns the SHA-256 of a key or token, in hex, as it is stored. A fast hash is
// right here, unlike for passwords: the secret is 256 random bits, so nobody can guess it
// from its hash, and a fast hash lets every request look its key up by an index.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Argon2id parameters: OWASP's recommendation of 19 MiB of memory, 2 passes, 1 lane.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashPassword returns a salted argon2id hash of password in the PHC string format,
// e.g. $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, which records its own parameters.
func hashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodePasswordHash(salt, key)
}

// checkPassword reports whether password matches encoded, a hash made by hashPassword,
// comparing in constant time. An empty or malformed hash matches nothing.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyPasswordHash is checked against when there is no user or no password, so that
// signing in takes as long whether or not the email is known. No password matches it.
var dummyPasswordHash = encodePasswordHash(make([]byte, argonSaltLen), make([]byte, argonKeyLen))

func encodePasswordHash(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}
