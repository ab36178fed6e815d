package sqlite

import (
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// contains_fold(text, part) reports whether part occurs in text, ignoring case, for any
// script. SQLite's own LIKE and lower() fold only ASCII letters, so searching for "é"
// would miss "É". Functions are registered for the whole process, before any
// connection is opened.
func init() {
	err := sqlite.RegisterDeterministicScalarFunction("contains_fold", 2, func(ctx *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		text, _ := args[0].(string)
		part, _ := args[1].(string)
		return containsFold(text, part), nil
	})
	if err != nil {
		panic(err)
	}
}

func containsFold(text, part string) bool {
	return strings.Contains(strings.ToLower(text), strings.ToLower(part))
}
