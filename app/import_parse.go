package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Bounds on an imported file, checked before and while it is read, so that no file can
// make the page hold more than a few times its size: 10,000 people with every column
// take about 1 MB.
const (
	maxImportFileSize = 10 << 20 // bytes, checked before the file is read
	maxImportRows     = 50_000
	maxImportColumns  = 20   // a file with more is not one of users (the export has 9)
	maxImportField    = 4096 // bytes of one cell: 20 workspace names of 100 characters and their separators fit
)

// importRow is one line of the file, as the contract's ImportRow input takes it: the
// directory checks every value, with the rules of its single writes.
type ImportRow struct {
	Line             int      `json:"line"`
	Email            string   `json:"email"`
	Firstname        string   `json:"firstname,omitempty"`
	Lastname         string   `json:"lastname,omitempty"`
	Username         string   `json:"username,omitempty"`
	OrganizationRole string   `json:"organizationRole,omitempty"`
	Activated        string   `json:"activated,omitempty"`
	Workspaces       []string `json:"workspaces,omitempty"`
}

// importFile is a file read for import: its rows, and the columns of its header that
// the import does not read (createdAt and lastSignedInAt of an export, or any other).
type importFile struct {
	Rows    []ImportRow
	Ignored []string
}

// importColumns are the header names the import reads, folded (lower case, no spaces,
// dashes or underscores), with the ImportRow field each fills. They are the export's
// column names, and the plain words a person would type.
var importColumns = map[string]string{
	"email": "email", "emailaddress": "email", "e-mail": "email",
	"firstname": "firstname", "lastname": "lastname", "username": "username",
	"organizationrole": "organizationRole", "role": "organizationRole",
	"activated": "activated", "workspaces": "workspaces",
}

// foldHeader folds a header name for importColumns.
func foldHeader(name string) string {
	return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(name)))
}

// checkImportSize is the sentence for a file of size bytes that is not read, or "".
func checkImportSize(size int64) string {
	switch {
	case size <= 0:
		return "This file is empty: choose a CSV file with a header line and one line per person."
	case size > maxImportFileSize:
		return fmt.Sprintf("This file has %s: the import reads files of up to %s (about 100,000 people). Split it into smaller files.",
			formatBytes(size), formatBytes(maxImportFileSize))
	}
	return ""
}

// formatBytes writes a size in MB, or in KB under 1 MB.
func formatBytes(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}

// parseImport reads a CSV file (RFC 4180, UTF-8, a byte order mark allowed; comma,
// semicolon or tab separated, as the header line shows) into rows, or answers the
// sentence that says what is wrong with it. Only the form of the file is checked here:
// the values are the directory's to check.
func parseImport(data []byte) (importFile, string) {
	if msg := checkImportSize(int64(len(data))); msg != "" {
		return importFile{}, msg
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return importFile{}, "This file is not UTF-8 text: in your spreadsheet, save it as “CSV UTF-8”, then choose it again."
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1 // a short or long line is told apart below, with its line number
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return importFile{}, "This file has no lines: choose a CSV file with a header line and one line per person."
	} else if err != nil {
		return importFile{}, csvSentence(err)
	}
	fields, ignored, msg := readHeader(header)
	if msg != "" {
		return importFile{}, msg
	}
	out := importFile{Ignored: ignored}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return importFile{}, csvSentence(err)
		}
		line, _ := r.FieldPos(0)
		if msg := checkRecord(rec, line); msg != "" {
			return importFile{}, msg
		}
		if blank(rec) {
			continue
		}
		if len(out.Rows) == maxImportRows {
			return importFile{}, fmt.Sprintf("This file has more than %s people: the import reads up to %s at once. Split it into smaller files.",
				groupDigits(maxImportRows), groupDigits(maxImportRows))
		}
		out.Rows = append(out.Rows, makeRow(fields, rec, line))
	}
	if len(out.Rows) == 0 {
		return importFile{}, "This file has a header line but no one to import: add one line per person under it."
	}
	return out, ""
}

// separator is the header line's separator: a comma, unless the line has none and has
// semicolons (a spreadsheet's CSV in many languages) or tabs.
func separator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	switch {
	case bytes.IndexByte(first, ',') >= 0:
		return ','
	case bytes.IndexByte(first, ';') >= 0:
		return ';'
	case bytes.IndexByte(first, '\t') >= 0:
		return '\t'
	}
	return ','
}

// readHeader maps the header's columns to the fields of ImportRow ("" for a column not
// read), and lists the columns not read; a header without email, or with a column twice,
// is a sentence.
func readHeader(header []string) ([]string, []string, string) {
	if msg := checkRecord(header, 1); msg != "" {
		return nil, nil, msg
	}
	fields := make([]string, len(header))
	var ignored []string
	seen := map[string]bool{}
	for i, name := range header {
		field, ok := importColumns[foldHeader(name)]
		if !ok {
			if n := strings.TrimSpace(name); n != "" {
				ignored = append(ignored, clipRunes(n, 40))
			}
			continue
		}
		if seen[field] {
			return nil, nil, fmt.Sprintf("The header line names the column %q twice: keep one of them.", clipRunes(strings.TrimSpace(name), 40))
		}
		seen[field], fields[i] = true, field
	}
	if !seen["email"] {
		return nil, nil, "The first line must name the columns, with at least “email” (and any of firstname, lastname, username, organizationRole, activated, workspaces): this file's first line has no email column."
	}
	return fields, ignored, ""
}

// checkRecord bounds a line's columns and cells.
func checkRecord(rec []string, line int) string {
	if len(rec) > maxImportColumns {
		return fmt.Sprintf("Line %d has %s columns: a file of users has at most %d. Check that the file is the one you meant, and its separator.",
			line, groupDigits(len(rec)), maxImportColumns)
	}
	for _, cell := range rec {
		if len(cell) > maxImportField {
			return fmt.Sprintf("Line %d has a cell of %s characters: a cell holds at most %s. Check for a quote that is not closed.",
				line, groupDigits(utf8.RuneCountInString(cell)), groupDigits(maxImportField))
		}
	}
	return ""
}

// csvSentence says what a reading error of encoding/csv means, by its kind.
func csvSentence(err error) string {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return "This file could not be read as CSV: save it from your spreadsheet as “CSV UTF-8” and choose it again."
	}
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("Line %d opens a quote that is never closed: close it with \", or take it out.", pe.StartLine)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("Line %d has a \" inside a cell that is not quoted: write it as \"\" inside a quoted cell, or take it out.", pe.Line)
	}
	return fmt.Sprintf("Line %d is not valid CSV: save the file from your spreadsheet as “CSV UTF-8” and choose it again.", pe.Line)
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// makeRow fills an ImportRow from the cells of rec by the header's fields; workspaces
// are names joined by ";", as the export writes them.
func makeRow(fields, rec []string, line int) ImportRow {
	row := ImportRow{Line: line}
	for i, cell := range rec {
		if i >= len(fields) {
			break
		}
		cell = uninert(strings.TrimSpace(cell))
		switch fields[i] {
		case "email":
			row.Email = cell
		case "firstname":
			row.Firstname = cell
		case "lastname":
			row.Lastname = cell
		case "username":
			row.Username = cell
		case "organizationRole":
			row.OrganizationRole = cell
		case "activated":
			row.Activated = cell
		case "workspaces":
			for _, name := range strings.Split(cell, ";") {
				if name = strings.TrimSpace(name); name != "" {
					row.Workspaces = append(row.Workspaces, name)
				}
			}
		}
	}
	return row
}

// uninert undoes what the export does to a cell that a spreadsheet would read as a
// formula: the quote put before its first character, so that an exported file imports as
// it was.
func uninert(cell string) string {
	if len(cell) >= 2 && cell[0] == '\'' && strings.ContainsRune("=+-@", rune(cell[1])) {
		return cell[1:]
	}
	return cell
}

// clipRunes cuts s to n characters at most.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
