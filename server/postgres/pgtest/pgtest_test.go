package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// A test database answers, and pg_trgm, which the store needs, can be created in it.
func TestNewDatabase(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE EXTENSION pg_trgm`); err != nil {
		t.Fatal(err)
	}
	var lower string
	if err := conn.QueryRow(ctx, `SELECT lower('ÉTÉ')`).Scan(&lower); err != nil || lower != "été" {
		t.Fatalf("lower = %q, %v", lower, err)
	}
}
