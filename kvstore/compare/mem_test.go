package compare

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// heapKeys is the number of keys BenchmarkHeapPerKey loads.
const heapKeys = 1_000_000

// BenchmarkHeapPerKey loads heapKeys keys into each store and reports the
// heap the loaded store keeps, per key (B/key), measured with
// runtime.ReadMemStats after a full collection before and after the load.
// The store opens a data file of those keys, read-only (as a viewer does)
// and as the writer; buntdb, in memory, is given the same keys and values
// in transactions of 10,000. ns/op is the time of one load and cpu-s/op
// the processor time it took on all threads, which a machine busy with
// other work disturbs less. Each variant runs alone in memory.
//
//	go test -run '^$' -bench HeapPerKey -benchtime 1x -count 3
func BenchmarkHeapPerKey(b *testing.B) {
	path := writeStoreFile(b, heapKeys)
	variants := []struct {
		name string
		load func(b *testing.B) (release func())
	}{
		{"kvstore/readonly", func(b *testing.B) func() {
			return openStore(b, path, &kvstore.Options{ReadOnly: true})
		}},
		{"kvstore/writer", func(b *testing.B) func() {
			return openStore(b, path, &kvstore.Options{SaveInterval: -1})
		}},
		{"buntdb", func(b *testing.B) func() {
			db := loadBunt(b, heapKeys)
			return func() { db.Close() }
		}},
	}
	for _, v := range variants {
		b.Run(fmt.Sprintf("%s/keys=%d", v.name, heapKeys), func(b *testing.B) {
			var perKey float64
			var cpu time.Duration
			cpuOK := true
			for range b.N {
				b.StopTimer()
				before := heapAlloc()
				cpu0, ok0 := cpuTime()
				b.StartTimer()
				release := v.load(b)
				b.StopTimer()
				cpu1, ok1 := cpuTime()
				cpu += cpu1 - cpu0
				cpuOK = cpuOK && ok0 && ok1
				perKey = float64(heapAlloc()-before) / heapKeys
				release()
				b.StartTimer()
			}
			b.ReportMetric(perKey, "B/key")
			if cpuOK {
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			}
		})
	}
}

// openStore opens the store at path and checks that it holds heapKeys
// keys; release closes it.
func openStore(b *testing.B, path string, opts *kvstore.Options) func() {
	s, err := kvstore.Open(path, opts)
	if err != nil {
		b.Fatal(err)
	}
	if s.Len() != heapKeys {
		b.Fatalf("loaded %d keys, want %d", s.Len(), heapKeys)
	}
	return func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
		runtime.KeepAlive(s)
	}
}
