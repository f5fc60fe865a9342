package kvstore

// Kill -9 loop (`crash_test.go`). `TestCrashLoop` runs the test binary again
// as a writer process (`TestCrashHelper`, which does nothing in a normal
// run) with always-save on: four goroutines set, delete and rename values
// over 2,400 keys, each goroutine on keys of its own, and report each write
// on a pipe just before it starts and just after it returned nil. The test
// kills the writer with SIGKILL at a random moment (mostly 5–80 ms after the
// store is open, sometimes while it is still opening and recovering from the
// previous kill), 200 times in a row on the same files, and after each kill
// checks that:
//
//   - the data file on its own is always a complete JSON file;
//   - the store (data file plus journal) opens, takes the lock the dead writer
//     held, and removes its stray temp files;
//   - every acknowledged write is there with its exact value (byte for byte
//     for `SetRaw`, so exact number digits included);
//   - any other value is that of a write that had started, no key appears that
//     no write created, and a key not written since the previous kill keeps
//     its value exactly.
//
// Another goroutine calls Flush every 5–30 ms, which folds the journal into
// the data file, so about a third of the kills land in the middle of a
// compaction or a file save. The seed is printed on failure; rerun with `go
// test ./kvstore/ -run TestCrashLoop -crash.seed=N`.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	crashIters = flag.Int("crash.iters", 0, "iterations of TestCrashLoop (default 200, or 30 with -short)")
	crashSeed  = flag.Uint64("crash.seed", 0, "seed of TestCrashLoop (0 picks one; a failure prints it)")
)

// The crash helper's workload: crashWriters goroutines, each writing only
// its own crashKeysPer keys, so the last write to each key is well defined.
const (
	crashWriters = 4
	crashKeysPer = 600

	crashHelperEnv = "KVSTORE_CRASH_HELPER" // data file path; set only in the child
	crashSeedEnv   = "KVSTORE_CRASH_SEED"
)

// crashKey names key k of writer g. Some keys hold characters that need
// escaping or are not ASCII, but none holds a space (the report format
// splits on spaces).
func crashKey(g, k int) string {
	switch k % 5 {
	case 1:
		return fmt.Sprintf("w%d/ключ-%04d", g, k)
	case 2:
		return fmt.Sprintf("w%d/q\"b\\s<&>\t%04d", g, k)
	}
	return fmt.Sprintf("w%d/k%04d", g, k)
}

// crashValue returns distinct JSON text for write i of writer g, on one
// line. Every value names its writer and write, so a value that was never
// written cannot pass for one that was.
func crashValue(r *rand.Rand, g, i int) string {
	pad := strings.Repeat("p", r.IntN(160))
	switch r.IntN(5) {
	case 0:
		return fmt.Sprintf(`"w%d#%d héllo \"quoted\" back\\slash\nnew line <&> %s"`, g, i, pad)
	case 1: // digits that a float64 cannot hold: SetRaw must keep them
		return fmt.Sprintf(`{ "w": %d, "i": %d, "big": 123456789012345678901234567890.000000001%d }`, g, i, i)
	case 2:
		return fmt.Sprintf(`[%d, %d, {"nested": {"deep": [true, false, null]}}, "%s"]`, g, i, pad)
	case 3:
		return fmt.Sprintf(`-%d.%de-7`, g+1, i)
	}
	return fmt.Sprintf(`{"w":%d,"i":%d,"s":"%s","e":{},"a":[]}`, g, i, pad)
}

// TestCrashHelper is the writer process of TestCrashLoop, which runs this
// test binary again with the crashHelperEnv variable set. In that child it
// runs the write workload until it is killed. In a normal test run the
// variable is not set and this function returns at once: it is not a test
// on its own, and its passing says nothing.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		return
	}
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	runCrashHelper(path, seed)
}

// runCrashHelper opens the store with always-save and lets crashWriters
// goroutines set, delete and rename keys while another calls Flush every
// few milliseconds, which compacts the journal into the data file. It
// reports on file descriptor 3, one line per write(2) (so a kill cannot
// tear a line):
//
//	S g i set|raw|del key [json]   write i of writer g is about to start
//	S g i ren from to json         the same for a rename of json's key
//	A g i                          write i of writer g returned nil
//
// It never returns: it is killed, or exits after a minute if it was
// forgotten.
func runCrashHelper(path string, seed uint64) {
	out := os.NewFile(3, "reports")
	var mu sync.Mutex
	report := func(format string, args ...any) {
		line := fmt.Sprintf(format+"\n", args...)
		mu.Lock()
		defer mu.Unlock()
		if _, err := out.WriteString(line); err != nil {
			os.Exit(4)
		}
	}
	fail := func(err error) {
		report("E %s", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(2)
	}
	s, err := Open(path, &Options{AlwaysSave: true})
	if err != nil {
		fail(err)
	}
	report("R")
	for g := range crashWriters {
		go func() {
			r := rand.New(rand.NewPCG(seed, uint64(g)))
			for i := 0; ; i++ {
				key := crashKey(g, r.IntN(crashKeysPer))
				var err error
				to := crashKey(g, r.IntN(crashKeysPer))
				switch n := r.IntN(9); {
				case n == 8 && s.Has(key) && !s.Has(to):
					// Only this goroutine writes its keys, so nothing
					// changes them between the check and the rename.
					raw, _ := s.GetRaw(key)
					report("S %d %d ren %s %s %s", g, i, key, to, raw)
					err = s.Rename(key, to)
				case n < 2 || n == 8:
					report("S %d %d del %s", g, i, key)
					err = s.Delete(key)
				case n < 5:
					text := crashValue(r, g, i)
					report("S %d %d raw %s %s", g, i, key, text)
					err = s.SetRaw(key, []byte(text))
				default:
					text := crashValue(r, g, i)
					var v any
					if err := json.Unmarshal([]byte(text), &v); err != nil {
						fail(err)
					}
					report("S %d %d set %s %s", g, i, key, text)
					err = s.Set(key, v)
				}
				if err != nil {
					fail(err)
				}
				report("A %d %d", g, i)
			}
		}()
	}
	// Fold the journal into the data file now and then, as the background
	// compaction does, so that kills also land in the middle of one.
	go func() {
		r := rand.New(rand.NewPCG(seed, 1<<32))
		for {
			time.Sleep(time.Duration(5+r.IntN(25)) * time.Millisecond)
			if err := s.Flush(); err != nil {
				fail(err)
			}
		}
	}()
	time.Sleep(time.Minute)
	os.Exit(3)
}

// crashWrite is one write the helper started.
type crashWrite struct {
	kind, key, text string
	acked           bool
}

// matches reports whether the stored raw value (nil if absent) is what
// this write leaves.
func (w *crashWrite) matches(raw []byte, present bool) bool {
	switch w.kind {
	case "del":
		return !present
	case "raw":
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(w.text)); err != nil {
			return false
		}
		return present && bytes.Equal(raw, want.Bytes())
	}
	if !present {
		return false
	}
	var got, want any
	if json.Unmarshal(raw, &got) != nil || json.Unmarshal([]byte(w.text), &want) != nil {
		return false
	}
	return reflect.DeepEqual(got, want)
}

// parseCrashReports turns the helper's lines into its writes, per writer in
// order.
// A rename is two writes, to its new key and its old one, started and
// acknowledged together.
func parseCrashReports(lines []string) (writes [crashWriters][][]*crashWrite, ready bool, err error) {
	for _, line := range lines {
		f := strings.SplitN(line, " ", 6)
		switch {
		case line == "R":
			ready = true
			continue
		case f[0] == "E":
			return writes, ready, fmt.Errorf("the writer failed: %s", line)
		case len(f) < 3:
			return writes, ready, fmt.Errorf("bad report %q", line)
		}
		g, err1 := strconv.Atoi(f[1])
		i, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || g < 0 || g >= crashWriters {
			return writes, ready, fmt.Errorf("bad report %q", line)
		}
		switch {
		case f[0] == "S" && len(f) >= 4 && f[3] == "ren" && i == len(writes[g]):
			r := strings.SplitN(line, " ", 7)
			if len(r) != 7 {
				return writes, ready, fmt.Errorf("bad report %q", line)
			}
			writes[g] = append(writes[g], []*crashWrite{{kind: "raw", key: r[5], text: r[6]}, {kind: "del", key: r[4]}})
		case f[0] == "S" && len(f) >= 5 && i == len(writes[g]):
			w := &crashWrite{kind: f[3], key: f[4]}
			if len(f) == 6 {
				w.text = f[5]
			}
			writes[g] = append(writes[g], []*crashWrite{w})
		case f[0] == "A" && i == len(writes[g])-1:
			for _, w := range writes[g][i] {
				w.acked = true
			}
		default:
			return writes, ready, fmt.Errorf("report %q out of order", line)
		}
	}
	return writes, ready, nil
}

// TestCrashLoop kills a writer with SIGKILL at random moments, over and over
// on the same file, and after each kill checks what always-save promises:
// the file (and the journal, if the store keeps one) loads, every write
// acknowledged before the kill is there with its exact value, and any other
// value is that of a write that had started; nothing else appears.
func TestCrashLoop(t *testing.T) {
	iters := *crashIters
	if iters <= 0 {
		iters = 200
		if testing.Short() {
			iters = 30
		}
	}
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("TestCrashLoop failed with seed %d: rerun with go test ./kvstore/ -run=TestCrashLoop -crash.seed=%d", seed, seed)
		}
	})
	r := rand.New(rand.NewPCG(seed, 0))
	path := filepath.Join(t.TempDir(), "data.json")

	// base is the store's content as verified after the previous kill.
	base := map[string][]byte{}
	var acked, started, renames, unackedSeen, beforeReady, midCompaction, midSave int
	start := time.Now()
	for iter := range iters {
		childSeed := r.Uint64()
		lines, err := runCrashChild(path, childSeed, r)
		if err != nil {
			t.Fatalf("iteration %d: %v", iter, err)
		}
		writes, ready, err := parseCrashReports(lines)
		if err != nil {
			t.Fatalf("iteration %d: %v", iter, err)
		}
		if !ready {
			beforeReady++
		}

		// What the kill interrupted: a compaction leaves a rotated journal
		// segment, a save a temp file.
		if entries, err := os.ReadDir(filepath.Dir(path)); err == nil {
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), filepath.Base(path)+".journal.") {
					midCompaction++
					break
				}
			}
		}
		if len(strayTemps(t, path)) > 0 {
			midSave++
		}

		// The data file on its own is always a complete JSON file.
		if data, err := os.ReadFile(path); err == nil {
			if _, err := parseFile(path, data); err != nil {
				t.Fatalf("iteration %d: the data file is not a complete file after a kill: %v", iter, err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}

		s, err := Open(path, &Options{AlwaysSave: true})
		if err != nil {
			t.Fatalf("iteration %d: Open after kill -9: %v", iter, err)
		}
		if strays := strayTemps(t, path); len(strays) > 0 {
			t.Errorf("iteration %d: Open after a crash left temp files: %v", iter, strays)
		}
		got := map[string][]byte{}
		for k, v := range s.All() {
			got[k] = v
		}
		if err := s.Close(); err != nil {
			t.Fatalf("iteration %d: Close: %v", iter, err)
		}

		// Check every key the writers could have touched.
		byKey := map[string][]*crashWrite{}
		for g := range writes {
			for _, op := range writes[g] {
				for _, w := range op {
					byKey[w.key] = append(byKey[w.key], w)
				}
				started++
				if op[0].acked {
					acked++
				}
				if len(op) == 2 {
					renames++
				}
			}
		}
		// A key not written in this iteration keeps its value exactly.
		for _, m := range []map[string][]byte{base, got} {
			for k := range m {
				if _, written := byKey[k]; written {
					continue
				}
				old, had := base[k]
				now, has := got[k]
				if had != has || !bytes.Equal(old, now) {
					t.Fatalf("iteration %d: key %q, not written since the last kill, changed from %s (present %v) to %s (present %v)", iter, k, old, had, now, has)
				}
			}
		}
		for k, ws := range byKey {
			v, present := got[k]
			last := -1 // index of the last acknowledged write of k
			for j, w := range ws {
				if w.acked {
					last = j
				}
			}
			ok := false
			if last == -1 {
				old, had := base[k]
				ok = had == present && bytes.Equal(old, v)
			} else {
				ok = ws[last].matches(v, present)
			}
			if !ok {
				for _, w := range ws[last+1:] {
					if w.matches(v, present) {
						ok = true
						unackedSeen++
						break
					}
				}
			}
			if !ok {
				desc := fmt.Sprintf("base %s", base[k])
				for _, w := range ws {
					desc += fmt.Sprintf("\n  %s %s (acked %v)", w.kind, w.text, w.acked)
				}
				t.Fatalf("iteration %d: key %q holds %s (present %v), which is neither its last acknowledged write nor a later started one; writes:\n%s", iter, k, v, present, desc)
			}
		}
		base = got
	}
	t.Logf("%d kills in %v (seed %d): %d writes started (%d renames), %d acknowledged, %d unacknowledged writes found on disk; %d kills before the store was open, %d during a compaction, %d during a file save; %d keys at the end",
		iters, time.Since(start).Round(time.Millisecond), seed, started, renames, acked, unackedSeen, beforeReady, midCompaction, midSave, len(base))
	if acked == 0 {
		t.Fatal("no write was acknowledged in any iteration, so nothing was tested")
	}
}

// runCrashChild starts the helper process on path, kills it with SIGKILL
// at a random moment, and returns the lines it reported. Most kills come
// 5–80 ms after the store is open; one in eight comes 0–30 ms after the
// process started, which may be while Open is recovering from the last
// kill.
func runCrashChild(path string, seed uint64, r *rand.Rand) ([]string, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+path, crashSeedEnv+"="+strconv.FormatUint(seed, 10))
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	cmd.ExtraFiles = []*os.File{pw}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return nil, err
	}
	pw.Close()

	var lines []string
	ready := make(chan struct{})
	var readyOnce sync.Once
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if sc.Text() == "R" || strings.HasPrefix(sc.Text(), "E ") {
				readyOnce.Do(func() { close(ready) })
			}
		}
	}()

	early := r.IntN(8) == 0
	delay := time.Duration(5+r.IntN(76)) * time.Millisecond
	if early {
		delay = time.Duration(r.IntN(31)) * time.Millisecond
	} else {
		select {
		case <-ready:
		case <-done:
		case <-time.After(20 * time.Second):
		}
	}
	time.Sleep(delay)
	cmd.Process.Kill()
	werr := cmd.Wait()
	<-done
	var exit *exec.ExitError
	if !errors.As(werr, &exit) || exit.Exited() {
		return lines, fmt.Errorf("the writer was not killed but ended with %v; its output:\n%s\nits reports:\n%s", werr, output.Bytes(), strings.Join(lines, "\n"))
	}
	if !early && !slices.Contains(lines, "R") {
		return lines, fmt.Errorf("the writer did not open the store within 20s; its output:\n%s", output.Bytes())
	}
	return lines, nil
}

// abandon stops s as a crash would: its goroutine stops and its lock is
// released, but nothing it holds is saved and no file is touched.
func abandon(s *KVStore) {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return
	}
	close(s.stop)
	s.saver.Wait()
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.releaseLocked()
	s.emitMu.Lock()
	close(s.events)
	s.emitMu.Unlock()
}
