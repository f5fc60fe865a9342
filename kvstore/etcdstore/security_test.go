package etcdstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

func TestTLSWithClientCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, caFile, _ := etcdtest.Issue(t, dir, "ca", 1, nil, nil)
	_, _, serverCert, serverKey := etcdtest.Issue(t, dir, "server", 2, ca, caKey)
	_, _, clientCert, clientKey := etcdtest.Issue(t, dir, "client", 3, ca, caKey)

	cfg := memberConfig(t, "tls", "https://127.0.0.1:0", "http://127.0.0.1:0")
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ClientTLSInfo = transport.TLSInfo{CertFile: serverCert, KeyFile: serverKey, TrustedCAFile: caFile, ClientCertAuth: true}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	waitReady(t, e)
	ep := "https://" + e.Clients[0].Addr().String()

	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, CACert: caFile, Cert: clientCert, Key: clientKey})
	if err := s.Set("k", "over TLS"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("k"); v != "over TLS" {
		t.Errorf("Get = %v", v)
	}
	// Each failure says what TLS found, rather than that nobody answered.
	for name, c := range map[string]etcdstore.Config{
		"without a client certificate": {Endpoints: []string{ep}, CACert: caFile},
		"without trusting the CA":      {Endpoints: []string{ep}, Cert: clientCert, Key: clientKey},
		"in plain text":                {Endpoints: []string{strings.TrimPrefix(ep, "https://")}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s, err := etcdstore.Open(ctx, c)
		var tlsErr *etcdstore.TLSError
		switch {
		case err == nil:
			s.Close()
			t.Errorf("Open %s succeeded", name)
		case !errors.As(err, &tlsErr):
			t.Errorf("Open %s: %v, want a TLSError", name, err)
		}
		cancel()
	}
}

func TestAuth(t *testing.T) {
	ep := startEtcd(t)
	cli := rawClient(t, ep)
	ctx := context.Background()
	if _, err := cli.UserAdd(ctx, "root", "secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/a/", Username: "root", Password: "secret"})
	if err := s.Set("k", 1); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]etcdstore.Config{
		"with a wrong password": {Endpoints: []string{ep}, Username: "root", Password: "wrong"},
		"without credentials":   {Endpoints: []string{ep}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if s, err := etcdstore.Open(ctx, c); err == nil {
			s.Close()
			t.Errorf("Open %s succeeded", name)
		}
		cancel()
	}
}
