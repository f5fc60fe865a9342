package etcdstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// Every kind of write keeps the lease of the key it changes, and a rename
// moves it to the new key: a service's registration written by another
// client must still expire with that service after an edit here.
func TestWritesKeepTheLease(t *testing.T) {
	endpoint := startEtcd(t)
	other := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	grant, err := other.Grant(ctx, 600)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"edited", "renamed", "stored", "put", "deferred"} {
		if _, err := other.Put(ctx, "/l/"+k, `"up"`, clientv3.WithLease(grant.ID)); err != nil {
			t.Fatal(err)
		}
	}
	leaseOf := func(key string) clientv3.LeaseID {
		t.Helper()
		resp, err := other.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) == 0 {
			t.Fatalf("etcd has no %s", key)
		}
		return clientv3.LeaseID(resp.Kvs[0].Lease)
	}

	store := openStore(t, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/l/"})
	if it, _ := store.Item("edited"); it.Lease != int64(grant.ID) {
		t.Errorf("Item.Lease = %x, want %x", it.Lease, grant.ID)
	}
	if err := store.Set("stored", "down"); err != nil {
		t.Fatal(err)
	}
	b := etcdstore.NewBackend(store, etcdstore.BackendOptions{})
	if err := b.SetRaw("edited", []byte(`"down"`)); err != nil {
		t.Fatal(err)
	}
	if err := b.Rename("renamed", "moved"); err != nil {
		t.Fatal(err)
	}
	if err := b.Put("put", []byte(`"down"`)); err != nil {
		t.Fatal(err)
	}
	lazy := openStore(t, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/l/", Lazy: true})
	deferred := etcdstore.NewBackend(lazy, etcdstore.BackendOptions{Deferred: true})
	if err := deferred.Load("deferred"); err != nil {
		t.Fatal(err)
	}
	if err := deferred.SetRaw("deferred", []byte(`"down"`)); err != nil {
		t.Fatal(err)
	}
	if err := deferred.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"/l/edited", "/l/moved", "/l/stored", "/l/put", "/l/deferred"} {
		if got := leaseOf(key); got != grant.ID {
			t.Errorf("%s has lease %x after the write, want %x", key, got, grant.ID)
		}
	}
}

// Writes that read nothing first (Put) do not conflict with each other,
// as etcdctl's puts do not: of ten at once, each from its own command,
// every one succeeds, and one of the values is what etcd holds.
func TestConcurrentPutsAllSucceed(t *testing.T) {
	endpoint := startEtcd(t)
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		store := openStore(t, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/p/", Lazy: true})
		b := etcdstore.NewBackend(store, etcdstore.BackendOptions{Deferred: true})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = b.Put("k", []byte{byte('0' + i)}); errs[i] == nil {
				errs[i] = b.Flush()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("put %d: %v", i, err)
		}
	}
	resp, err := etcdtest.Client(t, endpoint).Get(context.Background(), "/p/k")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || len(resp.Kvs[0].Value) != 1 || resp.Kvs[0].Value[0] < '0' || resp.Kvs[0].Value[0] >= '0'+n {
		t.Errorf("etcd holds %v, want one of the values put", resp.Kvs)
	}
}
