package store_test

import (
	"context"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/store"
	"chuangdai/migrations"
)

// The store's own test suite: each repository has its tests in a file of
// its name (counters_test.go, idempotency_test.go, …) and every test gets a
// fresh database from apptest: a temporary SQLite file, or a PostgreSQL
// database when CHUANGDAI_TEST_DATABASE_URL is set (CI runs both). Tests of
// a migration's data upgrade open a database migrated up to the migration
// before it (beforeMigration), insert rows as the older release wrote them
// and run the migration.

// newDB returns the store of a fresh, migrated database with its data keys.
func newDB(t *testing.T) *store.DB {
	t.Helper()
	return apptest.New(t).DB
}

// beforeMigration opens a test database migrated up to the migration
// before the one named name, and returns the database, a function that
// runs the rest of the migrations up to that one, and one that executes SQL.
func beforeMigration(t *testing.T, name string) (*store.DB, func(), func(string)) {
	t.Helper()
	db, p, v := unmigrated(t, name)
	ctx := context.Background()
	if _, err := p.UpTo(ctx, v-1); err != nil {
		t.Fatal(err)
	}
	up := func() {
		t.Helper()
		if _, err := p.UpTo(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	return db, up, execOn(t, db)
}

// execOn answers a function that executes SQL on db and fails the test
// (or benchmark) when it fails.
func execOn(t testing.TB, db *store.DB) func(string) {
	return func(q string) {
		t.Helper()
		if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// fixtureApp opens a test app with baseFixture's rows, and answers it and
// a function that executes SQL on its database.
func fixtureApp(t testing.TB) (*app.App, func(string)) {
	a := apptest.New(t)
	exec := execOn(t, a.DB)
	baseFixture(exec)
	return a, exec
}

// unmigrated opens an empty test database and answers it, the migrations
// of its engine and the version of the migration named name.
func unmigrated(t *testing.T, name string) (*store.DB, *goose.Provider, int64) {
	t.Helper()
	dbc, err := config.ParseDatabaseURL(apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dbc, store.Pool{MaxOpen: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dialect, dir := goose.DialectSQLite3, "sqlite"
	if dbc.Engine == config.Postgres {
		dialect, dir = goose.DialectPostgres, "postgres"
	}
	sub, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(dialect, db.SQL(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return db, p, migrationVersion(t, dir, name)
}

// fixtureAt is the time of every row a migration test inserts.
const fixtureAt = "'2024-03-01 10:00:00'"

// placesFixture inserts the district and bank the fixtures use.
func placesFixture(exec func(string)) {
	const at = fixtureAt
	exec("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411282', '灵宝市', " + at + ", " + at + ")")
	exec("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ICBC-SMX', '工行', " + at + ", " + at + ")")
}

// baseFixture inserts the district, bank and account the fixtures use.
func baseFixture(exec func(string)) {
	const at = fixtureAt
	placesFixture(exec)
	exec("INSERT INTO users (id, username, password_hash, password_changed_at, created_at, updated_at) VALUES (1, 'anna', 'x', " + at + ", " + at + ", " + at + ")")
}

// migrationVersion is the number of the migration of dir named *_name.sql.
func migrationVersion(t *testing.T, dir, name string) int64 {
	t.Helper()
	names, err := fs.Glob(migrations.FS, dir+"/*_"+name+".sql")
	if err != nil || len(names) != 1 {
		t.Fatalf("the %s migration in %s: %v %v", name, dir, names, err)
	}
	v, err := strconv.ParseInt(strings.SplitN(strings.TrimPrefix(names[0], dir+"/"), "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// district inserts a district, which role bindings, applications and loans
// refer to.
func district(t *testing.T, db *store.DB, code, name string) {
	t.Helper()
	q := "INSERT INTO districts (code, name, created_at, updated_at) VALUES ('" + code + "', '" + name + "', " + fixtureAt + ", " + fixtureAt + ")"
	if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
