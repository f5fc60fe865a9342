package etcdstore_test

import (
	"context"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// rawClient returns a plain etcd client: "another client" in the tests.
func rawClient(tb testing.TB, endpoints ...string) *clientv3.Client {
	tb.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

func TestSmoke(t *testing.T) {
	ep := startEtcd(t)
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/app/"})
	if err := s.Set("a", 1); err != nil {
		t.Fatal(err)
	}
	v, ok := s.Get("a")
	t.Log(v, ok)
	cli := rawClient(t, ep)
	cli.Put(context.Background(), "/app/b", "x")
	time.Sleep(100 * time.Millisecond)
	t.Log(s.Keys())
}
