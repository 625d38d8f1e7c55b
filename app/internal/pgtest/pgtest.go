// Package pgtest starts a real PostgreSQL server for tests: Debian's
// server binaries, a fresh cluster in a temporary directory, listening on
// loopback only, run as an unprivileged user (PostgreSQL refuses root).
package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
)

// Server is one PostgreSQL cluster a test owns.
type Server struct {
	t    *testing.T
	bin  string // directory of initdb, pg_ctl, postgres
	dir  string // data directory
	port int
	cred *syscall.Credential // nil when not root
	uid  int
}

// Start creates a cluster and starts it; the test's cleanup stops it and
// removes its files. Without the server binaries the test skips, naming
// the package to install, unless CI is set: CI installs them
// (scripts/install-deps.sh), so there a missing server fails.
func Start(t *testing.T) *Server {
	t.Helper()
	bin, err := findBin()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pgtest: %v", err)
		}
		t.Skipf("pgtest: %v", err)
	}
	s := &Server{t: t, bin: bin, uid: -1}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("pgtest: running as root and no user nobody to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred, s.uid = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid
	}
	// Not t.TempDir: its parents are private to this user, and the server
	// may run as another.
	s.dir, err = os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(s.dir) })
	if s.cred != nil {
		if err := os.Chown(s.dir, s.uid, int(s.cred.Gid)); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	s.port = freePort(t)
	s.run("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	s.Start()
	t.Cleanup(func() {
		if s.running() {
			s.Stop()
		}
	})
	return s
}

// URL is a DATABASE_URL of the cluster's postgres database.
func (s *Server) URL() string { return s.DatabaseURL("postgres") }

// DatabaseURL is a DATABASE_URL of database name.
func (s *Server) DatabaseURL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// CreateDatabase creates an empty database and returns its URL, so tests
// of one cluster stay apart.
func (s *Server) CreateDatabase(name string) string {
	s.t.Helper()
	s.run("psql", "-X", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", "postgres", "-d", "postgres",
		"-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE "+strconv.Quote(name))
	return s.DatabaseURL(name)
}

// Start starts the stopped server again on the same port and data.
func (s *Server) Start() {
	s.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c max_connections=100", s.port, s.dir)
	s.run("pg_ctl", "start", "-w", "-t", "60", "-D", s.data(), "-l", filepath.Join(s.dir, "server.log"), "-o", opts)
}

// Stop stops the server at once ("immediate": in-flight connections are
// cut, as in an outage).
func (s *Server) Stop() {
	s.t.Helper()
	s.run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", s.data())
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) running() bool {
	cmd := s.command("pg_ctl", "status", "-D", s.data())
	return cmd.Run() == nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if _, err := os.Stat(path); err != nil {
		path = name // psql lives on PATH on Debian, beside the server's directory too
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "PGTZ=UTC", "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

func (s *Server) run(name string, args ...string) {
	s.t.Helper()
	cmd := s.command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		s.t.Fatalf("pgtest: %s %v: %v\n%s\nserver log:\n%s", name, args, err, out.String(), log)
	}
}

// findBin finds the directory of initdb and pg_ctl: on PATH, or Debian's
// /usr/lib/postgresql/<major>/bin (the newest), which is not on PATH.
func findBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin: install the Debian package postgresql")
}

func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
