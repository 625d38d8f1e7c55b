// Package awstest starts real DynamoDB- and S3-compatible servers for
// tests (dynalite and s3rver from npm, pinned by scripts/aws-stores), each
// on a free loopback port, so a service's tests go through the same SDK
// code path as production with only the endpoint overridden.
package awstest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Stores are the endpoints of one DynamoDB- and one S3-compatible server a
// test owns; both are in memory or in a temporary directory, gone after it.
type Stores struct {
	DynamoDB string // http://127.0.0.1:port
	S3       string
}

// Env is the environment the SDK needs to talk to s: the standard
// endpoint variables, a region and static credentials (the servers accept
// any).
func (s Stores) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": s.DynamoDB,
		"AWS_ENDPOINT_URL_S3":       s.S3,
		"AWS_REGION":                "us-east-1",
	}
}

// SetCredentials sets static credentials in the process environment for
// the SDK's default chain, and keeps it off the instance metadata service.
func SetCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "S3RVER")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "S3RVER")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

var (
	installOnce sync.Once
	binDir      string
	installErr  error
)

// Start starts both servers; the test's cleanup stops them. When they
// cannot be installed the test skips with the reason, unless CI is set:
// CI installs them (scripts/install-deps.sh), so there it fails.
func Start(t *testing.T) Stores {
	t.Helper()
	installOnce.Do(func() { binDir, installErr = install() })
	if installErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("awstest: %v", installErr)
		}
		t.Skipf("awstest: %v", installErr)
	}
	SetCredentials(t)
	dynamo := freePort(t)
	s3 := freePort(t)
	start(t, "dynalite", "--host", "127.0.0.1", "--port", strconv.Itoa(dynamo), "--createTableMs", "0", "--deleteTableMs", "0")
	start(t, "s3rver", "--directory", t.TempDir(), "--address", "127.0.0.1", "--port", strconv.Itoa(s3), "--silent", "--no-vhost-buckets")
	st := Stores{DynamoDB: "http://127.0.0.1:" + strconv.Itoa(dynamo), S3: "http://127.0.0.1:" + strconv.Itoa(s3)}
	waitListening(t, dynamo)
	waitListening(t, s3)
	return st
}

// install runs scripts/install-aws-stores.sh of the module and returns
// the directory of the servers' commands.
func install() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node not found: install the Debian packages nodejs and npm (dynalite and s3rver run on Node.js)")
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "install-aws-stores.sh"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("installing dynalite and s3rver (scripts/install-aws-stores.sh): %v\n%s", err, out.String())
	}
	return filepath.Join(root, ".cache", "aws-stores", "node_modules", ".bin"), nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

func start(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("awstest: starting %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() && out.Len() > 0 {
			t.Logf("awstest: %s output:\n%s", name, out.String())
		}
	})
}

func waitListening(t *testing.T, port int) {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("awstest: nothing listens on %s after 30s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("awstest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
