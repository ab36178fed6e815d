package postgres

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
