//go:build unix

package tui

import (
	"context"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
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

	s := startProgram(t, "etcd://"+endpoint+"/app/")
	s.waitFor("2 keys")
	s.keys("j")
	s.waitFor("plain · not JSON, shown as a string")
	s.waitFor("plain ¬JSON")
	s.waitFor(`"plain\ttext <not JSON>"`)

	s.keys("k", "e")
	s.waitFor("Editing a")
	s.keys("End", "0") // 10
	s.waitFor("Editing a (modified)")
	etcdPut(t, other, "/app/a", "5")
	s.waitFor("⚠ changed by another client since you opened it")
	s.waitFor("1 │ 10")
	s.keys("C-s")
	s.waitFor("another client changed these keys (ctrl+s to resolve)")
	s.keys("C-s")
	s.waitFor("mine: 10")
	s.waitFor("theirs: 5")
	s.keys("m", "Enter")
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
	s.quit()
}
