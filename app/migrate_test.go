package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrationsMatchSchema: the committed migrations bring an empty
// database to exactly the ent schema (ent finds nothing left to change),
// so a schema change without its migration fails here.
func TestMigrationsMatchSchema(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, map[string]string{"DATABASE_URL": testDatabaseURL(t, dir)})
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := openDB(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.db.Close()
	if err := conn.migrate(ctx, log); err != nil {
		t.Fatal(err)
	}
	var plan bytes.Buffer
	if err := conn.client(nil).Schema.WriteTo(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, line := range strings.Split(plan.String(), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "BEGIN;" && line != "COMMIT;" {
			changes = append(changes, line)
		}
	}
	if len(changes) > 0 {
		t.Fatalf("the migrations lag behind ent/schema; run `go run -mod=mod ./ent/migrate/main.go <name>`. Missing:\n%s", strings.Join(changes, "\n"))
	}
}

// TestBaselineKeepsData: a database made by ent's auto-migration (before
// versioned migrations) is baselined, not re-created, and its rows stay.
func TestBaselineKeepsData(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DATABASE_URL": testDatabaseURL(t, dir), "STORAGE_URL": filepath.Join(dir, "media")}
	cfg := testConfig(t, env)
	ctx := context.Background()
	conn, err := openDB(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	old := conn.client(nil)
	if err := old.Schema.Create(ctx); err != nil {
		t.Fatal(err)
	}
	// Auto-migration predates every migration after the baseline: the
	// columns they add were not there.
	for _, table := range []string{"documents", "product_images"} {
		for _, col := range []string{"image_variant_type", "image_placeholder"} {
			conn.db.ExecContext(ctx, "ALTER TABLE "+table+" DROP COLUMN "+col)
		}
	}
	for _, col := range []string{"file_variant_type", "file_placeholder"} {
		if _, err := conn.db.ExecContext(ctx, "ALTER TABLE documents DROP COLUMN "+col); err != nil {
			t.Fatal(err)
		}
	}
	p := old.Product.Create().SetName("Old chair").SetPrice(1234).SaveX(ctx)
	old.Close()

	srv, err := BuildServer(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("upgrading an auto-migrated database: %v", err)
	}
	defer srv.Close()
	got, err := srv.Client.Product.Get(ctx, p.ID)
	if err != nil || got.Name != "Old chair" || got.Price != 1234 {
		t.Fatalf("after upgrade: %+v, %v", got, err)
	}
	// New rows keep getting ids in the product range.
	n := srv.Client.Product.Create().SetName("New").SetPrice(1).SaveX(ctx)
	if n.ID <= p.ID {
		t.Errorf("new id %d not after %d", n.ID, p.ID)
	}
	conn2, _ := openDB(ctx, cfg)
	defer conn2.db.Close()
	if err := conn2.checkMigrated(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Errorf("after baseline and upgrade the schema is not current: %v", err)
	}
}

// TestMigrateFalse: with MIGRATE=false a server refuses a database that is
// not migrated; `mediagraph migrate` then lets it start.
func TestMigrateFalse(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DATABASE_URL": testDatabaseURL(t, dir), "STORAGE_URL": filepath.Join(dir, "media"), "MIGRATE": "false"}
	cfg := testConfig(t, env)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := BuildServer(ctx, cfg, log); err == nil || !strings.Contains(err.Error(), "MIGRATE") {
		t.Fatalf("BuildServer on an empty database with MIGRATE=false: %v", err)
	}
	if err := MigrateDatabase(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	srv, err := BuildServer(ctx, cfg, log)
	if err != nil {
		t.Fatalf("after migrate: %v", err)
	}
	srv.Close()
}
