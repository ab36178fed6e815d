package app

import "testing"

func TestAPIKeyList(t *testing.T) {
	t.Run("ListsKeysWithRevoke", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		set(stateAPIKeys, apiKeysState{Status: statusReady, UserID: "u1", Keys: []apiKey{
			{ID: "k1", Name: "laptop", CreatedAt: "2024-05-01T10:00:00Z"},
			{ID: "k2", Name: "ci", CreatedAt: "2024-05-02T10:00:00Z", ExpiresAt: "2030-01-01T00:00:00Z"},
		}})
		h := rendered(c)
		assertHas(t, h, "API keys", "laptop", "never expires", "ci", "expires 2030-01-01",
			`id="revoke-k1"`, `aria-label="Revoke laptop"`, `id="revoke-k2"`)
	})
	t.Run("None", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		set(stateAPIKeys, apiKeysState{Status: statusReady, UserID: "u1"})
		assertHas(t, rendered(c), "This user has no API keys.")
	})
	t.Run("AnotherUsersKeysNotShown", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		set(stateAPIKeys, apiKeysState{Status: statusReady, UserID: "u2", Keys: []apiKey{{ID: "k9", Name: "theirs"}}})
		assertHasNot(t, rendered(c), "theirs")
	})
	t.Run("HiddenWithoutTheExtension", func(t *testing.T) {
		caps := allCaps
		caps.APIKeys = false
		c, _ := editPage(t, caps, "/users/u1", &ada)
		assertHasNot(t, rendered(c), "API keys")
	})
}
