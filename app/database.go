package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"

	"mediagraph/ent"
	"mediagraph/ent/migrate/migrations"
)

// dbConn is an open database: its dialect, the pool and its migrations.
type dbConn struct {
	dialect string // dialect.SQLite or dialect.Postgres
	db      *sql.DB
}

// openDB opens the database named by DATABASE_URL: sqlite:<path> or
// postgres://… (pgx).
func openDB(ctx context.Context, cfg *Config) (*dbConn, error) {
	var c dbConn
	switch {
	case strings.HasPrefix(cfg.DatabaseURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(cfg.DatabaseURL, "sqlite:"), "//")
		if path == "" {
			return nil, errors.New("setting DATABASE_URL: sqlite: needs a file path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("setting DATABASE_URL: creating %s: %w", filepath.Dir(path), err)
		}
		// Foreign keys on (cascades), WAL with synchronous=FULL (a commit
		// is durable), immediate transactions (a writer takes the lock at
		// BEGIN and waits for it, instead of failing with SQLITE_BUSY on
		// its first write), and a busy timeout.
		dsn := "file:" + path + "?_fk=1&_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate"
		db, err := sql.Open("sqlite3", dsn)
		if err != nil {
			return nil, fmt.Errorf("opening database: %w", err)
		}
		c = dbConn{dialect: dialect.SQLite, db: db}
	case strings.HasPrefix(cfg.DatabaseURL, "postgres://"), strings.HasPrefix(cfg.DatabaseURL, "postgresql://"):
		db, err := sql.Open("pgx", cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("setting DATABASE_URL: %w", err)
		}
		c = dbConn{dialect: dialect.Postgres, db: db}
	default:
		return nil, fmt.Errorf("setting DATABASE_URL: %q is not supported: use sqlite:<file path> or postgres://…", RedactURL(cfg.DatabaseURL))
	}
	c.db.SetMaxOpenConns(cfg.DBMaxOpenConns)
	c.db.SetMaxIdleConns(cfg.DBMaxIdleConns)
	c.db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.db.PingContext(pingCtx); err != nil {
		c.db.Close()
		return nil, fmt.Errorf("setting DATABASE_URL: connecting to %s: %w", RedactURL(cfg.DatabaseURL), err)
	}
	return &c, nil
}

// client returns the ent client over the pool, its driver optionally
// wrapped.
func (c *dbConn) client(wrap func(dialect.Driver) dialect.Driver) *ent.Client {
	var drv dialect.Driver = entsql.OpenDB(c.dialect, c.db)
	if wrap != nil {
		drv = wrap(drv)
	}
	return ent.NewClient(ent.Driver(drv))
}

// goose version table.
const migrationsTable = "goose_db_version"

func (c *dbConn) migrations(log *slog.Logger) (*goose.Provider, error) {
	var (
		gooseDialect goose.Dialect
		dir          string
		opts         = []goose.ProviderOption{goose.WithSlog(log)}
	)
	switch c.dialect {
	case dialect.SQLite:
		gooseDialect, dir = goose.DialectSQLite3, "sqlite"
	case dialect.Postgres:
		gooseDialect, dir = goose.DialectPostgres, "postgres"
		// Replicas starting together take turns.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	fsys, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gooseDialect, c.db, fsys, opts...)
}

// migrate applies the pending migrations. A database made before
// versioned migrations (by ent's auto-migration: tables but no version
// table) is first marked as being at the initial version, its baseline.
func (c *dbConn) migrate(ctx context.Context, log *slog.Logger) error {
	p, err := c.migrations(log)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := c.baseline(ctx, p); err != nil {
		return fmt.Errorf("migrations: baseline: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range results {
		log.Info("database: migrated", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration.String())
	}
	return nil
}

// checkMigrated refuses a database that is not at the binary's version
// (for --migrate=false).
func (c *dbConn) checkMigrated(ctx context.Context, log *slog.Logger) error {
	p, err := c.migrations(log)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if current != target {
		return fmt.Errorf("setting MIGRATE: the database schema is at version %d, this binary needs %d: run `mediagraph migrate` (or start with --migrate=true)", current, target)
	}
	return nil
}

func (c *dbConn) baseline(ctx context.Context, p *goose.Provider) error {
	hasVersions, err := c.tableExists(ctx, migrationsTable)
	if err != nil || hasVersions {
		return err
	}
	hasProducts, err := c.tableExists(ctx, "products")
	if err != nil || !hasProducts {
		return err
	}
	sources := p.ListSources()
	if len(sources) == 0 {
		return nil
	}
	gooseDialect := database.DialectSQLite3
	if c.dialect == dialect.Postgres {
		gooseDialect = database.DialectPostgres
	}
	store, err := database.NewStore(gooseDialect, migrationsTable)
	if err != nil {
		return err
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for _, v := range []int64{0, sources[0].Version} {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (c *dbConn) tableExists(ctx context.Context, name string) (bool, error) {
	var q string
	switch c.dialect {
	case dialect.SQLite:
		q = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
	default:
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	var n int
	if err := c.db.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}
