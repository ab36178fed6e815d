package graphql

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"useradmin/server"
)

// DateTime is the DateTime scalar: an RFC 3339 instant in UTC. As input it keeps a value it
// cannot read, so that the resolver can refuse it with the name of the field at fault.
type DateTime struct {
	time.Time
	bad any // the input that is not an RFC 3339 string; nil when Time is valid
}

// ImplementsGraphQLType maps DateTime to the schema's DateTime scalar.
func (DateTime) ImplementsGraphQLType(name string) bool { return name == "DateTime" }

// UnmarshalGraphQL reads an RFC 3339 string, with or without fraction digits.
func (d *DateTime) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		d.bad = input
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.bad = input
		return nil
	}
	d.Time = t.UTC()
	return nil
}

// MarshalJSON writes the instant in UTC with as many fraction digits as it has, so that
// it reads back as exactly the same instant.
func (d DateTime) MarshalJSON() ([]byte, error) {
	// The format writes digits, letters and punctuation only: nothing to escape.
	b := make([]byte, 0, len(`"2006-01-02T15:04:05.999999999Z"`))
	b = append(b, '"')
	b = d.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// check refuses an input that was not a valid DateTime.
func (d *DateTime) check(field string) error {
	if d.bad != nil {
		return server.FieldErrorf(field, "%s must be a date and time such as \"2024-05-01T09:30:00Z\" (it is %s).", field, describe(d.bad))
	}
	return nil
}

// PageSize is the PageSize scalar. It accepts any whole number so that the resolver can say
// which argument is out of range, rather than failing while the arguments are read.
type PageSize struct {
	n   int
	bad any // the input that is not a whole number; nil when n is set
}

// ImplementsGraphQLType maps PageSize to the schema's PageSize scalar.
func (PageSize) ImplementsGraphQLType(name string) bool { return name == "PageSize" }

// UnmarshalGraphQL reads a whole number from a literal (int32) or a JSON variable (float64).
func (p *PageSize) UnmarshalGraphQL(input any) error {
	switch v := input.(type) {
	case int32:
		p.n = int(v)
		return nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= math.MaxInt32 {
			p.n = int(v)
			return nil
		}
	}
	p.bad = input
	return nil
}

// value returns the page size, refusing anything but a whole number.
func (p *PageSize) value(field string) (int, error) {
	if p.bad != nil {
		return 0, server.FieldErrorf(field, "%s must be a whole number from 1 to %d (it is %s).", field, server.MaxPageSize, describe(p.bad))
	}
	return p.n, nil
}

// describe writes an input value the way the person sent it, cut short when long: a
// message quotes it to say what was wrong, not to send a megabyte back.
func describe(v any) string {
	s := fmt.Sprint(v)
	if b, err := json.Marshal(v); err == nil {
		s = string(b)
	}
	const max = 80
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}
