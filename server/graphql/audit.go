package graphql

import (
	"context"

	gql "github.com/99designs/gqlgen/graphql"

	"useradmin/server"
)

// auditWhereFields names the filter's fields as the schema does.
var auditWhereFields = map[string]string{"userId": "where.userId", "actorId": "where.actorId", "since": "where.since", "action": "where.action"}

// AuditEvents answers Query.auditEvents.
func (r *queryResolver) AuditEvents(ctx context.Context, where *AuditEventWhere, first int, skip int) ([]AuditEvent, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if r.audit == nil {
		return nil, errNoAudit
	}
	es, err := r.audit.FindAuditEvents(ctx, where.filter(), server.Page{Offset: skip, Limit: first})
	if err != nil {
		return nil, inContract(err, auditWhereFields, pageFields)
	}
	out := make([]AuditEvent, len(es))
	for i, e := range es {
		out[i] = auditEvent(e)
	}
	return out, nil
}

// CountAuditEvents answers Query.countAuditEvents.
func (r *queryResolver) CountAuditEvents(ctx context.Context, where *AuditEventWhere) (int, error) {
	if err := authenticated(ctx); err != nil {
		return 0, err
	}
	if r.audit == nil {
		return 0, errNoAudit
	}
	n, err := r.audit.CountAuditEvents(ctx, where.filter())
	return n, inContract(err, auditWhereFields)
}

// filter turns where into a server.AuditFilter; nil selects all.
func (w *AuditEventWhere) filter() server.AuditFilter {
	if w == nil {
		return server.AuditFilter{}
	}
	return server.AuditFilter{UserID: w.UserID, ActorID: w.ActorID, Since: w.Since, Action: w.Action}
}

// auditEvent writes e as the schema's AuditEvent: "" as null.
func auditEvent(e *server.AuditEvent) AuditEvent {
	return AuditEvent{
		ID: e.ID, Action: e.Action, At: e.At,
		ActorID: orNull(e.ActorID), ActorEmail: orNull(e.ActorEmail), ActorKeyID: orNull(e.ActorKeyID),
		UserID: orNull(e.UserID), UserEmail: orNull(e.UserEmail),
		InvitationID: orNull(e.InvitationID), APIKeyID: orNull(e.APIKeyID),
		ClientAddress: orNull(e.ClientAddress), Changes: e.Changes,
	}
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MarshalAuditAction writes an AuditAction.
func MarshalAuditAction(a server.AuditAction) gql.Marshaler {
	return MarshalString(string(a))
}

// UnmarshalAuditAction reads an AuditAction.
func UnmarshalAuditAction(v any) (server.AuditAction, error) {
	if s, ok := v.(string); ok && server.AuditAction(s).Valid() {
		return server.AuditAction(s), nil
	}
	return "", &inputError{want: "an AuditAction, such as USER_UPDATED or ROLE_CHANGED", got: v}
}
