package tui

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// The UI on a live etcd prefix: the watch lost and recovered, an editor
// whose key another client changes, and values that are not JSON.

// cutProxy forwards TCP connections to etcd and can cut them all at once,
// refusing new ones until it is restored: the network between the UI and
// etcd failing, with etcd itself running on.
type cutProxy struct {
	addr   string
	target string
	l      net.Listener

	mu   sync.Mutex
	down bool
	open map[net.Conn]struct{}
	wg   sync.WaitGroup
}

func startCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{addr: l.Addr().String(), target: target, l: l, open: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		l.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) accept() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		p.wg.Go(func() { p.forward(c) })
	}
}

// track adds c to the open connections, unless the proxy is cut.
func (p *cutProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.open[c] = struct{}{}
	return true
}

func (p *cutProxy) forward(c net.Conn) {
	defer p.drop(c)
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(up) {
		up.Close()
		return
	}
	defer p.drop(up)
	var copying sync.WaitGroup
	copying.Go(func() {
		io.Copy(up, c)
		up.Close()
	})
	io.Copy(c, up)
	c.Close()
	copying.Wait()
}

func (p *cutProxy) drop(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
}

// cut closes every connection and refuses new ones until restore.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.open {
		c.Close()
	}
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// newProxiedEtcdFixture is newEtcdFixture with the UI's store reaching etcd
// through a proxy the test can cut, and with cfg's credentials.
func newProxiedEtcdFixture(t *testing.T, values map[string]string, cfg etcdstore.Config) (*etcdFixture, *cutProxy, string) {
	t.Helper()
	endpoint := etcdtest.Start(t, "tui")
	other := etcdClient(t, endpoint, "", "")
	f := &etcdFixture{t: t, other: other}
	for k, v := range values {
		f.put(k, v)
	}
	px := startCutProxy(t, endpoint)
	cfg.Endpoints, cfg.Prefix = []string{px.addr}, "/app/"
	f.store = openEtcdStore(t, cfg)
	return f, px, endpoint
}

func etcdClient(t *testing.T, endpoint, user, password string) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second,
		Username: user, Password: password, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openEtcdStore(t *testing.T, cfg etcdstore.Config) *etcdstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := etcdstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// refreshUntil fires refreshes until the status line holds want, for at
// most 30 seconds: the store reconnects and reads again on its own time.
func (h *harness) refreshUntil(want string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.fireRefresh()
		if strings.Contains(h.statusLine(), want) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the status line never said %q; it says %q", want, h.statusLine())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The UI is cut off from etcd while another client changes the prefix and
// compacts its history past the revision the watch would resume from. Once
// back, the watch cannot resume: the status bar says the prefix was read
// again and why, the view shows what happened meanwhile, and it is live
// again.
func TestEtcdWatchCompactedIsReadAgain(t *testing.T) {
	f, px, _ := newProxiedEtcdFixture(t, map[string]string{"a": "1", "gone": "2"}, etcdstore.Config{})
	h := watching(t, EtcdSource(f.store))
	h.fireRefresh()
	h.wantScreen("2 keys")

	px.cut()
	ctx := context.Background()
	if _, err := f.other.Put(ctx, "/app/b", "3"); err != nil {
		t.Fatal(err)
	}
	resp, err := f.other.Delete(ctx, "/app/gone")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.other.Compact(ctx, resp.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	h.fireRefresh()
	h.wantScreen("2 keys") // nothing reaches the UI while it is cut off
	px.restore()

	h.refreshUntil("read again after the watch was lost (revision compacted)")
	if strings.Contains(h.statusLine(), "watch lost:") {
		t.Errorf("the status bar still says the watch is lost: %q", h.statusLine())
	}
	h.wantScreen("2 keys")
	if !h.store.Has("b") || h.store.Has("gone") {
		t.Errorf("after reading again the UI shows %q, want a and b", h.store.Keys())
	}
	h.wantScreen("b")

	f.put("c", "4")
	h.fireRefresh()
	h.wantScreen("3 keys")
	h.wantStatus("view updated")
}

// The UI's user loses its read permission while cut off from etcd: the
// watch cannot resume and reading again fails, so the status bar says the
// watch is lost, refresh after refresh, until the permission is back and
// the prefix is read again.
func TestEtcdWatchLostStaysUntilReadAgain(t *testing.T) {
	endpoint := etcdtest.Start(t, "tui")
	root := etcdClient(t, endpoint, "", "")
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.Put(ctx, "/app/a", "1"))
	must(root.UserAdd(ctx, "root", "rootpw"))
	must(root.UserGrantRole(ctx, "root", "root"))
	must(root.RoleAdd(ctx, "app"))
	end := clientv3.GetPrefixRangeEnd("/app/")
	must(root.RoleGrantPermission(ctx, "app", "/app/", end, clientv3.PermissionType(clientv3.PermReadWrite)))
	must(root.UserAdd(ctx, "ui", "uipw"))
	must(root.UserGrantRole(ctx, "ui", "app"))
	must(root.AuthEnable(ctx))
	admin := etcdClient(t, endpoint, "root", "rootpw")

	px := startCutProxy(t, endpoint)
	store := openEtcdStore(t, etcdstore.Config{Endpoints: []string{px.addr}, Prefix: "/app/", Username: "ui", Password: "uipw"})
	h := watching(t, EtcdSource(store))
	h.wantScreen("1 key")

	px.cut()
	must(admin.Put(ctx, "/app/b", "2"))
	must(admin.RoleRevokePermission(ctx, "app", "/app/", end))
	px.restore()

	h.refreshUntil("watch lost: reconnecting… (permission denied)")
	h.fireRefresh()
	h.wantStatus("watch lost: reconnecting… (permission denied)")
	h.wantScreen("1 key")

	must(admin.RoleGrantPermission(ctx, "app", "/app/", end, clientv3.PermissionType(clientv3.PermReadWrite)))
	h.refreshUntil("read again after the watch was lost (permission denied)")
	if strings.Contains(h.statusLine(), "watch lost:") {
		t.Errorf("the status bar still says the watch is lost: %q", h.statusLine())
	}
	h.wantScreen("2 keys")
}
