package etcdstore_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

func memberConfig(tb testing.TB, name, client, peer string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = name
	cfg.Dir = tb.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cu, pu := mustURL(tb, client), mustURL(tb, peer)
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	// Short heartbeats so that losing a leader costs well under a second.
	cfg.TickMs, cfg.ElectionMs = 20, 200
	return cfg
}

func mustURL(tb testing.TB, s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return *u
}

func waitReady(tb testing.TB, e *embed.Etcd) {
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		tb.Fatalf("etcd failed: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatal("etcd was not ready within 20s")
	}
}

// startEtcd runs a one-member etcd in this process on a free loopback port
// and returns its client endpoint. It stops with the test.
func startEtcd(tb testing.TB) string {
	tb.Helper()
	return etcdtest.Start(tb, "solo")
}

// openStore opens a Store on the endpoints and closes it with the test.
func openStore(tb testing.TB, cfg etcdstore.Config) *etcdstore.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := etcdstore.Open(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
