package app

import (
	"context"
	"strconv"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and actions of the workspaces page, and of the workspace filter and the
// memberships that the user list and the user page show.
const (
	stateWorkspaces     = "workspaces"     // workspacesState
	stateWorkspaceWrite = "workspaceWrite" // workspaceWriteState: the last create, rename, delete or membership change

	actionLoadWorkspaces = "loadWorkspaces" // workspacesQuery
	actionWorkspaceWrite = "workspaceWrite" // workspaceWrite
)

// workspacesPageSize is how many workspaces a page (and the filter's list) shows.
const workspacesPageSize = 100

// workspacesQuery is which workspaces to read.
type workspacesQuery struct {
	Search string
	Page   int // from 1
}

// workspaceItem is a workspace as the widget shows it.
type workspaceItem struct {
	ID          string
	Name        string
	CreatedAt   string
	MemberCount *int
}

// members is its member count as a phrase, "" when the caller may not count them.
func (w workspaceItem) members() string {
	if w.MemberCount == nil {
		return ""
	}
	n := *w.MemberCount
	return groupDigits(n) + " member" + plural(n, "s")
}

// workspacesState is one page of workspaces and how many match.
type workspacesState struct {
	Status status
	Err    *failure
	Query  workspacesQuery
	Items  []workspaceItem
	Total  int
}

// workspaceWrite is one change: Kind "create" (Name), "rename" (ID, Name), "delete" (ID,
// Name for the notice; Force to delete one with members), "add" or "remove" (ID, Name,
// UserIDs).
type workspaceWrite struct {
	Kind    string
	ID      string
	Name    string
	Force   bool
	UserIDs []string
}

// workspaceWriteState is the outcome of the last workspaceWrite.
type workspaceWriteState struct {
	Status status
	Err    *failure
	Write  workspaceWrite
	Notice string
	Seq    int
}

// WorkspaceWhere is the contract's WorkspaceWhere input.
type WorkspaceWhere struct {
	Search string `json:"search,omitempty"`
}

func (w *Widget) handleLoadWorkspaces(ctx app.Context, a app.Action) {
	q, _ := a.Value.(workspacesQuery)
	seq := w.seqs.next(stateWorkspaces)
	var prev workspacesState
	ctx.GetState(stateWorkspaces, &prev)
	ctx.SetState(stateWorkspaces, workspacesState{Status: statusLoading, Query: q, Items: prev.Items, Total: prev.Total})
	_, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateWorkspaces, workspacesState{Status: statusFailed, Query: q, Err: f})
		return
	}
	st := w.api(c.Endpoint, c.Key).workspaces(ctx, q)
	if !w.seqs.latest(stateWorkspaces, seq) {
		return
	}
	st.Err = w.failed(ctx, c, st.Err)
	ctx.SetState(stateWorkspaces, st)
}

func (w *Widget) handleWorkspaceWrite(ctx app.Context, a app.Action) {
	req, _ := a.Value.(workspaceWrite)
	seq := w.seqs.next(stateWorkspaceWrite)
	ctx.SetState(stateWorkspaceWrite, workspaceWriteState{Status: statusLoading, Write: req, Seq: seq})
	_, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateWorkspaceWrite, workspaceWriteState{Status: statusFailed, Write: req, Err: f, Seq: seq})
		return
	}
	notice, f := w.api(c.Endpoint, c.Key).writeWorkspace(ctx, req)
	if f != nil {
		ctx.SetState(stateWorkspaceWrite, workspaceWriteState{Status: statusFailed, Write: req, Err: w.failed(ctx, c, f), Seq: seq})
		return
	}
	ctx.SetState(stateWorkspaceWrite, workspaceWriteState{Status: statusReady, Write: req, Notice: notice, Seq: seq})
}

// workspaces reads a page of workspaces, by name, with how many match.
func (a api) workspaces(ctx context.Context, q workspacesQuery) workspacesState {
	var r struct {
		Items []workspaceItem `graphql:"workspaces(where: $where, first: $first, skip: $skip)" json:"workspaces"`
		Total int             `graphql:"countWorkspaces(where: $where)" json:"countWorkspaces"`
	}
	page := max(q.Page, 1)
	vars := map[string]any{
		"where": WorkspaceWhere{Search: q.Search},
		"first": PageSize(workspacesPageSize),
		"skip":  graphql.Int((page - 1) * workspacesPageSize),
	}
	if f := a.query(ctx, &r, vars); f != nil {
		return workspacesState{Status: statusFailed, Query: q, Err: f}
	}
	return workspacesState{Status: statusReady, Query: q, Items: r.Items, Total: r.Total}
}

// writeWorkspace makes the change req names and says what was done.
func (a api) writeWorkspace(ctx context.Context, req workspaceWrite) (string, *failure) {
	var out struct {
		Name        string
		MemberCount *int
	}
	var f *failure
	switch req.Kind {
	case "create":
		var m struct {
			W *struct{ Name string } `graphql:"createWorkspace(name: $name)"`
		}
		f = a.mutate(ctx, &m, map[string]any{"name": graphql.String(req.Name)})
		if f == nil {
			return "Workspace “" + m.W.Name + "” is created.", nil
		}
	case "rename":
		var m struct {
			W *struct{ Name string } `graphql:"renameWorkspace(id: $id, name: $name)"`
		}
		f = a.mutate(ctx, &m, map[string]any{"id": graphql.ID(req.ID), "name": graphql.String(req.Name)})
		if f == nil {
			return "The workspace is renamed “" + m.W.Name + "”.", nil
		}
	case "delete":
		var m struct {
			ID graphql.ID `graphql:"deleteWorkspace(id: $id, evenIfNotEmpty: $force)"`
		}
		f = a.mutate(ctx, &m, map[string]any{"id": graphql.ID(req.ID), "force": graphql.Boolean(req.Force)})
		if f == nil {
			return "Workspace “" + req.Name + "” is deleted; its members stay in the directory.", nil
		}
	case "add", "remove":
		var add struct {
			W *struct {
				Name        string
				MemberCount *int
			} `graphql:"addWorkspaceMembers(id: $id, userIds: $users)"`
		}
		var remove struct {
			W *struct {
				Name        string
				MemberCount *int
			} `graphql:"removeWorkspaceMembers(id: $id, userIds: $users)"`
		}
		ids := make([]graphql.ID, len(req.UserIDs))
		for i, id := range req.UserIDs {
			ids[i] = graphql.ID(id)
		}
		vars := map[string]any{"id": graphql.ID(req.ID), "users": ids}
		if req.Kind == "add" {
			if f = a.mutate(ctx, &add, vars); f == nil {
				out.Name, out.MemberCount = add.W.Name, add.W.MemberCount
			}
		} else if f = a.mutate(ctx, &remove, vars); f == nil {
			out.Name, out.MemberCount = remove.W.Name, remove.W.MemberCount
		}
		if f == nil {
			verb := " added to "
			if req.Kind == "remove" {
				verb = " removed from "
			}
			n := len(req.UserIDs)
			notice := strconv.Itoa(n) + " user" + plural(n, "s") + verb + "“" + out.Name + "”"
			if out.MemberCount != nil {
				notice += ", which has " + workspaceItem{MemberCount: out.MemberCount}.members() + " now"
			}
			return notice + ".", nil
		}
	}
	return "", f
}
