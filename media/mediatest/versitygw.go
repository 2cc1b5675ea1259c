// Package mediatest gives tests a real S3-compatible server: versitygw
// with its posix backend on a loopback port, started once per test binary,
// and a fresh bucket per call. The binary is MEDIAGRAPH_VERSITYGW, else
// $HOME/.cache/mediagraph/bin/versitygw (where the test command installs
// it), else versitygw on PATH. Without it the test is skipped, unless
// MEDIAGRAPH_TEST_S3=required, when it fails.
package mediatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Credentials of the test gateway, also set in the environment of the test
// process so that gocloud's s3blob (and servers started by the test) find
// them the standard way.
const (
	AccessKey = "mediagraph-test"
	SecretKey = "mediagraph-test-secret"
	Region    = "us-east-1"
)

// Gateway is a running versitygw.
type Gateway struct {
	Endpoint string // http://127.0.0.1:PORT
	Root     string // the posix backend's directory: one subdirectory per bucket
	cmd      *exec.Cmd
}

var (
	once    sync.Once
	shared  *Gateway
	onceErr error
)

func binary() (string, error) {
	if p := os.Getenv("MEDIAGRAPH_VERSITYGW"); p != "" {
		return p, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".cache", "mediagraph", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath("versitygw")
}

// Start returns the gateway shared by the test binary, starting it on
// first use. It stays up until the test binary exits (its process is in
// the test's process group and dies with it; Stop ends it sooner).
func Start(t testing.TB) *Gateway {
	t.Helper()
	once.Do(func() { shared, onceErr = start() })
	if onceErr != nil {
		if os.Getenv("MEDIAGRAPH_TEST_S3") == "required" {
			t.Fatalf("S3 test server: %v", onceErr)
		}
		t.Skipf("S3 test server unavailable (%v); the test command installs versitygw", onceErr)
	}
	return shared
}

func start() (*Gateway, error) {
	bin, err := binary()
	if err != nil {
		return nil, fmt.Errorf("versitygw not found: %w", err)
	}
	root, err := os.MkdirTemp("", "mediagraph-s3-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--port", addr, "posix", root)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+AccessKey, "ROOT_SECRET_KEY="+SecretKey)
	logFile, err := os.Create(filepath.Join(os.TempDir(), "mediagraph-versitygw-"+filepath.Base(root)+".log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &Gateway{Endpoint: "http://" + addr, Root: root, cmd: cmd}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(g.Endpoint)
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("versitygw did not answer on %s within 20s (log: %s)", addr, logFile.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// gocloud's s3blob and the AWS SDK read credentials from the environment.
	os.Setenv("AWS_ACCESS_KEY_ID", AccessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", SecretKey)
	os.Setenv("AWS_REGION", Region)
	return g, nil
}

// Stop ends the shared gateway and removes its data, if it was started.
// Call it from TestMain after m.Run.
func Stop() {
	if shared == nil {
		return
	}
	shared.cmd.Process.Kill()
	shared.cmd.Wait()
	os.RemoveAll(shared.Root)
}

// Client is an S3 client for the gateway.
func (g *Gateway) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(g.Endpoint),
		Region:       Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// NewBucket creates an empty bucket and returns its gocloud URL and the
// directory holding its objects (object key = path under it). gocloud
// cannot create buckets; the AWS SDK does.
func (g *Gateway) NewBucket(t testing.TB) (storageURL, dir string) {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "mediagraph-" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := g.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	q := url.Values{}
	q.Set("endpoint", g.Endpoint)
	q.Set("region", Region)
	q.Set("use_path_style", "true")
	return "s3://" + name + "?" + q.Encode(), filepath.Join(g.Root, name)
}

// Bucket is Start then NewBucket.
func Bucket(t testing.TB) (storageURL, dir string) {
	t.Helper()
	return Start(t).NewBucket(t)
}
