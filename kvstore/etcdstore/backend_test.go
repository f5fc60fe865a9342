package etcdstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// A Deferred Backend's changes are committed only where etcd still holds
// what it saw: another client's write that lands between the read and the
// commit fails the commit and stays, and the other changes are not made
// either.
func TestDeferredBackendNeverOverwritesAnotherClient(t *testing.T) {
	endpoint := startEtcd(t)
	other := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	etcdHolds := func(key string) string {
		t.Helper()
		resp, err := other.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) == 0 {
			return "(none)"
		}
		return string(resp.Kvs[0].Value)
	}
	if _, err := other.Put(ctx, "/w/a", "1"); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name      string
		change    func(*etcdstore.Backend) error
		meanwhile string // the key another client writes before the commit
	}{
		{"a changed key", func(b *etcdstore.Backend) error { return b.SetRaw("a", []byte("2")) }, "/w/a"},
		{"a deleted key", func(b *etcdstore.Backend) error { return b.Delete("a") }, "/w/a"},
		{"a new key", func(b *etcdstore.Backend) error { return b.SetRaw("new", []byte("2")) }, "/w/new"},
		{"a rename's target", func(b *etcdstore.Backend) error { return b.Rename("a", "moved") }, "/w/moved"},
	} {
		store := openStore(t, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/w/"})
		b := etcdstore.NewBackend(store, etcdstore.BackendOptions{Deferred: true})
		if err := b.SetRaw("b", []byte(`"with it"`)); err != nil {
			t.Fatal(err)
		}
		if err := c.change(b); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := etcdHolds("/w/b"); got != "(none)" {
			t.Errorf("%s: a deferred write reached etcd before Close: b = %s", c.name, got)
		}
		if _, err := other.Put(ctx, c.meanwhile, "3"); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); !errors.Is(err, kvstore.ErrConflict) {
			t.Errorf("%s: Close = %v, want a conflict", c.name, err)
		}
		if got := etcdHolds(c.meanwhile); got != "3" {
			t.Errorf("%s: etcd has %s = %s, want the other client's 3", c.name, c.meanwhile, got)
		}
		if got := etcdHolds("/w/b"); got != "(none)" {
			t.Errorf("%s: the refused commit still wrote b = %s", c.name, got)
		}
		if _, err := other.Delete(ctx, "/w/", clientv3.WithPrefix()); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Put(ctx, "/w/a", "1"); err != nil {
			t.Fatal(err)
		}
	}
}

// Edits made while the cluster is out of reach wait, and go through by
// themselves once it answers, even when together they are far larger than
// etcd takes in one request (1.5 MiB by default): 20 values of 100 kB.
func TestWaitingEditsLargerThanOneRequestGoThrough(t *testing.T) {
	srv := etcdtest.StartServer(t, "big")
	store := openStore(t, etcdstore.Config{Endpoints: []string{srv.Endpoint()}, Prefix: "/big/", OpTimeout: 3 * time.Second})
	b := etcdstore.NewBackend(store, etcdstore.BackendOptions{WriteTimeout: time.Second})

	srv.Stop()
	value := []byte(`"` + strings.Repeat("x", 100_000) + `"`)
	const n = 20
	for i := range n {
		if err := b.SetRaw(fmt.Sprintf("k%02d", i), value); !errors.Is(err, kvstore.ErrUnreachable) {
			t.Fatalf("edit %d with the cluster stopped: %v, want it to wait as unreachable", i, err)
		}
	}
	if got := b.Pending(); got != n {
		t.Fatalf("%d edits pending, want %d", got, n)
	}

	srv.Restart(t)
	// The client reconnects by itself, within a few attempts.
	for attempt := 0; b.Pending() > 0; attempt++ {
		err := b.Flush()
		if err != nil && (!errors.Is(err, kvstore.ErrUnreachable) || attempt == 20) {
			t.Fatalf("flush %d with the cluster back: %v; %d edits still pending", attempt, err, b.Pending())
		}
	}
	if err := b.LastSaveError(); err != nil {
		t.Errorf("LastSaveError = %v once everything was written", err)
	}
	other := etcdtest.Client(t, srv.Endpoint())
	resp, err := other.Get(context.Background(), "/big/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != n {
		t.Fatalf("etcd holds %d of the %d edits", len(resp.Kvs), n)
	}
	for _, kv := range resp.Kvs {
		if !bytes.Equal(kv.Value, value) {
			t.Errorf("etcd holds %d bytes under %s, want the %d edited", len(kv.Value), kv.Key, len(value))
		}
	}
}

// A Lazy Store reads nothing at Open: a Backend on it knows the keys it
// loaded, lists the prefix from etcd with its pending changes, and commits
// its writes against the revisions it loaded.
func TestLazyReadsOnlyWhatIsAsked(t *testing.T) {
	endpoint := startEtcd(t)
	other := etcdtest.Client(t, endpoint)
	ctx := context.Background()
	for k, v := range map[string]string{"a": "1", "b": "2", "c": `"not json`} {
		if _, err := other.Put(ctx, "/lazy/"+k, v); err != nil {
			t.Fatal(err)
		}
	}
	store := openStore(t, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/lazy/", Lazy: true, PageSize: 2})
	b := etcdstore.NewBackend(store, etcdstore.BackendOptions{Deferred: true})
	if b.Has("a") {
		t.Error("a Lazy Store knows a key it did not load")
	}
	if err := b.Load("a", "missing"); err != nil {
		t.Fatal(err)
	}
	if raw, ok := b.GetRaw("a"); !ok || string(raw) != "1" || b.Has("missing") || b.Has("b") {
		t.Errorf("after loading a and missing: a = %s, %v; has missing %v, has b %v; want a = 1 alone", raw, ok, b.Has("missing"), b.Has("b"))
	}

	if err := b.SetRaw("d", []byte(`4`)); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if got := b.Keys(); !slices.Equal(got, []string{"b", "c", "d"}) {
		t.Errorf("Keys = %q, want etcd's keys in pages with the pending changes: b, c, d", got)
	}
	var listed []string
	for k, v := range b.All() {
		listed = append(listed, k+"="+string(v))
	}
	if want := []string{"b=2", `c="\"not json"`, "d=4"}; !slices.Equal(listed, want) {
		t.Errorf("All = %q, want %q", listed, want)
	}
	if keys, err := b.KeysWithPrefix("c"); err != nil || !slices.Equal(keys, []string{"c"}) {
		t.Errorf("KeysWithPrefix(c) = %q, %v; want c", keys, err)
	}

	if _, err := other.Put(ctx, "/lazy/a", "5"); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); !errors.Is(err, kvstore.ErrConflict) {
		t.Errorf("Close over another client's change of a loaded key = %v, want a conflict", err)
	}
	resp, err := other.Get(ctx, "/lazy/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 3 || string(resp.Kvs[0].Value) != "5" {
		t.Errorf("etcd holds %d keys, a = %s; want the other client's a and no d", len(resp.Kvs), resp.Kvs[0].Value)
	}
}

// An edit larger than etcd takes in one request is refused before it is
// sent, with an error that names it and stays pending; it does not hold
// up the edits after it.
func TestEditTooLargeForEtcdStandsAlone(t *testing.T) {
	endpoint := etcdtest.Start(t, "big")
	store := openStore(t, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/huge/"})
	b := etcdstore.NewBackend(store, etcdstore.BackendOptions{})
	huge := []byte(`"` + strings.Repeat("x", 2<<20) + `"`)
	var le *etcdstore.LimitError
	if err := b.SetRaw("huge", huge); !errors.As(err, &le) || le.Key != "huge" || !errors.Is(err, etcdstore.ErrTooLarge) {
		t.Fatalf("SetRaw of 2 MiB: %v, want a LimitError naming the key", err)
	}
	if err := b.SetRaw("small", []byte("1")); err != nil {
		t.Fatalf("SetRaw of a small value after it: %v", err)
	}
	if err := b.Flush(); !errors.Is(err, etcdstore.ErrTooLarge) {
		t.Errorf("Flush: %v, want the large edit's error again", err)
	}
	if got := b.Pending(); got != 1 {
		t.Errorf("%d edits pending, want the large one", got)
	}
	resp, err := etcdtest.Client(t, endpoint).Get(context.Background(), "/huge/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Key) != "/huge/small" {
		t.Errorf("etcd holds %v, want only /huge/small", resp.Kvs)
	}
}
