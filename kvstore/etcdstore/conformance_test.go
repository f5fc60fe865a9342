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
	"github.com/kvstore-dev/kvstore/kvstore/storetest"
)

// prefixData is a key prefix for the backend conformance suite: each
// Open is another client of it, and another client writes elsewhere.
type prefixData struct {
	cfg   etcdstore.Config
	opts  etcdstore.BackendOptions
	other *clientv3.Client

	mu     sync.Mutex
	stores []*etcdstore.Store
}

func (d *prefixData) Open(t *testing.T) kvstore.Backend {
	t.Helper()
	s := openStore(t, d.cfg)
	d.mu.Lock()
	d.stores = append(d.stores, s)
	d.mu.Unlock()
	return etcdstore.NewBackend(s, d.opts)
}

// WriteElsewhere puts the value as another client, and waits until every
// Store opened on the prefix has seen it.
func (d *prefixData) WriteElsewhere(t *testing.T, key string, raw []byte) {
	t.Helper()
	resp, err := d.other.Put(context.Background(), d.cfg.Prefix+key, string(raw))
	if err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.stores {
		eventually(t, "the write elsewhere reaches the view", func() bool {
			return s.ViewRevision() >= resp.Header.Revision
		})
	}
}

// The etcd backend keeps the backend contract, whether it commits each
// write at once (as the terminal UI uses it) or when flushed (as a command
// does).
func TestBackendContract(t *testing.T) {
	endpoint := startEtcd(t)
	other := etcdtest.Client(t, endpoint)
	var n atomic.Int64
	for _, mode := range []struct {
		name     string
		opts     etcdstore.BackendOptions
		keysOnly bool
	}{
		{"AtOnce", etcdstore.BackendOptions{}, false},
		{"Deferred", etcdstore.BackendOptions{Deferred: true}, false},
		// As the terminal UI opens a prefix: keys listed, values read
		// when asked.
		{"KeysOnly", etcdstore.BackendOptions{}, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			storetest.TestBackend(t, func(t *testing.T) storetest.Data {
				prefix := fmt.Sprintf("/conformance/%d/", n.Add(1))
				cfg := etcdstore.Config{Endpoints: []string{endpoint}, Prefix: prefix, KeysOnly: mode.keysOnly}
				return &prefixData{cfg: cfg, opts: mode.opts, other: other}
			})
		})
	}
}

// Several clients, each its own Backend on one prefix of a three-member
// cluster, write and read the same keys while a member is killed and
// restarted: every write a client was told committed is there, none it was
// told was refused is, and every read returns the latest committed write,
// as if each operation happened at one instant between its start and its
// return. Reads go to etcd itself (a linearizable Get): a Backend's own
// view shows what it was shown, not the latest.
func TestConcurrentClientsAreLinearizable(t *testing.T) {
	members := etcdtest.StartCluster(t, 3)
	endpoints := endpointsOf(members)
	reader := etcdtest.Client(t, endpoints...)
	keys := []string{"r0", "r1", "r2"}
	for _, k := range keys {
		if _, err := reader.Put(context.Background(), "/lin/"+k, `""`); err != nil {
			t.Fatal(err)
		}
	}
	rec := storetest.NewRecorder()
	const clients, ops = 4, 30
	var wg sync.WaitGroup
	var progress atomic.Int64
	for c := range clients {
		store := openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: "/lin/", OpTimeout: 3 * time.Second})
		b := etcdstore.NewBackend(store, etcdstore.BackendOptions{WriteTimeout: time.Second})
		wg.Go(func() {
			for i := range ops {
				progress.Add(1)
				key := keys[(c+i)%len(keys)]
				if i%2 == 0 {
					op := rec.Begin(c, storetest.Read(key))
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					resp, err := reader.Get(ctx, "/lin/"+key)
					cancel()
					switch {
					case err != nil:
						// A read that failed says nothing; leave it out.
					case len(resp.Kvs) == 0:
						op.End(storetest.Value(nil))
					default:
						op.End(storetest.Value(resp.Kvs[0].Value))
					}
					continue
				}
				value := fmt.Sprintf(`"c%d-%d"`, c, i)
				op := rec.Begin(c, storetest.Write(key, value))
				// As the UI does: the write, then retries while the
				// cluster is out of reach.
				err := b.SetRaw(key, []byte(value))
				// An attempt that timed out may have committed all the
				// same; a conflict found by a later attempt (another
				// client wrote after it) then does not say it did not.
				ambiguous := false
				for attempt := 0; errors.Is(err, kvstore.ErrUnreachable) && attempt < 10; attempt++ {
					ambiguous = true
					err = b.Flush()
				}
				switch {
				case err == nil:
					op.End(storetest.Output{Result: storetest.Done})
				case errors.Is(err, kvstore.ErrConflict) && !ambiguous:
					// A write refused for another client's change: the
					// user would take theirs, and this one is dropped.
					op.End(storetest.Output{Result: storetest.Refused})
				default:
					op.End(storetest.Output{Result: storetest.Unknown})
				}
				if err := b.Reload(); err != nil {
					t.Error(err)
				}
				// The next write of the key is based on what etcd holds
				// now, as a user's would be after a refresh.
				if _, err := b.Changed(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	// A member is killed once the clients are under way, and restarted.
	eventually(t, "the clients start", func() bool { return progress.Load() >= clients*ops/4 })
	victim := leaderOf(t, members)
	victim.Stop()
	eventually(t, "the clients go on without it", func() bool { return progress.Load() >= clients*ops/2 })
	victim.Restart(t)
	wg.Wait()

	history := rec.History()
	done := 0
	for _, op := range history {
		if out := op.Output.(storetest.Output); op.Input.(storetest.Input).Write && out.Result == storetest.Done {
			done++
		}
	}
	t.Logf("%d operations, %d writes committed", len(history), done)
	if done == 0 {
		t.Fatal("no write committed: the history tests nothing")
	}
	storetest.CheckRegisters(t, history, `""`)
}
