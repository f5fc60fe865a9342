package etcdstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// The benchmarks run against a one-member etcd embedded in the test
// process, over loopback, with its data directory in the temp dir:
//
//	go test ./kvstore/etcdstore/ -run '^$' -bench . -benchtime 3s
//
// Writes measures acknowledged Set calls per second (each committed by
// etcd, fsync included, and shown in the view) with 1 and 8 writers.
// InitialRead measures Open on a prefix of N keys of ~200-byte values,
// and the heap the open Store keeps as a multiple of the data's size.

// benchValue is a JSON object of about 200 bytes.
func benchValue(i int) string {
	return fmt.Sprintf(`{"id":%d,"name":"user-%08d","email":"user-%08d@example.com","tags":["alpha","beta","gamma"],"note":"%s"}`,
		i, i, i, strings.Repeat("x", 80))
}

func BenchmarkWrites(b *testing.B) {
	ep := startEtcd(b)
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := openStore(b, etcdstore.Config{Endpoints: []string{ep}, Prefix: fmt.Sprintf("/w%d/", writers)})
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range writers {
				wg.Go(func() {
					for i := int(next.Add(1)); i <= b.N; i = int(next.Add(1)) {
						if err := s.SetRaw(fmt.Sprintf("k%07d", i%10000), []byte(benchValue(i))); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

func BenchmarkInitialRead(b *testing.B) {
	ep := startEtcd(b)
	cli := rawClient(b, ep)
	for _, n := range []int{10_000, 100_000} {
		prefix := fmt.Sprintf("/r%d/", n)
		var dataBytes int
		for start := 0; start < n; start += 128 {
			var ops []clientv3.Op
			for i := start; i < min(start+128, n); i++ {
				k, v := fmt.Sprintf("%skey-%07d", prefix, i), benchValue(i)
				dataBytes += len(k) + len(v)
				ops = append(ops, clientv3.OpPut(k, v))
			}
			if _, err := cli.Txn(context.Background()).Then(ops...).Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			var retained float64
			for b.Loop() {
				before := heapInUse()
				s, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: []string{ep}, Prefix: prefix})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if s.Len() != n {
					b.Fatalf("read %d keys, want %d", s.Len(), n)
				}
				retained = float64(heapInUse()-before) / float64(dataBytes)
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(retained, "heap/data")
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// GetOnLargePrefix measures what one `kvstore get` costs on a prefix of
// 400k keys: connecting, reading the one key and closing, through a Lazy
// Store's Backend as the command line opens it, beside the same with a
// plain clientv3 client. The ratio is what matters; the prefix's size
// must not show in it.
func BenchmarkGetOnLargePrefix(b *testing.B) {
	const n = 400_000
	ep := startEtcd(b)
	cli := rawClient(b, ep)
	fillPrefix(b, cli, "/huge/", n)
	const key = "key-0200000"
	want := `{"i":200000}`
	plain := func() {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, Logger: zap.NewNop()})
		if err != nil {
			b.Fatal(err)
		}
		resp, err := c.Get(context.Background(), "/huge/"+key)
		if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != want {
			b.Fatalf("Get = %v, %v", resp, err)
		}
		c.Close()
	}
	ours := func() {
		s, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: []string{ep}, Prefix: "/huge/", Lazy: true, ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		be := etcdstore.NewBackend(s, etcdstore.BackendOptions{Deferred: true})
		if err := be.Load(key); err != nil {
			b.Fatal(err)
		}
		if raw, ok := be.GetRaw(key); !ok || string(raw) != want {
			b.Fatalf("GetRaw = %s, %v", raw, ok)
		}
		be.Close()
	}
	// The two alternate, so that whatever else the machine and etcd do
	// meanwhile falls on both alike.
	var plainTime, oursTime time.Duration
	for b.Loop() {
		start := time.Now()
		plain()
		mid := time.Now()
		ours()
		plainTime += mid.Sub(start)
		oursTime += time.Since(mid)
	}
	b.ReportMetric(float64(plainTime.Microseconds())/float64(b.N), "clientv3-µs/get")
	b.ReportMetric(float64(oursTime.Microseconds())/float64(b.N), "kvstore-µs/get")
	b.ReportMetric(float64(oursTime)/float64(plainTime), "ratio")
}

// fillPrefix puts n small values under prefix, 128 to a transaction, from
// eight writers.
func fillPrefix(b *testing.B, cli *clientv3.Client, prefix string, n int) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Go(func() {
			for start := int(next.Add(128)) - 128; start < n; start = int(next.Add(128)) - 128 {
				var ops []clientv3.Op
				for i := start; i < min(start+128, n); i++ {
					ops = append(ops, clientv3.OpPut(fmt.Sprintf("%skey-%07d", prefix, i), fmt.Sprintf(`{"i":%d}`, i)))
				}
				if _, err := cli.Txn(context.Background()).Then(ops...).Commit(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// OpenLargePrefix measures what the terminal UI waits for before its first
// screen on a prefix of 400k keys, a full Open (every key and value, at
// one revision), beside a keys-only listing of the same prefix, which is
// what a first screen needs at least.
func BenchmarkOpenLargePrefix(b *testing.B) {
	const n = 400_000
	ep := startEtcd(b)
	cli := rawClient(b, ep)
	fillPrefix(b, cli, "/huge/", n)
	// The fastest listing a plain client makes: a keys-only RangeStream.
	// (Pages of 1000 keys by Get take some ten times as long as the whole
	// Open below: etcd counts the rest of the range for every page.)
	listKeys := func() {
		chunks, err := cli.GetStream(context.Background(), "/huge/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		for chunk := range chunks {
			if err := chunk.Err(); err != nil {
				b.Fatal(err)
			}
			count += len(chunk.Kvs)
		}
		if count != n {
			b.Fatalf("listed %d keys, want %d", count, n)
		}
	}
	open := func() {
		s, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: []string{ep}, Prefix: "/huge/", OpTimeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		if s.Len() != n {
			b.Fatalf("read %d keys, want %d", s.Len(), n)
		}
		s.Close()
	}
	var listTime, openTime time.Duration
	for b.Loop() {
		start := time.Now()
		listKeys()
		mid := time.Now()
		open()
		listTime += mid.Sub(start)
		openTime += time.Since(mid)
	}
	b.ReportMetric(listTime.Seconds()/float64(b.N), "keys-only-s/op")
	b.ReportMetric(openTime.Seconds()/float64(b.N), "open-s/op")
	b.ReportMetric(float64(openTime)/float64(listTime), "ratio")
}
