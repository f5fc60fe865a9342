package etcdstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// noText refuses a JSON string under any key starting with "n/".
func noText(key string, raw []byte) error {
	if strings.HasPrefix(key, "n/") && strings.HasPrefix(string(raw), `"`) {
		return errors.New("must not be text")
	}
	return nil
}

// Config.Validate refuses values as the file store's Options.Validate
// does: before anything reaches etcd, through the Store and a Backend.
func TestValidateRefusesWrites(t *testing.T) {
	ep := startEtcd(t)
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/v/", Validate: noText})
	if err := s.Set("n/1", "one"); err == nil || !strings.Contains(err.Error(), "must not be text") {
		t.Errorf("Set = %v; want the validator's error", err)
	}
	if err := s.SetRaw("n/2", []byte(` "two" `)); err == nil {
		t.Error("SetRaw accepted a refused value")
	}
	if _, err := s.SetIf(context.Background(), "n/3", []byte(`"three"`), 0); err == nil {
		t.Error("SetIf accepted a refused value")
	}
	if err := s.SetRaw("n/4", []byte(`4`)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRaw("text", []byte(`"hello"`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename("text", "n/5"); err == nil || !strings.Contains(err.Error(), `rename "text" to "n/5"`) {
		t.Errorf("Rename = %v; want the validator's error for the new key", err)
	}
	cli := etcdtest.Client(t, ep)
	resp, err := cli.Get(context.Background(), "/v/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	if strings.Join(keys, " ") != "/v/n/4 /v/text" {
		t.Errorf("etcd holds %q; want only the accepted writes", keys)
	}

	b := etcdstore.NewBackend(s, etcdstore.BackendOptions{})
	var backend kvstore.Backend = b
	if err := backend.SetRaw("n/6", []byte(`"six"`)); err == nil {
		t.Error("a Backend staged a refused value")
	}
	if err := backend.Rename("text", "n/7"); err == nil {
		t.Error("a Backend staged a refused rename")
	}
	if backend.Pending() != 0 {
		t.Errorf("%d refused changes are pending", backend.Pending())
	}
}
