// Package etcdtest runs a real etcd server inside a test process, for the
// tests of kvstore/etcdstore and of the command line and terminal UI that
// use it. Only tests import it, so no program links the server.
package etcdtest

import (
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Start runs a one-member etcd named name on a free loopback port, with
// its data in a temporary directory and its log silenced, and returns its
// client endpoint (HOST:PORT) once it is ready. It stops with the test.
func Start(tb testing.TB, name string) string {
	tb.Helper()
	cfg := embed.NewConfig()
	cfg.Name = name
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
