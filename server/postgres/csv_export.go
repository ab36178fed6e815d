package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"useradmin/server"
	"useradmin/server/audit"
	"useradmin/server/exportcsv"
)

// ExportService makes CSV exports of the users of the caller's organization: a row per
// export in the exports table (migrations 009 and 022), a single-use link that ends
// with the credential that made it, and a download that reads the users a page at a
// time.
type ExportService struct {
	db *DB
}

var _ server.ExportService = (*ExportService)(nil)

// NewExportService returns an ExportService on db.
func NewExportService(db *DB) *ExportService {
	return &ExportService{db: db}
}

// Bounds of exports: how many an organization may make an hour (each one reads the
// whole organization), and how long the rows of old ones are kept.
const (
	exportKept = 24 * time.Hour
)

// CreateExport checks the request, counts the users it matches and stores a new export
// with the hash of its link's token, for an ADMIN; EXPORT_CREATED is recorded with it.
func (s *ExportService) CreateExport(ctx context.Context, create server.ExportCreate) (*server.Export, error) {
	if err := create.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	if me.Role != server.RoleAdmin {
		return nil, server.Errorf(server.EFORBIDDEN, "Only an admin can export users: ask an admin of your organization.")
	}
	filter, ok := scope(create.Filter, me)
	if !ok {
		return nil, server.FieldErrorf("organization", "You can export only the users of your own organization.")
	}
	if err := checkWorkspaceFilter(ctx, tx, me, filter); err != nil {
		return nil, err
	}
	if err := checkExportRate(ctx, tx, me.OrganizationID); err != nil {
		return nil, err
	}
	total, err := countUsers(ctx, tx, filter)
	if err != nil {
		return nil, err
	}
	filterJSON, _ := json.Marshal(filter)
	orderJSON, _ := json.Marshal(create.Order)
	columnsJSON, _ := json.Marshal(create.Columns)
	e := &server.Export{ID: newID(), OrganizationID: me.OrganizationID, Token: newSecret(), CreatedAt: tx.now,
		ExpiresAt: tx.now.Add(server.ExportLifetime), Total: total}
	if _, err := tx.ExecContext(ctx, `DELETE FROM exports WHERE created_at < $1`, toMicro(tx.now.Add(-exportKept))); err != nil {
		return nil, fmt.Errorf("delete old exports: %w", err)
	}
	keyID, embedTokenID := exportCredential(server.AuthFromContext(ctx))
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO exports (id, token_hash, organization_id, user_id, key_id, embed_token_id, filter, sort, columns, created_at, expires_at, total)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.ID, hashSecret(e.Token), e.OrganizationID, me.ID, keyID, embedTokenID, string(filterJSON), string(orderJSON), string(columnsJSON),
		toMicro(e.CreatedAt), toMicro(e.ExpiresAt), total); err != nil {
		return nil, fmt.Errorf("insert export: %w", err)
	}
	if err := recordEvent(ctx, tx, audit.Record{Action: server.AuditExportCreated, OrgID: me.OrganizationID,
		Changes: audit.ExportChanges(create, total)}); err != nil {
		return nil, err
	}
	return e, tx.Commit()
}

// checkExportRate refuses an export past server.MaxExportsPerHour of the organization.
func checkExportRate(ctx context.Context, tx *Tx, orgID string) error {
	var n int
	var oldest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM exports WHERE organization_id = $1 AND created_at > $2`,
		orgID, toMicro(tx.now.Add(-time.Hour))).Scan(&n, &oldest); err != nil {
		return fmt.Errorf("count exports: %w", err)
	}
	if n < server.MaxExportsPerHour {
		return nil
	}
	return server.ErrTooManyExports(fromMicro(oldest.Int64), tx.now)
}

// FindExport returns the export id of the caller's organization and how far its download
// went, for an ADMIN.
func (s *ExportService) FindExport(ctx context.Context, id string) (*server.Export, error) {
	if err := server.ValidateExportID(id); err != nil {
		return nil, err
	}
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	me, err := caller(ctx, tx)
	if err != nil {
		return nil, err
	}
	if me.Role != server.RoleAdmin {
		return nil, server.Errorf(server.EFORBIDDEN, "Only an admin can follow an export: ask an admin of your organization.")
	}
	var e server.Export
	var created, expires int64
	err = tx.QueryRowContext(ctx, `SELECT id, organization_id, created_at, expires_at, total, written, done
		FROM exports WHERE id = $1 AND organization_id = $2`, id, me.OrganizationID).
		Scan(&e.ID, &e.OrganizationID, &created, &expires, &e.Total, &e.Written, &e.Done)
	if err == sql.ErrNoRows {
		return nil, server.ErrExportNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find export: %w", err)
	}
	e.CreatedAt, e.ExpiresAt = fromMicro(created), fromMicro(expires)
	return &e, nil
}

// exportCredential is what an export made by auth's caller ends with: the API key (or
// session) they used, or their embed token. A caller without either (code of the server
// itself) stores neither, and the link of such an export never works.
func exportCredential(auth *server.Auth) (keyID, embedTokenID sql.NullString) {
	if auth.Embed != nil {
		return keyID, sql.NullString{String: auth.KeyID, Valid: true}
	}
	return sql.NullString{String: auth.KeyID, Valid: auth.KeyID != ""}, embedTokenID
}

// exportCredentialWorks holds for an export e, at a time ($1), while its maker may still
// export with the credential it was made with: they are an active ADMIN of its
// organization and were not deactivated or demoted since (ended_at, migration 022), and
// the key or session (as caller checks it), or the embed token (as embedtoken.Checker
// does, with the key that minted it), still works.
const exportCredentialWorks = `e.ended_at IS NULL
	AND EXISTS (SELECT 1 FROM users u WHERE u.id = e.user_id AND u.organization_id = e.organization_id
		AND u.role = 'ADMIN' AND u.activated)
	AND (EXISTS (SELECT 1 FROM api_keys k WHERE k.id = e.key_id AND k.user_id = e.user_id
			AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $1) AND ` + keyIssuerActive + `)
		OR EXISTS (SELECT 1 FROM embed_tokens t JOIN api_keys k ON k.id = t.key_id JOIN users m ON m.id = k.user_id
			WHERE t.id = e.embed_token_id AND t.user_id = e.user_id AND t.role = 'ADMIN'
				AND t.revoked_at IS NULL AND t.expires_at > $1
				AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $1)
				AND m.activated AND m.role = 'ADMIN' AND m.organization_id = e.organization_id AND ` + keyIssuerActive + `))`

// RedeemExport uses the link token once: in one write statement, so that of a burst of
// requests with the same token, on any instances, exactly one gets the file. The
// statement also checks the export's credential (exportCredentialWorks): a link ends with
// the key, session or embed token that made it, and with its admin's role. Every refusal
// is the same NOT_FOUND and changes nothing: a link refused for its credential stays
// refused, for that credential never works again.
func (s *ExportService) RedeemExport(ctx context.Context, token string) (*server.ExportRun, error) {
	if token == "" || len(token) > server.MaxKeyLength {
		return nil, server.ErrExportLinkNotValid
	}
	tx, err := s.db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var run server.ExportRun
	var filterJSON, orderJSON, columnsJSON string
	var created, expires int64
	err = tx.QueryRowContext(ctx, `
		UPDATE exports AS e SET used_at = $1 WHERE e.token_hash = $2 AND e.used_at IS NULL AND e.expires_at > $1
			AND `+exportCredentialWorks+`
		RETURNING id, organization_id, filter, sort, columns, created_at, expires_at, total`,
		toMicro(tx.now), hashSecret(token)).
		Scan(&run.Export.ID, &run.Export.OrganizationID, &filterJSON, &orderJSON, &columnsJSON, &created, &expires, &run.Export.Total)
	if err == sql.ErrNoRows {
		return nil, server.ErrExportLinkNotValid
	} else if err != nil {
		return nil, fmt.Errorf("redeem export: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	run.Export.CreatedAt, run.Export.ExpiresAt = fromMicro(created), fromMicro(expires)
	if err := json.Unmarshal([]byte(filterJSON), &run.Filter); err != nil {
		return nil, fmt.Errorf("read export filter: %w", err)
	}
	if err := json.Unmarshal([]byte(orderJSON), &run.Order); err != nil {
		return nil, fmt.Errorf("read export sort: %w", err)
	}
	if err := json.Unmarshal([]byte(columnsJSON), &run.Columns); err != nil {
		return nil, fmt.Errorf("read export columns: %w", err)
	}
	// The scope is the export's organization, whatever the stored filter says.
	run.Filter.OrganizationID = &run.Export.OrganizationID
	return &run, nil
}

// checkExportCredential answers server.ErrExportLinkNotValid once the credential of the
// export id ended: a download in progress stops at the next page.
func checkExportCredential(ctx context.Context, tx *Tx, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM exports AS e WHERE e.id = $2 AND `+exportCredentialWorks,
		toMicro(tx.now), id).Scan(&n); err != nil {
		return fmt.Errorf("check export credential: %w", err)
	} else if n == 0 {
		return server.ErrExportLinkNotValid
	}
	return nil
}

// exportPageSize is how many users one page of a download reads: about a hundredth of
// the export, from 1,000 to 10,000 users (a few MB), so that a million users take a
// hundred pages and the progress moves every page.
func exportPageSize(total int) int {
	return min(max(total/100, 1000), 10000)
}

// WriteExport calls row for each user of run in its sort, a page per read transaction,
// each page starting after the last row of the one before (keyset paging: a page costs
// its own rows, and the server never holds more than one page). After each page it calls
// flush and stores how many rows were written; the last page sets done.
func (s *ExportService) WriteExport(ctx context.Context, run *server.ExportRun, row func(*exportcsv.Row) error, flush func() error) error {
	filter := run.Filter
	filter.OrganizationID = &run.Export.OrganizationID
	withWorkspaces := slices.Contains(run.Columns, exportcsv.Workspaces)
	pager := newExportPager(filter, run.Order, exportPageSize(run.Export.Total))
	written := 0
	for {
		users, workspaces, last, err := s.exportPage(ctx, run.Export.ID, pager, withWorkspaces)
		if err != nil {
			return err
		}
		for i, u := range users {
			r := exportcsv.Row{Email: u.Email, Firstname: u.Firstname, Lastname: u.Lastname, Username: u.Username,
				OrganizationRole: string(u.Role), Activated: u.Activated, CreatedAt: u.CreatedAt, LastSignedInAt: u.LastSignedInAt,
				Workspaces: workspaces[i]}
			if err := row(&r); err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		written += len(users)
		if err := s.storeProgress(ctx, run.Export.ID, written, last); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}

// exportPage reads the next page of pager, in a read transaction of its own, with each
// user's workspace names when asked.
func (s *ExportService) exportPage(ctx context.Context, id string, p *exportPager, withWorkspaces bool) ([]*server.User, [][]string, bool, error) {
	tx, err := s.db.beginReadTx(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	defer tx.Rollback()
	if err := checkExportCredential(ctx, tx, id); err != nil {
		return nil, nil, false, err
	}
	users, last, err := p.next(ctx, tx)
	if err != nil {
		return nil, nil, false, err
	}
	workspaces := make([][]string, len(users))
	if withWorkspaces && len(users) > 0 {
		if err := readWorkspaceNames(ctx, tx, users, workspaces); err != nil {
			return nil, nil, false, err
		}
	}
	return users, workspaces, last, nil
}

// readWorkspaceNames fills names[i] with the names of the workspaces of users[i], by
// name, in one query for the page.
func readWorkspaceNames(ctx context.Context, tx *Tx, users []*server.User, names [][]string) error {
	index := make(map[string]int, len(users))
	ids := make([]string, len(users))
	for i, u := range users {
		index[u.ID], ids[i] = i, u.ID
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT m.user_id, w.name FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
		WHERE m.user_id = ANY($1) ORDER BY m.user_id, w.name_key`, ids)
	if err != nil {
		return fmt.Errorf("read workspaces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("read workspaces: %w", err)
		}
		i := index[id]
		names[i] = append(names[i], name)
	}
	return rows.Err()
}

// storeProgress stores how many rows the download of export id wrote, and whether it is
// done, for export(id) to read from any instance.
func (s *ExportService) storeProgress(ctx context.Context, id string, written int, done bool) error {
	tx, err := s.db.beginUnlockedTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE exports SET written = $1, done = $2 WHERE id = $3`, written, done, id); err != nil {
		return fmt.Errorf("store export progress: %w", err)
	}
	return tx.Commit()
}
