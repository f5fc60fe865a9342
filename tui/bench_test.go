package tui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/editor"
)

// Benchmarks of the work one keystroke costs (Update and View) and of the
// time to the first frame, at 1k, 10k and 100k keys with ~200-byte values.
//
//	go test ./tui -run '^$' -bench . -benchtime 2s

var benchSizes = []struct {
	name string
	keys int
}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}}

var (
	benchFilesMu sync.Mutex
	benchFiles   = map[int]string{}
)

// benchFile returns a data file with n keys, written once per run.
func benchFile(b *testing.B, n int) string {
	b.Helper()
	benchFilesMu.Lock()
	defer benchFilesMu.Unlock()
	if p, ok := benchFiles[n]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "kvstore-bench-")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "data.json")
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := s.SetRaw(benchKey(i), benchValue(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	benchFiles[n] = path
	return path
}

func removeBenchFiles() {
	benchFilesMu.Lock()
	defer benchFilesMu.Unlock()
	for _, p := range benchFiles {
		os.RemoveAll(filepath.Dir(p))
	}
}

var benchKinds = []string{"users", "orders", "sessions", "config", "cache", "metrics", "invoices", "devices"}

// benchKey spreads keys over a few prefixes, as real stores do.
func benchKey(i int) string {
	return fmt.Sprintf("%s/%07d/%s", benchKinds[i%len(benchKinds)], i*7919%10_000_000, []string{"profile", "state", "meta"}[i%3])
}

// benchValue is a ~200-byte object.
func benchValue(i int) []byte {
	v, _ := json.Marshal(map[string]any{
		"id":      i,
		"name":    fmt.Sprintf("Item number %d", i),
		"email":   fmt.Sprintf("user%d@example.com", i),
		"active":  i%2 == 0,
		"tags":    []string{"alpha", "beta", "gamma"},
		"score":   float64(i%1000) / 7,
		"address": map[string]any{"city": "Springfield", "zip": fmt.Sprintf("%05d", i%100000)},
	})
	return v
}

// benchModel opens the file of n keys and returns a laid-out model.
func benchModel(b *testing.B, n int) Model {
	b.Helper()
	s, err := kvstore.Open(benchFile(b, n), &kvstore.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	m := New(FileSource(s), Options{Keys: testKeyMap()})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return next.(Model)
}

// step is one keystroke: Update, then the View the renderer would draw.
func step(m Model, msg tea.Msg) Model {
	next, _ := m.Update(msg)
	m = next.(Model)
	_ = m.View()
	return m
}

func BenchmarkMove(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			benchMoves(b, benchModel(b, size.keys))
		})
	}
}

// BenchmarkFilterKeystroke measures the two costliest filter keystrokes:
// the first character, which searches every key, and a backspace, which
// cannot narrow the previous result and searches every key again with a
// longer query. Typing further characters only searches the matches.
func BenchmarkFilterKeystroke(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name+"/first-char", func(b *testing.B) {
			benchFirstFilterChar(b, benchModel(b, size.keys), "s")
		})
		b.Run(size.name+"/backspace", func(b *testing.B) {
			m := step(benchModel(b, size.keys), keyText("/"))
			m = step(step(m, keyText("e")), keyText("4"))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				m = step(m, keyText("2"))
				b.StartTimer()
				m = step(m, keyBackspace)
			}
		})
	}
}

// BenchmarkFirstFrame measures opening a store and drawing the first frame:
// what the user waits for between pressing enter and seeing the UI.
func BenchmarkFirstFrame(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			path := benchFile(b, size.keys)
			b.ReportAllocs()
			for b.Loop() {
				s, err := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
				if err != nil {
					b.Fatal(err)
				}
				m := New(FileSource(s), Options{Keys: testKeyMap()})
				next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
				if next.(Model).View().Content == "" {
					b.Fatal("empty first frame")
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkEditorKeystroke measures typing into a large value (Update and
// View), where the bubbles textarea spends ~200 ms per key at 5,000 lines:
// many short lines, up to the editor's line limit, and one long line, up to
// its byte limit.
func BenchmarkEditorKeystroke(b *testing.B) {
	type shape struct {
		name  string
		raw   string
		lines int
	}
	var shapes []shape
	for _, lines := range []int{100, 5_000, editor.MaxLines} {
		items := make([]string, lines-2)
		for i := range items {
			items[i] = fmt.Sprintf(`"line %d of a long value"`, i)
		}
		shapes = append(shapes, shape{fmt.Sprintf("%d-lines", lines), "[" + strings.Join(items, ",") + "]", lines})
	}
	for _, size := range []int{64 << 10, editor.MaxBytes - 2} {
		shapes = append(shapes, shape{fmt.Sprintf("one-line-%dKiB", size>>10), `"` + strings.Repeat("abcdefgh", size/8) + `"`, 1})
	}
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			s, err := kvstore.Open(filepath.Join(b.TempDir(), "data.json"), &kvstore.Options{SaveInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			if err := s.SetRaw("big", []byte(sh.raw)); err != nil {
				b.Fatal(err)
			}
			m := New(FileSource(s), Options{Keys: testKeyMap()})
			m = step(step(m, tea.WindowSizeMsg{Width: 120, Height: 40}), keyText("e"))
			for range sh.lines / 2 {
				m = step(m, keyDown)
			}
			if _, ok := m.top().(*editOverlay); !ok {
				b.Fatal("the editor did not open")
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%2 == 0 {
					m = step(m, keyText("x"))
				} else {
					m = step(m, keyBackspace)
				}
			}
		})
	}
}

// BenchmarkFirstScreen1M measures, at 1M keys (a 300 MB file), what the
// user waits for before the first screen, and how much of it is opening the
// store: each run opens the store, then builds the model and draws, timing
// both, and the medians are reported as open-ms and first-screen-ms. Timing
// both in the same run keeps a busy machine from skewing the ratio; the UI
// may add at most 30%. The previous store is collected outside the timing,
// so each run starts from the same heap.
func BenchmarkFirstScreen1M(b *testing.B) {
	path := benchFile(b, 1_000_000)
	var opens, firsts []float64
	for b.Loop() {
		start := time.Now()
		s, err := kvstore.Open(path, &kvstore.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		opened := time.Since(start)
		m := New(FileSource(s), Options{Keys: testKeyMap()})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if next.(Model).View().Content == "" {
			b.Fatal("empty first frame")
		}
		opens = append(opens, float64(opened)/1e6)
		firsts = append(firsts, float64(time.Since(start))/1e6)
		b.StopTimer()
		s.Close()
		runtime.GC()
		b.StartTimer()
	}
	b.ReportMetric(median(opens), "open-ms")
	b.ReportMetric(median(firsts), "first-screen-ms")
}

// BenchmarkFirstScreenHugeValue measures the first screen of a store with a
// 20 MB one-line value under the first key and under the second: the first
// screen must not depend on the size of the value selected first.
func BenchmarkFirstScreenHugeValue(b *testing.B) {
	huge := `"` + strings.Repeat("abcdefgh", 20<<20/8) + `"`
	for _, first := range []string{"a", "c"} {
		b.Run("huge-key-"+first, func(b *testing.B) {
			s, err := kvstore.Open(filepath.Join(b.TempDir(), "data.json"), &kvstore.Options{SaveInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			for k, v := range map[string]string{"a": "1", "b": "2", first: huge} {
				if err := s.SetRaw(k, []byte(v)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				m := New(FileSource(s), Options{Keys: testKeyMap()})
				if step(m, tea.WindowSizeMsg{Width: 120, Height: 40}).View().Content == "" {
					b.Fatal("empty first frame")
				}
			}
		})
	}
}

// findStep is one keystroke in the find prompt as the program runs it:
// Update, the search its Cmd runs, Update with the result, and the View.
func findStep(m Model, msg tea.Msg) Model {
	next, cmd := m.Update(msg)
	m = next.(Model)
	for cmd != nil {
		var reply tea.Msg
		switch out := cmd().(type) {
		case findQueryMsg, foundMsg:
			reply = out
		}
		if reply == nil {
			break
		}
		next, cmd = m.Update(reply)
		m = next.(Model)
	}
	_ = m.View()
	return m
}

// BenchmarkFindKeystroke measures a keystroke of find in values, from the
// key to the result on screen: the first character, which reads every
// value (q matches few keys, so nearly every value is searched in full),
// the same as an upper-case letter that matches exactly, and a backspace,
// which cannot narrow the previous result and searches every value again.
func BenchmarkFindKeystroke(b *testing.B) {
	for _, size := range benchSizes {
		for _, first := range []string{"q", "Q"} {
			b.Run(size.name+"/first-char-"+first, func(b *testing.B) {
				m := findStep(benchModel(b, size.keys), keyCtrlF)
				clear := tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
				b.ReportAllocs()
				for b.Loop() {
					m = findStep(m, keyText(first))
					b.StopTimer()
					m = findStep(m, clear)
					b.StartTimer()
				}
			})
		}
		b.Run(size.name+"/backspace", func(b *testing.B) {
			m := findStep(benchModel(b, size.keys), keyCtrlF)
			m = findStep(findStep(m, keyText("g")), keyText("f"))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				m = findStep(m, keyText("i"))
				b.StartTimer()
				m = findStep(m, keyBackspace)
			}
		})
	}
}

// benchFirstFilterChar times typing ch as the first character of a filter
// in m, clearing the filter (untimed) after each.
func benchFirstFilterChar(b *testing.B, m Model, ch string) {
	m = step(m, keyText("/"))
	clear := tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	b.ReportAllocs()
	for b.Loop() {
		m = step(m, keyText(ch))
		b.StopTimer()
		m = step(m, clear)
		b.StartTimer()
	}
}

// benchMoves times moves in m's key list: down 50 rows, then up 50, so the
// window scrolls both ways.
func benchMoves(b *testing.B, m Model) {
	down, up := keyText("j"), keyText("k")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%100 < 50 {
			m = step(m, down)
		} else {
			m = step(m, up)
		}
	}
}

// BenchmarkFind1M measures find in values at 1M keys (a 300 MB file) as
// the program runs it: a word typed at once ("user1", which ~111,000
// values hold, in their e-mail addresses; each letter's search
// started in its own goroutine as Bubble Tea starts Cmds, its result fed
// back as it arrives), until the last letter's result is on screen; then
// one further letter ("2"), which narrows; and the heap after the search,
// collected, against the heap before (the store's own data), and the
// memory allocated meanwhile. Reported as word-ms, key-ms, heap-ratio and
// alloc-MB, medians of the runs.
func BenchmarkFind1M(b *testing.B) {
	m := benchModel(b, 1_000_000)
	m = findStep(m, keyCtrlF)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	allocated := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.TotalAlloc
	}
	var words, keys, ratios, allocs []float64
	for b.Loop() {
		before := heap()
		total := allocated()
		start := time.Now()
		results := make(chan tea.Msg, 8)
		running := 0
		for _, r := range "user1" {
			next, cmd := m.Update(keyText(string(r)))
			m = next.(Model)
			// The key asks for a search (findQueryMsg), whose Cmd runs
			// the search.
			next, cmd = m.Update(cmd())
			m = next.(Model)
			running++
			go func() { results <- cmd() }()
		}
		for range running {
			if msg := <-results; msg != nil {
				next, _ := m.Update(msg)
				m = next.(Model)
			}
		}
		_ = m.View()
		words = append(words, float64(time.Since(start))/1e6)
		start = time.Now()
		m = findStep(m, keyText("2"))
		keys = append(keys, float64(time.Since(start))/1e6)
		allocs = append(allocs, float64(allocated()-total)/(1<<20))
		ratios = append(ratios, float64(heap())/float64(before))
		b.StopTimer()
		for range 6 {
			m = findStep(m, keyBackspace)
		}
		b.StartTimer()
	}
	b.ReportMetric(median(words), "word-ms")
	b.ReportMetric(median(keys), "key-ms")
	b.ReportMetric(median(ratios), "heap-ratio")
	b.ReportMetric(median(allocs), "alloc-MB")
}

// BenchmarkLoadingScreen1M measures, at 1M keys (a 300 MB file), how long
// the program takes to its first screen now that a large file is opened in
// the background: the loading screen, drawn as the open starts, and then
// the UI, once the store is open and the loading screen became the Model;
// against the open alone in the same run. Reported as loading-ms, ui-ms and
// open-ms, medians of the runs.
func BenchmarkLoadingScreen1M(b *testing.B) {
	path := benchFile(b, 1_000_000)
	var loadings, uis, opens []float64
	for b.Loop() {
		start := time.Now()
		ready := make(chan struct{})
		var s *kvstore.KVStore
		var openErr error
		var opened time.Duration
		go func() {
			defer close(ready)
			s, openErr = kvstore.Open(path, &kvstore.Options{ReadOnly: true})
			opened = time.Since(start)
		}()
		l := NewLoader(LoaderOptions{Name: "data.json", Size: 300 << 20, Ready: ready,
			Opened: func() (Source, error) { return FileSource(s), openErr }, UI: Options{Keys: testKeyMap()}})
		next, _ := l.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if !strings.Contains(next.View().Content, "loading data.json") {
			b.Fatal("no loading screen")
		}
		loadings = append(loadings, float64(time.Since(start))/1e6)
		<-ready
		if openErr != nil {
			b.Fatal(openErr)
		}
		next, _ = next.Update(loadedMsg{})
		if _, ok := next.(Model); !ok || next.View().Content == "" {
			b.Fatal("the loading screen did not become the UI")
		}
		uis = append(uis, float64(time.Since(start))/1e6)
		opens = append(opens, float64(opened)/1e6)
		b.StopTimer()
		s.Close()
		runtime.GC()
		b.StartTimer()
	}
	b.ReportMetric(median(loadings), "loading-ms")
	b.ReportMetric(median(uis), "ui-ms")
	b.ReportMetric(median(opens), "open-ms")
}

// median returns the middle of v, which it sorts.
func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}
