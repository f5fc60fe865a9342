package etcdstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

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
