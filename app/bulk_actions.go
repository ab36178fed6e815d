package app

import (
	"context"
	"sync"
	"time"

	graphql "github.com/hasura/go-graphql-client"
	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// The state and action of the list's bulk actions.
const (
	stateBulk        = "bulk"       // bulkState: the run in progress, or the last one
	actionBulk       = "bulkRun"    // bulkRequest
	actionBulkCancel = "bulkCancel" // nothing: stop the run after its current batch
)

// bulkBatch is how many users one request of a bulk action looks at: the most the
// directory takes (server.MaxBulkBatch). A batch has a cost of its own besides its users
// (a transaction, a request), so that 1,000 a request take about a quarter less than 500;
// the directory answers 1,000 in well under a second, so progress still moves at least
// every second.
const bulkBatch = 1000

// The bulk actions the list offers.
const (
	bulkMakeAdmin  = "make-admin"
	bulkMakeUser   = "make-user"
	bulkActivate   = "activate"
	bulkDeactivate = "deactivate"
	bulkDelete     = "delete"
	// With BulkUserData's membership fields (capabilities.BulkMembership).
	bulkAddToWorkspace      = "add-to-workspace"
	bulkRemoveFromWorkspace = "remove-from-workspace"
	// With issuePasswordResets (capabilities.BulkResets).
	bulkResetLinks = "reset-links"
)

// resetBatch is how many users one request of reset links looks at: each link is a
// write of its own, and perhaps an email, so the directory takes at most 100.
const resetBatch = 100

// bulkRequest is one bulk action: what to do, to the selected users (IDs) or, when IDs
// is nil, to all the users matching Where, of whom there were Total when it started.
type bulkRequest struct {
	Action   string
	IDs      []string
	Where    UserWhere
	Total    int
	ViewerID string            // left out, as the directory leaves its caller out
	Emails   map[string]string // the emails of the selected users, by id, for the result
	Batch    int               // users per request; 0: bulkBatch
	// Workspace is the id of the workspace a membership action adds to or removes from.
	Workspace string
}

// bulkFailure is a user a bulk action left as they were, and why.
type bulkFailure struct {
	ID      string
	Email   string
	Reason  string
	Message string
}

// bulkState is how far a bulk action got: Done of Total users looked at, and what
// happened to them. Running until it ends; Cancelled when the person stopped it, with
// the batches sent until then applied and counted.
type bulkState struct {
	Status    status
	Err       *failure
	Action    string
	Running   bool
	Cancelled bool
	Done      int
	Total     int
	Changed   int
	Unchanged int
	Failures  []bulkFailure
	Resets    []issuedReset // reset links to hand over, kept in memory until dismissed
	Mailed    int           // reset links emailed by the directory
	Seq       int
}

// issuedReset is a reset link the directory handed back, for the admin to give its user.
type issuedReset struct {
	Email     string
	Link      string
	ExpiresAt string
}

// bulkRun is the cancel of the bulk action in progress; the widget runs one at a time.
type bulkRun struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

// start records the cancel of a new run; false if one is running already.
func (r *bulkRun) start(cancel context.CancelFunc) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return false
	}
	r.cancel = cancel
	return true
}

// stop asks the run in progress to stop after its current batch.
func (r *bulkRun) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		r.cancel()
	}
}

func (r *bulkRun) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancel = nil
}

func (w *Widget) handleBulk(ctx app.Context, a app.Action) {
	req, _ := a.Value.(bulkRequest)
	seq := w.seqs.next(stateBulk)
	if req.Emails == nil {
		req.Emails = map[string]string{}
	}
	run, cancel := context.WithCancel(ctx)
	defer cancel()
	if !w.bulk.start(cancel) {
		return
	}
	defer w.bulk.end()
	ctx.SetState(stateBulk, bulkState{Status: statusLoading, Action: req.Action, Running: true, Total: req.Total, Seq: seq})
	st, c, f := w.currentSession(ctx)
	if f != nil {
		ctx.SetState(stateBulk, bulkState{Status: statusFailed, Err: f, Action: req.Action, Seq: seq})
		return
	}
	// The state is set at most every 200 ms, and after the last batch.
	last := time.Time{}
	out := w.api(c.Endpoint, c.Key).runBulk(run, req, st.Caps.Bulk, func(s bulkState) {
		if time.Since(last) >= 200*time.Millisecond {
			last = time.Now()
			s.Status, s.Running, s.Seq = statusLoading, true, seq
			ctx.SetState(stateBulk, s)
		}
	})
	out.Status, out.Seq = statusReady, seq
	if out.Err != nil {
		out.Status, out.Err = statusFailed, writeFailure(w.failed(ctx, c, out.Err), unsureBulk)
	}
	ctx.SetState(stateBulk, out)
}

// unsureBulk is what may have happened to the batch whose answer was lost.
const unsureBulk = "the last batch may have been applied: the list shows what is stored now."

// handleBulkCancel stops the bulk action in progress after its current batch.
func (w *Widget) handleBulkCancel(ctx app.Context, a app.Action) {
	w.bulk.stop()
}

// runBulk applies req, calling progress after each batch: with the directory's bulk
// mutations (updateUsers, deleteUsers) a batch of bulkBatch users per request, else one
// mutation per user. Cancelling ctx stops it between two requests; the result counts
// exactly what the requests answered.
func (a api) runBulk(ctx context.Context, req bulkRequest, bulk bool, progress func(bulkState)) bulkState {
	s := bulkState{Action: req.Action, Total: req.Total, Failures: []bulkFailure{}}
	if req.Batch <= 0 {
		req.Batch = bulkBatch
	}
	if req.IDs != nil {
		s.Total = len(req.IDs)
	}
	var f *failure
	if req.Action == bulkResetLinks {
		req.Batch = min(req.Batch, resetBatch)
	}
	switch {
	case req.Action == bulkResetLinks && !bulk:
		// The list offers reset links only where issuePasswordResets is.
		f = &failure{Code: codeBadInput, Message: "This directory cannot issue reset links in bulk: reset passwords on each user's page."}
	case req.Workspace != "" && !bulk:
		// The list offers membership actions only where updateUsers has them.
		f = &failure{Code: codeBadInput, Message: "This directory cannot change workspace members in bulk: edit them on the workspace's page."}
	case bulk:
		f = a.bulkBatches(ctx, req, &s, progress)
	default:
		f = a.bulkOneByOne(ctx, req, &s, progress)
	}
	if f != nil && ctx.Err() == nil {
		s.Err = f
	}
	for i, fl := range s.Failures {
		if fl.Email == "" {
			s.Failures[i].Email = req.Emails[fl.ID]
		}
	}
	s.Cancelled = ctx.Err() != nil
	return s
}

// bulkBatches sends the batches of req to the bulk mutations, the selected ids bulkBatch
// at a time, or all matching users with the cursor of each answer.
func (a api) bulkBatches(ctx context.Context, req bulkRequest, s *bulkState, progress func(bulkState)) *failure {
	if req.IDs == nil {
		return a.bulkWhere(ctx, req, req.Where, s, progress)
	}
	for start := 0; start < len(req.IDs); start += req.Batch {
		where := UserWhere{IDIn: req.IDs[start:min(start+req.Batch, len(req.IDs))]}
		before := s.Done
		if f := a.bulkWhere(ctx, req, where, s, progress); f != nil {
			return f
		}
		// Ids not found count as looked at: they are among the failures.
		s.Done = before + len(where.IDIn)
	}
	return nil
}

// bulkWhere runs one bulk action on all users matching where, batch after batch.
func (a api) bulkWhere(ctx context.Context, req bulkRequest, where UserWhere, s *bulkState, progress func(bulkState)) *failure {
	var after *string
	for {
		if ctx.Err() != nil {
			return nil
		}
		r, resets, f := a.bulkStep(ctx, req, where, after)
		if f != nil {
			return f
		}
		s.Done += r.Matched
		s.Changed += r.Changed
		s.Unchanged += r.Unchanged
		for _, fl := range r.Failures {
			s.Failures = append(s.Failures, bulkFailure{ID: fl.ID, Email: deref(fl.Email), Reason: fl.Reason, Message: fl.Message})
		}
		for _, rs := range resets {
			if rs.Mailed || rs.Link == nil {
				s.Mailed++
				continue
			}
			s.Resets = append(s.Resets, issuedReset{Email: rs.Email, Link: *rs.Link, ExpiresAt: rs.ExpiresAt})
		}
		// More users may match than were counted at the start.
		s.Total = max(s.Total, s.Done)
		progress(*s)
		if r.Done || r.Next == nil {
			return nil
		}
		after = r.Next
	}
}

// bulkAnswer is the contract's BulkResult.
type bulkAnswer struct {
	Matched   int
	Changed   int
	Unchanged int
	Failures  []struct {
		ID      string
		Email   *string
		Reason  string
		Message string
	}
	Next *string
	Done bool
}

// resetAnswer is a link of the contract's BulkResult.resets.
type resetAnswer struct {
	Email     string
	Link      *string
	ExpiresAt string
	Mailed    bool
}

// BulkUserData is the contract's BulkUserData input.
type BulkUserData struct {
	OrganizationRole    *string `json:"organizationRole,omitempty"`
	Activated           *bool   `json:"activated,omitempty"`
	AddToWorkspace      *string `json:"addToWorkspace,omitempty"`
	RemoveFromWorkspace *string `json:"removeFromWorkspace,omitempty"`
}

// bulkStep sends one batch of req's action; only reset links answer resets.
func (a api) bulkStep(ctx context.Context, req bulkRequest, where UserWhere, after *string) (bulkAnswer, []resetAnswer, *failure) {
	vars := map[string]any{"where": where, "after": (*graphql.String)(after), "first": graphql.Int(req.Batch)}
	if req.Action == bulkResetLinks {
		return a.resetStep(ctx, vars)
	}
	if req.Action == bulkDelete {
		var m struct {
			R bulkAnswer `graphql:"deleteUsers(where: $where, after: $after, first: $first)"`
		}
		f := a.mutate(ctx, &m, vars)
		return m.R, nil, f
	}
	vars["data"] = bulkData(req.Action)
	switch req.Action {
	case bulkAddToWorkspace:
		vars["data"] = BulkUserData{AddToWorkspace: &req.Workspace}
	case bulkRemoveFromWorkspace:
		vars["data"] = BulkUserData{RemoveFromWorkspace: &req.Workspace}
	}
	var m struct {
		R bulkAnswer `graphql:"updateUsers(where: $where, data: $data, after: $after, first: $first)"`
	}
	f := a.mutate(ctx, &m, vars)
	return m.R, nil, f
}

// resetStep sends one batch of reset links: BulkResult with its resets, which only
// issuePasswordResets fills, so that the other actions never ask an endpoint for them.
func (a api) resetStep(ctx context.Context, vars map[string]any) (bulkAnswer, []resetAnswer, *failure) {
	var m struct {
		R struct {
			Matched   int
			Changed   int
			Unchanged int
			Failures  []struct {
				ID      string
				Email   *string
				Reason  string
				Message string
			}
			Next   *string
			Done   bool
			Resets []resetAnswer
		} `graphql:"issuePasswordResets(where: $where, after: $after, first: $first)"`
	}
	f := a.mutate(ctx, &m, vars)
	r := m.R
	return bulkAnswer{Matched: r.Matched, Changed: r.Changed, Unchanged: r.Unchanged, Failures: r.Failures,
		Next: r.Next, Done: r.Done}, r.Resets, f
}

// bulkData is the change of an action other than delete.
func bulkData(action string) BulkUserData {
	admin, user, on, off := "ADMIN", "USER", true, false
	switch action {
	case bulkMakeAdmin:
		return BulkUserData{OrganizationRole: &admin}
	case bulkMakeUser:
		return BulkUserData{OrganizationRole: &user}
	case bulkActivate:
		return BulkUserData{Activated: &on}
	}
	return BulkUserData{Activated: &off}
}

// bulkOneByOne applies req with one mutation per user, for an endpoint without the bulk
// mutations (Kili's core): the ids selected, or all matching users, read page by page
// first, since each change may move a user out of the filter; those already as asked
// are counted as such and left alone.
func (a api) bulkOneByOne(ctx context.Context, req bulkRequest, s *bulkState, progress func(bulkState)) *failure {
	targets := make([]user, len(req.IDs))
	for i, id := range req.IDs {
		targets[i] = user{ID: id}
	}
	known := false
	if req.IDs == nil {
		var f *failure
		if targets, f = a.matchingUsers(ctx, req.Where); f != nil {
			return f
		}
		s.Total, known = len(targets), true
	}
	for _, u := range targets {
		if ctx.Err() != nil {
			return nil
		}
		if u.Email != "" {
			req.Emails[u.ID] = u.Email
		}
		switch {
		case u.ID == req.ViewerID:
			s.Failures = append(s.Failures, bulkFailure{ID: u.ID, Reason: "SELF",
				Message: "You are left as you are: a bulk action never changes the admin who runs it. Edit your own profile, or ask another admin."})
		case known && alreadySo(req.Action, u):
			s.Unchanged++
		default:
			if f := a.bulkOne(ctx, req.Action, u.ID, s); f != nil {
				return f
			}
		}
		s.Done++
		progress(*s)
	}
	return nil
}

// alreadySo reports whether action would not change u.
func alreadySo(action string, u user) bool {
	switch action {
	case bulkMakeAdmin:
		return u.OrganizationRole == "ADMIN"
	case bulkMakeUser:
		return u.OrganizationRole == "USER"
	case bulkActivate:
		return u.Activated
	case bulkDeactivate:
		return !u.Activated
	}
	return false
}

// bulkOne applies action to one user; a refusal is that user's failure, and only a
// failure of the endpoint itself stops the run.
func (a api) bulkOne(ctx context.Context, action, id string, s *bulkState) *failure {
	var f *failure
	if action == bulkDelete {
		f = a.deleteUser(ctx, id)
	} else {
		d := bulkData(action)
		_, f = a.saveUser(ctx, saveRequest{ID: id, Data: UserData{OrganizationRole: d.OrganizationRole, Activated: d.Activated}}, false)
	}
	switch {
	case f == nil:
		s.Changed++
	case retryable(f) || f.Code == codeUnauthenticated:
		return f
	default:
		s.Failures = append(s.Failures, bulkFailure{ID: id, Reason: f.Code, Message: f.Message})
	}
	return nil
}

// matchingUsers reads all users matching where, a page of 100 at a time.
func (a api) matchingUsers(ctx context.Context, where UserWhere) ([]user, *failure) {
	var users []user
	for skip := 0; ; skip += 100 {
		var q struct {
			Users []user `graphql:"users(where: $where, first: $first, skip: $skip)"`
		}
		if f := a.query(ctx, &q, map[string]any{"where": where, "first": PageSize(100), "skip": graphql.Int(skip)}); f != nil {
			return nil, f
		}
		users = append(users, q.Users...)
		if len(q.Users) < 100 || ctx.Err() != nil {
			return users, nil
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
