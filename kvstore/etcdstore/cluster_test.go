package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

func endpointsOf(members []*etcdtest.Server) []string {
	var eps []string
	for _, m := range members {
		eps = append(eps, m.Endpoint())
	}
	return eps
}

func leaderOf(t *testing.T, members []*etcdtest.Server) *etcdtest.Server {
	t.Helper()
	var leader *etcdtest.Server
	eventually(t, "a leader", func() bool {
		for _, m := range members {
			if m.IsLeader() {
				leader = m
				return true
			}
		}
		return false
	})
	return leader
}

// A three-member cluster loses its leader during a stream of writes. Every
// write acknowledged must be in etcd afterwards. A write that failed must
// have said so; retried as the package documents (SetIf with the revision
// the writer knew, 0 for a new key), it either commits or finds that the
// failed attempt had committed after all, so each key ends up written once.
func TestLeaderLossKeepsEveryAcknowledgedWrite(t *testing.T) {
	members := etcdtest.StartCluster(t, 3)
	s := openStore(t, etcdstore.Config{Endpoints: endpointsOf(members), Prefix: "/w/", OpTimeout: 3 * time.Second})

	const writers = 4
	var (
		mu       sync.Mutex
		acked    = map[string]string{}
		failed   []string
		progress atomic.Int64
		wg       sync.WaitGroup
		enough   = make(chan struct{})
	)
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-enough:
					return
				default:
				}
				key, value := fmt.Sprintf("%d/%04d", w, i), fmt.Sprintf(`{"w":%d,"i":%d}`, w, i)
				err := s.SetRaw(key, []byte(value))
				for err != nil {
					mu.Lock()
					failed = append(failed, key)
					mu.Unlock()
					var rev int64
					rev, err = s.SetIf(context.Background(), key, []byte(value), 0)
					if errors.Is(err, kvstore.ErrConflict) {
						err = nil // the failed attempt committed after all
					} else if err == nil && rev == 0 {
						t.Errorf("SetIf(%s) succeeded without a revision", key)
					}
				}
				mu.Lock()
				acked[key] = value
				mu.Unlock()
				progress.Add(1)
			}
		})
	}
	eventually(t, "writes before the leader stops", func() bool { return progress.Load() >= 100 })
	leader := leaderOf(t, members)
	start := time.Now()
	leader.Stop()
	stoppedAt := progress.Load()
	t.Logf("leader %s stopped in %v after %d writes", leader.Name(), time.Since(start), stoppedAt)
	eventually(t, "writes after the leader stopped", func() bool { return progress.Load() >= stoppedAt+100 })
	close(enough)
	wg.Wait()
	t.Logf("%d writes in all, the last %d after the leader stopped, %v after stopping it; %d attempts failed and were retried",
		progress.Load(), progress.Load()-stoppedAt, time.Since(start), len(failed))

	var survivors []string
	for _, m := range members {
		if m != leader {
			survivors = append(survivors, m.Endpoint())
		}
	}
	cli := rawClient(t, survivors...)
	var resp *clientv3.GetResponse
	etcdtest.UntilAnswered(t, "reading what etcd holds", func() (err error) {
		resp, err = cli.Get(context.Background(), "/w/", clientv3.WithPrefix())
		return err
	})
	inEtcd := map[string]string{}
	for _, kv := range resp.Kvs {
		inEtcd[string(kv.Key[len("/w/"):])] = string(kv.Value)
	}
	for k, v := range acked {
		if inEtcd[k] != v {
			t.Errorf("acknowledged write %s = %s is %q in etcd", k, v, inEtcd[k])
		}
	}
	if len(inEtcd) != len(acked) {
		t.Errorf("etcd holds %d keys, %d acknowledged: some write was made without being acknowledged or retried", len(inEtcd), len(acked))
	}
	// The view converges on etcd's content, whatever the watch went through.
	eventually(t, "the view to match etcd", func() bool {
		got := collect(s, "")
		if len(got) != len(inEtcd) {
			return false
		}
		for k, v := range inEtcd {
			if got[k] != v {
				return false
			}
		}
		return true
	})
}

// The Store's only member goes away; meanwhile the others move on and
// compact the history the watch would resume from. When it is back, the
// watch cannot resume: the Store reports that, reads everything again and
// shows what changed while it was away.
func TestWatchRecoversFromCompaction(t *testing.T) {
	members := etcdtest.StartCluster(t, 3)
	home := members[0]
	s := openStore(t, etcdstore.Config{Endpoints: []string{home.Endpoint()}, Prefix: "/c/", OpTimeout: 2 * time.Second})
	if err := s.Set("before", 1); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	home.Stop()
	t.Logf("stopped in %v", time.Since(start))
	cli := rawClient(t, members[1].Endpoint(), members[2].Endpoint())
	ctx := context.Background()
	// If the stopped member led the cluster, the other two elect a new
	// leader first, and requests made meanwhile time out: retry them (each
	// is idempotent) until the cluster answers.
	var rev int64
	etcdtest.UntilAnswered(t, "the put", func() error {
		resp, err := cli.Put(ctx, "/c/while-away", "2")
		if err == nil {
			rev = resp.Header.Revision
		}
		return err
	})
	etcdtest.UntilAnswered(t, "the delete", func() error {
		_, err := cli.Delete(ctx, "/c/before")
		return err
	})
	etcdtest.UntilAnswered(t, "the compaction", func() error {
		_, err := cli.Compact(ctx, rev+1, clientv3.WithCompactPhysical())
		return err
	})
	home.Restart(t)
	t.Logf("restarted at %v", time.Since(start))

	var lost, reloaded bool
	for !reloaded {
		c := nextChange(t, s)
		switch c.Kind {
		case etcdstore.ChangeWatchLost:
			lost = true
			if c.Err == nil {
				t.Error("ChangeWatchLost without a reason")
			}
		case etcdstore.ChangeReloaded:
			reloaded = true
		}
	}
	t.Logf("reloaded at %v", time.Since(start))
	if !lost {
		t.Error("reloaded without reporting the watch lost first")
	}
	if !s.Has("while-away") || s.Has("before") {
		t.Errorf("after reloading the view has %q", s.Keys())
	}
	// Live again: another client's write shows without a call.
	etcdtest.UntilAnswered(t, "the write after recovery", func() error {
		_, err := cli.Put(ctx, "/c/after", "3")
		return err
	})
	eventually(t, "the write after recovery", func() bool { return s.Has("after") })
}
