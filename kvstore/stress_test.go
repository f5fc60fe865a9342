package kvstore

// Many writers, many readers (`stress_test.go`). `TestManyWritersAndReaders`
// runs 16 goroutines that mix Set, Delete, Get, Keys, All, Prefix, Len and
// Flush while the periodic saver writes every 10 ms (and again with always-
// save, where every write goes through the journal and its compactions), and
// another process (`TestStressReaderHelper`, which does nothing in a normal
// run) keeps opening read-only snapshots and reloading a read-only store.
// Each writer must read back its own writes exactly; every snapshot the
// reader loads must be a state the writers went through (it recomputes their
// writes from the seed); the reopened store must equal the test's model. Run
// it with `-race`.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The stress workload: stressWriters goroutines, each owning stressKeys
// keys and a marker key that holds the number of its last write. Writer
// g's writes are a pure function of (seed, g, i), so a separate reader
// process can recompute what any consistent snapshot must hold.
const (
	stressWriters = 16
	stressKeys    = 24

	stressReaderEnv = "KVSTORE_STRESS_READER" // data file path; set only in the reader process
	stressSeedEnv   = "KVSTORE_STRESS_SEED"
	stressOpsEnv    = "KVSTORE_STRESS_OPS"
)

func stressPrefix(g int) string { return fmt.Sprintf("w%02d/", g) }

func stressMarker(g int) string { return stressPrefix(g) + "~last" }

// stressWrite returns write i of writer g: a key and its new compact JSON
// value, or del.
func stressWrite(seed uint64, g, i int) (key, value string, del bool) {
	r := rand.New(rand.NewPCG(seed^uint64(g)<<40, uint64(i)))
	key = fmt.Sprintf("%sk%02d", stressPrefix(g), r.IntN(stressKeys))
	if r.IntN(4) == 0 {
		return key, "", true
	}
	return key, fmt.Sprintf(`{"g":%d,"i":%d,"pad":"%s"}`, g, i, strings.Repeat("x", r.IntN(64))), false
}

// stressReplay returns writer g's keys after its writes 0..n-1 and the
// marker set after write m (absent if m < 0).
func stressReplay(seed uint64, g, n, m int) state {
	st := state{}
	for i := range n {
		key, value, del := stressWrite(seed, g, i)
		if del {
			delete(st, key)
		} else {
			st[key] = value
		}
	}
	if m >= 0 {
		st[stressMarker(g)] = strconv.Itoa(m)
	}
	return st
}

// checkStressSnapshot checks that st is a state the writers went through:
// for each writer, its keys are those after its writes up to its marker,
// or after one more write whose marker is not set yet.
func checkStressSnapshot(st state, seed uint64, ops int) error {
	parts := make([]state, stressWriters)
	for g := range parts {
		parts[g] = state{}
	}
	for k, v := range st {
		g, err := strconv.Atoi(strings.TrimPrefix(k[:min(len(k), 3)], "w"))
		if err != nil || !strings.HasPrefix(k, "w") || g < 0 || g >= stressWriters || !strings.HasPrefix(k, stressPrefix(g)) {
			return fmt.Errorf("key %q belongs to no writer", k)
		}
		if !json.Valid([]byte(v)) {
			return fmt.Errorf("key %q holds invalid JSON %q", k, v)
		}
		parts[g][k] = v
	}
	for g, got := range parts {
		m := -1
		if v, ok := got[stressMarker(g)]; ok {
			var err error
			if m, err = strconv.Atoi(v); err != nil || m < 0 || m >= ops {
				return fmt.Errorf("writer %d's marker holds %q", g, v)
			}
		}
		if maps.Equal(got, stressReplay(seed, g, m+1, m)) {
			continue
		}
		if m+1 < ops && maps.Equal(got, stressReplay(seed, g, m+2, m)) {
			continue
		}
		return fmt.Errorf("writer %d's keys %v match neither its state after write %d nor after write %d", g, got, m, m+1)
	}
	return nil
}

// TestStressReaderHelper is the reader process of TestManyWritersAndReaders,
// which runs this test binary again with stressReaderEnv set. There it
// opens read-only snapshots of the store, again and again until its stdin
// closes, checks each is a complete state, and prints what it saw. In a
// normal test run the variable is not set and this function returns at
// once: it is not a test on its own, and its passing says nothing.
func TestStressReaderHelper(t *testing.T) {
	path := os.Getenv(stressReaderEnv)
	if path == "" {
		return
	}
	seed, _ := strconv.ParseUint(os.Getenv(stressSeedEnv), 10, 64)
	ops, _ := strconv.Atoi(os.Getenv(stressOpsEnv))
	stop := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	viewer, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		fmt.Printf("STRESS BAD open: %v\n", err)
		os.Exit(1)
	}
	defer viewer.Close()
	snapshots, nonEmpty := 0, 0
	for i := 0; ; i++ {
		select {
		case <-stop:
			fmt.Printf("STRESS OK %d %d\n", snapshots, nonEmpty)
			return
		default:
		}
		var st state
		if i%2 == 0 {
			s, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				fmt.Printf("STRESS BAD open: %v\n", err)
				os.Exit(1)
			}
			st = storeState(s)
			s.Close()
		} else {
			if err := viewer.Reload(); err != nil {
				fmt.Printf("STRESS BAD reload: %v\n", err)
				os.Exit(1)
			}
			st = storeState(viewer)
		}
		if err := checkStressSnapshot(st, seed, ops); err != nil {
			fmt.Printf("STRESS BAD snapshot %d: %v\n", snapshots, err)
			os.Exit(1)
		}
		snapshots++
		if len(st) > 0 {
			nonEmpty++
		}
	}
}

// TestManyWritersAndReaders runs 16 goroutines that mix Set, Delete, Get,
// Keys, iteration and Flush while the periodic saver runs every 10 ms (and,
// in a second run, every write is made durable through the always-save
// journal) and another process opens read-only snapshots. Run with -race. Each writer
// checks that it reads back its own writes; the reader process checks that
// every snapshot it loads is a state the writers went through; at the end
// the reopened store must equal the test's model exactly.
func TestManyWritersAndReaders(t *testing.T) {
	t.Run("periodic", func(t *testing.T) {
		stressRun(t, Options{SaveInterval: 10 * time.Millisecond})
	})
	// The same with always-save: every write goes through the journal,
	// which is compacted into the data file while the reader replays it.
	t.Run("always", func(t *testing.T) {
		stressRun(t, Options{AlwaysSave: true, SaveInterval: 10 * time.Millisecond})
	})
}

func stressRun(t *testing.T, opts Options) {
	ops := 300
	if testing.Short() {
		ops = 60
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	path := filepath.Join(t.TempDir(), "data.json")
	s, err := Open(path, &opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	reader := exec.Command(os.Args[0], "-test.run=^TestStressReaderHelper$", "-test.count=1")
	reader.Env = append(os.Environ(), stressReaderEnv+"="+path, stressSeedEnv+"="+strconv.FormatUint(seed, 10), stressOpsEnv+"="+strconv.Itoa(ops))
	stdin, err := reader.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	reader.Stdout, reader.Stderr = &out, &out
	if err := reader.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		reader.Wait()
	}()

	var saves int
	var savesMu sync.Mutex
	eventsDone := make(chan struct{})
	go func() {
		defer close(eventsDone)
		for ev := range s.Events() {
			if ev.Err != nil {
				t.Errorf("save failed: %v", ev.Err)
			}
			savesMu.Lock()
			saves++
			savesMu.Unlock()
		}
	}()

	models := make([]state, stressWriters)
	var wg sync.WaitGroup
	for g := range stressWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := state{}
			models[g] = own
			r := rand.New(rand.NewPCG(seed, uint64(1000+g)))
			prefix := stressPrefix(g)
			for i := range ops {
				key, value, del := stressWrite(seed, g, i)
				var err error
				if del {
					err = s.Delete(key)
					delete(own, key)
				} else {
					err = s.SetRaw(key, []byte(value))
					own[key] = value
				}
				if err == nil {
					err = s.Set(stressMarker(g), i)
					own[stressMarker(g)] = strconv.Itoa(i)
				}
				if err != nil {
					t.Errorf("writer %d: %v", g, err)
					return
				}
				if err := stressRead(s, r, prefix, own); err != nil {
					t.Errorf("writer %d after write %d: %v", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want := state{}
	for _, m := range models {
		maps.Copy(want, m)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	<-eventsDone

	stdin.Close()
	if err := reader.Wait(); err != nil {
		t.Fatalf("reader process: %v\n%s", err, out.Bytes())
	}
	var snapshots, nonEmpty int
	sc := bufio.NewScanner(&out)
	found := false
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "STRESS "); ok {
			found = true
			if _, err := fmt.Sscanf(line, "OK %d %d", &snapshots, &nonEmpty); err != nil {
				t.Fatalf("reader process: %s", line)
			}
		}
	}
	if !found {
		t.Fatalf("reader process reported nothing:\n%s", out.Bytes())
	}
	if nonEmpty == 0 {
		t.Fatalf("the reader process saw no saved state in %d snapshots", snapshots)
	}

	got := diskState(t, path)
	if !maps.Equal(got, want) {
		for k := range maps.Keys(want) {
			if got[k] != want[k] {
				t.Errorf("key %q: reopened store has %q, model %q", k, got[k], want[k])
			}
		}
		t.Fatalf("the reopened store (%d keys) differs from the model (%d keys)", len(got), len(want))
	}
	if err := checkStressSnapshot(got, seed, ops); err != nil {
		t.Fatalf("final state: %v", err)
	}
	savesMu.Lock()
	t.Logf("%d writers × %d writes: %d saves; the reader process checked %d snapshots (%d non-empty)", stressWriters, ops, saves, snapshots, nonEmpty)
	savesMu.Unlock()
}

// stressRead does one random read (or a Flush) and checks it against the
// writer's own keys, which no one else changes.
func stressRead(s *KVStore, r *rand.Rand, prefix string, own state) error {
	switch r.IntN(20) {
	case 0:
		return s.Flush()
	case 1, 2, 3, 4, 5:
		key := fmt.Sprintf("%sk%02d", prefix, r.IntN(stressKeys))
		v, ok := s.GetRaw(key)
		want, wantOK := own[key]
		if ok != wantOK || string(v) != want {
			return fmt.Errorf("GetRaw(%q) = %s, %v; wrote %s, %v", key, v, ok, want, wantOK)
		}
		if ok {
			if _, got := s.Get(key); !got {
				return fmt.Errorf("Get(%q) missing", key)
			}
		}
	case 6, 7, 8:
		keys := s.Keys()
		if !slices.IsSorted(keys) {
			return fmt.Errorf("Keys() is not sorted")
		}
		var mine []string
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				mine = append(mine, k)
			}
		}
		if want := slices.Sorted(maps.Keys(own)); !slices.Equal(mine, want) {
			return fmt.Errorf("Keys() has %v of mine, want %v", mine, want)
		}
	case 9, 10, 11:
		prev, mine := "", state{}
		for k, v := range s.All() {
			if k <= prev && prev != "" {
				return fmt.Errorf("All() yields %q after %q", k, prev)
			}
			prev = k
			if !json.Valid(v) {
				return fmt.Errorf("All() yields invalid JSON for %q", k)
			}
			if strings.HasPrefix(k, prefix) {
				mine[k] = string(v)
			}
		}
		if !maps.Equal(mine, own) {
			return fmt.Errorf("All() has %v of mine, want %v", mine, own)
		}
	case 12, 13, 14:
		mine := state{}
		for k, v := range s.Prefix(prefix) {
			mine[k] = string(v)
		}
		if !maps.Equal(mine, own) {
			return fmt.Errorf("Prefix(%q) = %v, want %v", prefix, mine, own)
		}
	default:
		if n := s.Len(); n < len(own) {
			return fmt.Errorf("Len() = %d, fewer than my %d keys", n, len(own))
		}
	}
	return nil
}
