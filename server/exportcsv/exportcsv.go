// Package exportcsv writes users as a CSV file (RFC 4180, UTF-8) with the standard
// library's encoding/csv: the server's GET /export/<token> and the widget's own export
// (against an endpoint without createExport) write the same file. It depends on nothing
// but the standard library, so that the widget can use it without the server's code.
package exportcsv

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// Column is one column an admin can choose, named as its header: the names the CSV
// import reads.
type Column string

// The columns, in the order of Columns.
const (
	Email            Column = "email"
	Firstname        Column = "firstname"
	Lastname         Column = "lastname"
	Username         Column = "username"
	OrganizationRole Column = "organizationRole"
	Activated        Column = "activated"
	Workspaces       Column = "workspaces" // the names of the user's workspaces, joined by WorkspaceSeparator
	CreatedAt        Column = "createdAt"
	LastSignedInAt   Column = "lastSignedInAt"
)

// Columns are all the columns, in the order a file with all of them has.
var Columns = []Column{Email, Firstname, Lastname, Username, OrganizationRole, Activated, Workspaces, CreatedAt, LastSignedInAt}

// WorkspaceSeparator joins the names of a user's workspaces in one cell.
const WorkspaceSeparator = ";"

// TimeLayout is how instants are written: UTC, to the microsecond, as the GraphQL
// DateTime scalar writes them.
const TimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Valid reports whether c is one of Columns.
func (c Column) Valid() bool {
	for _, known := range Columns {
		if c == known {
			return true
		}
	}
	return false
}

// Row is one user as the file holds it.
type Row struct {
	Email, Firstname, Lastname, Username string
	OrganizationRole                     string
	Activated                            bool
	Workspaces                           []string
	CreatedAt                            time.Time
	LastSignedInAt                       *time.Time // nil: never signed in (an empty cell)
}

// cell is the value of column c of r, as written before Inert.
func (r *Row) cell(c Column) string {
	switch c {
	case Email:
		return r.Email
	case Firstname:
		return r.Firstname
	case Lastname:
		return r.Lastname
	case Username:
		return r.Username
	case OrganizationRole:
		return r.OrganizationRole
	case Activated:
		return strconv.FormatBool(r.Activated)
	case Workspaces:
		return strings.Join(r.Workspaces, WorkspaceSeparator)
	case CreatedAt:
		return r.CreatedAt.UTC().Format(TimeLayout)
	case LastSignedInAt:
		if r.LastSignedInAt == nil {
			return ""
		}
		return r.LastSignedInAt.UTC().Format(TimeLayout)
	}
	return ""
}

// Inert makes a cell that a spreadsheet would read as a formula plain text, as OWASP's
// advice on CSV injection says: a cell that starts with =, +, -, @, a tab or a carriage
// return gets a single quote in front. Other cells are unchanged.
func Inert(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer writes a header and then rows of the chosen columns.
type Writer struct {
	csv     *csv.Writer
	columns []Column
	record  []string
}

// NewWriter returns a Writer of columns to w. Lines end in CRLF, as RFC 4180 says.
func NewWriter(w io.Writer, columns []Column) *Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{csv: cw, columns: columns, record: make([]string, len(columns))}
}

// WriteHeader writes the names of the columns.
func (w *Writer) WriteHeader() error {
	for i, c := range w.columns {
		w.record[i] = string(c)
	}
	return w.csv.Write(w.record)
}

// WriteRow writes one user; every cell goes through Inert.
func (w *Writer) WriteRow(r *Row) error {
	for i, c := range w.columns {
		w.record[i] = Inert(r.cell(c))
	}
	return w.csv.Write(w.record)
}

// Flush writes what is buffered to the underlying writer and returns the first error
// of any write.
func (w *Writer) Flush() error {
	w.csv.Flush()
	return w.csv.Error()
}

// Filename is the name of the file of an export made on day: users-YYYY-MM-DD.csv.
func Filename(day time.Time) string {
	return "users-" + day.UTC().Format("2006-01-02") + ".csv"
}
