package cli

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// A command's changes to an etcd prefix are committed only where etcd
// still holds what the command saw: another client's write that lands
// between the command's read and its commit fails the command and stays,
// and the command's other changes are not made either.
func TestEtcdWriterNeverOverwritesAnotherClient(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
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
	open := func() *etcdSource {
		t.Helper()
		store, err := etcdstore.Open(ctx, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/w/"})
		if err != nil {
			t.Fatal(err)
		}
		return newEtcdSource(store, "etcd://"+endpoint+"/w/")
	}
	if _, err := other.Put(ctx, "/w/a", "1"); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name      string
		change    func(*etcdSource) error
		meanwhile string // the key another client writes before the commit
	}{
		{"a changed key", func(s *etcdSource) error { return s.SetRaw("a", []byte("2")) }, "/w/a"},
		{"a deleted key", func(s *etcdSource) error { return s.Delete("a") }, "/w/a"},
		{"a new key", func(s *etcdSource) error { return s.SetRaw("new", []byte("2")) }, "/w/new"},
		{"a rename's target", func(s *etcdSource) error { return s.Rename("a", "moved") }, "/w/moved"},
	} {
		s := open()
		if err := s.SetRaw("b", []byte(`"with it"`)); err != nil {
			t.Fatal(err)
		}
		if err := c.change(s); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if _, err := other.Put(ctx, c.meanwhile, "3"); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); !errors.Is(err, kvstore.ErrConflict) {
			t.Errorf("%s: Close = %v, want a conflict", c.name, err)
		}
		if got := etcdHolds(c.meanwhile); got != "3" {
			t.Errorf("%s: etcd has %s = %s, want the other client's 3", c.name, c.meanwhile, got)
		}
		if got := etcdHolds("/w/b"); got != "(none)" {
			t.Errorf("%s: the refused command still wrote b = %s", c.name, got)
		}
		if _, err := other.Delete(ctx, "/w/", clientv3.WithPrefix()); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Put(ctx, "/w/a", "1"); err != nil {
			t.Fatal(err)
		}
	}
}

// Writes go in transactions etcd accepts: no more than MaxApply writes or
// about a MiB of values each, in the order given, none left out.
func TestBatch(t *testing.T) {
	var writes []etcdstore.Write
	for range 2*etcdstore.MaxApply + 1 {
		writes = append(writes, etcdstore.Write{Key: "k", Value: []byte("1")})
	}
	big := bytes.Repeat([]byte("x"), maxBatchBytes/2+1)
	for range 3 {
		writes = append(writes, etcdstore.Write{Key: "big", Value: big})
	}
	n := 0
	for _, b := range batch(writes) {
		size := 0
		for _, w := range b {
			size += len(w.Value)
		}
		if len(b) > etcdstore.MaxApply || size > maxBatchBytes && len(b) > 1 {
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
}
