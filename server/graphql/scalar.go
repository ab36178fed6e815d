package graphql

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	gql "github.com/99designs/gqlgen/graphql"

	"useradmin/server"
)

// The functions of this file read and write the schema's scalars and enums (gqlgen.yml
// names them). Reading refuses a value that does not fit with an *inputError, which the
// error presenter turns into a sentence naming the argument or input field at fault;
// validation has already refused values of the wrong kind, so these checks are about
// range and form.

// inputError says that an input value is not what its type takes: want describes the type
// for a person ("a whole number from 1 to 100"), got is the value as it was sent.
type inputError struct {
	want string
	got  any
}

// Error implements the error interface.
func (e *inputError) Error() string { return "must be " + e.want + " (it is " + describe(e.got) + ")" }

// MarshalString writes a String as encoding/json would: escaped for HTML (<, >, & and the
// line separators U+2028 and U+2029), invalid UTF-8 replaced by U+FFFD.
func MarshalString(s string) gql.Marshaler {
	return gql.WriterFunc(func(w io.Writer) { writeString(w, s) })
}

// UnmarshalString reads a String; validation let through strings only.
func UnmarshalString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", &inputError{want: "text", got: v}
}

// MarshalID writes an ID, which is a string.
func MarshalID(s string) gql.Marshaler { return MarshalString(s) }

// UnmarshalID reads an ID from a string or, as the spec allows, a whole number.
func UnmarshalID(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return string(v), nil
		}
	}
	return "", &inputError{want: `an id written as a string, such as "4f2a"`, got: v}
}

// MarshalBoolean writes a Boolean.
func MarshalBoolean(b bool) gql.Marshaler {
	if b {
		return gql.WriterFunc(func(w io.Writer) { io.WriteString(w, "true") })
	}
	return gql.WriterFunc(func(w io.Writer) { io.WriteString(w, "false") })
}

// UnmarshalBoolean reads a Boolean.
func UnmarshalBoolean(v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, &inputError{want: "true or false", got: v}
}

// MarshalInt writes an Int.
func MarshalInt(n int) gql.Marshaler {
	return gql.WriterFunc(func(w io.Writer) {
		var b [20]byte
		w.Write(strconv.AppendInt(b[:0], int64(n), 10))
	})
}

// UnmarshalInt reads an Int: a whole number that fits in 32 bits, as the spec says. A
// literal arrives as int64, a JSON variable as float64, a default as int64.
func UnmarshalInt(v any) (int, error) {
	if n, ok := wholeNumber(v); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
		return int(n), nil
	}
	return 0, &inputError{want: "a whole number", got: v}
}

// MarshalPageSize writes a PageSize.
func MarshalPageSize(n int) gql.Marshaler { return MarshalInt(n) }

// UnmarshalPageSize reads a PageSize: a whole number from 1 to server.MaxPageSize.
func UnmarshalPageSize(v any) (int, error) {
	if n, ok := wholeNumber(v); ok && n >= 1 && n <= server.MaxPageSize {
		return int(n), nil
	}
	return 0, &inputError{want: fmt.Sprintf("a whole number from 1 to %d", server.MaxPageSize), got: v}
}

// wholeNumber returns v as an int64 when it is a whole number.
func wholeNumber(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	}
	return 0, false
}

// MarshalDateTime writes an instant in UTC with six fraction digits, or nine when it has
// nanoseconds, so that it reads back as exactly the same instant. The digits are always
// there: Kili's SDK reads expiryDate with Python's %S.%fZ, which needs them.
func MarshalDateTime(t time.Time) gql.Marshaler {
	return gql.WriterFunc(func(w io.Writer) {
		var b [40]byte
		buf := append(b[:0], '"')
		buf = appendDateTime(buf, t)
		w.Write(append(buf, '"'))
	})
}

// appendDateTime appends t as MarshalDateTime writes it, without quotes.
func appendDateTime(b []byte, t time.Time) []byte {
	layout := "2006-01-02T15:04:05.000000Z07:00"
	if t.Nanosecond()%1000 != 0 {
		layout = "2006-01-02T15:04:05.000000000Z07:00"
	}
	return t.UTC().AppendFormat(b, layout)
}

// UnmarshalDateTime reads an RFC 3339 string, with or without fraction digits.
func UnmarshalDateTime(v any) (time.Time, error) {
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &inputError{want: `a date and time such as "2024-05-01T09:30:00Z"`, got: v}
}

// MarshalRole writes an OrganizationRole.
func MarshalRole(r server.Role) gql.Marshaler { return MarshalString(string(r)) }

// UnmarshalRole reads an OrganizationRole, spelled exactly as the schema spells it.
func UnmarshalRole(v any) (server.Role, error) {
	if s, ok := v.(string); ok && server.Role(s).Valid() {
		return server.Role(s), nil
	}
	return "", &inputError{want: "one of ADMIN, USER", got: v}
}

// MarshalSortField writes a UserSortField.
func MarshalSortField(f server.SortField) gql.Marshaler { return MarshalString(string(f)) }

// UnmarshalSortField reads a UserSortField.
func UnmarshalSortField(v any) (server.SortField, error) {
	if s, ok := v.(string); ok && server.SortField(s).Valid() {
		return server.SortField(s), nil
	}
	return "", &inputError{want: "one of " + joinNames(server.SortFields), got: v}
}

// MarshalSortDirection writes a SortDirection.
func MarshalSortDirection(desc bool) gql.Marshaler {
	if desc {
		return MarshalString("DESC")
	}
	return MarshalString("ASC")
}

// UnmarshalSortDirection reads a SortDirection as whether it is descending.
func UnmarshalSortDirection(v any) (bool, error) {
	switch v {
	case "ASC":
		return false, nil
	case "DESC":
		return true, nil
	}
	return false, &inputError{want: "one of ASC, DESC", got: v}
}

func joinNames[T ~string](names []T) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += string(n)
	}
	return s
}

// writeString writes s as a JSON string the way encoding/json does, in pieces, straight
// to w: a page of users writes hundreds of strings.
func writeString(w io.Writer, s string) {
	const hex = "0123456789abcdef"
	io.WriteString(w, `"`)
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		var esc string
		switch {
		case r == '"' || r == '\\':
			esc = `\` + string(r)
		case r == '\n':
			esc = `\n`
		case r == '\r':
			esc = `\r`
		case r == '\t':
			esc = `\t`
		case r < utf8.RuneSelf:
			esc = `\u00` + string(hex[c>>4]) + string(hex[c&0xf])
		case r == utf8.RuneError && size == 1:
			esc = `\ufffd`
		case r == '\u2028' || r == '\u2029':
			esc = `\u202` + string(hex[r&0xf])
		default:
			i += size
			continue
		}
		io.WriteString(w, s[start:i])
		io.WriteString(w, esc)
		i += size
		start = i
	}
	io.WriteString(w, s[start:])
	io.WriteString(w, `"`)
}

// describe writes an input value the way the person sent it, cut short when long: a
// message quotes it to say what was wrong, not to send a megabyte back.
func describe(v any) string {
	s := fmt.Sprint(v)
	if b, err := json.Marshal(v); err == nil {
		s = string(b)
	}
	return clip(s)
}

// clip cuts s short after 80 characters.
func clip(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

// MarshalChangeKind writes a kind of change, spelled as the domain spells it.
func MarshalChangeKind(k server.ChangeKind) gql.Marshaler { return MarshalString(string(k)) }

// UnmarshalChangeKind reads a kind of change; no input takes one, but gqlgen wants both.
func UnmarshalChangeKind(v any) (server.ChangeKind, error) {
	s, err := UnmarshalString(v)
	return server.ChangeKind(s), err
}
