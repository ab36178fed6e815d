package graphql

import (
	"context"

	"useradmin/server"
	"useradmin/server/exportcsv"
)

// exportColumns maps the schema's ExportColumn to the file's columns.
var exportColumns = map[ExportColumn]exportcsv.Column{
	ExportColumnEmail: exportcsv.Email, ExportColumnFirstname: exportcsv.Firstname, ExportColumnLastname: exportcsv.Lastname,
	ExportColumnUsername: exportcsv.Username, ExportColumnOrganizationRole: exportcsv.OrganizationRole,
	ExportColumnActivated: exportcsv.Activated, ExportColumnWorkspaces: exportcsv.Workspaces,
	ExportColumnCreatedAt: exportcsv.CreatedAt, ExportColumnLastSignedInAt: exportcsv.LastSignedInAt,
}

// exportPath is where the download of a link's token is served, beside /graphql.
const exportPath = "export/"

// CreateExport answers Mutation.createExport.
func (r *mutationResolver) CreateExport(ctx context.Context, where UserWhere, orderBy []UserOrderBy, columns []ExportColumn) (*Export, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if r.exports == nil {
		return nil, errNoExports
	}
	create := server.ExportCreate{Filter: where.filter(), Columns: make([]exportcsv.Column, len(columns))}
	for _, o := range orderBy {
		create.Order = append(create.Order, server.UserOrder{Field: o.Field, Desc: o.Direction})
	}
	for i, c := range columns {
		create.Columns[i] = exportColumns[c]
	}
	e, err := r.exports.CreateExport(ctx, create)
	if err != nil {
		return nil, inContract(err, whereFields, pageFields)
	}
	out := exportAnswer(e)
	url := exportPath + e.Token
	out.URL = &url
	return out, nil
}

// Export answers Query.export.
func (r *queryResolver) Export(ctx context.Context, id string) (*Export, error) {
	if err := authenticated(ctx); err != nil {
		return nil, err
	}
	if r.exports == nil {
		return nil, errNoExports
	}
	e, err := r.exports.FindExport(ctx, id)
	if err != nil {
		return nil, inContract(err)
	}
	return exportAnswer(e), nil
}

func exportAnswer(e *server.Export) *Export {
	return &Export{ID: e.ID, ExpiresAt: e.ExpiresAt, Total: e.Total, Written: e.Written, Done: e.Done}
}
