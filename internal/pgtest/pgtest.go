// Package pgtest starts a throwaway PostgreSQL server for tests: the
// Debian postgresql-15 binaries, a fresh data directory, listening on
// 127.0.0.1 on a free port, fsync off. Tests that need it are skipped with
// a clear message when the binaries are missing, except under CI (CI set),
// where .ci/run installs them and a missing server fails the test.
//
// PostgreSQL refuses to run as root: when the tests run as root the server
// runs as the postgres user (runuser), in a directory that user owns.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BinDirs are where the server binaries are looked for, newest first.
var BinDirs = []string{"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"}

// Password is the superuser's password.
const Password = "xunjian-test"

// Server is one running PostgreSQL server.
type Server struct {
	// URL connects to the database "postgres" as the superuser.
	URL  string
	Port int
	bin  string
	dir  string // data directory
	sock string
	asPG bool
	dbs  atomic.Int32
}

func binDir() string {
	for _, d := range BinDirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	return ""
}

// Available reports whether the server binaries are installed.
func Available() bool { return binDir() != "" }

// Start starts a server for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir()
	if bin == "" {
		msg := "PostgreSQL server binaries not found in " + strings.Join(BinDirs, ", ") + ": apt-get install postgresql-15 (.ci/run does)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s, err := start(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func start(bin string) (*Server, error) {
	root, err := os.MkdirTemp("", "xunjian-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: filepath.Join(root, "data"), sock: root}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("pgtest: running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(root, uid, gid); err != nil {
			os.RemoveAll(root)
			return nil, err
		}
		s.asPG = true
	}
	// Local socket connections are trusted; TCP ones need the password, so
	// that tests can see a wrong one refused.
	pwfile := filepath.Join(root, "pw")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o644); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if out, err := s.cmd("initdb", "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile", pwfile, "-U", "postgres", "-E", "UTF8", "--no-locale", "-D", s.dir).CombinedOutput(); err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	if err := s.Restart(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.asPG {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Restart starts the server again after Stop, on the same port (a new one
// the first time).
func (s *Server) Restart() error {
	if s.Port == 0 {
		p, err := freePort()
		if err != nil {
			return err
		}
		s.Port = p
		s.URL = fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", Password, p)
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", s.Port, s.sock)
	out, err := s.cmd("pg_ctl", "-D", s.dir, "-o", opts, "-l", filepath.Join(s.sock, "server.log"), "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.sock, "server.log"))
		return fmt.Errorf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// Stop stops the server at once (immediate mode: connections are cut, as
// when the database host goes away).
func (s *Server) Stop() error {
	out, err := s.cmd("pg_ctl", "-D", s.dir, "-m", "immediate", "-w", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// Close stops the server and removes its files.
func (s *Server) Close() {
	if _, err := os.Stat(filepath.Join(s.dir, "postmaster.pid")); err == nil {
		s.Stop()
	}
	os.RemoveAll(s.sock)
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres", name)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+Password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			t.Fatalf("pgtest: createdb not found: %v", err)
		}
		t.Fatalf("pgtest: create database: %v\n%s", err, out)
	}
	return fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/%s?sslmode=disable", Password, s.Port, name)
}

// Log returns the server's log (for failing tests).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.sock, "server.log"))
	return string(b)
}
