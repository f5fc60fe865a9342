package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tidwall/buntdb"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// BenchmarkDurableWrite measures writes that are on disk when the call
// returns, with one writer and with eight, into a store preloaded with
// writeKeys keys: the store in always-save mode, buntdb with SyncPolicy
// Always, bbolt (whose every Update commits with fsync), pebble with Sync
// writes, and, as the disk's own rate, a plain loop that appends one value
// to a file and fdatasyncs it: on a growing file, on one allocated ahead
// with fallocate and on one filled with zeros ahead, whose fdatasyncs carry
// no change of size. Each variant
// runs in a fresh directory after sync(2), so none pays for the writeback
// of another. Values are writeValueLen bytes of JSON; each write replaces
// a preloaded key's value with a different one.
//
//	go test -run '^$' -bench DurableWrite -benchtime 2s -count 3
func BenchmarkDurableWrite(b *testing.B) {
	for _, writers := range []int{1, 8} {
		for _, v := range writeVariants {
			if v.single && writers > 1 {
				continue
			}
			b.Run(fmt.Sprintf("writers=%d/%s", writers, v.name), func(b *testing.B) {
				dir := b.TempDir()
				set, closeFn := v.open(b, dir)
				defer func() {
					if err := closeFn(); err != nil {
						b.Error(err)
					}
				}()
				syscall.Sync()
				b.ResetTimer()
				elapsed := runWriteLoad(b, writers, set)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
			})
		}
	}
}

const (
	writeKeys     = 100_000 // keys preloaded before the timed writes
	writeValueLen = 189     // bytes of JSON in each value
)

// writeKey is the key of preloaded entry i.
func writeKey(i int) string { return fmt.Sprintf("key:%08d", i%writeKeys) }

// writeValue is a JSON object of exactly writeValueLen bytes, distinct for
// each i and round, so that every timed write changes the stored value.
func writeValue(i, round int) []byte {
	head := fmt.Sprintf(`{"id":%d,"round":%d,"name":"user-%06d","email":"user%06d@example.com","active":%t,"bio":"`,
		i, round, i, i, i%2 == 0)
	tail := `"}`
	pad := writeValueLen - len(head) - len(tail)
	return []byte(head + strings.Repeat("x", pad) + tail)
}

// writeVariant is one store under test: open preloads it in dir and
// returns a function that makes write i durable, and one that closes it.
type writeVariant struct {
	name   string
	single bool // one writer only: the disk's own rate
	open   func(b *testing.B, dir string) (set func(i int) error, closeFn func() error)
}

var writeVariants = []writeVariant{
	{name: "fdatasync", single: true, open: openFdatasyncLoop(growing)},
	{name: "fdatasync-fallocated", single: true, open: openFdatasyncLoop(fallocated)},
	{name: "fdatasync-zeroed", single: true, open: openFdatasyncLoop(zeroed)},
	{name: "kvstore", open: openKVStoreWrites},
	{name: "buntdb", open: openBuntWrites},
	{name: "bbolt", open: openBoltWrites},
	{name: "pebble", open: openPebbleWrites},
}

// runWriteLoad splits b.N writes over the given number of goroutines and
// returns how long they took.
func runWriteLoad(b *testing.B, writers int, set func(i int) error) time.Duration {
	return writeBlock(b, writers, 0, b.N, set)
}

// writeBlock makes writes from to from+n-1 with the given number of
// goroutines sharing them and returns how long they took.
func writeBlock(b *testing.B, writers, from, n int, set func(i int) error) time.Duration {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= from+n {
					return
				}
				if err := set(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkDurableWriteAlternating measures the store against pebble as
// BenchmarkDurableWrite does, but both are open at once and take turns in
// blocks of alternateBlock writes (which goes first changes every block),
// so that both see the same disk: on a shared machine the disk's rate
// drifts by several times within a minute, more than the difference
// between the two when they run one after the other. b.N writes go to
// each; the ratio of their rates is reported as kvstore/pebble.
//
//	go test -run '^$' -bench DurableWriteAlternating -benchtime 3000x -count 3
func BenchmarkDurableWriteAlternating(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			kvSet, kvClose := openKVStoreWrites(b, b.TempDir())
			defer func() {
				if err := kvClose(); err != nil {
					b.Error(err)
				}
			}()
			pebbleSet, pebbleClose := openPebbleWrites(b, b.TempDir())
			defer func() {
				if err := pebbleClose(); err != nil {
					b.Error(err)
				}
			}()
			syscall.Sync()
			b.ResetTimer()
			kvTime, pebbleTime := takeTurns(b.N, alternateBlock,
				func(from, n int) time.Duration { return writeBlock(b, writers, from, n, kvSet) },
				func(from, n int) time.Duration { return writeBlock(b, writers, from, n, pebbleSet) })
			b.StopTimer()
			kvRate := float64(b.N) / kvTime.Seconds()
			pebbleRate := float64(b.N) / pebbleTime.Seconds()
			b.ReportMetric(kvRate, "kvstore-writes/s")
			b.ReportMetric(pebbleRate, "pebble-writes/s")
			b.ReportMetric(kvRate/pebbleRate, "kvstore/pebble")
		})
	}
}

// alternateBlock is how many writes one store makes before the other
// takes its turn in BenchmarkDurableWriteAlternating.
const alternateBlock = 200

// How the raw loop's file is laid out before the timed appends.
const (
	growing    = iota // empty: each append extends the file
	fallocated        // fallocate'd: the size is set, the blocks unwritten
	zeroed            // zeros written and fsynced: appends overwrite them
)

// rawLogRoom is the room a fallocated or zeroed log is given, more than a
// run appends.
const rawLogRoom = 64 << 20

func openFdatasyncLoop(layout int) func(b *testing.B, dir string) (func(int) error, func() error) {
	return func(b *testing.B, dir string) (func(int) error, func() error) {
		f, err := os.OpenFile(filepath.Join(dir, "log"), os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		switch layout {
		case fallocated:
			err = unix.Fallocate(int(f.Fd()), 0, 0, rawLogRoom)
		case zeroed:
			_, err = f.Write(make([]byte, rawLogRoom))
		}
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var off int64
		set := func(i int) error {
			line := append(writeValue(i, 1), '\n')
			mu.Lock()
			defer mu.Unlock()
			if off+int64(len(line)) > rawLogRoom {
				off = 0
			}
			_, err := f.WriteAt(line, off)
			off += int64(len(line))
			if err != nil {
				return err
			}
			return unix.Fdatasync(int(f.Fd()))
		}
		return set, f.Close
	}
}

func openKVStoreWrites(b *testing.B, dir string) (func(int) error, func() error) {
	path := filepath.Join(dir, "data.json")
	var sb strings.Builder
	sb.WriteString("{\n")
	for i := range writeKeys {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, "  %q: %s", writeKey(i), writeValue(i, 0))
	}
	sb.WriteString("\n}\n")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	s, err := kvstore.NewKVStore(path, true)
	if err != nil {
		b.Fatal(err)
	}
	set := func(i int) error { return s.SetRaw(writeKey(i), writeValue(i, 1+i/writeKeys)) }
	return set, s.Close
}

func openBuntWrites(b *testing.B, dir string) (func(int) error, func() error) {
	db, err := buntdb.Open(filepath.Join(dir, "data.db"))
	if err != nil {
		b.Fatal(err)
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		b.Fatal(err)
	}
	cfg.SyncPolicy = buntdb.Never
	if err := db.SetConfig(cfg); err != nil {
		b.Fatal(err)
	}
	err = db.Update(func(tx *buntdb.Tx) error {
		for i := range writeKeys {
			if _, _, err := tx.Set(writeKey(i), string(writeValue(i, 0)), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	cfg.SyncPolicy = buntdb.Always
	if err := db.SetConfig(cfg); err != nil {
		b.Fatal(err)
	}
	set := func(i int) error {
		return db.Update(func(tx *buntdb.Tx) error {
			_, _, err := tx.Set(writeKey(i), string(writeValue(i, 1+i/writeKeys)), nil)
			return err
		})
	}
	return set, db.Close
}

func openBoltWrites(b *testing.B, dir string) (func(int) error, func() error) {
	db, err := bolt.Open(filepath.Join(dir, "data.bolt"), 0o644, nil)
	if err != nil {
		b.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket(boltBucket)
		if err != nil {
			return err
		}
		for i := range writeKeys {
			if err := bk.Put([]byte(writeKey(i)), writeValue(i, 0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	set := func(i int) error {
		return db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(boltBucket).Put([]byte(writeKey(i)), writeValue(i, 1+i/writeKeys))
		})
	}
	return set, db.Close
}

func openPebbleWrites(b *testing.B, dir string) (func(int) error, func() error) {
	db, err := pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	batch := db.NewBatch()
	for i := range writeKeys {
		if err := batch.Set([]byte(writeKey(i)), writeValue(i, 0), nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		b.Fatal(err)
	}
	set := func(i int) error {
		return db.Set([]byte(writeKey(i)), writeValue(i, 1+i/writeKeys), pebble.Sync)
	}
	return set, db.Close
}

// quietLogger keeps pebble's informational messages out of the benchmark's
// output; errors still fail it.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+format+"\n", args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}
