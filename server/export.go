package server

import (
	"context"
	"strconv"
	"time"

	"useradmin/server/exportcsv"
)

// AuditExportCreated records that an admin started a CSV export (changes: the filter,
// the sort and the columns).
const AuditExportCreated AuditAction = "EXPORT_CREATED"

// ExportLifetime is how long the link of a new export works before it is used; once
// used it works no more.
const ExportLifetime = 5 * time.Minute

// MaxExportsPerHour is how many exports an organization may make an hour: each one
// reads the whole organization.
const MaxExportsPerHour = 30

// ErrTooManyExports refuses an export past MaxExportsPerHour, the oldest of the hour's
// made at oldest.
func ErrTooManyExports(oldest, now time.Time) error {
	return RateLimitedf(oldest.Add(time.Hour).Sub(now), "Your organization made "+strconv.Itoa(MaxExportsPerHour)+
		" exports in the last hour: wait %[1]s, or use a file you exported already.")
}

// ErrExportLinkNotValid answers a download whose link does not work, whatever the reason:
// unknown, used, expired, or made with a key or session that ended since (revoked,
// expired, signed out, ended by a change or reset of the password) or by an admin who may
// no longer export (deactivated, demoted). All alike, so that the link tells its holder
// nothing about the admin who made it.
var ErrExportLinkNotValid = Errorf(ENOTFOUND, "This export link no longer works (used already, expired, or its admin signed out or may no longer export): start the export again from the user list.")

// ErrExportNotFound answers an export that is not there, or not the caller's to see.
func ErrExportNotFound() error {
	return Errorf(ENOTFOUND, "This export was not found: start a new export from the user list.")
}

// MaxExportColumns bounds the columns of one export: each column at most once.
var MaxExportColumns = len(exportcsv.Columns)

// ExportCreate is what an admin exports: the users of a filter, in a sort, the chosen
// columns in the chosen order.
type ExportCreate struct {
	Filter  UserFilter
	Order   []UserOrder
	Columns []exportcsv.Column
}

// Validate checks the filter, the sort and the columns: at least one, known, each once.
func (c *ExportCreate) Validate() error {
	if err := c.Filter.Validate(); err != nil {
		return err
	}
	if err := ValidateOrder(c.Order); err != nil {
		return err
	}
	if len(c.Columns) == 0 {
		return FieldErrorf("columns", "Choose at least one column to export.")
	}
	if len(c.Columns) > MaxExportColumns {
		return FieldErrorf("columns", "An export has at most %d columns, each once (%d were asked for).", MaxExportColumns, len(c.Columns))
	}
	seen := map[exportcsv.Column]bool{}
	for _, col := range c.Columns {
		if !col.Valid() {
			return FieldErrorf("columns", "There is no column %q to export.", string(col))
		}
		if seen[col] {
			return FieldErrorf("columns", "The column %s is chosen twice: choose each column once.", string(col))
		}
		seen[col] = true
	}
	return nil
}

// Export is one CSV export and how far its download went.
type Export struct {
	ID             string
	OrganizationID string
	// Token is the secret of the single-use link; only CreateExport returns it (the
	// store keeps its hash).
	Token     string
	CreatedAt time.Time
	ExpiresAt time.Time // the link works until then, once
	Total     int       // how many users matched when the export was made
	Written   int       // how many rows the download has written so far
	Done      bool      // the download wrote its last row
}

// ExportRun is a redeemed export link: what to write, for the HTTP handler to stream.
type ExportRun struct {
	Export  Export
	Filter  UserFilter // scoped to the export's organization
	Order   []UserOrder
	Columns []exportcsv.Column
}

// ValidateExportID checks the length of an export's id.
func ValidateExportID(id string) error {
	return validateID("id", &id)
}

// ExportService makes CSV exports of the users of the caller's organization.
type ExportService interface {
	// CreateExport checks the request, counts the users it matches and returns a new
	// export with its single-use token, for an ADMIN; it records EXPORT_CREATED.
	CreateExport(ctx context.Context, create ExportCreate) (*Export, error)
	// FindExport returns the export id of the caller's organization, for an ADMIN;
	// another organization's is NOT_FOUND.
	FindExport(ctx context.Context, id string) (*Export, error)
	// RedeemExport uses the link token, once: an unknown, used or expired token, or one
	// whose credential ended (the key or embed token the export was made with stopped
	// working, or its admin is no longer an active ADMIN of the organization), is
	// ErrExportLinkNotValid, all alike, and a refusal changes nothing stored.
	RedeemExport(ctx context.Context, token string) (*ExportRun, error)
	// WriteExport calls row for each user of a redeemed export, in its sort, a page at a
	// time (never all of them in memory), and keeps Written and Done up to date. Each
	// page checks the export's credential again: once it ended, the download stops with
	// ErrExportLinkNotValid before the next page, so that a revoked key or a deactivated
	// admin stops a long download within a page.
	WriteExport(ctx context.Context, run *ExportRun, row func(*exportcsv.Row) error, flush func() error) error
}
