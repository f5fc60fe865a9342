//go:build unix

package tui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

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
	other, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	for k, v := range map[string]string{"/app/a": "1", "/app/b": "2"} {
		if _, err := other.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	// waitEtcd polls etcd until key holds want. The program retries with
	// a growing wait, a few seconds by now, and each failed attempt takes
	// its timeout: allow for several.
	waitEtcd := func(key, want string) {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for {
			resp, err := other.Get(ctx, key)
			if err == nil && len(resp.Kvs) > 0 && string(resp.Kvs[0].Value) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("etcd never held %s = %s (%v)", key, want, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	s := startProgram(t, "etcd://"+srv.Endpoint()+"/app/")
	s.waitFor("2 keys")

	srv.Stop()
	s.keys("e", "End", "0", "C-s") // a: 10
	s.waitFor("etcd unreachable · retrying · 1 pending")
	s.keys("c")
	s.waitFor("changed  a")
	s.keys("Escape")
	srv.Restart(t)
	waitEtcd("/app/a", "10")
	s.waitFor("saved ")

	srv.Stop()
	s.keys("j", "e", "End", "0", "C-s") // b: 20
	s.waitFor("etcd unreachable · retrying · 1 pending")
	s.keys("q")
	s.waitFor("1 change waits for etcd.")
	s.waitFor("w write them to a file")
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
