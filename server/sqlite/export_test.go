package sqlite

// Pragma returns the value of a pragma as the DB's own connections see it.
func (db *DB) Pragma(name string) (string, error) {
	var v string
	err := db.db.QueryRow("PRAGMA " + name).Scan(&v)
	return v, err
}
