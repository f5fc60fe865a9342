package etcdstore

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// TestKeyViewMatchesMap drives a packed view through the changes a
// KeysOnly Store's view sees (keys put and deleted by the watch, values
// loaded and written, leases), past several folds, and checks after each
// step that it reads as a plain map of the same changes does, and that a
// copy taken along the way still reads as the map did then.
func TestKeyViewMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	want := map[string]entry{}
	var kb keyBuilder
	for i := range 3000 {
		k := fmt.Sprintf("k%05d", 2*i)
		rev := int64(100 + r.IntN(50))
		if i%500 == 7 {
			// A base holds no leases: this one is a change from the start.
			kb.refused = append(kb.refused, refusedKey{k, rev, 9})
			want[k] = lazyEntry(rev, 9)
			continue
		}
		addKey(&kb, k, rev)
		want[k] = lazyEntry(rev, 0)
	}
	v := viewOf(&kb)
	v.foldAt = 300 // fold often
	check(t, "built", v, want)

	var copies []*keyView
	var copied []map[string]entry
	var lists []*kvstore.KeyList
	folds := 0
	for step := range 5000 {
		k := fmt.Sprintf("k%05d", r.IntN(6500))
		before := v.base
		switch op := r.IntN(10); {
		case op < 4:
			e := lazyEntry(int64(200+step), 0)
			v.Set(k, e)
			want[k] = e
		case op < 6:
			v.Delete(k)
			delete(want, k)
		case op < 7:
			e := entryOf([]byte(`{"a":1}`), int64(200+step), 0)
			v.Set(k, e)
			want[k] = e
		case op < 8:
			e := lazyEntry(int64(200+step), 5)
			v.Set(k, e)
			want[k] = e
		default:
			// The key listed again as it was.
			if e, ok := want[k]; ok && e.lazy {
				v.Set(k, lazyEntry(e.rev, e.lease))
			}
		}
		if v.base != before {
			folds++
			v.foldAt = v.over.Len() + 300
		}
		if step%97 == 0 {
			check(t, fmt.Sprintf("step %d", step), v, want)
			copies = append(copies, v.Copy())
			copied = append(copied, maps.Clone(want))
			lists = append(lists, v.keyList(nil))
		}
	}
	if folds < 3 {
		t.Fatalf("the changes were folded into a new base %d times, want several", folds)
	}
	check(t, "end", v, want)
	for i, c := range copies {
		check(t, fmt.Sprintf("copy %d", i), c, copied[i])
		// A key list taken then still lists the keys as they were.
		checkKeyList(t, fmt.Sprintf("key list %d", i), lists[i], slices.Sorted(maps.Keys(copied[i])))
	}
}

// check compares v with want: its length, each key's entry, missing keys,
// and the keys in order from several pivots.
func check(t *testing.T, at string, v *keyView, want map[string]entry) {
	t.Helper()
	if v.Len() != len(want) {
		t.Fatalf("%s: Len %d, want %d", at, v.Len(), len(want))
	}
	keys := slices.Sorted(maps.Keys(want))
	var got []string
	v.Scan(func(k string, e entry) bool {
		if w := want[k]; e.rev != w.rev || e.lease != w.lease || e.lazy != w.lazy || string(e.raw) != string(w.raw) {
			t.Fatalf("%s: %q scans as %+v, want %+v", at, k, e, w)
		}
		got = append(got, k)
		return true
	})
	if !slices.Equal(got, keys) {
		t.Fatalf("%s: scanned %d keys, want %d, in order", at, len(got), len(keys))
	}
	checkKeyList(t, at, v.keyList(nil), keys)
	// With changes over the view, as a Backend's pending ones: some keys
	// deleted, some added, some set again.
	var extra []keyPresence
	with := map[string]bool{}
	for _, k := range keys {
		with[k] = true
	}
	for i := 0; i < 6600; i += 37 {
		k := fmt.Sprintf("k%05d", i)
		present := i%3 != 0
		extra = append(extra, keyPresence{k, present})
		with[k] = present
		if !present {
			delete(with, k)
		}
	}
	checkKeyList(t, at+" with changes", v.keyList(extra), slices.Sorted(maps.Keys(with)))
	for _, k := range []string{"k00000", "k00001", "k03001", "k06499", "k9"} {
		e, ok := v.Get(k)
		w, wok := want[k]
		if ok != wok || e.rev != w.rev {
			t.Fatalf("%s: Get(%q) = %v %v, want %v %v", at, k, e.rev, ok, w.rev, wok)
		}
		i, _ := slices.BinarySearch(keys, k)
		var from []string
		v.Ascend(k, func(k string, _ entry) bool {
			from = append(from, k)
			return len(from) < 5
		})
		if w := keys[i:min(i+5, len(keys))]; !slices.Equal(from, w) {
			t.Fatalf("%s: Ascend(%q) = %q, want %q", at, k, from, w)
		}
	}
}

// TestKeyBaseWideRevisions checks a block whose revisions span more than
// 32 bits, and a key out of order, which the builder leaves to the
// caller.
func TestKeyBaseWideRevisions(t *testing.T) {
	var kb keyBuilder
	addKey(&kb, "a", 1)
	addKey(&kb, "b", math.MaxInt64)
	addKey(&kb, "a0", 5)
	v := viewOf(&kb)
	want := map[string]entry{"a": lazyEntry(1, 0), "b": lazyEntry(math.MaxInt64, 0), "a0": lazyEntry(5, 0)}
	check(t, "wide", v, want)
	if v.base.len() != 2 || v.over.Len() != 1 {
		t.Fatalf("base %d keys, changes %d; want 2 and 1", v.base.len(), v.over.Len())
	}
}

// TestKeyBaseLongKeys checks a base of keys long enough that a block's
// bytes take more than 64 KiB, and the blocks' more than one arena.
func TestKeyBaseLongKeys(t *testing.T) {
	var kb keyBuilder
	want := map[string]entry{}
	pad := strings.Repeat("x", 90)
	for i := range 12000 {
		k := fmt.Sprintf("k%05d/%s", i, pad)
		addKey(&kb, k, int64(i+1))
		want[k] = lazyEntry(int64(i+1), 0)
	}
	v := viewOf(&kb)
	if v.base.blocks[0].ends32 == nil {
		t.Fatal("a block of 1024 keys of 97 bytes has 2-byte ends")
	}
	check(t, "long", v, want)
}

// BenchmarkKeyViewFold measures folding the changes of a view of a
// million 11-byte keys into a new base, which the watch does under the
// Store's lock once per 62,500 changes at that size:
//
//	go test ./kvstore/etcdstore/ -run '^$' -bench KeyViewFold -benchtime 10x
func BenchmarkKeyViewFold(b *testing.B) {
	var kb keyBuilder
	for i := range 1_000_000 {
		addKey(&kb, fmt.Sprintf("key-%07d", i), int64(i+1))
	}
	v := viewOf(&kb)
	for i := range v.foldAt {
		v.Set(fmt.Sprintf("key-%07d", i*16), lazyEntry(int64(2_000_000+i), 0))
	}
	for b.Loop() {
		c := v.Copy()
		c.foldAt = 0
		c.maybeFold()
	}
}

// checkKeyList compares l with keys: its length, every key by index, and
// Search of every key, of the strings just before and after each, and of
// the ends.
func checkKeyList(t *testing.T, at string, l *kvstore.KeyList, keys []string) {
	t.Helper()
	if l.Len() != len(keys) {
		t.Fatalf("%s: the key list has %d keys, want %d", at, l.Len(), len(keys))
	}
	for i, k := range keys {
		if got := l.At(i); got != k {
			t.Fatalf("%s: key %d of the list is %q, want %q", at, i, got, k)
		}
	}
	n := 0
	for i, k := range l.All() {
		if i != n || k != keys[i] {
			t.Fatalf("%s: All yields %d: %q, want %d: %q", at, i, k, n, keys[n])
		}
		n++
	}
	if n != len(keys) {
		t.Fatalf("%s: All yields %d keys, want %d", at, n, len(keys))
	}
	// Read from every 7th key, a few at a time.
	buf := make([]string, 5)
	for from := 0; from <= len(keys); from += 7 {
		got := l.Read(from, buf)
		if want := keys[from:min(from+len(buf), len(keys))]; !slices.Equal(got, want) {
			t.Fatalf("%s: Read(%d) = %q, want %q", at, from, got, want)
		}
	}
	for _, k := range append(slices.Clone(keys), "", "k", "k0", "k00000\x00", "k1", "l", "\xff") {
		for _, probe := range []string{k, k + "\x00", strings.TrimSuffix(k, k[max(len(k)-1, 0):])} {
			if got, want := l.Search(probe), sort.SearchStrings(keys, probe); got != want {
				t.Fatalf("%s: Search(%q) = %d, want %d", at, probe, got, want)
			}
		}
	}
}

// BenchmarkKeyList measures a KeysOnly view's key list at a million keys:
// making it (KeyList, as the UI does after each change of keys) and
// reading every key in order, by index (At, as a find does) and in one
// pass (All, as a filter does),
// with no changes since the keys were listed and with as many changes as
// a view keeps before a fold, half of them new keys, half deletions:
//
//	go test ./kvstore/etcdstore/ -run '^$' -bench KeyList -benchtime 10x
func BenchmarkKeyList(b *testing.B) {
	var kb keyBuilder
	for i := range 1_000_000 {
		addKey(&kb, fmt.Sprintf("key-%07d", i), int64(i+1))
	}
	listed := viewOf(&kb)
	changed := listed.Copy()
	for i := range changed.foldAt - 1 {
		if i%2 == 0 {
			changed.Delete(fmt.Sprintf("key-%07d", i*16))
		} else {
			changed.Set(fmt.Sprintf("key-%07d+", i*16), lazyEntry(int64(2_000_000+i), 5))
		}
	}
	for _, c := range []struct {
		name string
		v    *keyView
	}{{"listed", listed}, {"changed", changed}} {
		b.Run(c.name+"/make", func(b *testing.B) {
			for b.Loop() {
				c.v.keyList(nil)
			}
		})
		b.Run(c.name+"/At", func(b *testing.B) {
			l := c.v.keyList(nil)
			n := 0
			for b.Loop() {
				for i := range l.Len() {
					n += len(l.At(i))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(l.Len()), "ns/key")
		})
		b.Run(c.name+"/All", func(b *testing.B) {
			l := c.v.keyList(nil)
			n := 0
			for b.Loop() {
				for _, k := range l.All() {
					n += len(k)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(l.Len()), "ns/key")
		})
	}
}
