package graphql_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"useradmin/server/graphql"
)

func TestMarshalDateTime(t *testing.T) {
	paris := time.FixedZone("CEST", 2*60*60)
	for _, tc := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"Seconds", time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC), `"2024-05-01T09:30:00.000000Z"`},
		{"Microseconds", time.Date(2024, 5, 1, 9, 30, 0, 123456000, time.UTC), `"2024-05-01T09:30:00.123456Z"`},
		{"Nanoseconds", time.Date(2024, 5, 1, 9, 30, 0, 1, time.UTC), `"2024-05-01T09:30:00.000000001Z"`},
		{"InUTC", time.Date(2024, 5, 1, 11, 30, 0, 0, paris), `"2024-05-01T09:30:00.000000Z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			graphql.MarshalDateTime(tc.in).MarshalGQL(&b)
			if b.String() != tc.want {
				t.Errorf("got %s, want %s", b.String(), tc.want)
			}
			back, err := graphql.UnmarshalDateTime(tc.want[1 : len(tc.want)-1])
			if err != nil || !back.Equal(tc.in) {
				t.Errorf("reads back as %v (%v), want %v", back, err, tc.in)
			}
		})
	}
}

// TestMarshalString checks that strings are written exactly as encoding/json writes them,
// escaped for HTML, so that an answer never holds markup as it is.
func TestMarshalString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " backslash \ slash /`, "<script>alert(1)</script>", "a & b > c",
		"tab\tnewline\nreturn\rbell\x07nul\x00", "\u2028\u2029", "😀 émoji", "bad \xff\xfe utf-8", "\u007f del"} {
		var b bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&b)
		want, _ := json.Marshal(s)
		if b.String() != string(want) {
			t.Errorf("%q: got %s, want %s", s, b.String(), want)
		}
	}
}

func TestUnmarshalInt(t *testing.T) {
	for _, tc := range []struct {
		in any
		ok bool
	}{
		{int64(2), true}, {float64(-3), true}, {json.Number("7"), true}, {int64(math.MaxInt32), true}, {int64(math.MinInt32), true},
		{int64(math.MaxInt32 + 1), false}, {int64(99999999999), false}, {1e30, false}, {1.5, false}, {"1", false}, {true, false}, {nil, false},
	} {
		if _, err := graphql.UnmarshalInt(tc.in); (err == nil) != tc.ok {
			t.Errorf("UnmarshalInt(%#v): err = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}
