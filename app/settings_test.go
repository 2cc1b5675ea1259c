package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := LoadConfig(nil, env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "sqlite:data/mediagraph.db" || c.StorageURL != "data/media" || c.MediaURL != "/media/" ||
		c.MaxRequestBytes != 64<<20 || c.MaxFiles != 10 || c.MaxImageBytes != 10<<20 || c.MaxDocumentBytes != 20<<20 ||
		c.MaxDocumentImageBytes != 500<<10 || c.MinImageWidth != 300 || c.MaxImagePixels != 40_000_000 || !c.CSRFPrevention ||
		c.SweepInterval != 10*time.Minute || c.SweepGrace != time.Hour || c.ShutdownTimeout != 30*time.Second || !c.Migrate || len(c.APITokens) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if c, _ := LoadConfig(nil, env("PORT", "9000")); c.Addr != ":9000" {
		t.Errorf("PORT: %q", c.Addr)
	}
	if c, _ := LoadConfig(nil, env("PORT", "9000", "ADDR", "127.0.0.1:7000")); c.Addr != "127.0.0.1:7000" {
		t.Errorf("ADDR over PORT: %q", c.Addr)
	}
	if c, _ := LoadConfig([]string{"--max-files=3"}, env("MAX_FILES", "5")); c.MaxFiles != 3 {
		t.Errorf("flag over env: %d", c.MaxFiles)
	}
	if c, _ := LoadConfig(nil, env("API_TOKENS", " a, b ,,c")); strings.Join(c.APITokens, "|") != "a|b|c" {
		t.Errorf("tokens: %q", c.APITokens)
	}
	for in, want := range map[string]int64{"500KiB": 512000, "64MiB": 64 << 20, "1048576": 1 << 20, "10MB": 10_000_000, "2 GiB": 2 << 30} {
		c, err := LoadConfig(nil, env("MAX_REQUEST_BYTES", "4GiB", "MAX_DOCUMENT_IMAGE_BYTES", in))
		if err != nil || c.MaxDocumentImageBytes != want {
			t.Errorf("size %q: %d, %v", in, c.MaxDocumentImageBytes, err)
		}
	}
	for _, bad := range [][]string{
		{"MAX_FILES", "abc"}, {"MAX_IMAGE_BYTES", "-5"}, {"SWEEP_INTERVAL", "soon"}, {"MEDIA_URL", "/media"},
		{"CSRF_PREVENTION", "maybe"}, {"MAX_REQUEST_BYTES", "1MiB"}, {"MEDIA_URL", "cdn.example.com/"},
		{"MIN_IMAGE_WIDTH", "-1"}, {"MEDIA_SIGNED_URLS", "30d"}, {"DECODE_BUDGET_PIXELS", "1000"},
	} {
		_, err := LoadConfig(nil, env(bad...))
		if err == nil || !strings.Contains(err.Error(), bad[0]) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: %v", bad[0], bad[1], err)
		}
	}
	if _, err := LoadConfig([]string{"--max-files=x"}, env()); err == nil || !strings.Contains(err.Error(), "MAX_FILES") {
		t.Errorf("bad flag: %v", err)
	}
}

// TestBadSettingStopsTheBinary: the real binary stops at start with one
// line naming the setting.
func TestBadSettingStopsTheBinary(t *testing.T) {
	for _, env := range [][]string{{"MAX_FILES=abc"}, {"DATABASE_URL=mysql://x"}, {"MEDIA_URL=/media"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		dir := t.TempDir()
		cmd := exec.CommandContext(ctx, serverBinary(t))
		cmd.Env = append(os.Environ(), "ADDR=127.0.0.1:0", "DATABASE_URL=sqlite:"+filepath.Join(dir, "db"), "STORAGE_URL="+filepath.Join(dir, "m"))
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		cancel()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		name := strings.Split(env[0], "=")[0]
		if err == nil || len(lines) != 1 || !strings.Contains(lines[0], name) {
			t.Errorf("%s: exit %v, output %q", env[0], err, out)
		}
	}
}
