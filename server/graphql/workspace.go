package graphql

import (
	"context"

	"useradmin/server"
)

// filter turns where into a server.WorkspaceFilter.
func (w *WorkspaceWhere) filter() server.WorkspaceFilter {
	if w == nil {
		return server.WorkspaceFilter{}
	}
	return server.WorkspaceFilter{ID: w.ID, Search: w.Search}
}

// Workspaces answers Query.workspaces.
func (r *queryResolver) Workspaces(ctx context.Context, where *WorkspaceWhere, first int, skip int) ([]server.Workspace, error) {
	if err := mayUseWorkspaces(ctx, r.workspaces); err != nil {
		return nil, err
	}
	ws, err := r.workspaces.FindWorkspaces(ctx, where.filter(), server.Page{Offset: skip, Limit: first})
	if err != nil {
		return nil, inContract(err, workspaceFields, pageFields)
	}
	return derefAll(ws), nil
}

// CountWorkspaces answers Query.countWorkspaces.
func (r *queryResolver) CountWorkspaces(ctx context.Context, where *WorkspaceWhere) (int, error) {
	if err := mayUseWorkspaces(ctx, r.workspaces); err != nil {
		return 0, err
	}
	n, err := r.workspaces.CountWorkspaces(ctx, where.filter())
	return n, inContract(err, workspaceFields)
}

// CreateWorkspace answers Mutation.createWorkspace.
func (r *mutationResolver) CreateWorkspace(ctx context.Context, name string) (*server.Workspace, error) {
	if err := mayUseWorkspaces(ctx, r.workspaces); err != nil {
		return nil, err
	}
	w, err := r.workspaces.CreateWorkspace(ctx, name)
	return w, inContract(err, workspaceFields)
}

// RenameWorkspace answers Mutation.renameWorkspace.
func (r *mutationResolver) RenameWorkspace(ctx context.Context, id string, name string) (*server.Workspace, error) {
	if err := mayUseWorkspaces(ctx, r.workspaces); err != nil {
		return nil, err
	}
	w, err := r.workspaces.RenameWorkspace(ctx, id, name)
	return w, inContract(err, workspaceFields)
}

// DeleteWorkspace answers Mutation.deleteWorkspace.
func (r *mutationResolver) DeleteWorkspace(ctx context.Context, id string, evenIfNotEmpty *bool) (string, error) {
	if err := mayUseWorkspaces(ctx, r.workspaces); err != nil {
		return "", err
	}
	if err := r.workspaces.DeleteWorkspace(ctx, id, evenIfNotEmpty != nil && *evenIfNotEmpty); err != nil {
		return "", inContract(err, workspaceFields)
	}
	return id, nil
}

// AddWorkspaceMembers answers Mutation.addWorkspaceMembers.
func (r *mutationResolver) AddWorkspaceMembers(ctx context.Context, id string, userIds []string) (*server.Workspace, error) {
	if err := mayUseWorkspaces(ctx, r.workspaces); err != nil {
		return nil, err
	}
	w, err := r.workspaces.AddWorkspaceMembers(ctx, id, userIds)
	return w, inContract(err, workspaceFields)
}

// RemoveWorkspaceMembers answers Mutation.removeWorkspaceMembers.
func (r *mutationResolver) RemoveWorkspaceMembers(ctx context.Context, id string, userIds []string) (*server.Workspace, error) {
	if err := mayUseWorkspaces(ctx, r.workspaces); err != nil {
		return nil, err
	}
	w, err := r.workspaces.RemoveWorkspaceMembers(ctx, id, userIds)
	return w, inContract(err, workspaceFields)
}

// Workspaces resolves User.workspaces: none where the directory keeps no workspaces.
func (r *userResolver) Workspaces(ctx context.Context, u *User, first int) ([]server.Workspace, error) {
	if r.workspaces == nil {
		return []server.Workspace{}, nil
	}
	if u.page != nil {
		if ws, ok, err := u.page.workspaces(ctx, r.workspaces, u.ID, first); err != nil {
			return nil, inContract(err, map[string]string{"limit": "first"})
		} else if ok {
			return derefAll(ws), nil
		}
	}
	ws, err := r.workspaces.UserWorkspaces(ctx, u.ID, server.Page{Limit: first})
	if err != nil {
		return nil, inContract(err, map[string]string{"limit": "first"})
	}
	return derefAll(ws), nil
}

// mayUseWorkspaces refuses a caller who is not signed in, and every caller of a directory
// without workspaces.
func mayUseWorkspaces(ctx context.Context, ws server.WorkspaceService) error {
	if err := authenticated(ctx); err != nil {
		return err
	}
	if ws == nil {
		return errNoWorkspaces
	}
	return nil
}
