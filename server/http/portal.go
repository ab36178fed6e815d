package http

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// portalFiles is an example admin portal that embeds the widget in an iframe, as a portal
// developer would: the page, its script, and nothing else.
//
//go:embed portal
var portalFiles embed.FS

var portalPage = template.Must(template.ParseFS(portalFiles, "portal/index.html"))

// Portal is the example admin portal: its page frames the widget, and its back end does
// what a real portal's does, minting an embed token for the person at the screen, per
// frame and per renewal, with an ADMIN's API key that never reaches the browser. It has no
// sign-in of its own: whoever reaches it acts with its key, so keep it on a loopback
// address.
type Portal struct {
	WidgetURL string       // where the widget is reached, e.g. "http://127.0.0.1:8000/"
	GraphQL   string       // the directory's endpoint, which the back end calls
	Key       string       // an ADMIN's API key; without one the portal cannot mint tokens
	Client    *http.Client // nil: a client with a 15 s timeout
}

// PortalHandler serves the example portal on its own origin.
func PortalHandler(p Portal) http.Handler {
	if p.Client == nil {
		p.Client = &http.Client{Timeout: 15 * time.Second}
	}
	static, _ := fs.Sub(portalFiles, "portal")
	files := http.FileServerFS(static)
	data := struct {
		WidgetURL, WidgetOrigin string
		HasKey                  bool
	}{p.WidgetURL, Origin(p.WidgetURL), p.Key != ""}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; frame-src " + data.WidgetOrigin +
		"; connect-src 'self' " + data.WidgetOrigin + "; object-src 'none'; base-uri 'none'"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/people", p.people)
	mux.HandleFunc("POST /api/embed-token", p.embedToken)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		portalPage.Execute(w, data)
	})
	mux.Handle("GET /", files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		mux.ServeHTTP(w, r)
	})
}

// person is someone the portal may show the widget to.
type person struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// people lists the active users of the key's organization, the key's own user first: the
// page offers to play any of them, as a portal would have them signed in.
func (p Portal) people(w http.ResponseWriter, r *http.Request) {
	if !p.fromOwnPage(w, r) {
		return
	}
	var out struct {
		Viewer struct{ ID string }
		Users  []struct {
			ID, Email, Firstname, Lastname string
			OrganizationRole               string
		}
	}
	err := p.call(r.Context(), `{ viewer { id } users(where: {activated: true}, first: 100, skip: 0) { id email firstname lastname organizationRole } }`, nil, &out)
	if err != nil {
		portalError(w, err)
		return
	}
	list := []person{}
	for _, u := range out.Users {
		label := fmt.Sprintf("%s %s <%s> (%s)", u.Firstname, u.Lastname, u.Email, u.OrganizationRole)
		if u.ID == out.Viewer.ID {
			list = append([]person{{u.ID, label}}, list...)
		} else {
			list = append(list, person{u.ID, label})
		}
	}
	writePortalJSON(w, http.StatusOK, list)
}

// embedToken mints a token for the person the page names, bound to the page's origin.
func (p Portal) embedToken(w http.ResponseWriter, r *http.Request) {
	if !p.fromOwnPage(w, r) {
		return
	}
	var req struct {
		UserID          string `json:"userId"`
		Scope           string `json:"scope"`
		LifetimeSeconds int    `json:"lifetimeSeconds"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		writePortalJSON(w, http.StatusBadRequest, map[string]string{"error": "Send {userId, scope, lifetimeSeconds} as JSON."})
		return
	}
	vars := map[string]any{"userId": req.UserID, "origin": r.Header.Get("Origin"), "lifetime": nil, "scope": nil}
	if req.LifetimeSeconds != 0 {
		vars["lifetime"] = req.LifetimeSeconds
	}
	if req.Scope != "" {
		vars["scope"] = req.Scope
	}
	var out struct {
		Token struct {
			Token     string `json:"token"`
			ExpiresAt string `json:"expiresAt"`
		} `json:"createEmbedToken"`
	}
	err := p.call(r.Context(), `mutation($userId: ID!, $origin: String!, $lifetime: Int, $scope: EmbedScope) {
		createEmbedToken(userId: $userId, origin: $origin, lifetimeSeconds: $lifetime, scope: $scope) { token expiresAt } }`, vars, &out)
	if err != nil {
		portalError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writePortalJSON(w, http.StatusOK, out.Token)
}

// fromOwnPage refuses a request that another site's page made (a browser names the page's
// origin), so that no other page can mint tokens with the portal's key. The portal answers
// only by an address or as localhost: a site that points its own name at the portal's
// address (DNS rebinding) is, to the browser, the portal's origin, whose page could read
// the people and pass the Origin check.
func (p Portal) fromOwnPage(w http.ResponseWriter, r *http.Request) bool {
	if p.Key == "" {
		writePortalJSON(w, http.StatusServiceUnavailable, map[string]string{"error": errNoPortalKey.Error()})
		return false
	}
	if !isAddressHost(r.Host) {
		writePortalJSON(w, http.StatusForbidden, map[string]string{"error": "Open the portal by its address, such as http://127.0.0.1:8001, or as localhost: it answers no other name."})
		return false
	}
	origin := r.Header.Get("Origin")
	if (r.Method == http.MethodPost && origin == "") || (origin != "" && origin != "http://"+r.Host) {
		writePortalJSON(w, http.StatusForbidden, map[string]string{"error": "Only the portal's own page may ask its back end for tokens."})
		return false
	}
	return true
}

// isAddressHost reports whether a Host header names an IP address or localhost, with or
// without a port: names that no other site can point elsewhere.
func isAddressHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return strings.EqualFold(host, "localhost")
}

var errNoPortalKey = errors.New("The example portal has no API key: start the server with -portal-key (an admin's API key), or with -admin-key on a new database.")

// call runs a GraphQL request against the directory with the portal's key.
func (p Portal) call(ctx context.Context, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.GraphQL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.Key)
	resp, err := p.Client.Do(req)
	if err != nil {
		return fmt.Errorf("The directory did not answer (%v): check that it runs, then try again.", err)
	}
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&res); err != nil {
		return fmt.Errorf("The directory's answer could not be read (status %d).", resp.StatusCode)
	}
	if len(res.Errors) > 0 {
		return &directoryError{res.Errors[0].Message}
	}
	return json.Unmarshal(res.Data, out)
}

// directoryError is the directory's own sentence about a refused request.
type directoryError struct{ message string }

func (e *directoryError) Error() string { return e.message }

func portalError(w http.ResponseWriter, err error) {
	status := http.StatusBadGateway
	var de *directoryError
	if errors.As(err, &de) {
		status = http.StatusBadRequest
	}
	writePortalJSON(w, status, map[string]string{"error": err.Error()})
}

func writePortalJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
