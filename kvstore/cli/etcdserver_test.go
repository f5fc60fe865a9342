package cli

import (
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// StartEtcd runs a one-member etcd in this process on a free loopback port
// and returns its client endpoint. It stops with the test. The scripts
// share one, each under a prefix of its own. It is exported for the
// black-box tests in cli_test.
func StartEtcd(tb testing.TB) string {
	tb.Helper()
	cfg := embed.NewConfig()
	cfg.Name = "cli"
	cfg.Dir = tb.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	local := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{local}, []url.URL{local}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{local}, []url.URL{local}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		tb.Fatalf("etcd failed: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatal("etcd was not ready within 20s")
	}
	return e.Clients[0].Addr().String()
}
