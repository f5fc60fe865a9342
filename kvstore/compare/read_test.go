package compare

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tidwall/buntdb"
	bolt "go.etcd.io/bbolt"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// readKeys is the number of keys BenchmarkReadText reads from.
const readKeys = 100_000

// BenchmarkReadText reads the stored text of a key from all cores at once,
// each goroutine striding through the keys so that consecutive reads touch
// unrelated memory. The store's GetText and GetRaw (which copies) are
// measured beside the floor of a shared sync.Map holding the same strings,
// buntdb's Get, bbolt's Get (which returns the bytes of its memory map,
// valid inside the transaction, and is not asked to copy them) and
// pebble's Get (its bytes, valid until the closer is closed, not copied
// either; the keys are flushed to one table, so a read is a table lookup). Each variant
// runs alone in memory, so that no other store's heap is scanned by the
// collections in its run.
//
//	go test -run '^$' -bench ReadText -benchtime 2s -count 3
func BenchmarkReadText(b *testing.B) {
	keys := make([]string, readKeys)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	path := writeStoreFile(b, readKeys)
	variants := []struct {
		name string
		// get returns the last byte of key's text, 0 if it is missing: a
		// use of the text that the compiler cannot drop with the call.
		open func(b *testing.B) (get func(key string) byte, release func())
	}{
		{"kvstore/GetText", func(b *testing.B) (func(string) byte, func()) {
			s := openReader(b, path)
			return func(k string) byte {
				text, _ := s.GetText(k)
				return lastByte(text)
			}, func() { s.Close() }
		}},
		{"kvstore/GetRaw", func(b *testing.B) (func(string) byte, func()) {
			s := openReader(b, path)
			return func(k string) byte {
				raw, _ := s.GetRaw(k)
				keep(raw)
				return lastByte(raw)
			}, func() { s.Close() }
		}},
		{"syncmap/Load", func(b *testing.B) (func(string) byte, func()) {
			var m sync.Map
			for i, k := range keys {
				m.Store(k, string(benchValue(i)))
			}
			if v, ok := m.Load(keys[7]); !ok || v.(string) != string(benchValue(7)) {
				b.Fatal("sync.Map lost a value")
			}
			return func(k string) byte {
				v, _ := m.Load(k)
				text, _ := v.(string)
				return lastByte(text)
			}, func() {}
		}},
		{"buntdb/Get", func(b *testing.B) (func(string) byte, func()) {
			db := loadBunt(b, readKeys)
			if !buntHas(db, keys[7], string(benchValue(7))) {
				b.Fatal("buntdb lost a value")
			}
			return func(k string) byte {
				var last byte
				db.View(func(tx *buntdb.Tx) error {
					text, _ := tx.Get(k)
					last = lastByte(text)
					return nil
				})
				return last
			}, func() { db.Close() }
		}},
		{"bbolt/Get", func(b *testing.B) (func(string) byte, func()) {
			db := loadBolt(b, readKeys)
			if !boltHas(db, keys[7], string(benchValue(7))) {
				b.Fatal("bbolt lost a value")
			}
			return func(k string) byte {
				var last byte
				db.View(func(tx *bolt.Tx) error {
					last = lastByte(tx.Bucket(boltBucket).Get([]byte(k)))
					return nil
				})
				return last
			}, func() { db.Close() }
		}},
		{"pebble/Get", func(b *testing.B) (func(string) byte, func()) {
			db := loadPebble(b, readKeys)
			if !pebbleHas(db, keys[7], string(benchValue(7))) {
				b.Fatal("pebble lost a value")
			}
			return func(k string) byte {
				v, closer, err := db.Get([]byte(k))
				if err != nil {
					return 0
				}
				last := lastByte(v)
				closer.Close()
				return last
			}, func() { db.Close() }
		}},
	}
	for _, v := range variants {
		b.Run(fmt.Sprintf("%s/keys=%d/parallel", v.name, readKeys), func(b *testing.B) {
			get, release := v.open(b)
			defer release()
			heapAlloc() // collect the setup's garbage before the timed part
			b.ReportAllocs()
			b.ResetTimer()
			var seed atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(7919))
				for pb.Next() {
					i = (i + 104729) % readKeys
					if get(keys[i]) != '}' {
						b.Error("missing key")
					}
				}
			})
		})
	}
}

// openReader opens a read-only store on path and checks one value.
func openReader(b *testing.B, path string) *kvstore.KVStore {
	s, err := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	if text, ok := s.GetText(benchKey(7)); !ok || text != string(benchValue(7)) {
		b.Fatalf("GetText(%q) = %q, %v; want %q", benchKey(7), text, ok, benchValue(7))
	}
	return s
}

// kept is where keep would put a slice.
var kept []byte

// keep makes b escape to the heap, as a caller's copy that it keeps does:
// the compiler never makes it store b, but cannot prove it, so a
// conversion whose result is passed here cannot share a string's bytes.
//
//go:noinline
func keep(b []byte) {
	if len(b) < 0 {
		kept = b
	}
}

// lastByte returns the last byte of text, or 0 if it is empty.
func lastByte[T ~string | ~[]byte](text T) byte {
	if len(text) == 0 {
		return 0
	}
	return text[len(text)-1]
}

// buntHas reports whether key holds want in db.
func buntHas(db *buntdb.DB, key, want string) bool {
	var ok bool
	db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(key)
		ok = err == nil && v == want
		return nil
	})
	return ok
}

// boltHas is buntHas for bbolt.
func boltHas(db *bolt.DB, key, want string) bool {
	var ok bool
	db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(boltBucket).Get([]byte(key))
		ok = string(v) == want
		return nil
	})
	return ok
}

// pebbleHas is buntHas for pebble.
func pebbleHas(db *pebble.DB, key, want string) bool {
	v, closer, err := db.Get([]byte(key))
	if err != nil {
		return false
	}
	ok := string(v) == want
	closer.Close()
	return ok
}

// BenchmarkReadTextAlternating measures GetText against a shared sync.Map
// as BenchmarkReadText does, but in one run: the two take turns in blocks
// of readBlock reads from every core at once (which goes first changes
// every block), so that a change in the machine's load during the run
// moves both alike. b.N reads go to each; the ratio of their times is
// reported as GetText/syncmap.
//
//	go test -run '^$' -bench ReadTextAlternating -count 3
func BenchmarkReadTextAlternating(b *testing.B) {
	keys := make([]string, readKeys)
	var m sync.Map
	for i := range keys {
		keys[i] = benchKey(i)
		m.Store(keys[i], string(benchValue(i)))
	}
	s := openReader(b, writeStoreFile(b, readKeys))
	defer s.Close()
	fromStore := func(k string) byte {
		text, _ := s.GetText(k)
		return lastByte(text)
	}
	fromMap := func(k string) byte {
		v, _ := m.Load(k)
		text, _ := v.(string)
		return lastByte(text)
	}
	heapAlloc()
	b.ReportAllocs()
	b.ResetTimer()
	storeTime, mapTime := takeTurns(b.N, readBlock,
		func(from, n int) time.Duration { return readBlockParallel(b, keys, from, n, fromStore) },
		func(from, n int) time.Duration { return readBlockParallel(b, keys, from, n, fromMap) })
	b.StopTimer()
	b.ReportMetric(float64(storeTime.Nanoseconds())/float64(b.N), "GetText-ns/read")
	b.ReportMetric(float64(mapTime.Nanoseconds())/float64(b.N), "syncmap-ns/read")
	b.ReportMetric(storeTime.Seconds()/mapTime.Seconds(), "GetText/syncmap")
}

// readBlock is how many reads one side makes before the other takes its
// turn in BenchmarkReadTextAlternating.
const readBlock = 20_000

// readBlockParallel makes reads from to from+n-1, striding through keys as
// BenchmarkReadText does, shared by one goroutine per core, and returns
// how long they took.
func readBlockParallel(b *testing.B, keys []string, from, n int, get func(string) byte) time.Duration {
	procs := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	start := time.Now()
	for p := range procs {
		wg.Go(func() {
			for j := from + p; j < from+n; j += procs {
				if get(keys[(j*104729)%len(keys)]) != '}' {
					b.Error("missing key")
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
