package app

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

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
		h := rendered(c)
		assertHas(t, h, "Signing in through your portal…")
		assertHasNot(t, h, `<form`, `for="key"`)
	})
	t.Run("ErrRefusedShowsFormAndWhy", func(t *testing.T) {
		c, set := signInPage(t)
		set(stateEmbed, embedState{Notice: "Your portal could not sign you in. This API key was not accepted."})
		assertHas(t, rendered(c), `<form`, "Your portal could not sign you in. This API key was not accepted.")
	})
}

func TestInitCredential(t *testing.T) {
	w := New()
	soon := time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	t.Run("Token", func(t *testing.T) {
		c, msg := w.initCredential(portalInit{Token: " tok ", APIKey: "key", ExpiresAt: soon})
		if msg != "" || c.Key != "tok" || c.ExpiresAt.Format(time.RFC3339) != soon {
			t.Fatalf("got %+v %q, want the token with its expiry", c, msg)
		}
	})
	t.Run("APIKey", func(t *testing.T) {
		c, msg := w.initCredential(portalInit{APIKey: "key"})
		if msg != "" || c.Key != "key" || !c.ExpiresAt.IsZero() {
			t.Fatalf("got %+v %q", c, msg)
		}
	})
	for name, tt := range map[string]struct {
		in   portalInit
		want string
	}{
		"ErrNoCredential": {portalInit{ExpiresAt: soon}, "The portal sent no credential: put the token from your back end in the token field of useradmin:init (or an API key in apiKey)."},
		"ErrBadExpiry":    {portalInit{Token: "tok", ExpiresAt: "tomorrow"}, "The expiresAt of useradmin:init is not an RFC 3339 time (such as 2025-01-31T12:00:00Z): send the one your back end received with the token."},
		"ErrExpired":      {portalInit{Token: "tok", ExpiresAt: "2020-01-01T00:00:00Z"}, "The token the portal sent expired at "},
	} {
		t.Run(name, func(t *testing.T) {
			if _, msg := w.initCredential(tt.in); !strings.HasPrefix(msg, tt.want) {
				t.Fatalf("got %q, want %q", msg, tt.want)
			}
		})
	}
}

// onPage runs fn with the context of a mounted page, as an action handler would.
func onPage(t *testing.T, fn func(ctx app.Context)) {
	t.Helper()
	c := newAccount(New())
	d := mount(t, c, capabilities{})
	d.Dispatch(app.Dispatch{Mode: app.Update, Source: c, Function: fn})
	d.Consume()
}

func TestSession(t *testing.T) {
	t.Run("PortalCredentialNotStored", func(t *testing.T) {
		store := &memoryStorage{}
		s := newSession(store, &memoryStorage{})
		onPage(t, func(ctx app.Context) {
			s.start(ctx, sessionState{FromPortal: true}, credential{Endpoint: "https://d.test/graphql", Key: "tok"})
		})
		if store.get(storageKey) != "" {
			t.Fatal("a portal's credential went to storage")
		}
		if _, c, ok := s.signedIn(); !ok || c.Key != "tok" {
			t.Fatalf("signed in %v with %+v", ok, c)
		}
	})
	t.Run("RenewKeepsTheSessionAndOldFailuresDoNotEndIt", func(t *testing.T) {
		s := newSession(&memoryStorage{}, &memoryStorage{})
		onPage(t, func(ctx app.Context) {
			st := s.start(ctx, sessionState{FromPortal: true, Viewer: ada}, credential{Key: "tok1"})
			_, old, _ := s.signedIn()
			s.renew(ctx, credential{Key: "tok2", ExpiresAt: time.Now().Add(time.Hour)}, "")
			s.revoked(ctx, old) // a request sent with tok1 failed after the renewal
			got, c, ok := s.signedIn()
			if !ok || c.Key != "tok2" || got.Viewer != st.Viewer || got.Gen == st.Gen {
				t.Fatalf("after renewal: %v %+v %+v", ok, c, got)
			}
			s.revoked(ctx, c)
			if got, _, ok := s.signedIn(); ok || got.Notice != sessionEnded {
				t.Fatalf("a failure with the current credential: %v %+v", ok, got)
			}
		})
	})
	t.Run("StoredKeyExpires", func(t *testing.T) {
		store := &memoryStorage{}
		s := newSession(store, &memoryStorage{})
		onPage(t, func(ctx app.Context) {
			s.start(ctx, sessionState{}, credential{Endpoint: "https://d.test/graphql", Key: "k", ExpiresAt: time.Now().Add(time.Hour)})
		})
		if c := s.stored(); c.Key != "k" || c.Endpoint != "https://d.test/graphql" {
			t.Fatalf("stored %+v", c)
		}
		store.set(storageExpires, "2020-01-01T00:00:00Z")
		if c := s.stored(); c.Key != "" {
			t.Fatalf("an expired key is still offered: %+v", c)
		}
	})
}

func TestSanitizeTheme_ColorScheme(t *testing.T) {
	for value, want := range map[string]string{"dark": "dark", " Light ": "light", "auto": "", "": ""} {
		if _, scheme, refused := sanitizeTheme(map[string]string{colorSchemeKey: value}); scheme != want || len(refused) != 0 {
			t.Errorf("colorScheme %q: got %q %v, want %q", value, scheme, refused, want)
		}
	}
	if _, scheme, refused := sanitizeTheme(map[string]string{colorSchemeKey: "sepia"}); scheme != "" || len(refused) != 1 {
		t.Errorf("colorScheme sepia: got %q %v, want it refused", scheme, refused)
	}
}
