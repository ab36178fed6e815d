package graphql_test

import (
	"strings"
	"testing"

	"useradmin/server/graphql"
)

// TestHandler_MissingServicesRefused: a directory built without one of its optional
// services answers the operations that need it FORBIDDEN, with a sentence that says what
// to do instead, and changes nothing.
func TestHandler_MissingServicesRefused(t *testing.T) {
	cases := map[string]struct {
		without func(h *graphql.Handler)
		query   string
	}{
		"Audit": {func(h *graphql.Handler) { h.Audit = nil },
			`{ auditEvents(first: 10, skip: 0) { id } }`},
		"AuditCount": {func(h *graphql.Handler) { h.Audit = nil },
			`{ countAuditEvents }`},
		"EmbedTokens": {func(h *graphql.Handler) { h.EmbedTokens = nil },
			`mutation { createEmbedToken(userId: "$ACME_USER_ID", origin: "https://portal.test") { token } }`},
		"Bulk": {func(h *graphql.Handler) { h.Bulk = nil },
			`mutation { updateUsers(where: {}, data: {activated: false}, first: 10) { done } }`},
		"BulkDelete": {func(h *graphql.Handler) { h.Bulk = nil },
			`mutation { deleteUsers(where: {}, first: 10) { done } }`},
		"Imports": {func(h *graphql.Handler) { h.Imports = nil },
			`mutation { importUsers(rows: [{line: 2, email: "new@acme.test"}], mode: CREATE, existing: SKIP, dryRun: false) { outcome } }`},
	}
	for name, tt := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.handler = f.handlerWith(tt.without)
			before := f.snapshot(t)
			msg, ext := f.firstError(t, gql{query: f.expand(tt.query), key: f.acmeAdminKey})
			if ext["code"] != forbidden || !isSentence(msg) || !strings.Contains(msg, ":") {
				t.Errorf("answered %q %v, want FORBIDDEN with a sentence saying what to do instead", msg, ext)
			}
			if f.snapshot(t) != before {
				t.Error("a refused request changed what is stored")
			}
		})
	}
}
