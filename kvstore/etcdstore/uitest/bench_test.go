package uitest

import (
	"context"
	"flag"
	"runtime"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
	"github.com/kvstore-dev/kvstore/tui"
)

// benchKeys is the size of the prefix BenchmarkFirstScreen opens.
var benchKeys = flag.Int("keys", 100_000, "keys under the prefix BenchmarkFirstScreen opens")

// benchKeyLen is the length of those keys, without the prefix.
var benchKeyLen = flag.Int("keylen", 11, "bytes of each key BenchmarkFirstScreen opens, 11 or more")

// fillTxn is how many keys BenchmarkFirstScreen puts in one transaction.
const fillTxn = 4096

// BenchmarkFirstScreen measures the UI's first screen on a prefix of
// -keys keys (key-0000000…, -keylen bytes each) of ~200-byte values in an
// embedded etcd, beside listing the
// prefix's keys only, in pages of 1000 with a plain clientv3 client, in
// the same run:
//
//	go test ./kvstore/etcdstore/uitest/ -run '^$' -bench FirstScreen -benchtime 5x
//
// FirstScreen is connecting, listing the keys, and drawing the UI until the
// selected value and the rows on screen are read and shown. Its heap/keys
// metric is the heap the open prefix and the UI keep, over the bytes of
// the keys; store-heap/keys is the part the open Store keeps by itself.
func BenchmarkFirstScreen(b *testing.B) {
	n, digits := *benchKeys, *benchKeyLen-len("key-")
	if len(keyName(n-1, digits)) > *benchKeyLen {
		b.Fatalf("-keylen %d is too short for %d keys", *benchKeyLen, n)
	}
	// Filling a million keys 128 to a transaction takes minutes; the
	// member takes 4096 (under 1 MB) at once here.
	endpoint := etcdtest.StartWith(b, "bench", func(c *embed.Config) { c.MaxTxnOps = fillTxn })
	cli := etcdtest.Client(b, endpoint)
	keyBytes := fillBatch(b, cli, "/big/", n, fillTxn, digits)

	b.Run("KeysOnlyListing", func(b *testing.B) {
		for b.Loop() {
			c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, Logger: zap.NewNop()})
			if err != nil {
				b.Fatal(err)
			}
			from, end, count := "/big/", clientv3.GetPrefixRangeEnd("/big/"), 0
			for {
				resp, err := c.Get(context.Background(), from, clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(1000))
				if err != nil {
					b.Fatal(err)
				}
				count += len(resp.Kvs)
				if !resp.More || len(resp.Kvs) == 0 {
					break
				}
				from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
			}
			if count != n {
				b.Fatalf("listed %d keys, want %d", count, n)
			}
			c.Close()
		}
	})

	b.Run("FirstScreen", func(b *testing.B) {
		var retained, store float64
		for b.Loop() {
			s, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/big/", KeysOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			opened := heapInUse()
			b.StartTimer()
			be := etcdstore.NewBackend(s, etcdstore.BackendOptions{})
			d := bareDriver(b, be, tui.Options{Keys: tui.DefaultKeyMap()})
			d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
			d.until(`"user-00000000"`)
			b.StopTimer()
			if !strings.Contains(d.screen(), keyName(30, digits)) {
				b.Fatalf("the first screen does not list the keys:\n%s", d.screen())
			}
			shown := heapInUse()
			// What the Store and the UI hold is what goes when they go:
			// measured so, the embedded server's own memory, which the
			// same process holds, does not count.
			be.Close()
			close(d.done)
			d.wg.Wait()
			d, be, s = nil, nil, nil
			gone := heapInUse()
			retained = float64(shown-gone) / float64(keyBytes)
			store = float64(opened-gone) / float64(keyBytes)
			b.StartTimer()
		}
		b.ReportMetric(retained, "heap/keys")
		b.ReportMetric(store, "store-heap/keys")
	})
}

// heapInUse is the live heap: two collections, so that the pools' buffers
// (kept for one) are gone too.
func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
