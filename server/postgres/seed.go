package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

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

	// Instances that start on an empty database at once seed it once: the others wait
	// for this lock, then find the organizations.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(seedLock)); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
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
// transaction, one COPY, no passwords. About 2% are ADMINs, 10% are deactivated and 20%
// never signed in. The
// triggers of users that work row by row (the counts, the lock on each address) are off
// meanwhile, and the organization's counts are made again at the end in one statement.
func (db *DB) GenerateUsers(ctx context.Context, orgID string, n int) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		return generateUsers(ctx, driverConn.(*stdlib.Conn).Conn(), db.now(), orgID, n)
	})
	if err != nil {
		return fmt.Errorf("generate users: %w", err)
	}
	// Vacuumed, as autovacuum would do soon: the visibility map lets pages skip rows by
	// their index alone.
	if _, err := db.db.ExecContext(ctx, `VACUUM ANALYZE users`); err != nil {
		return fmt.Errorf("vacuum users: %w", err)
	}
	return nil
}

func generateUsers(ctx context.Context, conn *pgx.Conn, now time.Time, orgID string, n int) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)

	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM organizations WHERE id = $1`, orgID).Scan(&name); err != nil {
		return fmt.Errorf("find organization %s: %w", orgID, err)
	}
	domain := emailLocal(name, "") + ".example"
	if _, err := tx.Exec(ctx, `ALTER TABLE users DISABLE TRIGGER user_counts_insert, DISABLE TRIGGER users_address_lock,
		DISABLE TRIGGER user_sign_in_days_insert, DISABLE TRIGGER user_grams_insert`); err != nil {
		return err
	}
	var base int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&base); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	i := 0
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		firstname := firstnames[rng.IntN(len(firstnames))]
		lastname := lastnames[rng.IntN(len(lastnames))]
		u := randomUser(rng, now, orgID, firstname, lastname, "")
		// The number makes each email unique within this run, the id's start across runs.
		u.Email = fmt.Sprintf("%s.%d.%s@%s", emailLocal(firstname, lastname), base+int64(i), u.ID[:6], domain)
		if rng.IntN(50) == 0 {
			u.Role = server.RoleAdmin
		}
		u.Activated = rng.IntN(10) != 0
		// The email is unique, and so is its local part: the username made from it is.
		u.Username = server.UsernameFromEmail(u.Email)
		u.LastSignedInAt = randomSignIn(rng, u.CreatedAt, now)
		return []any{u.ID, u.Email, u.Firstname, u.Lastname, u.Activated, u.OrganizationID,
			string(u.Role), toMicro(u.CreatedAt), toMicro(u.UpdatedAt), searchText(u), u.Username, nullMicro(u.LastSignedInAt)}, nil
	})
	columns := []string{"id", "email", "firstname", "lastname", "activated", "organization_id", "role", "created_at", "updated_at", "search",
		"username", "last_signed_in_at"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, columns, rows); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `ALTER TABLE users ENABLE TRIGGER user_counts_insert, ENABLE TRIGGER users_address_lock,
		ENABLE TRIGGER user_sign_in_days_insert, ENABLE TRIGGER user_grams_insert`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO user_counts (organization_id, role, activated, n)
		SELECT organization_id, role, activated, COUNT(*) FROM users WHERE organization_id = $1 GROUP BY 1, 2, 3
		ON CONFLICT (organization_id, role, activated) DO UPDATE SET n = excluded.n`, orgID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO user_sign_in_days (organization_id, day, role, activated, n)
		SELECT organization_id, COALESCE(last_signed_in_at / 86400000000, -1), role, activated, COUNT(*)
		FROM users WHERE organization_id = $1 GROUP BY 1, 2, 3, 4
		ON CONFLICT (organization_id, day, role, activated) DO UPDATE SET n = excluded.n`, orgID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO user_grams (organization_id, gram, role, activated, n)
		SELECT u.organization_id, g.gram, u.role, u.activated, COUNT(*)
		FROM users u CROSS JOIN LATERAL search_grams(u.search) g WHERE u.organization_id = $1 GROUP BY 1, 2, 3, 4
		ON CONFLICT (organization_id, gram, role, activated) DO UPDATE SET n = excluded.n`, orgID); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// randomSignIn returns when a made-up user last signed in: never for one in five, else
// some time between their creation and now, as the SQLite store makes them.
func randomSignIn(rng *rand.Rand, createdAt, now time.Time) *time.Time {
	if rng.IntN(5) == 0 {
		return nil
	}
	t := createdAt.Add(time.Duration(rng.Int64N(int64(now.Sub(createdAt)) + 1))).Truncate(time.Microsecond)
	return &t
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
