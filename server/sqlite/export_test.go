package sqlite

// Pragma returns the value of a pragma as the DB's own connections see it.
func (db *DB) Pragma(name string) (string, error) {
	var v string
	err := db.db.QueryRow("PRAGMA " + name).Scan(&v)
	return v, err
}

// Exec runs a statement on the DB's own connections, for tests that set up what the
// services cannot, such as a database made before a migration.
func (db *DB) Exec(query string, args ...any) error {
	_, err := db.db.Exec(query, args...)
	return err
}
