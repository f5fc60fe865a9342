package etcdstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// Writes go in transactions etcd accepts: no more than MaxTxnOps writes or
// MaxRequestBytes each, in the order given, none left out; a write too
// large alone is an error that names it, and nothing is split.
func TestBatches(t *testing.T) {
	s := &Store{cfg: Config{Prefix: "/app/"}}
	var writes []Write
	for range 2*MaxApply + 1 {
		writes = append(writes, Write{Key: "k", Value: []byte("1"), Revision: AnyRevision})
	}
	big := bytes.Repeat([]byte("x"), defaultMaxRequestBytes/2)
	for range 3 {
		writes = append(writes, Write{Key: "big", Value: big})
	}
	parts, err := s.batches(writes)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range parts {
		size := txnOverhead
		for _, w := range b {
			size += writeSize("/app/"+w.Key, w)
		}
		if len(b) > MaxApply || size > defaultMaxRequestBytes {
			t.Errorf("a batch of %d writes, %d bytes", len(b), size)
		}
		if &b[0] != &writes[n] {
			t.Errorf("a batch does not start with write %d", n)
		}
		n += len(b)
	}
	if n != len(writes) {
		t.Errorf("batches hold %d writes, want %d", n, len(writes))
	}
	if len(parts) != 5 {
		t.Errorf("%d batches, want 5: two of small writes, then one per big write, the first with the last small one", len(parts))
	}
	writes = append(writes, Write{Key: "huge", Value: bytes.Repeat([]byte("x"), defaultMaxRequestBytes)})
	var le *LimitError
	if _, err := s.batches(writes); !errors.As(err, &le) || le.Key != "huge" || !errors.Is(err, ErrTooLarge) {
		t.Errorf("batches with a write too large for any request: %v, want a LimitError naming it", err)
	}
}

// A write that timed out may have committed all the same; its retry then
// finds the key moved. If etcd holds exactly what the retry would write,
// that was the write's own commit, and it is taken as saved; otherwise,
// and when no attempt had failed, it is a conflict.
func TestRetryFindsItsOwnEarlierCommit(t *testing.T) {
	endpoint := etcdtest.Start(t, "retry")
	other := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := Open(ctx, Config{Endpoints: []string{endpoint}, Prefix: "/app/"})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBackend(store, BackendOptions{WriteTimeout: time.Second})
	t.Cleanup(func() { b.Close() })
	// put writes key as another client and waits until the view has it.
	put := func(key, value string) {
		t.Helper()
		resp, err := other.Put(ctx, "/app/"+key, value)
		if err != nil {
			t.Fatal(err)
		}
		store.awaitView(ctx, resp.Header.Revision)
	}
	for _, k := range []string{"a", "b", "c"} {
		put(k, "1")
	}

	b.uncertain["a"] = true // as after a write of a that timed out
	put("a", "10")          // what that write would have committed
	if err := b.SetRaw("a", []byte("10")); err != nil {
		t.Fatalf("the retry of a write that had committed: %v", err)
	}
	put("a", "11")
	if err := b.SetRaw("a", []byte("12")); err == nil {
		t.Error("a write over another client's change after the earlier one was taken as saved")
	}

	b.uncertain["b"] = true
	put("b", "20")
	if err := b.SetRaw("b", []byte("21")); !errors.Is(err, kvstore.ErrConflict) {
		t.Errorf("a retry meeting another value: %v, want a conflict", err)
	}

	put("c", "30")
	if err := b.SetRaw("c", []byte("30")); !errors.Is(err, kvstore.ErrConflict) {
		t.Errorf("a write with no earlier attempt meeting the same value: %v, want a conflict", err)
	}
	if b.Pending() != 3 {
		t.Errorf("%d changes pending, want the three refused", b.Pending())
	}
}

// A write of a key staged while an earlier write of it is on its way
// builds on that write once it commits: the Backend's own change is not
// taken for another client's.
func TestStagedOverAWriteOnItsWay(t *testing.T) {
	endpoint := etcdtest.Start(t, "onitsway")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := Open(ctx, Config{Endpoints: []string{endpoint}, Prefix: "/app/"})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBackend(store, BackendOptions{Deferred: true})
	t.Cleanup(func() { b.Close() })
	if err := b.SetRaw("k", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
	// The first write is sent; the second is staged before it returns.
	sent := map[string]staged{"k": b.pending["k"]}
	if err := b.SetRaw("k", []byte(`2`)); err != nil {
		t.Fatal(err)
	}
	if err := b.apply([]Write{{Key: "k", Value: []byte(`1`), Revision: 0}}, sent); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatalf("the write staged over one on its way: %v", err)
	}
	if raw, _ := b.GetRaw("k"); string(raw) != "2" || b.Pending() != 0 {
		t.Errorf("k = %s with %d pending, want the second write, saved", raw, b.Pending())
	}
}

// A range is read whole at one revision, streamed or in pages for a
// cluster that cannot stream, and a read stopped early leaves nothing
// running (TestMain checks for goroutines left over).
func TestScanStreamsAndPages(t *testing.T) {
	endpoint := etcdtest.Start(t, "scan")
	other := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var want []string
	for i := range 25 {
		k := fmt.Sprintf("/s/k%02d", i)
		want = append(want, k)
		if _, err := other.Put(ctx, k, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	store, err := Open(ctx, Config{Endpoints: []string{endpoint}, Prefix: "/s/", PageSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	from, end := store.span()
	for name, read := range map[string]func(each func(*mvccpb.KeyValue) bool) (int64, error){
		"stream": func(each func(*mvccpb.KeyValue) bool) (int64, error) {
			rev, streamed, err := store.stream(ctx, from, end, false, each)
			if !streamed {
				t.Fatal("etcd 3.7 did not stream the range")
			}
			return rev, err
		},
		"pages": func(each func(*mvccpb.KeyValue) bool) (int64, error) {
			return store.pages(ctx, from, end, false, each)
		},
	} {
		var got []string
		rev, err := read(func(kv *mvccpb.KeyValue) bool {
			got = append(got, string(kv.Key))
			if string(kv.Key) == "/s/k00" {
				// A write during the read is not in it: one revision.
				if _, err := other.Put(ctx, "/s/k99", "late"); err != nil {
					t.Error(err)
				}
			}
			return true
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s read %q, want %q", name, got, want)
		}
		if rev == 0 {
			t.Errorf("%s gave no revision", name)
		}
		if _, err := other.Delete(ctx, "/s/k99"); err != nil {
			t.Fatal(err)
		}

		n := 0
		if _, err := read(func(*mvccpb.KeyValue) bool { n++; return n < 3 }); err != nil || n != 3 {
			t.Errorf("%s stopped after the third key: read %d, error %v", name, n, err)
		}
	}
}
