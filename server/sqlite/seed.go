package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"useradmin/server"
)

// SeedOptions tunes Seed.
type SeedOptions struct {
	// AdminKey is the demo admin's API key; empty: a random one.
	AdminKey string
}

// SeedResult tells what Seed made. The password and key are shown once, to the person
// starting the directory; they are stored only as hashes.
type SeedResult struct {
	Seeded         bool // false when the database already had an organization
	OrganizationID string
	AdminEmail     string
	AdminPassword  string
	AdminKey       string
	Users          int // users made in all organizations, the admin included
}

// The demo organizations: the one the admin manages, and a small other one that shows
// that an admin sees only their own.
const (
	demoOrganization  = "Northwind Labs"
	demoDomain        = "northwind.example"
	otherOrganization = "Globex Research"
	otherDomain       = "globex.example"
	demoUsers         = 50
	otherUsers        = 5
)

// Seed fills an empty database with a demo organization: an admin with a random
// password and an API key, about 50 users, and a second small organization. It does
// nothing when the database has an organization already, so it is safe on every start.
func (db *DB) Seed(ctx context.Context, opts SeedOptions) (*SeedResult, error) {
	tx, err := db.beginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations`).Scan(&n); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	} else if n > 0 {
		return &SeedResult{}, nil
	}

	res := &SeedResult{Seeded: true, AdminEmail: "admin@" + demoDomain, AdminPassword: newPassword(), AdminKey: opts.AdminKey}
	if res.AdminKey == "" {
		res.AdminKey = newSecret()
	}
	// A fixed seed: every new demo directory shows the same people.
	rng := rand.New(rand.NewPCG(2024, 7))

	org, err := insertOrganization(ctx, tx, demoOrganization, tx.now.AddDate(-2, 0, 0))
	if err != nil {
		return nil, err
	}
	res.OrganizationID = org.ID
	admin := &server.User{
		ID: newID(), Email: res.AdminEmail, Firstname: "Ada", Lastname: "Okafor", Activated: true,
		OrganizationID: org.ID, Role: server.RoleAdmin, CreatedAt: tx.now.AddDate(-2, 0, 0), UpdatedAt: tx.now,
	}
	hash, err := db.Hasher.Hash(ctx, res.AdminPassword)
	if err != nil {
		return nil, err
	}
	if err := insertUser(ctx, tx, admin, hash); err != nil {
		return nil, err
	}
	key := &server.APIKey{ID: newID(), Name: "Demo admin key", Key: res.AdminKey, UserID: admin.ID, CreatedAt: tx.now}
	if err := insertAPIKey(ctx, tx, key, keyOrigin{}); err != nil {
		return nil, err
	}
	if err := seedUsers(ctx, tx, rng, org.ID, demoDomain, demoUsers-1, 0); err != nil {
		return nil, err
	}

	other, err := insertOrganization(ctx, tx, otherOrganization, tx.now.AddDate(-1, 0, 0))
	if err != nil {
		return nil, err
	}
	if err := seedUsers(ctx, tx, rng, other.ID, otherDomain, otherUsers, demoUsers); err != nil {
		return nil, err
	}
	res.Users = demoUsers + otherUsers
	return res, tx.Commit()
}

// seedUsers adds n people without passwords to an organization: the first and every
// twelfth an ADMIN, every tenth deactivated, created over the past two years. first picks
// where in the name lists to start, so that organizations get different people.
func seedUsers(ctx context.Context, tx *Tx, rng *rand.Rand, orgID, domain string, n, first int) error {
	for i := range n {
		k := first + i
		firstname := firstnames[k%len(firstnames)]
		lastname := lastnames[(k*7+3)%len(lastnames)]
		u := randomUser(rng, tx.now, orgID, firstname, lastname, emailLocal(firstname, lastname)+"@"+domain)
		u.Role = server.RoleUser
		if i%12 == 0 {
			u.Role = server.RoleAdmin
		}
		u.Activated = i%10 != 9
		if err := insertUser(ctx, tx, u, ""); err != nil {
			return err
		}
	}
	return nil
}

// randomUser returns a user created at a random time of the two years before now and
// last changed at a random time since.
func randomUser(rng *rand.Rand, now time.Time, orgID, firstname, lastname, email string) *server.User {
	span := now.Sub(now.AddDate(-2, 0, 0))
	createdAt := now.Add(-time.Duration(rng.Int64N(int64(span)))).Truncate(time.Microsecond)
	updatedAt := createdAt.Add(time.Duration(rng.Int64N(int64(now.Sub(createdAt)) + 1))).Truncate(time.Microsecond)
	return &server.User{
		ID: newID(), Email: email, Firstname: firstname, Lastname: lastname, Activated: true,
		OrganizationID: orgID, Role: server.RoleUser, CreatedAt: createdAt, UpdatedAt: updatedAt,
	}
}

// GenerateUsers adds n made-up users to an organization, quickly, for benchmarks: one
// transaction, one prepared statement, no passwords. About 2% are ADMINs, 10% are
// deactivated and 20% never signed in.
func (db *DB) GenerateUsers(ctx context.Context, orgID string, n int) error {
	// A connection of its own with a page cache of 1 GiB: the indexes take inserts in
	// random order, and a million rows of them do not fit in the usual cache.
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	defer conn.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA cache_size = -%d`, cacheSizeKiB))
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	tx := &Tx{Tx: sqlTx, db: db, now: db.now()}
	defer tx.Rollback()

	org, err := findOrganization(ctx, tx, orgID)
	if err != nil {
		return err
	}
	domain := emailLocal(org.Name, "") + ".example"
	// The search index, the counters (user_counts, user_grams) and the indexes of users
	// are made once at the end rather than row by row: FTS5 writes its pending changes to
	// disk at the end of every statement, SQLite builds an index from sorted rows much
	// faster than it inserts into it in random order, and the triggers of user_grams
	// would write about 75 rows per user.
	restore, err := dropSchema(ctx, tx, `
		SELECT sql, 'DROP ' || type || ' ' || name FROM sqlite_schema
		WHERE tbl_name = 'users' AND sql IS NOT NULL
		AND (type = 'index' OR name IN ('users_search_insert', 'user_counts_insert', 'user_grams_insert', 'user_sign_in_days_insert'))`)
	if err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO users (num, id, email, firstname, lastname, activated, organization_id, role, created_at, updated_at, username,
			last_signed_in_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	defer stmt.Close()

	// A number after the name makes each email unique: the row number the user will get,
	// which no other row has (numbers only grow within this transaction).
	var base int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(num), 0) FROM users`).Scan(&base); err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for i := range n {
		if i%10000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		firstname := firstnames[rng.IntN(len(firstnames))]
		lastname := lastnames[rng.IntN(len(lastnames))]
		email := fmt.Sprintf("%s.%d@%s", emailLocal(firstname, lastname), base+int64(i)+1, domain)
		u := randomUser(rng, tx.now, orgID, firstname, lastname, email)
		if rng.IntN(50) == 0 {
			u.Role = server.RoleAdmin
		}
		u.Activated = rng.IntN(10) != 0
		if _, err := stmt.ExecContext(ctx, base+int64(i)+1, u.ID, u.Email, u.Firstname, u.Lastname, u.Activated, u.OrganizationID,
			string(u.Role), toMicro(u.CreatedAt), toMicro(u.UpdatedAt), server.UsernameFromEmail(u.Email),
			nullMicro(randomSignIn(rng, u.CreatedAt, tx.now))); err != nil {
			return fmt.Errorf("generate users: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO users_search (rowid, email, firstname, lastname, username)
		SELECT num, email, firstname, lastname, username FROM users WHERE num > ?`, base); err != nil {
		return fmt.Errorf("index generated users: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO user_counts (organization_id, role, activated, n)
		SELECT organization_id, role, activated, COUNT(*) FROM users WHERE num > ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
		ON CONFLICT (organization_id, role, activated) DO UPDATE SET n = n + excluded.n`, base); err != nil {
		return fmt.Errorf("count generated users: %w", err)
	}
	if err := fillUserGrams(ctx, tx, base); err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	if err := fillSignInDays(ctx, tx, base); err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	if err := restore(); err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	// Copy the large log into the database now rather than in the next write's commit.
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// randomSignIn returns a last sign-in between createdAt and now, or nil (never) for one
// user in five.
func randomSignIn(rng *rand.Rand, createdAt, now time.Time) *time.Time {
	if rng.IntN(5) == 0 {
		return nil
	}
	t := createdAt.Add(time.Duration(rng.Int64N(int64(now.Sub(createdAt)) + 1))).Truncate(time.Microsecond)
	return &t
}

// dropSchema drops the indexes and triggers that query lists, as rows of their
// definition and the statement that drops them, within tx. It returns a function that
// makes them again as they were.
func dropSchema(ctx context.Context, tx *Tx, query string) (restore func() error, err error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	var defs, drops []string
	for rows.Next() {
		var def, drop string
		if err := rows.Scan(&def, &drop); err != nil {
			rows.Close()
			return nil, err
		}
		defs, drops = append(defs, def), append(drops, drop)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, drop := range drops {
		if _, err := tx.ExecContext(ctx, drop); err != nil {
			return nil, err
		}
	}
	return func() error {
		for _, def := range defs {
			if _, err := tx.ExecContext(ctx, def); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// newPassword returns a random password that is easy to copy: 20 letters and digits.
func newPassword() string {
	return newID()
}

// emailLocal returns "first.last" in lower-case ASCII letters and digits, for an email.
func emailLocal(firstname, lastname string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(firstname + "." + lastname) {
		if s, ok := ascii[r]; ok {
			b.WriteString(s)
		} else if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' {
			b.WriteRune(r)
		}
	}
	return strings.Trim(b.String(), ".")
}

// ascii spells the letters of the name lists that are not ASCII.
var ascii = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'æ': "ae", 'ç': "c", 'č': "c", 'ć': "c",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ě': "e", 'ğ': "g", 'í': "i", 'ì': "i", 'î': "i", 'ï': "i",
	'ı': "i", 'ł': "l", 'ñ': "n", 'ń': "n", 'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o",
	'ř': "r", 'ş': "s", 'š': "s", 'ś': "s", 'ß': "ss", 'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ý': "y",
	'ž': "z", 'ż': "z", 'ð': "d", 'þ': "th",
}

// firstnames and lastnames are the people of the demo: from many countries, with
// the accents and apostrophes their names really have.
var firstnames = []string{
	"Amara", "Björn", "Chloé", "Dmitri", "Émile", "Fatima", "Giulia", "Hiroshi", "Ingrid", "Jamal",
	"Kateřina", "Liam", "Mei", "Nikolai", "Olga", "Pablo", "Priya", "Quentin", "Rania", "Søren",
	"Tomás", "Ursula", "Valentina", "Wei", "Ximena", "Yusuf", "Zoë", "Aoife", "Bruno", "Chidi",
	"Dana", "Elif", "Farah", "Gabriel", "Hana", "Ivan", "Jin", "Kwame", "Lucía", "Mateo",
	"Noor", "Oskar", "Paulina", "Rafael", "Sakura", "Thabo", "Anja", "Maëlle", "José", "Małgorzata",
	"Siobhán", "Arjun", "Leila", "Matthias", "Ngozi", "Camille", "Diego", "Astrid", "Kenji", "Zainab",
}

var lastnames = []string{
	"Okafor", "Lindqvist", "Dubois", "Ivanova", "Moreau", "Haddad", "Rossi", "Tanaka", "Johansson", "Carter",
	"Novák", "Murphy", "Chen", "Petrov", "Kowalski", "García", "Sharma", "Lefèvre", "Mansour", "Jensen",
	"Fernández", "Müller", "Bianchi", "Wang", "Rodríguez", "Yılmaz", "Andersen", "O'Brien", "Nakamura", "Mensah",
	"Nguyen", "Silva", "Kim", "Schmidt", "Ahmed", "Costa", "Popescu", "Horvat", "Dlamini", "Ólafsson",
	"Łukasiewicz", "Çelik", "Park", "Singh", "Byrne", "van der Berg", "Abebe", "Kaur", "Santos", "Hoffmann",
	"Eriksson", "Kuznetsov", "Adeyemi", "Papadopoulos", "Suzuki", "Da Silva", "Nieminen", "Kovačević", "Reyes", "Dvořák",
}
