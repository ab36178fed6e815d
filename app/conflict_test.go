package app

import (
	"reflect"
	"testing"
)

func TestConflictFields(t *testing.T) {
	name := func(id string) string { return map[string]string{"org1": "Acme", "org2": "Globex"}[id] }

	t.Run("BothSides", func(t *testing.T) {
		mine := formOf(ada)
		mine.Lastname, mine.Role = " Byron ", "USER"
		theirs := ada
		theirs.Lastname, theirs.Firstname, theirs.OrganizationID = "King", "Augusta", "org2"
		got := conflictFields(ada, mine, nil, theirs, name)
		want := []conflictField{
			{Key: "firstname", Label: "First name", Mine: "Ada", Theirs: "Augusta", TheirsChanged: true},
			{Key: "lastname", Label: "Last name", Mine: "Byron", Theirs: "King", MineChanged: true, TheirsChanged: true},
			{Key: "role", Label: "Role", Mine: "User", Theirs: "Admin", MineChanged: true},
			{Key: "organization", Label: "Organization", Mine: "Acme", Theirs: "Globex", TheirsChanged: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got  %+v\nwant %+v", got, want)
		}
		for _, f := range got {
			if f.clash() != (f.Key == "lastname") {
				t.Errorf("%s: clash %v", f.Key, f.clash())
			}
		}
		if alreadyStored(got) {
			t.Error("the stored version does not have the person's changes")
		}
	})

	t.Run("SameValueIsNoClash", func(t *testing.T) {
		mine := formOf(ada)
		mine.Lastname = "King"
		theirs := ada
		theirs.Lastname = "King"
		got := conflictFields(ada, mine, nil, theirs, name)
		if len(got) != 1 || got[0].clash() {
			t.Fatalf("got %+v", got)
		}
		if !alreadyStored(got) {
			t.Error("the stored version has every change of the person")
		}
	})

	t.Run("Activation", func(t *testing.T) {
		off := false
		theirs := ada
		theirs.Email = "ada@lovelace.example.com"
		got := conflictFields(ada, formOf(ada), &off, theirs, name)
		want := []conflictField{
			{Key: "email", Label: "Email", Mine: "ada@example.com", Theirs: "ada@lovelace.example.com", TheirsChanged: true},
			{Key: "activated", Label: "Status", Mine: "Inactive", Theirs: "Active", MineChanged: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got  %+v\nwant %+v", got, want)
		}
	})

	t.Run("NothingChanged", func(t *testing.T) {
		if got := conflictFields(ada, formOf(ada), nil, ada, name); len(got) != 0 {
			t.Fatalf("got %+v", got)
		}
	})
}
