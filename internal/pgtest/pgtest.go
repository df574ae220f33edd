// Package pgtest starts a real PostgreSQL server for tests (Debian's
// postgresql package): initdb in a temporary directory, pg_ctl start on a
// Unix socket in it, no TCP port. PostgreSQL refuses to run as root, so as
// root the server runs as the postgres user from that package.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Dir holds the server binaries (Debian 12: PostgreSQL 15).
var Dir = "/usr/lib/postgresql/15/bin"

var (
	once    sync.Once
	root    string // the server's directory: data/ and the socket
	asUser  string // empty: the test's own user
	startEr error
	nextDB  atomic.Int64
)

// Run runs the package's tests and stops the server if one was started;
// call it from TestMain. Tests that never ask for a database (a child
// process re-run of the test binary) start nothing.
func Run(m *testing.M) int {
	code := m.Run()
	if root != "" {
		stop := command("pg_ctl", "-D", filepath.Join(root, "data"), "-m", "immediate", "-w", "stop")
		if out, err := stop.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop server: %v\n%s", err, out)
		}
		os.RemoveAll(root)
	}
	return code
}

// command runs a server binary as the server's user.
func command(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(Dir, name)
	if asUser != "" {
		return exec.Command("runuser", append([]string{"-u", asUser, "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func start() error {
	if _, err := os.Stat(filepath.Join(Dir, "initdb")); err != nil {
		return fmt.Errorf("pgtest: no PostgreSQL server binaries in %s (Debian package postgresql): %w", Dir, err)
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return err
	}
	root = dir
	if os.Geteuid() == 0 {
		asUser = "postgres"
		u, err := user.Lookup(asUser)
		if err != nil {
			return fmt.Errorf("pgtest: running as root needs the postgres user (Debian package postgresql): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C").CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	// No TCP at all, the socket in our own directory; fsync off: a test
	// database need not survive a power cut of the test machine.
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off -c full_page_writes=off -c synchronous_commit=off", dir)
	if out, err := command("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "120", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	return nil
}

// DSN returns the connection string of a fresh, empty database on the test
// server, starting the server on first use.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { startEr = start() })
	if startEr != nil {
		t.Fatal(startEr)
	}
	admin := fmt.Sprintf("host=%s user=postgres dbname=postgres sslmode=disable", root)
	conn, err := pgx.Connect(context.Background(), admin)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.Background())
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), nextDB.Add(1))
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return fmt.Sprintf("host=%s user=postgres dbname=%s sslmode=disable", root, name)
}

// Size is the size in bytes of the database at dsn, as PostgreSQL counts it.
func Size(t testing.TB, dsn string) int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(context.Background(), "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
		t.Fatalf("pgtest: database size: %v", err)
	}
	return n
}
