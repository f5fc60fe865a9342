//go:build unix

package uitest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
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

	s := tmuxtest.StartProgram(t, "etcd://"+endpoint+"/app/")
	s.WaitFor("2 keys")
	s.WaitFor("/app/")

	s.Keys("e", "End", "0", "C-s") // a: 10
	waitEtcd(t, other, "/app/a", "10", 10*time.Second)
	s.WaitSaved()

	etcdPut(t, other, "/app/c", `"from another client"`)
	s.WaitFor("3 keys")
	s.WaitFor("view updated")

	s.Keys("e")
	s.WaitFor("ctrl+s apply")
	etcdPut(t, other, "/app/a", "5")
	// The view, read again under the editor, sees the change; the
	// editor says so and keeps its text.
	s.WaitFor("⚠ changed by another client since you opened it")
	s.Keys("End", "0", "C-s") // the editor still holds 10: 100
	s.WaitFor("save failed")
	waitEtcd(t, other, "/app/a", "5", 10*time.Second)
	s.Keys("C-s")
	s.WaitFor("mine: 100")
	s.WaitFor("theirs: 5")
	s.Keys("m", "Enter")
	waitEtcd(t, other, "/app/a", "100", 10*time.Second)
	s.Quit()
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

	s := tmuxtest.StartProgram(t, "get", "etcd://"+endpoint+"/app/", "a", "--user", "root")
	s.WaitFor("Password for root:")
	s.Keys("s3cret", "Enter")
	if code := s.WaitExit(); code != "0" {
		t.Fatalf("exit status %s; the pane shows:\n%s", code, s.Screen())
	}
	scr := s.WaitFor(`"the value"`)
	if strings.Contains(scr, "s3cret") {
		t.Errorf("the password was echoed:\n%s", scr)
	}
}
