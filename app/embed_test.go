package app

import "testing"

func TestEndpointAllowed(t *testing.T) {
	const page = "https://widget.example.com/admin/users/"
	const configured = "https://kili.example.com/api/label/v2/graphql"
	allowed := []string{"https://portal.example.com"}
	for _, tt := range []struct {
		endpoint string
		want     bool
	}{
		{"https://widget.example.com/admin/users/graphql", true},
		{"https://kili.example.com/api/label/v2/graphql", true},
		{"https://portal.example.com/graphql", true},
		{"https://evil.example.net/graphql", false},
		{"http://portal.example.com/graphql", false},          // another scheme is another origin
		{"https://portal.example.com:8443/graphql", false},    // so is another port
		{"https://user:pw@portal.example.com/graphql", false}, // no credentials in a URL
		{"javascript:alert(1)", false},
		{"/graphql", false}, // endpoints are resolved against the page before this check
	} {
		if got := endpointAllowed(tt.endpoint, page, configured, allowed); got != tt.want {
			t.Errorf("endpointAllowed(%q) = %v, want %v", tt.endpoint, got, tt.want)
		}
	}
}

func TestSignIn_Portal(t *testing.T) {
	t.Run("WaitingShowsNoForm", func(t *testing.T) {
		c, set := signInPage(t)
		set(stateEmbed, embedState{Waiting: true})
		h := html(c)
		assertHas(t, h, "Signing in through your portal…")
		assertHasNot(t, h, `<form`, `for="key"`)
	})
	t.Run("ErrRefusedShowsFormAndWhy", func(t *testing.T) {
		c, set := signInPage(t)
		set(stateEmbed, embedState{Notice: "Your portal could not sign you in. This API key was not accepted."})
		assertHas(t, html(c), `<form`, "Your portal could not sign you in. This API key was not accepted.")
	})
}
