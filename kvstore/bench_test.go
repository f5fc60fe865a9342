package kvstore

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks compare the store with a baseline that works the way the
// original library did: a map of decoded values under a mutex, saved by
// json.Marshal of the whole map and os.WriteFile on every always-save write,
// and loaded with json.Unmarshal. Both run in the same `go test -bench` run,
// so their ratio holds across machines. Every benchmark reports writes/s,
// MB written and fsyncs per operation so the mechanism behind a number is
// visible.

var benchSizes = []int{1_000, 10_000, 100_000}

// benchValue returns a JSON object of about 200 bytes, distinct per i.
func benchValue(i int) map[string]any {
	return map[string]any{
		"id":     i,
		"name":   fmt.Sprintf("user-%06d", i),
		"email":  fmt.Sprintf("user%06d@example.com", i),
		"tags":   []any{"alpha", "beta", "gamma"},
		"score":  float64(i%1000) / 8,
		"active": i%2 == 0,
		"bio":    strings.Repeat("lorem ipsum ", 6),
	}
}

func benchKey(i int) string { return fmt.Sprintf("key:%08d", i) }

// writeBenchFile writes a data file with n keys and returns its path, with
// the disk settled for the timed part.
func writeBenchFile(b testing.TB, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "data.json")
	m := make(map[string]any, n)
	for i := range n {
		m[benchKey(i)] = benchValue(i)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	settleDisk()
	return path
}

// countingFS counts bytes written and fsyncs made through the store's
// file-system seam.
type countingFS struct {
	osFS
	bytes, syncs atomic.Int64
}

type countingFile struct {
	tempFile
	fs *countingFS
}

type countingAppend struct {
	appendFile
	fs *countingFS
}

func (c *countingFS) CreateTemp(dir, pattern string) (tempFile, error) {
	f, err := c.osFS.CreateTemp(dir, pattern)
	return countingFile{f, c}, err
}

func (c *countingFS) OpenAppend(name string, perm os.FileMode) (appendFile, error) {
	f, err := c.osFS.OpenAppend(name, perm)
	return countingAppend{f, c}, err
}

func (c *countingFS) SyncDir(dir string) error {
	c.syncs.Add(1)
	return c.osFS.SyncDir(dir)
}

func (f countingFile) Write(p []byte) (int, error) {
	f.fs.bytes.Add(int64(len(p)))
	return f.tempFile.Write(p)
}

func (f countingFile) Sync() error { f.fs.syncs.Add(1); return f.tempFile.Sync() }

func (f countingAppend) Write(p []byte) (int, error) {
	f.fs.bytes.Add(int64(len(p)))
	return f.appendFile.Write(p)
}

func (f countingAppend) Sync() error { f.fs.syncs.Add(1); return f.appendFile.Sync() }

// baselineStore is the original library's method, kept here as the yardstick.
type baselineStore struct {
	mu   sync.Mutex
	path string
	data map[string]any
	fs   *countingFS
}

func openBaseline(path string, fs *countingFS) (*baselineStore, error) {
	s := &baselineStore{path: path, data: map[string]any{}, fs: fs}
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &s.data)
	} else if os.IsNotExist(err) {
		err = nil
	}
	return s, err
}

func (s *baselineStore) Set(key string, v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = v
	b, err := json.Marshal(s.data)
	if err != nil {
		return err
	}
	s.fs.bytes.Add(int64(len(b)))
	return os.WriteFile(s.path, b, 0o644)
}

// Keys returns the keys sorted, as the store's Keys does.
func (s *baselineStore) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.data))
	for k := range s.data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (s *baselineStore) Get(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

// reportIO adds throughput and I/O-per-operation metrics.
func reportIO(b *testing.B, fs *countingFS, elapsed time.Duration) {
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(fs.bytes.Load())/1e6/float64(b.N), "MB/op")
	b.ReportMetric(float64(fs.syncs.Load())/float64(b.N), "fsyncs/op")
}

// runWriters splits b.N calls of set over the given number of goroutines.
func runWriters(b *testing.B, writers int, set func(i int) error) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := set(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func BenchmarkSet(b *testing.B) {
	// Writes alternate between two values, so that every write is a change.
	var values [2][]byte
	var decoded [2]any
	for i := range values {
		values[i], _ = json.Marshal(benchValue(7 + i))
		json.Unmarshal(values[i], &decoded[i])
	}
	for _, n := range benchSizes {
		for _, writers := range []int{1, 8} {
			for _, strategy := range []string{"baseline", "always", "periodic"} {
				b.Run(fmt.Sprintf("%s/keys=%d/writers=%d", strategy, n, writers), func(b *testing.B) {
					path := writeBenchFile(b, n)
					fs := &countingFS{}
					var set func(i int) error
					switch strategy {
					case "baseline":
						s, err := openBaseline(path, fs)
						if err != nil {
							b.Fatal(err)
						}
						set = func(i int) error { return s.Set(benchKey(i%n), decoded[i/n%2]) }
					default:
						s, err := open(path, &Options{AlwaysSave: strategy == "always"}, fs)
						if err != nil {
							b.Fatal(err)
						}
						defer s.Close()
						set = func(i int) error { return s.SetRaw(benchKey(i%n), values[i/n%2]) }
					}
					b.ResetTimer()
					reportIO(b, fs, runWriters(b, writers, set))
				})
			}
		}
	}
}

// BenchmarkFlush measures a save after one edit: a periodic save of the
// store, a whole-file write for the baseline.
func BenchmarkFlush(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		for _, strategy := range []string{"baseline", "store"} {
			benchFlush(b, strategy, n)
		}
	}
}

// benchFlush runs one strategy of BenchmarkFlush at n keys.
func benchFlush(b *testing.B, strategy string, n int) {
	b.Run(fmt.Sprintf("%s/keys=%d", strategy, n), func(b *testing.B) {
		path := writeBenchFile(b, n)
		fs := &countingFS{}
		var flush func(i int) error
		if strategy == "baseline" {
			s, err := openBaseline(path, fs)
			if err != nil {
				b.Fatal(err)
			}
			flush = func(i int) error { return s.Set(benchKey(0), i) }
		} else {
			s, err := open(path, &Options{SaveInterval: -1}, fs)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			flush = func(i int) error {
				if err := s.Set(benchKey(0), i); err != nil {
					return err
				}
				return s.Flush()
			}
		}
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			if err := flush(i); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		b.ReportMetric(float64(elapsed.Microseconds())/1e3/float64(b.N), "ms/flush")
		b.ReportMetric(float64(fs.bytes.Load())/1e6/float64(b.N), "MB/op")
		b.ReportMetric(float64(fs.syncs.Load())/float64(b.N), "fsyncs/op")
	})
}

// BenchmarkGet measures lookups from all cores at once. Each variant runs
// alone in memory: a store kept alive by another variant would make every
// garbage collection scan it, and charge that to this one's allocations.
func BenchmarkGet(b *testing.B) {
	const n = 100_000
	path := writeBenchFile(b, n)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	variants := []struct {
		name string
		open func() (get func(key string) bool, close func())
	}{
		{"baseline", func() (func(string) bool, func()) {
			s, err := openBaseline(path, &countingFS{})
			if err != nil {
				b.Fatal(err)
			}
			return func(k string) bool { _, ok := s.Get(k); return ok }, func() {}
		}},
		{"Get", func() (func(string) bool, func()) {
			s, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			return func(k string) bool { _, ok := s.Get(k); return ok }, func() { s.Close() }
		}},
		{"GetRaw", func() (func(string) bool, func()) {
			s, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			return func(k string) bool { raw, ok := s.GetRaw(k); keepRaw(raw); return ok }, func() { s.Close() }
		}},
	}
	for _, v := range variants {
		b.Run(fmt.Sprintf("%s/keys=%d/parallel", v.name, n), func(b *testing.B) {
			get, closeStore := v.open()
			defer closeStore()
			runtime.GC()
			b.ResetTimer()
			var seed atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(7919))
				for pb.Next() {
					i = (i + 104729) % n
					if !get(keys[i]) {
						b.Error("missing key")
					}
				}
			})
		})
	}
}

// keptRaw is where keepRaw would put a slice.
var keptRaw []byte

// keepRaw makes raw escape, as the copy of a caller that keeps it does;
// without it the compiler may let an unused GetRaw result share the
// stored bytes instead of copying them.
//
//go:noinline
func keepRaw(raw []byte) {
	if len(raw) < 0 {
		keptRaw = raw
	}
}

func BenchmarkKeys(b *testing.B) {
	const n = 100_000
	path := writeBenchFile(b, n)
	base, err := openBaseline(path, &countingFS{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Run(fmt.Sprintf("baseline/keys=%d", n), func(b *testing.B) {
		for b.Loop() {
			if len(base.Keys()) != n {
				b.Fatal("wrong key count")
			}
		}
	})
	b.Run(fmt.Sprintf("store/keys=%d", n), func(b *testing.B) {
		for b.Loop() {
			if len(s.Keys()) != n {
				b.Fatal("wrong key count")
			}
		}
	})
}

// BenchmarkLoad measures Open on an existing file and the heap the loaded
// store keeps per key.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		path := writeBenchFile(b, n)
		for _, strategy := range []string{"baseline", "store"} {
			b.Run(fmt.Sprintf("%s/keys=%d", strategy, n), func(b *testing.B) {
				var keep any
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for range b.N {
					// Collect the previous iteration's store untimed: a
					// program opens its store with little garbage about,
					// and collecting 500 MB of it mid-load made 1M-key
					// loads vary from 0.6 to 2 s.
					b.StopTimer()
					keep = nil
					runtime.GC()
					b.StartTimer()
					if strategy == "baseline" {
						s, err := openBaseline(path, &countingFS{})
						if err != nil || len(s.data) != n {
							b.Fatal("baseline load failed", err)
						}
						keep = s
					} else {
						s, err := Open(path, &Options{ReadOnly: true})
						if err != nil || s.Len() != n {
							b.Fatal("load failed", err)
						}
						keep = s
					}
				}
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(n), "heapB/key")
				runtime.KeepAlive(keep)
			})
		}
	}
}

// BenchmarkReadKey measures ReadKey, which finds one key of a 1M-key file
// (300 MB) without building a store, beside a plain read of the same file
// (os.ReadFile, the yardstick: `kvstore get` is to take at most twice as
// long) and the read-only Open and GetRaw that it replaces in `kvstore
// get`. Each iteration starts with the previous one's garbage collected,
// untimed. cpu-ms/op is the process's CPU time (user and system, every
// thread) in the timed part, which a machine busy with other work inflates
// less than the time by the clock; ReadKey scans a large file on every
// core at once, so the clock's time is less than its CPU time. Run with
// -test.cpu 1,2 to see it on one core and on two.
func BenchmarkReadKey(b *testing.B) {
	const n = 1_000_000
	path := writeBenchFile(b, n)
	key := benchKey(n / 2)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	want, err := json.Marshal(benchValue(n / 2))
	if err != nil {
		b.Fatal(err)
	}
	variants := []struct {
		name string
		get  func() ([]byte, error)
	}{
		{"readfile", func() ([]byte, error) { return os.ReadFile(path) }},
		{"readkey", func() ([]byte, error) {
			got, err := ReadKey(path, key)
			return got.Value, err
		}},
		{"open", func() ([]byte, error) {
			s, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				return nil, err
			}
			v, _ := s.GetRaw(key)
			return v, s.Close()
		}},
	}
	for _, v := range variants {
		b.Run(fmt.Sprintf("%s/keys=%d", v.name, n), func(b *testing.B) {
			b.SetBytes(info.Size())
			var cpu time.Duration
			measured := true
			for range b.N {
				b.StopTimer()
				runtime.GC()
				b.StartTimer()
				before, ok1 := processCPU()
				got, err := v.get()
				after, ok2 := processCPU()
				cpu += after - before
				measured = measured && ok1 && ok2
				if err != nil {
					b.Fatal(err)
				}
				if v.name != "readfile" && string(got) != string(want) {
					b.Fatalf("got %s, want %s", got, want)
				}
			}
			if measured {
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			}
		})
	}
}
