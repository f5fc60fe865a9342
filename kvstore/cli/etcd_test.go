package cli_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// startEtcd runs a one-member etcd in this process on a free loopback port
// and returns its client endpoint. It stops with the test. The scripts
// share it, each under a prefix of its own.
func startEtcd(tb testing.TB) string {
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

// startEtcdWithAuth is startEtcd with etcd's authentication on and one
// user, root, whose password is secret.
func startEtcdWithAuth(tb testing.TB) string {
	tb.Helper()
	endpoint := startEtcd(tb)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		tb.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.UserAdd(ctx, "root", "secret"); err != nil {
		tb.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		tb.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		tb.Fatal(err)
	}
	return endpoint
}

// etcdCommand is the script command `etcd put KEY VALUE` or `etcd get KEY`
// (prints the value as etcd holds it; fails if KEY is missing): another
// client of the scripts' etcd, which reaches it without kvstore, by full
// etcd keys.
func etcdCommand(endpoint string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 2 {
			ts.Fatalf("usage: etcd put KEY VALUE | get KEY")
		}
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		ts.Check(err)
		defer cli.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		switch {
		case args[0] == "put" && len(args) == 3 && !neg:
			_, err = cli.Put(ctx, args[1], args[2])
			ts.Check(err)
		case args[0] == "get" && len(args) == 2:
			resp, err := cli.Get(ctx, args[1])
			ts.Check(err)
			switch {
			case neg && len(resp.Kvs) > 0:
				ts.Fatalf("etcd has %s = %q", args[1], resp.Kvs[0].Value)
			case neg:
			case len(resp.Kvs) == 0:
				ts.Fatalf("etcd has no %s", args[1])
			default:
				ts.Stdout().Write(append(resp.Kvs[0].Value, '\n'))
			}
		default:
			ts.Fatalf("usage: etcd put KEY VALUE | get KEY")
		}
	}
}
