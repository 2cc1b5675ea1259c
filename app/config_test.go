package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// envOf is a getenv over the given pairs.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := LoadConfig(nil, envOf())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"Addr", c.Addr, ":8080"},
		{"DatabaseURL", c.DatabaseURL, "sqlite:data/mediagraph.db"},
		{"StorageURL", c.StorageURL, "data/media"},
		{"MediaURL", c.MediaURL, "/media/"},
		{"MaxRequestBytes", c.MaxRequestBytes, int64(67108864)},
		{"MaxFiles", c.MaxFiles, 10},
		{"MaxImageBytes", c.MaxImageBytes, int64(10 << 20)},
		{"MaxDocumentBytes", c.MaxDocumentBytes, int64(20 << 20)},
		{"MaxDocumentImageBytes", c.MaxDocumentImageBytes, int64(512000)},
		{"MinImageWidth", c.MinImageWidth, 300},
		{"MinImageHeight", c.MinImageHeight, 300},
		{"MaxImagePixels", c.MaxImagePixels, int64(40000000)},
		{"CSRFPrevention", c.CSRFPrevention, true},
		{"CORSAllowedOrigins", len(c.CORSAllowedOrigins), 0},
		{"APITokens", len(c.APITokens), 0},
		{"SweepInterval", c.SweepInterval, 10 * time.Minute},
		{"SweepGrace", c.SweepGrace, time.Hour},
		{"ShutdownTimeout", c.ShutdownTimeout, 30 * time.Second},
		{"Migrate", c.Migrate, true},
		{"LingeringTime", c.LingeringTime, 30 * time.Second},
		{"LingeringTimeout", c.LingeringTimeout, 5 * time.Second},
	} {
		if tc.got != tc.want {
			t.Errorf("default %s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestConfigSources(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		get  func(*Config) any
		want any
	}{
		{"PORT when ADDR unset", nil, []string{"PORT", "9000"}, func(c *Config) any { return c.Addr }, ":9000"},
		{"ADDR wins over PORT", nil, []string{"PORT", "9000", "ADDR", "127.0.0.1:7000"}, func(c *Config) any { return c.Addr }, "127.0.0.1:7000"},
		{"flag wins over ADDR and PORT", []string{"--addr", ":7001"}, []string{"PORT", "9000", "ADDR", ":7000"}, func(c *Config) any { return c.Addr }, ":7001"},
		{"flag wins over env", []string{"--max-files=3"}, []string{"MAX_FILES", "5"}, func(c *Config) any { return c.MaxFiles }, 3},
		{"env over default", nil, []string{"MAX_FILES", "5"}, func(c *Config) any { return c.MaxFiles }, 5},
		{"flag size with unit", []string{"-max-image-bytes", "5MiB"}, []string{"MAX_IMAGE_BYTES", "1MiB"}, func(c *Config) any { return c.MaxImageBytes }, int64(5 << 20)},
		{"flag bool", []string{"--csrf-prevention=false"}, nil, func(c *Config) any { return c.CSRFPrevention }, false},
		{"env bool", nil, []string{"CSRF_PREVENTION", "false"}, func(c *Config) any { return c.CSRFPrevention }, false},
		{"CORS list", nil, []string{"CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example"}, func(c *Config) any { return strings.Join(c.CORSAllowedOrigins, "|") }, "https://a.example|https://b.example"},
		{"absolute MEDIA_URL", nil, []string{"MEDIA_URL", "https://cdn.example/m/"}, func(c *Config) any { return c.MediaURL }, "https://cdn.example/m/"},
		{"SWEEP_GRACE", nil, []string{"SWEEP_GRACE", "90s"}, func(c *Config) any { return c.SweepGrace }, 90 * time.Second},
		{"size 500KiB", nil, []string{"MAX_DOCUMENT_IMAGE_BYTES", "500KiB"}, func(c *Config) any { return c.MaxDocumentImageBytes }, int64(512000)},
		{"default RENDITIONS", nil, nil, func(c *Config) any { return fmt.Sprint(c.Renditions) }, "[{thumb 100 100 cover} {small 320 0 width} {medium 640 0 width} {large 1280 0 width}]"},
		{"RENDITIONS=none", nil, []string{"RENDITIONS", "none"}, func(c *Config) any { return len(c.Renditions) }, 0},
		{"flag --renditions", []string{"--renditions=card=400x300:cover"}, nil, func(c *Config) any { return fmt.Sprint(c.Renditions) }, "[{card 400 300 cover}]"},
		{"default IMAGE_METADATA strips", nil, nil, func(c *Config) any { return c.StripImageMetadata }, true},
		{"IMAGE_METADATA=keep", nil, []string{"IMAGE_METADATA", "keep"}, func(c *Config) any { return c.StripImageMetadata }, false},
		{"size 64MiB", nil, []string{"MAX_REQUEST_BYTES", "64MiB"}, func(c *Config) any { return c.MaxRequestBytes }, int64(67108864)},
		{"size 1048576", nil, []string{"MAX_IMAGE_BYTES", "1048576"}, func(c *Config) any { return c.MaxImageBytes }, int64(1048576)},
		{"size 10MB", nil, []string{"MAX_IMAGE_BYTES", "10MB"}, func(c *Config) any { return c.MaxImageBytes }, int64(10000000)},
		{"size 2 GiB, a space before the unit", nil, []string{"MAX_REQUEST_BYTES", "4GiB", "MAX_DOCUMENT_IMAGE_BYTES", "2 GiB"}, func(c *Config) any { return c.MaxDocumentImageBytes }, int64(2 << 30)},
		{"tokens trimmed, empty ones dropped", nil, []string{"API_TOKENS", " a, b ,,c"}, func(c *Config) any { return strings.Join(c.APITokens, "|") }, "a|b|c"},
		{"LINGERING_TIME", nil, []string{"LINGERING_TIME", "1m"}, func(c *Config) any { return c.LingeringTime }, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(tc.args, envOf(tc.env...))
			if err != nil {
				t.Fatalf("LoadConfig(%q, %q): %v", tc.args, tc.env, err)
			}
			if got := tc.get(c); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConfigRefusals(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     []string
		setting string // named in the error
	}{
		{"MAX_FILES=abc", nil, []string{"MAX_FILES", "abc"}, "MAX_FILES"},
		{"MAX_FILES=0", nil, []string{"MAX_FILES", "0"}, "MAX_FILES"},
		{"MAX_IMAGE_BYTES=-5", nil, []string{"MAX_IMAGE_BYTES", "-5"}, "MAX_IMAGE_BYTES"},
		{"MAX_IMAGE_BYTES=10XB", nil, []string{"MAX_IMAGE_BYTES", "10XB"}, "MAX_IMAGE_BYTES"},
		{"SWEEP_INTERVAL=soon", nil, []string{"SWEEP_INTERVAL", "soon"}, "SWEEP_INTERVAL"},
		{"SWEEP_GRACE=-1s", nil, []string{"SWEEP_GRACE", "-1s"}, "SWEEP_GRACE"},
		{"MEDIA_URL=/media", nil, []string{"MEDIA_URL", "/media"}, "MEDIA_URL"},
		{"CSRF_PREVENTION=maybe", nil, []string{"CSRF_PREVENTION", "maybe"}, "CSRF_PREVENTION"},
		{"MAX_REQUEST_BYTES below MAX_DOCUMENT_BYTES", nil, []string{"MAX_REQUEST_BYTES", "10MiB", "MAX_DOCUMENT_BYTES", "20MiB"}, "MAX_REQUEST_BYTES"},
		{"MAX_REQUEST_BYTES below the default MAX_DOCUMENT_BYTES", nil, []string{"MAX_REQUEST_BYTES", "1MiB"}, "MAX_REQUEST_BYTES"},
		{"MEDIA_URL without a scheme", nil, []string{"MEDIA_URL", "cdn.example.com/"}, "MEDIA_URL"},
		{"MIN_IMAGE_WIDTH=-1", nil, []string{"MIN_IMAGE_WIDTH", "-1"}, "MIN_IMAGE_WIDTH"},
		{"MEDIA_SIGNED_URLS over S3's 7 days", nil, []string{"MEDIA_SIGNED_URLS", "30d"}, "MEDIA_SIGNED_URLS"},
		{"DECODE_BUDGET_PIXELS below MAX_IMAGE_PIXELS", nil, []string{"DECODE_BUDGET_PIXELS", "1000"}, "DECODE_BUDGET_PIXELS"},
		{"LINGERING_TIMEOUT over LINGERING_TIME", nil, []string{"LINGERING_TIME", "2s", "LINGERING_TIMEOUT", "5s"}, "LINGERING_TIMEOUT"},
		{"flag --max-files=abc", []string{"--max-files=abc"}, nil, "MAX_FILES"},
		{"RENDITIONS without a cover", nil, []string{"RENDITIONS", "thumb=100x100"}, "RENDITIONS"},
		{"RENDITIONS twice a name", nil, []string{"RENDITIONS", "a=100,a=200"}, "RENDITIONS"},
		{"IMAGE_METADATA=remove", nil, []string{"IMAGE_METADATA", "remove"}, "IMAGE_METADATA"},
		{"RENDITION_WORKERS=0", nil, []string{"RENDITION_WORKERS", "0"}, "RENDITION_WORKERS"},
		{"flag --media-url=/m", []string{"--media-url=/m"}, nil, "MEDIA_URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(tc.args, envOf(tc.env...))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.setting) {
				t.Errorf("error %q does not name %s", err, tc.setting)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	if _, err := LoadConfig([]string{"--no-such-flag"}, envOf()); err == nil {
		t.Error("an unknown flag was accepted")
	}
}

// TestConfigBadSettingStopsTheBinary: the built binary, started with a bad
// setting, exits non-zero at once with one line on stderr naming it, and
// creates neither the database nor the media directory.
func TestConfigBadSettingStopsTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := serverBinary(t)
	for _, bad := range []string{"MAX_FILES=abc", "MAX_IMAGE_BYTES=-5", "SWEEP_INTERVAL=soon", "CSRF_PREVENTION=maybe", "MEDIA_URL=/media", "DATABASE_URL=mysql://x"} {
		t.Run(bad, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin)
			cmd.Env = append(os.Environ(), "ADDR=127.0.0.1:0",
				"DATABASE_URL=sqlite:"+filepath.Join(dir, "mg.db"), "STORAGE_URL="+filepath.Join(dir, "media"), bad)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("still running after 30 s with %s", bad)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("exit: %v, want a non-zero exit status", err)
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			setting := strings.SplitN(bad, "=", 2)[0]
			if len(lines) != 1 || !strings.Contains(lines[0], setting) {
				t.Errorf("stderr = %q, want one line naming %s", stderr.String(), setting)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q", stdout.String())
			}
			for _, p := range []string{"mg.db", "media"} {
				if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
					t.Errorf("%s was created by a server that refused its settings", p)
				}
			}
		})
	}
}
