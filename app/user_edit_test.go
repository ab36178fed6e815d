package app

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

var ada = user{ID: "u1", Email: "ada@example.com", Firstname: "Ada", Lastname: "Lovelace", Activated: true,
	OrganizationID: "org1", OrganizationRole: "ADMIN", CreatedAt: "2024-05-01T10:00:00Z", UpdatedAt: "2024-05-02T10:00:00Z"}

// editPage mounts the edit page at path, with its user loaded when loaded is set.
func editPage(t *testing.T, caps capabilities, path string, loaded *user) (*userEdit, func(key string, v any)) {
	c, d := editPageDispatcher(t, caps, path, loaded)
	return c, func(key string, v any) { set(d, key, v) }
}

func editPageDispatcher(t *testing.T, caps capabilities, path string, loaded *user) (*userEdit, app.ClientDispatcher) {
	t.Helper()
	c := newUserEdit(New())
	d := mount(t, c, caps)
	d.Nav(&url.URL{Path: path})
	d.Consume()
	if loaded != nil {
		set(d, stateUser, userState{Status: statusReady, ID: loaded.ID, User: *loaded})
	}
	return c, d
}

func TestUserForm_Changes(t *testing.T) {
	t.Run("OnlyChangedFields", func(t *testing.T) {
		f := formOf(ada)
		f.Lastname = " King "
		f.Role = "USER"
		d, changed := f.changes(ada)
		if !changed || d.Lastname == nil || *d.Lastname != "King" || d.OrganizationRole == nil || *d.OrganizationRole != "USER" {
			t.Fatalf("got %+v", d)
		}
		if d.Firstname != nil || d.Email != nil || d.OrganizationID != nil || d.Activated != nil {
			t.Fatalf("unchanged fields sent: %+v", d)
		}
	})

	t.Run("NothingChanged", func(t *testing.T) {
		if _, changed := formOf(ada).changes(ada); changed {
			t.Fatal("an untouched form reports changes")
		}
	})
}

func TestUserForm_Merge(t *testing.T) {
	f := formOf(ada)
	f.Firstname = "Augusta" // typed, not saved
	next := ada
	next.Lastname, next.Firstname = "King", "Ada Augusta"
	got := f.merge(ada, next)
	if got.Firstname != "Augusta" {
		t.Errorf("typed first name lost: got %q", got.Firstname)
	}
	if got.Lastname != "King" {
		t.Errorf("untouched last name not refreshed: got %q", got.Lastname)
	}
}

func TestUserForm_Validate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		if errs := formOf(ada).validate(false); len(errs) != 0 {
			t.Fatalf("got %v", errs)
		}
	})

	t.Run("ErrNew", func(t *testing.T) {
		f := userForm{Email: "ada", Password: "short", Password2: "short"}
		errs := f.validate(true)
		want := fieldErrors{
			"email":    "Enter an address of the form name@example.com.",
			"role":     "Choose a role.",
			"password": "Password must be at least 8 characters.",
		}
		if len(errs) != len(want) {
			t.Fatalf("got %v, want %v", errs, want)
		}
		for k, v := range want {
			if errs[k] != v {
				t.Errorf("%s: got %q, want %q", k, errs[k], v)
			}
		}
	})

	t.Run("ErrLongName", func(t *testing.T) {
		f := formOf(ada)
		f.Lastname = string(make([]byte, 101))
		if got, want := f.validate(false)["lastname"], "Last name must be at most 100 characters."; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

func TestUserEdit(t *testing.T) {
	t.Run("Loaded", func(t *testing.T) {
		c, _ := editPage(t, allCaps, "/users/u1", &ada)
		if c.id != "u1" || c.typed.Lastname != "Lovelace" {
			t.Fatalf("got id %q form %+v", c.id, c.typed)
		}
		assertHas(t, rendered(c), `value="Lovelace"`, `for="email"`, "Deactivate", "Create reset link", "Delete…")
	})

	t.Run("CoreOnlyHidesDeleteAndPicker", func(t *testing.T) {
		c, set := editPage(t, capabilities{}, "/users/u1", &ada)
		set(stateOrganizations, []organization{{ID: "org1", Name: "Acme"}})
		h := rendered(c)
		assertHas(t, h, "Organization ID", `value="org1"`, "Send password reset", "Deactivate")
		assertHasNot(t, h, "Delete…", "Create reset link", "Acme")
	})

	t.Run("OrganizationPicker", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		set(stateOrganizations, []organization{{ID: "org1", Name: "Acme"}, {ID: "org2", Name: "Globex"}})
		assertHas(t, rendered(c), "Acme", "Globex")
	})

	t.Run("FieldErrorKeepsTypedValues", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		c.typed.Email = "ada@taken.example.com"
		c.typed.Firstname = "Augusta"
		set(stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1,
			Err: &failure{Code: codeBadInput, Field: "email", Message: "Email is already taken."}})
		h := rendered(c)
		if got := fieldMessage(h, "email"); got != "Email is already taken." {
			t.Errorf("email message: got %q", got)
		}
		assertHas(t, h, `aria-describedby="email-error"`)
		if c.typed.Email != "ada@taken.example.com" || c.typed.Firstname != "Augusta" {
			t.Errorf("typed values lost: %+v", c.typed)
		}
		if c.shown != formOf(ada) {
			t.Errorf("the inputs were rewritten: %+v", c.shown)
		}
	})

	t.Run("ErrorWithoutFieldAboveForm", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		set(stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1,
			Err: &failure{Code: codeConflict, Message: "An organization needs at least one active admin."}})
		assertHas(t, rendered(c), `role="alert"`, "An organization needs at least one active admin.")
	})

	t.Run("Conflict", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "Byron"
		c.typed.Role = "USER"
		current := ada
		current.Lastname, current.Firstname, current.UpdatedAt = "King", "Augusta", "2024-05-03T10:00:00Z"
		set(stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1, Err: &failure{Code: codeConflict, Current: &current}})
		h := rendered(c)
		assertHas(t, h, "Someone else changed this user", "Yours (not saved)", "Theirs (stored now)",
			`class="conflict-lastname clash"`, "Both changed", "Byron", "King", "Augusta",
			`class="conflict-role"`, "Apply my changes again", "Discard mine", `value="Lovelace"`)
		assertHasNot(t, h, "conflict-email")
		if c.typed.Lastname != "Byron" || c.typed.Role != "USER" {
			t.Errorf("typed values lost: %+v", c.typed)
		}
		if !strings.Contains(submitButton(h), " disabled") {
			t.Error("Save stays enabled while the person must choose")
		}
	})

	t.Run("ConflictApplyMine", func(t *testing.T) {
		c, d := editPageDispatcher(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "Byron"
		current := ada
		current.Lastname, current.Firstname, current.UpdatedAt = "King", "Augusta", "2024-05-03T10:00:00Z"
		set(d, stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1, Err: &failure{Code: codeConflict, Current: &current}})
		c.applyMine(d.Context(), app.Event{})
		if c.conflict != nil || !c.busy {
			t.Fatalf("conflict %v, busy %v", c.conflict, c.busy)
		}
		if c.original != current {
			t.Errorf("the save is not based on the stored version: %+v", c.original)
		}
		if d := c.sent; d.Lastname == nil || *d.Lastname != "Byron" || d.Firstname != nil || d.Email != nil || d.OrganizationRole != nil {
			t.Errorf("sent %+v, want the last name only", d)
		}
		if c.typed.Firstname != "Augusta" || c.shown.Firstname != "Augusta" {
			t.Errorf("their first name is not in the form: %+v", c.typed)
		}
	})

	t.Run("ConflictDiscardMine", func(t *testing.T) {
		c, d := editPageDispatcher(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "Byron"
		current := ada
		current.Lastname, current.UpdatedAt = "King", "2024-05-03T10:00:00Z"
		set(d, stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1, Err: &failure{Code: codeConflict, Current: &current}})
		c.discardMine(d.Context(), app.Event{})
		c.Update()
		d.Consume()
		if c.conflict != nil || c.busy || c.original != current || c.typed != formOf(current) || c.shown != formOf(current) {
			t.Fatalf("conflict %v busy %v original %+v form %+v", c.conflict, c.busy, c.original, c.typed)
		}
		assertHas(t, rendered(c), "Your changes are discarded", `value="King"`)
	})

	t.Run("ConflictAlreadyStored", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "King"
		current := ada
		current.Lastname, current.Email, current.UpdatedAt = "King", "ada@king.example.com", "2024-05-03T10:00:00Z"
		set(stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1, Err: &failure{Code: codeConflict, Current: &current}})
		h := rendered(c)
		assertHas(t, h, "Saved: the directory already had your change.")
		assertHasNot(t, h, "Someone else changed this user")
		if c.original != current || c.typed.Email != "ada@king.example.com" {
			t.Errorf("not based on the stored version: original %+v form %+v", c.original, c.typed)
		}
	})

	t.Run("NoAnswerToSave", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "Byron"
		set(stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1,
			Err: writeFailure(&failure{Code: codeTimeout}, unsureSave)})
		assertHas(t, rendered(c), "The directory did not answer in time; your change may not have been saved: check the user before saving again.",
			`id="check-user"`)
		if c.typed.Lastname != "Byron" || c.busy {
			t.Errorf("form %+v busy %v", c.typed, c.busy)
		}
	})

	t.Run("CheckFindsChangeSaved", func(t *testing.T) {
		c, d := editPageDispatcher(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "Byron"
		set(d, stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1, Err: writeFailure(&failure{Code: codeTimeout}, unsureSave)})
		c.check(d.Context(), app.Event{})
		stored := ada
		stored.Lastname, stored.UpdatedAt = "Byron", "2024-05-03T10:00:00Z"
		set(d, stateUser, userState{Status: statusReady, ID: "u1", User: stored})
		h := rendered(c)
		assertHas(t, h, "The directory has your change: it is saved.")
		assertHasNot(t, h, "did not answer in time", `id="check-user"`)
		if c.original != stored {
			t.Errorf("original %+v", c.original)
		}
	})

	t.Run("CheckFindsChangeMissing", func(t *testing.T) {
		c, d := editPageDispatcher(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "Byron"
		set(d, stateSave, result{Status: statusFailed, Seq: c.baseSeq + 1, Err: writeFailure(&failure{Code: codeUnreachable}, unsureSave)})
		c.check(d.Context(), app.Event{})
		set(d, stateUser, userState{Status: statusReady, ID: "u1", User: ada})
		assertHas(t, rendered(c), "The directory does not have your change: it is not saved.")
		if c.typed.Lastname != "Byron" {
			t.Errorf("typed last name lost: %q", c.typed.Lastname)
		}
	})

	t.Run("LoadFailureKeepsForm", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		c.typed.Firstname = "Augusta"
		set(stateUser, userState{Status: statusFailed, ID: "u1", Err: &failure{Code: codeUnreachable}})
		h := rendered(c)
		assertHas(t, h, "The directory is not answering; retrying", `id="retry-now"`, `id="firstname"`, "Save")
		if c.typed.Firstname != "Augusta" || c.original != ada {
			t.Errorf("form %+v original %+v", c.typed, c.original)
		}
	})

	t.Run("FirstLoadRetried", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", nil)
		set(stateUser, userState{Status: statusFailed, ID: "u1", Err: &failure{Code: codeUnavailable, Status: "503 Service Unavailable"}})
		assertHas(t, rendered(c), "The directory answered with an error (503 Service Unavailable); retrying", "Retry now")
		set(stateUser, userState{Status: statusReady, ID: "u1", User: ada})
		h := rendered(c)
		assertHas(t, h, `value="Lovelace"`)
		assertHasNot(t, h, "retrying")
	})

	t.Run("SaveWaitsForAnswer", func(t *testing.T) {
		c, d := editPageDispatcher(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "Byron"
		c.onSubmit(d.Context(), app.Event{Value: app.Null()})
		c.Update()
		d.Consume()
		if !c.busy {
			t.Fatal("the form is not busy once the save is sent")
		}
		h := rendered(c)
		if b := submitButton(h); !strings.Contains(b, " disabled") || !strings.Contains(b, " aria-busy") || !strings.HasSuffix(b, ">Saving…") {
			t.Error("Save is enabled while a save is pending")
		}
	})

	t.Run("OldResultIgnored", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		set(stateSave, result{Status: statusFailed, Seq: c.baseSeq, Err: &failure{Message: "stale"}})
		assertHasNot(t, rendered(c), "stale")
	})

	t.Run("Saved", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/u1", &ada)
		c.typed.Lastname = "King"
		saved := ada
		saved.Lastname, saved.UpdatedAt = "King", "2024-05-03T10:00:00Z"
		set(stateUser, userState{Status: statusReady, ID: "u1", User: saved})
		set(stateSave, result{Status: statusReady, Seq: c.baseSeq + 1, Notice: "Saved."})
		if c.original.UpdatedAt != saved.UpdatedAt {
			t.Fatalf("the next save would carry the old updatedAt %q", c.original.UpdatedAt)
		}
		assertHas(t, rendered(c), "Saved.", `value="King"`)
	})

	t.Run("New", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/new", nil)
		set(stateUser, userState{Status: statusReady})
		h := rendered(c)
		assertHas(t, h, "New user", "Create user", `id="password"`, `id="password2"`)
		assertHasNot(t, h, "Deactivate", "Organization")
	})

	t.Run("NotFound", func(t *testing.T) {
		c, set := editPage(t, allCaps, "/users/nope", nil)
		set(stateUser, userState{Status: statusFailed, ID: "nope", Err: &failure{Code: codeNotFound, Message: "This user does not exist."}})
		assertHas(t, rendered(c), "This user does not exist.", "Retry")
	})

	t.Run("ConfirmDeleteNamesUser", func(t *testing.T) {
		c, d := editPageDispatcher(t, allCaps, "/users/u1", &ada)
		c.askDelete(d.Context(), app.Event{})
		c.Update()
		d.Consume()
		assertHas(t, rendered(c), "Delete Ada Lovelace (ada@example.com)? This cannot be undone.")
	})
}

// submitButton is the form's submit button as rendered: its tag and text.
func submitButton(html string) string {
	return regexp.MustCompile(`<button [^>]*type="submit"[^>]*>[^<]*`).FindString(html)
}
