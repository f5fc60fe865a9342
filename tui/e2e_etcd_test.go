//go:build unix

package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// TestE2EEtcd runs the built program on a prefix of an etcd in this
// process: it lists the keys, an edit reaches etcd, a key another client
// adds appears by itself, and an edit of a value another client changed
// while the editor was open leads to the conflict screen, not to an
// overwrite.
func TestE2EEtcd(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	endpoint := etcdtest.Start(t, "tui")
	other := etcdtest.Client(t, endpoint)
	etcdPut(t, other, "/app/a", "1")
	etcdPut(t, other, "/app/b", "2")
	etcdPut(t, other, "/elsewhere", "3")

	s := startProgram(t, "etcd://"+endpoint+"/app/")
	s.waitFor("2 keys")
	s.waitFor("/app/")

	s.keys("e", "End", "0", "C-s") // a: 10
	waitEtcd(t, other, "/app/a", "10", 10*time.Second)
	s.waitSaved()

	etcdPut(t, other, "/app/c", `"from another client"`)
	s.waitFor("3 keys")
	s.waitFor("view updated")

	s.keys("e")
	s.waitFor("ctrl+s apply")
	etcdPut(t, other, "/app/a", "5")
	// The view, read again under the editor, sees the change; the
	// editor says so and keeps its text.
	s.waitFor("⚠ changed by another client since you opened it")
	s.keys("End", "0", "C-s") // the editor still holds 10: 100
	s.waitFor("save failed")
	waitEtcd(t, other, "/app/a", "5", 10*time.Second)
	s.keys("C-s")
	s.waitFor("mine: 100")
	s.waitFor("theirs: 5")
	s.keys("m", "Enter")
	waitEtcd(t, other, "/app/a", "100", 10*time.Second)
	s.quit()
}

// TestE2EEtcdAsksForPassword runs a command with --user NAME on a
// terminal: the password is asked for there, without echo, and works.
func TestE2EEtcdAsksForPassword(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	endpoint := etcdtest.Start(t, "tui")
	root := etcdtest.Client(t, endpoint)
	ctx := context.Background()
	if _, err := root.Put(ctx, "/app/a", `"the value"`); err != nil {
		t.Fatal(err)
	}
	if _, err := root.UserAdd(ctx, "root", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}

	s := startProgram(t, "get", "etcd://"+endpoint+"/app/", "a", "--user", "root")
	s.waitFor("Password for root:")
	s.keys("s3cret", "Enter")
	if code := s.waitExit(); code != "0" {
		t.Fatalf("exit status %s; the pane shows:\n%s", code, s.screen())
	}
	scr := s.waitFor(`"the value"`)
	if strings.Contains(scr, "s3cret") {
		t.Errorf("the password was echoed:\n%s", scr)
	}
}
