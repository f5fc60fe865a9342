//go:build unix

package tui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// TestE2EEtcdUnreachable runs the built program on an etcd that goes
// away: the status bar says so, an edit waits as pending, and when the
// server is back (same data, same address) the edit lands in etcd by
// itself. Then, with the server gone again, quitting with an edit waiting
// offers to write it to a file, which then holds it.
func TestE2EEtcdUnreachable(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	srv := etcdtest.StartServer(t, "tui")
	other := etcdtest.Client(t, srv.Endpoint())
	etcdPut(t, other, "/app/a", "1")
	etcdPut(t, other, "/app/b", "2")

	s := startProgram(t, "etcd://"+srv.Endpoint()+"/app/")
	s.waitFor("2 keys")

	srv.Stop()
	s.keys("e", "End", "0", "C-s") // a: 10
	s.waitFor("unreachable · retrying · 1 pending")
	s.keys("c")
	s.waitFor("changed  a")
	s.keys("Escape")
	srv.Restart(t)
	// The program retries with a growing wait, a few seconds by now, and
	// each failed attempt takes its timeout: allow for several.
	waitEtcd(t, other, "/app/a", "10", 45*time.Second)
	s.waitSaved()

	srv.Stop()
	s.keys("j", "e", "End", "0", "C-s") // b: 20
	s.waitFor("unreachable · retrying · 1 pending")
	s.keys("q")
	s.waitFor("1 change waits to be saved.")
	s.waitFor("w write to a file • y quit, drop them • n keep retrying • c list")
	s.keys("w")
	s.waitFor("Write the changes to: ./kvstore-pending-")
	path := filepath.Join(t.TempDir(), "pending.json")
	s.keys("C-u", path, "Enter")
	s.waitFor("Wrote 1 change to")
	s.keys("y")
	if code := s.waitExit(); code != "0" {
		t.Fatalf("exit status %s; the pane shows:\n%s", code, s.screen())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got pendingFile
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v:\n%s", err, raw)
	}
	if len(got.Set) != 1 || string(got.Set["b"]) != "20" || len(got.Delete) != 0 {
		t.Errorf("the file holds %s, want b: 20 and no deletion", raw)
	}
}

// TestE2EEtcdTerminateKeepsWaitingEdits sends SIGTERM to the built program
// while an edit waits for an etcd that went away: nobody is asked, the
// edit goes to a new file in the working directory, the program says where
// as it exits, and the exit status is 1. With etcd back, kvstore import
// --changes applies that file, checking the revision the edit was based on.
func TestE2EEtcdTerminateKeepsWaitingEdits(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	srv := etcdtest.StartServer(t, "tui")
	cli := etcdtest.Client(t, srv.Endpoint())
	etcdPut(t, cli, "/app/a", "1")
	cwd := t.TempDir()
	s := startProgramIn(t, cwd, nil, "etcd://"+srv.Endpoint()+"/app/")
	s.waitFor("1 key")
	srv.Stop()
	s.keys("e", "End", "0", "C-s") // a: 10
	s.waitFor("unreachable · retrying · 1 pending")
	if err := syscall.Kill(s.pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The prefix does not have the edit: the exit status says so.
	if code := s.waitExit(); code != "1" {
		t.Fatalf("exit status %s after SIGTERM, want 1; the pane shows:\n%s", code, s.screen())
	}
	files, _ := filepath.Glob(filepath.Join(cwd, "kvstore-pending-*.json"))
	if len(files) != 1 {
		t.Fatalf("%d files of pending changes in the working directory, want 1", len(files))
	}
	s.waitFor("kvstore: 1 unsaved change went to ./" + filepath.Base(files[0]))
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var got pendingFile
	if err := json.Unmarshal(raw, &got); err != nil || string(got.Set["a"]) != "10" {
		t.Fatalf("the file holds %s (%v), want a: 10", raw, err)
	}

	// Once etcd is back, import --changes applies the file, but not over
	// a change another client made after the edit; --force does.
	srv.Restart(t)
	src := "etcd://" + srv.Endpoint() + "/app/"
	etcdtest.UntilAnswered(t, "writing a as another client", func() error {
		_, err := cli.Put(context.Background(), "/app/a", "7")
		return err
	})
	code, _, errOut := runBinaryStdin(t, string(raw), "import", "--changes", src)
	if code != 1 || !strings.Contains(errOut, "another client changed the key since it was read") ||
		!strings.Contains(errOut, "after the edit was made") {
		t.Fatalf("import over another client's change: exit %d, stderr %q", code, errOut)
	}
	waitEtcd(t, cli, "/app/a", "7", 10*time.Second)
	if code, _, errOut := runBinaryStdin(t, string(raw), "import", "--changes", "--force", src); code != 0 {
		t.Fatalf("import --force: exit %d, stderr %q", code, errOut)
	}
	waitEtcd(t, cli, "/app/a", "10", 10*time.Second)
}
