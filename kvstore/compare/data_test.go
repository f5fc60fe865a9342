package compare

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tidwall/buntdb"
	bolt "go.etcd.io/bbolt"
)

// The data every benchmark of this package uses: key i and its value are the
// same in every store, so that the stores hold identical content.

// valueSize is the length of every value: a JSON object of 189 bytes.
const valueSize = 189

// benchKey returns key i, "key:" and eight digits, so that keys in numeric
// order are also in byte order.
func benchKey(i int) string { return fmt.Sprintf("key:%08d", i) }

// benchValue returns the value of key i: a compact JSON object of exactly
// valueSize bytes, distinct per i (for i below 9,000,000).
func benchValue(i int) []byte {
	head := fmt.Sprintf(`{"id":%d,"name":"user-%07d","email":"user%07d@example.com","tags":["alpha","beta","gamma"],"score":%d.5,"active":%t,"bio":"`,
		1_000_000+i, i, i, 100+i%900, i%2 == 0)
	const tail = `"}`
	bio := strings.Repeat("lorem ipsum ", valueSize/12+1)[:valueSize-len(head)-len(tail)]
	v := head + bio + tail
	if len(v) != valueSize {
		panic(fmt.Sprintf("value %d is %d bytes, not %d", i, len(v), valueSize))
	}
	return []byte(v)
}

// writeStoreFile writes a kvstore data file of keys 0 to n-1 in a new
// temporary directory and returns its path. It is laid out as the store
// writes a file: one member per line, each value's own members indented
// below it, two spaces a level.
func writeStoreFile(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "data.json")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("{\n")
	for i := range n {
		fmt.Fprintf(w, "  %q: ", benchKey(i))
		w.Write(indentValue(benchValue(i)))
		if i < n-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	w.WriteString("}\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// indentValue lays out a value of benchValue's shape (a flat object whose
// only array holds strings) one member per line at the depth of a data
// file's member.
func indentValue(v []byte) []byte {
	out := make([]byte, 0, 2*len(v))
	depth, inString := 1, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inString:
			out = append(out, c)
			if c == '\\' {
				i++
				out = append(out, v[i])
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			out = append(out, c)
		case c == '{' || c == '[':
			depth++
			out = append(out, c, '\n')
			out = append(out, strings.Repeat("  ", depth)...)
		case c == '}' || c == ']':
			depth--
			out = append(out, '\n')
			out = append(out, strings.Repeat("  ", depth)...)
			out = append(out, c)
		case c == ',':
			out = append(out, ",\n"...)
			out = append(out, strings.Repeat("  ", depth)...)
		case c == ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

// heapAlloc returns the bytes of live heap objects after a full garbage
// collection.
func heapAlloc() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// quietPebbleLogger is a pebble.Logger that drops pebble's informational
// messages (a line per WAL recovery and flush), which would otherwise break
// up the benchmark's output lines, and passes on its errors.
type quietPebbleLogger struct{}

func (quietPebbleLogger) Infof(string, ...any)           {}
func (quietPebbleLogger) Errorf(format string, a ...any) { log.Printf(format, a...) }
func (quietPebbleLogger) Fatalf(format string, a ...any) { log.Fatalf(format, a...) }

// loadBunt returns an in-memory buntdb holding keys 0 to n-1.
func loadBunt(tb testing.TB, n int) *buntdb.DB {
	tb.Helper()
	db, err := buntdb.Open(":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := db.Update(func(tx *buntdb.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				if _, _, err := tx.Set(benchKey(i), string(benchValue(i)), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

var boltBucket = []byte("data")

// loadBolt returns a bbolt database in a temporary directory holding keys 0
// to n-1, in one bucket.
func loadBolt(tb testing.TB, n int) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "bolt.db"), 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(boltBucket)
			if err != nil {
				return err
			}
			for i := start; i < min(start+batch, n); i++ {
				if err := bk.Put([]byte(benchKey(i)), benchValue(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// loadPebble returns a pebble database in a temporary directory holding
// keys 0 to n-1, flushed from the memtable to a table.
func loadPebble(tb testing.TB, n int) *pebble.DB {
	tb.Helper()
	db, err := pebble.Open(filepath.Join(tb.TempDir(), "pebble"), &pebble.Options{Logger: quietPebbleLogger{}})
	if err != nil {
		tb.Fatal(err)
	}
	batch := db.NewBatch()
	for i := range n {
		if err := batch.Set([]byte(benchKey(i)), benchValue(i), nil); err != nil {
			tb.Fatal(err)
		}
	}
	if err := batch.Commit(pebble.NoSync); err != nil {
		tb.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		tb.Fatal(err)
	}
	return db
}

// takeTurns makes n operations on each of two sides, in blocks of block
// operations that alternate between them, the side that goes first
// changing every block, so that a change in the machine's speed during the
// run falls on both alike. a and b make operations from to from+n-1 and
// return how long they took; takeTurns returns each side's total.
func takeTurns(n, block int, a, b func(from, n int) time.Duration) (ta, tb time.Duration) {
	for from, turn := 0, 0; from < n; from, turn = from+block, turn+1 {
		k := min(block, n-from)
		if turn%2 == 0 {
			ta += a(from, k)
			tb += b(from, k)
		} else {
			tb += b(from, k)
			ta += a(from, k)
		}
	}
	return ta, tb
}
