package graphql_test

import (
	"encoding/json"
	"testing"
	"time"

	"useradmin/server/graphql"
)

func TestDateTime_MarshalJSON(t *testing.T) {
	paris := time.FixedZone("CEST", 2*60*60)
	for _, tc := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"Seconds", time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC), `"2024-05-01T09:30:00Z"`},
		{"Microseconds", time.Date(2024, 5, 1, 9, 30, 0, 123456000, time.UTC), `"2024-05-01T09:30:00.123456Z"`},
		{"Nanoseconds", time.Date(2024, 5, 1, 9, 30, 0, 1, time.UTC), `"2024-05-01T09:30:00.000000001Z"`},
		{"InUTC", time.Date(2024, 5, 1, 11, 30, 0, 0, paris), `"2024-05-01T09:30:00Z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(graphql.DateTime{Time: tc.in})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			var back graphql.DateTime
			if err := back.UnmarshalGraphQL(tc.want[1 : len(tc.want)-1]); err != nil || !back.Equal(tc.in) {
				t.Errorf("reads back as %v (%v), want %v", back.Time, err, tc.in)
			}
		})
	}
}
