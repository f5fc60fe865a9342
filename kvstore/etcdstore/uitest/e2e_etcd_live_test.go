//go:build unix

package uitest

import (
	"context"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestE2EEtcdLive runs the built program on a prefix of an etcd in this
// process: a value another client stored that is not JSON is shown
// marked, and an editor open on a key another client then changes says
// so by itself, keeps what the user typed, and applying it leads to the
// conflict screen.
func TestE2EEtcdLive(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	endpoint := etcdtest.Start(t, "tui")
	other := etcdtest.Client(t, endpoint)
	ctx := context.Background()
	etcdPut(t, other, "/app/a", "1")
	etcdPut(t, other, "/app/plain", "plain\ttext <not JSON>")

	s := tmuxtest.StartProgram(t, "etcd://"+endpoint+"/app/")
	s.WaitFor("2 keys")
	s.Keys("j")
	s.WaitFor("plain · not JSON, shown as a string")
	s.WaitFor("plain ¬JSON")
	s.WaitFor(`"plain\ttext <not JSON>"`)

	s.Keys("k", "e")
	s.WaitFor("Editing a")
	s.Keys("End", "0") // 10
	s.WaitFor("Editing a (modified)")
	etcdPut(t, other, "/app/a", "5")
	s.WaitFor("⚠ changed by another client since you opened it")
	s.WaitFor("1 │ 10")
	s.Keys("C-s")
	s.WaitFor("another client changed these keys (ctrl+s to resolve)")
	s.Keys("C-s")
	s.WaitFor("mine: 10")
	s.WaitFor("theirs: 5")
	s.Keys("m", "Enter")
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := other.Get(ctx, "/app/a")
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) == 1 && string(resp.Kvs[0].Value) == "10" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcd never held a = 10; it holds %v", resp.Kvs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Quit()
}
