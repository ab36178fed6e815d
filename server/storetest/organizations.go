package storetest

import (
	"context"
	"reflect"
	"testing"

	"useradmin/server"
)

func testOrganizationService_FindOrganizationByID(t *testing.T, open Open) {
	p := newPeople(t, open)
	for _, ctx := range []context.Context{p.adminCtx, p.bobCtx} {
		org, err := p.orgs.FindOrganizationByID(ctx, p.org.ID)
		if err != nil {
			t.Fatal(err)
		} else if !reflect.DeepEqual(org, p.org) {
			t.Fatalf("organization = %+v, want %+v", org, p.org)
		}
	}
	_, err := p.orgs.FindOrganizationByID(p.adminCtx, p.globex.ID)
	assertError(t, err, server.ENOTFOUND, "", "Organization not found.")
	_, err = p.orgs.FindOrganizationByID(context.Background(), p.org.ID)
	assertError(t, err, server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header.")
}

func testOrganizationService_FindOrganizations(t *testing.T, open Open) {
	p := newPeople(t, open)
	orgs, err := p.orgs.FindOrganizations(p.gusCtx, server.Page{Offset: 0, Limit: 100})
	if err != nil {
		t.Fatal(err)
	} else if !reflect.DeepEqual(orgs, []*server.Organization{p.globex}) {
		t.Fatalf("organizations = %+v, want only Globex", orgs)
	}
	if orgs, err := p.orgs.FindOrganizations(p.gusCtx, server.Page{Offset: 1, Limit: 100}); err != nil || len(orgs) != 0 {
		t.Fatalf("second page = %v, %v; want none", orgs, err)
	}
	_, err = p.orgs.FindOrganizations(p.gusCtx, server.Page{Offset: 0, Limit: 0})
	assertError(t, err, server.EINVALID, "limit", "A page holds from 1 to 100 items (0 were asked for).")
	_, err = p.orgs.FindOrganizations(p.gusCtx, server.Page{Offset: -1, Limit: 10})
	assertError(t, err, server.EINVALID, "offset", "The number of items to skip cannot be negative (it is -1).")
	_, err = p.orgs.FindOrganizations(context.Background(), server.Page{Limit: 10})
	assertError(t, err, server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header.")
}

func testOrganizationService_CountOrganizations(t *testing.T, open Open) {
	p := newPeople(t, open)
	if n, err := p.orgs.CountOrganizations(p.bobCtx); err != nil || n != 1 {
		t.Fatalf("count = %d, %v; want 1", n, err)
	}
	_, err := p.orgs.CountOrganizations(context.Background())
	assertError(t, err, server.EUNAUTHENTICATED, "", "Sign in first: send your API key in the Authorization header.")
}

func testDB_CreateOrganization(t *testing.T, open Open) {
	f := newFixture(t, open)
	err := f.assertUnchanged(t, func() error {
		_, _, _, err := f.store.CreateOrganization(context.Background(), "Other", server.UserCreate{Email: "ANN@acme.example", Password: password})
		return err
	})
	assertError(t, err, server.ECONFLICT, "email", "Email is already taken.")
	err = f.assertUnchanged(t, func() error {
		_, _, _, err := f.store.CreateOrganization(context.Background(), " ", server.UserCreate{Email: "x@other.example", Password: password})
		return err
	})
	assertError(t, err, server.EINVALID, "name", "Organization name cannot be empty.")
	if f.admin.Role != server.RoleAdmin || f.admin.OrganizationID != f.org.ID {
		t.Fatalf("first user = %+v, want the admin of %s", f.admin, f.org.ID)
	}
}
