package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// A KeysOnly Store lists the keys without their values; its Backend reads
// a value when asked, keeps a bounded number of them, sees other clients'
// changes through the watch, and shows theirs on the conflict screen.
func TestKeysOnlyReadsValuesWhenAsked(t *testing.T) {
	ep := startEtcd(t)
	cli := rawClient(t, ep)
	ctx := context.Background()
	const n = 5000
	for start := 0; start < n; start += 128 {
		var ops []clientv3.Op
		for i := start; i < min(start+128, n); i++ {
			ops = append(ops, clientv3.OpPut(fmt.Sprintf("/ko/k%05d", i), fmt.Sprintf(`{"i":%d}`, i)))
		}
		if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/ko/", KeysOnly: true})
	b := etcdstore.NewBackend(s, etcdstore.BackendOptions{})
	if got := len(b.Keys()); got != n {
		t.Fatalf("%d keys listed, want %d", got, n)
	}
	if b.Loaded("k00001") {
		t.Fatal("a value was read before it was asked for")
	}
	if err := b.LoadValues(ctx, []string{"k00001", "k00002", "missing"}); err != nil {
		t.Fatal(err)
	}
	if !b.Loaded("k00001") || !b.Loaded("k00002") || b.Loaded("k00003") {
		t.Fatal("LoadValues read other values than those asked for")
	}
	if raw, ok := b.GetRaw("k00001"); !ok || string(raw) != `{"i":1}` {
		t.Fatalf("GetRaw = %s, %v", raw, ok)
	}
	// A value not loaded is read by the read that needs it.
	if raw, ok := b.GetRaw("k04000"); !ok || string(raw) != `{"i":4000}` {
		t.Fatalf("GetRaw of a value not loaded = %s, %v", raw, ok)
	}

	// Reading every value one page at a time keeps a bounded number.
	all := b.Keys()
	for i := 0; i < len(all); i += 500 {
		if err := b.LoadValues(ctx, all[i:min(i+500, len(all))]); err != nil {
			t.Fatal(err)
		}
	}
	loaded := 0
	for _, k := range all {
		if b.Loaded(k) {
			loaded++
		}
	}
	if loaded == n || loaded == 0 {
		t.Fatalf("%d of %d values kept after reading them all; want a bounded number", loaded, n)
	}

	// ScanValues reads every value, with our pending changes, and keeps
	// none.
	if err := b.SetRaw("k00003", []byte(`"ours"`)); err != nil {
		t.Fatal(err)
	}
	count, ours := 0, ""
	err := b.ScanValues(ctx, func(k string, raw []byte, size int) bool {
		count++
		if k == "k00003" {
			ours = string(raw)
		}
		if size != len(raw) {
			t.Errorf("%s: size %d, text %s", k, size, raw)
		}
		return true
	})
	if err != nil || count != n || ours != `"ours"` {
		t.Fatalf("ScanValues: %d values, k00003 = %s, %v", count, ours, err)
	}

	// Another client's change shows, and the value read is the new one.
	if err := b.LoadValues(ctx, []string{"k00010"}); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Put(ctx, "/ko/k00010", `"theirs"`)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the change reaches the view", func() bool { return s.ViewRevision() >= resp.Header.Revision })
	if changed, err := b.Changed(); err != nil || !changed {
		t.Fatalf("Changed = %v, %v", changed, err)
	}
	if b.Loaded("k00010") {
		t.Fatal("the value read before another client's change still counts as loaded")
	}
	if raw, _ := b.GetRaw("k00010"); string(raw) != `"theirs"` {
		t.Fatalf("k00010 = %s after another client's change", raw)
	}

	// A conflict shows their value, which the view never held.
	if err := b.LoadValues(ctx, []string{"k00020"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/ko/k00020", `"theirs too"`); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRaw("k00020", []byte(`"mine"`)); err == nil {
		t.Fatal("a write over another client's change went through")
	}
	c, err := b.Conflict()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(c.Theirs["k00020"]); got != `"theirs too"` {
		t.Fatalf("the conflict shows theirs as %q", got)
	}
	if len(c.Collisions) != 1 || c.Collisions[0] != "k00020" {
		t.Fatalf("collisions %v", c.Collisions)
	}
}

// A key attached to a lease says so without a round trip, and how long it
// has left with one.
func TestKeysOnlyLeases(t *testing.T) {
	ep := startEtcd(t)
	cli := rawClient(t, ep)
	ctx := context.Background()
	lease, err := cli.Grant(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/l/svc", `"up"`, clientv3.WithLease(lease.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/l/plain", `1`); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/l/", KeysOnly: true})
	b := etcdstore.NewBackend(s, etcdstore.BackendOptions{})
	// A keys-only listing does not tell leases; the value's read does.
	if err := b.LoadValues(ctx, []string{"svc", "plain"}); err != nil {
		t.Fatal(err)
	}
	if !b.Leased("svc") || b.Leased("plain") {
		t.Fatal("Leased does not tell the leased key")
	}
	ttl, ok, err := b.LeaseTTL(ctx, "svc")
	if err != nil || !ok || ttl <= 0 || ttl > 300e9 {
		t.Fatalf("LeaseTTL = %v, %v, %v", ttl, ok, err)
	}
	if _, ok, _ := b.LeaseTTL(ctx, "plain"); ok {
		t.Fatal("a key without a lease has a TTL")
	}
	if raw, ok := b.GetRaw("svc"); !ok || !strings.Contains(string(raw), "up") {
		t.Fatalf("GetRaw = %s, %v", raw, ok)
	}

	// A write of a key never read keeps the lease the listing did not
	// show.
	if _, err := cli.Put(ctx, "/l/svc2", `"up"`, clientv3.WithLease(lease.ID)); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/l/", KeysOnly: true})
	b2 := etcdstore.NewBackend(s2, etcdstore.BackendOptions{})
	if err := b2.SetRaw("svc2", []byte(`"down"`)); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Get(ctx, "/l/svc2")
	if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].Lease != int64(lease.ID) || string(resp.Kvs[0].Value) != `"down"` {
		t.Fatalf("after the write: %v, %v; want the value with the lease kept", resp.Kvs, err)
	}
}

// A KeysOnly Store's view follows more changes of other clients than it
// keeps apart from the listing (deletions, new keys, updates, a lease):
// its keys and their revisions stay those etcd holds, and a Backend's
// checked write of a key another client changed is refused until it is
// shown.
func TestKeysOnlyViewFollowsManyChanges(t *testing.T) {
	ep := startEtcd(t)
	cli := rawClient(t, ep)
	ctx := context.Background()
	put := func(from, to int, v string) {
		t.Helper()
		for start := from; start < to; start += 128 {
			var ops []clientv3.Op
			for i := start; i < min(start+128, to); i++ {
				ops = append(ops, clientv3.OpPut(fmt.Sprintf("/many/k%05d", i), v))
			}
			if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(0, 5000, `1`)
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/many/", KeysOnly: true})
	b := etcdstore.NewBackend(s, etcdstore.BackendOptions{})
	b.EditStarted("k03500")

	// 2,500 deleted at one revision, 2,500 new, 1,000 changed, one leased.
	if _, err := cli.Delete(ctx, "/many/k00000", clientv3.WithRange("/many/k02500")); err != nil {
		t.Fatal(err)
	}
	put(10000, 12500, `2`)
	put(3000, 4000, `3`)
	lease, err := cli.Grant(ctx, 600)
	if err != nil {
		t.Fatal(err)
	}
	last, err := cli.Put(ctx, "/many/k04500", `4`, clientv3.WithLease(lease.ID))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the view reaches the last change", func() bool {
		return s.ViewRevision() >= last.Header.Revision
	})

	resp, err := cli.Get(ctx, "/many/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	keys := s.Keys()
	if len(keys) != len(resp.Kvs) || s.Len() != len(resp.Kvs) {
		t.Fatalf("the view has %d keys (Len %d), etcd %d", len(keys), s.Len(), len(resp.Kvs))
	}
	for i, kv := range resp.Kvs {
		k := strings.TrimPrefix(string(kv.Key), "/many/")
		if keys[i] != k {
			t.Fatalf("key %d of the view is %q, etcd's %q", i, keys[i], k)
		}
		if got := s.Revision(k); got != kv.ModRevision {
			t.Fatalf("%q is at revision %d in the view, %d in etcd", k, got, kv.ModRevision)
		}
	}
	if s.Has("k00001") || !s.Has("k12499") {
		t.Fatal("the view still has a deleted key, or lacks a new one")
	}
	// The key lists read from the packed keys agree, the Store's as it is
	// and the Backend's as it showed the prefix before those changes,
	// which were folded into a new base since.
	if got := s.KeyList().Slice(); !slices.Equal(got, keys) {
		t.Fatalf("the Store's key list has %d keys, Keys %d, or others", len(got), len(keys))
	}
	shown := b.KeyList()
	if shown.Len() != 5000 || shown.At(0) != "k00000" || shown.At(4999) != "k04999" {
		t.Fatalf("the Backend's key list before it was shown the changes has %d keys, %q to %q, want 5000, k00000 to k04999",
			shown.Len(), shown.At(0), shown.At(shown.Len()-1))
	}

	// An edit started before those changes is refused; a write of a key
	// unchanged goes through.
	if err := b.SetRaw("k03500", []byte(`"ours"`)); !errors.Is(err, kvstore.ErrConflict) {
		t.Fatalf("an edit of a key another client changed since it started: %v, want a conflict", err)
	}
	b.Reload()
	if got := b.KeyList().Slice(); !slices.Equal(got, keys) {
		t.Fatalf("the Backend's key list once shown the changes has %d keys, etcd %d, or others", len(got), len(keys))
	}
	if shown.Len() != 5000 || shown.At(2500) != "k02500" {
		t.Fatal("the key list taken before Reload changed with it")
	}
	if !b.Leased("k04500") {
		t.Fatal("the key put with a lease does not show as leased once shown")
	}
	if err := b.SetRaw("k04999", []byte(`"ours"`)); err != nil {
		t.Fatalf("a write of a key unchanged since it was shown: %v", err)
	}
	got, err := cli.Get(ctx, "/many/k04999")
	if err != nil || len(got.Kvs) != 1 || string(got.Kvs[0].Value) != `"ours"` {
		t.Fatalf("etcd holds %v (%v) for the key written", got, err)
	}
}

// Key lists taken while the view changes (another client's puts and
// deletions reaching it through the watch, this Backend's own writes, and
// Changed showing them) each read as a sorted list of the keys there were
// when it was taken, however the view changes after.
func TestKeyListStaysWhileTheViewChanges(t *testing.T) {
	ep := startEtcd(t)
	cli := rawClient(t, ep)
	ctx := context.Background()
	for start := 0; start < 1000; start += 100 {
		var ops []clientv3.Op
		for i := start; i < start+100; i++ {
			ops = append(ops, clientv3.OpPut(fmt.Sprintf("/stay/k%04d", i), `1`))
		}
		if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/stay/", KeysOnly: true})
	b := etcdstore.NewBackend(s, etcdstore.BackendOptions{})

	type taken struct {
		list *kvstore.KeyList
		keys []string
	}
	var lists []taken
	done := make(chan error, 1)
	go func() {
		for i := range 200 {
			var err error
			if i%2 == 0 {
				_, err = cli.Put(ctx, fmt.Sprintf("/stay/n%04d", i), `2`)
			} else {
				_, err = cli.Delete(ctx, fmt.Sprintf("/stay/k%04d", i*3))
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; ; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			for j, l := range lists {
				if got := l.list.Slice(); !slices.Equal(got, l.keys) {
					t.Fatalf("key list %d changed after it was taken: %d keys, then %d", j, len(l.keys), len(got))
				}
			}
			return
		default:
		}
		if i%3 == 0 {
			if _, err := b.Changed(); err != nil {
				t.Fatal(err)
			}
		}
		if i%5 == 0 {
			if err := b.SetRaw(fmt.Sprintf("own%04d", i), []byte(`3`)); err != nil {
				t.Fatal(err)
			}
		}
		l := b.KeyList()
		keys := b.Keys()
		if got := l.Slice(); !slices.Equal(got, keys) {
			t.Fatalf("the key list has %d keys, Keys %d, or others", len(got), len(keys))
		}
		lists = append(lists, taken{l, keys})
	}
}
