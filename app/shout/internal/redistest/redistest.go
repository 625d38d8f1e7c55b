// Package redistest runs a real Redis server (Debian's redis-server) on a
// loopback port for a test, and can kill and restart it to stage an outage.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a running redis-server.
type Redis struct {
	Addr    string
	t       testing.TB
	port    int
	logFile string
	cmd     *exec.Cmd
}

// Start runs redis-server for t, without persistence, stopped at cleanup.
// Without redis-server on PATH it skips, except under CI, where it fails:
// scripts/install-deps.sh installs it.
func Start(t testing.TB) *Redis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not found (scripts/install-deps.sh installs it): %v", err)
		}
		t.Skipf("redis-server not found, run scripts/install-deps.sh: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), t: t, port: port, logFile: filepath.Join(t.TempDir(), "redis.log")}
	r.Restart()
	t.Cleanup(r.Kill)
	return r
}

// Restart starts the server again on the same port after Kill.
func (r *Redis) Restart() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port),
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning", "--logfile", r.logFile,
		"--enable-debug-command", "local") // DEBUG SLEEP stages a hung server
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("starting redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if out, err := r.Do("PING"); err == nil && out == "PONG" {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(r.logFile)
			r.t.Fatalf("redis-server on %s not answering PING after 10s; its log:\n%s", r.Addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (r *Redis) Kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// Do sends one command on a connection of its own, closed before it
// returns, so it leaves no connection behind to confuse a leak check.
func (r *Redis) Do(args ...any) (any, error) {
	c := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1, DialTimeout: time.Second, PoolSize: 1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.Do(ctx, args...).Result()
}
