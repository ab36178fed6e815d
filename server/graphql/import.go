package graphql

import (
	"context"

	"useradmin/server"
)

// ImportRowResult is what importing one row came to, as the schema answers it.
type ImportRowResult struct {
	Line    int
	Email   string
	Outcome ImportOutcome
	Message string
	UserID  *string
	Link    *string
	Mailed  bool
}

// importFields are the arguments of importUsers, as server.ImportOptions names them.
var importFields = map[string]string{"rows": "rows", "line": "rows", "workspaces": "rows", "mode": "mode", "existing": "existing"}

// ImportUsers answers Mutation.importUsers: the store imports the batch in one
// transaction, then the new invitations are mailed, and each created user's reset link
// and each invitation's link is in the answer.
func (r *mutationResolver) ImportUsers(ctx context.Context, rows []ImportRow, mode ImportMode, existing ImportExisting, dryRun bool) ([]ImportRowResult, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if r.imports == nil {
		return nil, errNoImports
	}
	in := make([]server.ImportRow, len(rows))
	for i, row := range rows {
		in[i] = server.ImportRow{Line: row.Line, Email: row.Email, Firstname: deref(row.Firstname), Lastname: deref(row.Lastname),
			Username: deref(row.Username), Role: deref(row.OrganizationRole), Activated: deref(row.Activated), Workspaces: row.Workspaces}
	}
	results, err := r.imports.ImportUsers(ctx, in, server.ImportOptions{Mode: server.ImportMode(mode), Existing: server.ImportExisting(existing), DryRun: dryRun})
	if err != nil {
		return nil, inContract(err, importFields)
	}
	var issued []*server.IssuedInvitation
	for _, res := range results {
		if res.Invitation != nil {
			issued = append(issued, res.Invitation)
		}
	}
	mailed := (*resolver)(r).sendInvitations(ctx, issued)
	out := make([]ImportRowResult, len(results))
	k := 0
	for i, res := range results {
		out[i] = ImportRowResult{Line: res.Line, Email: res.Email, Outcome: ImportOutcome(res.Outcome), Message: res.Message}
		if res.UserID != "" {
			out[i].UserID = &res.UserID
		}
		switch {
		case res.Invitation != nil:
			link := (*resolver)(r).invitationLink(res.Token)
			out[i].Link, out[i].Mailed = &link, mailed[k]
			if !mailed[k] && r.mailer != nil {
				out[i].Message = "Invited, but the email could not be sent: hand over the link yourself, or resend it later."
			}
			k++
		case res.Token != "":
			link := r.resetLink(res.Token)
			out[i].Link = &link
		}
	}
	return out, nil
}
