package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"useradmin/server"
	"useradmin/server/audit"
)

// OrganizationService reads organizations on behalf of the caller in the context: a
// caller sees only their own organization.
type OrganizationService struct {
	db *DB
}

var _ server.OrganizationService = (*OrganizationService)(nil)

// NewOrganizationService returns an OrganizationService on db.
func NewOrganizationService(db *DB) *OrganizationService {
	return &OrganizationService{db: db}
}

// FindOrganizationByID returns the caller's organization if it has id, else NOT_FOUND.
func (s *OrganizationService) FindOrganizationByID(ctx context.Context, id string) (*server.Organization, error) {
	tx := s.db.beginReadView()
	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	if id != me.OrganizationID {
		return nil, errOrganizationNotFound()
	}
	return findOrganization(ctx, tx, id)
}

// FindOrganizations returns a page of the organizations the caller may see: their own.
func (s *OrganizationService) FindOrganizations(ctx context.Context, page server.Page) ([]*server.Organization, error) {
	tx := s.db.beginReadView()
	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := page.Validate(); err != nil {
		return nil, err
	}
	if page.Offset > 0 {
		return []*server.Organization{}, nil
	}
	org, err := findOrganization(ctx, tx, me.OrganizationID)
	if err != nil {
		return nil, err
	}
	return []*server.Organization{org}, nil
}

// CountOrganizations returns how many organizations the caller may see: 1, their own.
func (s *OrganizationService) CountOrganizations(ctx context.Context) (int, error) {
	tx := s.db.beginReadView()
	if _, err := caller(ctx, tx); err != nil {
		return 0, err
	}
	return 1, nil
}

func errOrganizationNotFound() error {
	return server.Errorf(server.ENOTFOUND, "Organization not found.")
}

// findOrganization returns the organization with id, or NOT_FOUND; it does not check
// who may see it.
func findOrganization(ctx context.Context, tx *Tx, id string) (*server.Organization, error) {
	var org server.Organization
	err := tx.QueryRowContext(ctx, `SELECT id, name FROM organizations WHERE id = $1`, id).Scan(&org.ID, &org.Name)
	if err == sql.ErrNoRows {
		return nil, errOrganizationNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find organization: %w", err)
	}
	return &org, nil
}

// CreateOrganization creates an organization with its first ADMIN and an API key for
// them, returned with its secret. It needs no caller: it is how the program itself starts
// an organization (seeding, the command line). admin.Role is set to ADMIN.
func (db *DB) CreateOrganization(ctx context.Context, name string, admin server.UserCreate) (*server.Organization, *server.User, *server.APIKey, error) {
	name = strings.TrimSpace(name)
	if err := server.ValidateName("name", "Organization name", name); err != nil {
		return nil, nil, nil, err
	}
	admin.Role = server.RoleAdmin
	admin.OrganizationID = "-" // set below; Validate does not check it
	if err := admin.Validate(); err != nil {
		return nil, nil, nil, err
	}
	hash, err := db.Hasher.Hash(ctx, admin.Password)
	if err != nil {
		return nil, nil, nil, err
	}

	tx, err := db.beginTx(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	defer tx.Rollback()

	org, err := insertOrganization(ctx, tx, name, tx.now)
	if err != nil {
		return nil, nil, nil, err
	}
	admin.OrganizationID = org.ID
	user, err := createUser(ctx, tx, admin, hash)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := createAPIKey(ctx, tx, user.ID, newKey{name: "First key"})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := recordEvents(ctx, tx, audit.UserCreated(user, nil), audit.Record{Action: server.AuditAPIKeyCreated, User: user, APIKeyID: key.ID,
		Changes: []server.AuditChange{{Field: "name", New: audit.Text(key.Name)}}}); err != nil {
		return nil, nil, nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, nil, fmt.Errorf("create organization: %w", err)
	}
	return org, user, key, nil
}

func insertOrganization(ctx context.Context, tx *Tx, name string, createdAt time.Time) (*server.Organization, error) {
	org := &server.Organization{ID: newID(), Name: name}
	if _, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)`,
		org.ID, org.Name, toMicro(createdAt)); err != nil {
		return nil, fmt.Errorf("insert organization: %w", err)
	}
	return org, nil
}
