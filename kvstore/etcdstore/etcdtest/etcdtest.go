// Package etcdtest runs a real etcd server inside a test process, for the
// tests of kvstore/etcdstore and of the command line and terminal UI that
// use it. Only tests import it, so no program links the server.
//
// Start is the simplest: one member for the whole test. StartServer and
// StartCluster return members the test can stop, as a crash would, and
// start again on the same data and address, to show what clients do while
// the cluster, or its leader, is away. StartTLS and StartSecureCluster
// serve clients only over TLS; the secure cluster's members also speak
// TLS to each other, and it has authentication on.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Start runs a one-member etcd named name on a free loopback port, with
// its data in a temporary directory and its log silenced, and returns its
// client endpoint (HOST:PORT) once it is ready. It stops with the test.
func Start(tb testing.TB, name string) string {
	tb.Helper()
	return StartWith(tb, name, nil)
}

// StartWith is Start with configure, if not nil, changing the member's
// configuration before it starts, such as its limits on a request
// (MaxRequestBytes, MaxTxnOps).
func StartWith(tb testing.TB, name string, configure func(*embed.Config)) string {
	tb.Helper()
	cfg := embed.NewConfig()
	cfg.Name = name
	cfg.Dir = tb.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	local := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{local}, []url.URL{local}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{local}, []url.URL{local}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	if configure != nil {
		configure(cfg)
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Close)
	waitReady(tb, e)
	return e.Clients[0].Addr().String()
}

// Server is one etcd member run by a test, which the test can stop and
// start again. Clients reach it through a forwarder that cuts their
// connections the moment the member stops, as after a crash (an embedded
// member's graceful shutdown would keep them open for seconds), and
// refuses new ones until it is back; its endpoint stays the same. Its
// peers reach it through another such forwarder, so the member itself
// listens on ports the system picks when it starts, and no port is ever
// chosen free and then taken by someone else before the member binds it.
type Server struct {
	name  string
	cfg   *embed.Config
	proxy *proxy // for clients
	peer  *proxy // for the other members

	mu   sync.Mutex
	etcd *embed.Etcd // nil while stopped
}

// StartServer runs a one-member etcd named name, like Start, and returns
// it once it is ready. It stops with the test.
func StartServer(tb testing.TB, name string) *Server {
	tb.Helper()
	return startMembers(tb, []string{name}, "", nil)[0]
}

// StartCluster runs a cluster of n members named m0, m1, … in this
// process, with heartbeats short enough that losing the leader costs well
// under a second, and returns them once all are ready. They stop with the
// test.
func StartCluster(tb testing.TB, n int) []*Server {
	tb.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("m%d", i)
	}
	return startMembers(tb, names, "kvstore-test", nil)
}

// startMembers starts the members named names, and waits until all are
// ready. With secure set, they speak TLS to clients and to each other, as
// its Secure method configures them.
func startMembers(tb testing.TB, names []string, token string, secure *memberTLS) []*Server {
	var initial []string
	var servers []*Server
	scheme := "http"
	if secure != nil {
		scheme = "https"
	}
	for _, name := range names {
		s := &Server{name: name, proxy: startProxy(tb), peer: startProxy(tb)}
		cfg := embed.NewConfig()
		cfg.Name = name
		cfg.Dir = tb.TempDir()
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		// The member listens where the system puts it and advertises its
		// forwarders, whose addresses never change. The forwarders carry
		// TLS as they carry anything else.
		local := url.URL{Scheme: scheme, Host: "127.0.0.1:0"}
		client := url.URL{Scheme: scheme, Host: s.proxy.addr}
		peer := url.URL{Scheme: scheme, Host: s.peer.addr}
		if secure != nil {
			secure.configure(cfg)
		}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{local}, []url.URL{client}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{local}, []url.URL{peer}
		if len(names) > 1 {
			cfg.TickMs, cfg.ElectionMs = 20, 200
			cfg.InitialClusterToken = token
		}
		initial = append(initial, name+"="+peer.String())
		s.cfg = cfg
		servers = append(servers, s)
	}
	for _, s := range servers {
		s.cfg.InitialCluster = strings.Join(initial, ",")
		s.start(tb)
		tb.Cleanup(s.Stop)
	}
	for _, s := range servers {
		waitReady(tb, s.etcd)
	}
	return servers
}

// start starts the member and points its forwarders at the ports it
// listens on. The peer forwarder opens at once, as the member needs its
// peers to become ready; clients wait for Restart to open theirs.
func (s *Server) start(tb testing.TB) {
	tb.Helper()
	e, err := embed.StartEtcd(s.cfg)
	if err != nil {
		tb.Fatal(err)
	}
	s.etcd = e
	s.proxy.forwardTo(e.Clients[0].Addr().String())
	s.peer.forwardTo(e.Peers[0].Listener.Addr().String())
	s.peer.restore()
}

// Name is the member's name.
func (s *Server) Name() string { return s.name }

// Endpoint is where clients reach the member (HOST:PORT), the same before
// and after a restart.
func (s *Server) Endpoint() string { return s.proxy.addr }

// Stop stops the member abruptly, as a crash would: its clients lose their
// connections at once, and a leader does not hand on its leadership
// first. Stopping a stopped member does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.etcd == nil {
		return
	}
	s.proxy.cut()
	s.peer.cut()
	s.etcd.Server.HardStop()
	s.etcd.Close()
	s.etcd = nil
}

// CutClients closes every client connection to the member and refuses
// new ones until RestoreClients, with the member running on: the network
// between its clients and it failing. Peers still reach it.
func (s *Server) CutClients() { s.proxy.cut() }

// RestoreClients lets clients connect to the member again after
// CutClients. It does not start a stopped member.
func (s *Server) RestoreClients() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.etcd != nil {
		s.proxy.restore()
	}
}

// Direct is where the member itself listens for clients (HOST:PORT),
// bypassing the forwarder, so that CutClients does not cut a client of
// it off; it changes when the member restarts. It is empty while the
// member is stopped.
func (s *Server) Direct() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.etcd == nil {
		return ""
	}
	return s.etcd.Clients[0].Addr().String()
}

// Restart starts a stopped member again on its data directory and
// addresses, and returns once it is ready: what it held before it stopped
// is there again.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.etcd != nil {
		return
	}
	// A restarted member finds its cluster in its data directory.
	s.cfg.ClusterState = embed.ClusterStateFlagExisting
	s.start(tb)
	waitReady(tb, s.etcd)
	s.proxy.restore()
}

// IsLeader reports whether the member is running and leads its cluster.
func (s *Server) IsLeader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.etcd != nil && s.etcd.Server.Leader() == s.etcd.Server.MemberID()
}

func waitReady(tb testing.TB, e *embed.Etcd) {
	tb.Helper()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		tb.Fatalf("etcd failed: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatal("etcd was not ready within 20s")
	}
}

// Silent returns a loopback address (HOST:PORT) where nobody answers: a
// port the test holds until it ends, whose connections are never accepted,
// so a client waits as for a cluster that is not there. Holding the port
// keeps another program from answering on it, which an address merely
// believed free would not.
func Silent(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

// Client connects a plain etcd client to endpoints, with its log silenced:
// "another client" in the tests. It is closed when the test ends.
func Client(tb testing.TB, endpoints ...string) *clientv3.Client {
	tb.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// UntilAnswered calls op until it succeeds, for at most 20 seconds: long
// enough for a cluster that lost its leader to elect another. It fails the
// test with what and op's last error if the cluster never answers.
func UntilAnswered(tb testing.TB, what string, op func() error) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := op()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
