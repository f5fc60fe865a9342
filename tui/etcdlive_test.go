package tui

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
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
	t.Parallel() // each test has its own etcd
	f, px, _ := newProxiedEtcdFixture(t, map[string]string{"a": "1", "gone": "2"}, etcdstore.Config{})
	h := watching(t, etcdSource(f.store))
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
	t.Parallel() // each test has its own etcd
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
	h := watching(t, etcdSource(store))
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

// del deletes key under /app/ as another client, and waits until the UI's
// store has seen it.
func (f *etcdFixture) del(key string) {
	f.t.Helper()
	resp, err := f.other.Delete(context.Background(), "/app/"+key)
	if err != nil {
		f.t.Fatal(err)
	}
	f.seen(resp.Header.Revision, key)
}

// modRevision returns the revision that last changed /app/key in etcd.
func (f *etcdFixture) modRevision(key string) int64 {
	f.t.Helper()
	resp, err := f.other.Get(context.Background(), "/app/"+key)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return 0
	}
	return resp.Kvs[0].ModRevision
}

const changedUnderneath = "⚠ changed by another client since you opened it — ctrl+s will show the conflict"

// An editor open on a key that another client changes, or deletes, says so
// at the refresh that brings the change, and not for a change of another
// key. The user's text stays as typed; applying it is refused by etcd and
// the conflict screen shows both sides.
func TestEtcdEditorHearsOfAChangeUnderneath(t *testing.T) {
	t.Parallel() // each test has its own etcd
	for _, deleted := range []bool{false, true} {
		f := newEtcdFixture(t, map[string]string{"a": "1", "b": "2"}, false)
		h := watching(t, etcdSource(f.store))
		h.send(keyText("e"), keyEnd, keyText("0")) // the user typed 10
		f.put("b", "20")
		h.fireRefresh()
		if strings.Contains(h.screen(), "changed by another client") {
			t.Fatalf("a change of another key was taken for one of the edited key:\n%s", h.screen())
		}
		theirs := "5"
		if deleted {
			f.del("a")
			theirs = "(deleted)"
		} else {
			f.put("a", "5")
		}
		h.fireRefresh()
		h.wantScreen(changedUnderneath)
		if got := h.editor().ed.Text(); got != "10" {
			t.Fatalf("deleted %v: the editor holds %q after the refresh, want the user's 10", deleted, got)
		}
		h.send(keyCtrlS)
		if deleted {
			f.wantEtcd("a", "(none)")
		} else {
			f.wantEtcd("a", "5")
		}
		h.wantStatus("another client changed these keys (ctrl+s to resolve)")
		h.send(keyCtrlS)
		if !topIs[*resolver](h) {
			t.Fatalf("deleted %v: ctrl+s did not open the conflict screen:\n%s", deleted, h.screen())
		}
		h.wantScreen("mine: 10")
		h.wantScreen("theirs: " + theirs)
	}
}

// For a file, the editor's notice speaks of the file, and says what
// applying then does: the file's change was read in, and yours replaces it.
func TestEditorHearsOfAFileChangeUnderneath(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	h := refreshing(t, FileSource(s))
	h.send(keyText("e"), keyEnd, keyText("0"))
	if err := os.WriteFile(s.Path(), []byte(`{"a": 5, "b": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fireRefresh()
	h.wantScreen("⚠ changed in the file since you opened it — ctrl+s puts yours over it")
	if got := h.editor().ed.Text(); got != "10" {
		t.Fatalf("the editor holds %q after the refresh, want the user's 10", got)
	}
	h.send(keyCtrlS)
	h.send(keyCtrlS)
	if got := fileValues(t, s.Path()); string(got["a"]) != "10" {
		t.Errorf("the file holds a = %s after applying, want 10", got["a"])
	}
}

// An edit given up (closed unchanged, or its changes discarded) leaves no
// trace of the revision it started from: deleting the key and undoing
// that puts it back, where etcd checks that the key is still absent. That
// old revision would make etcd refuse the undo as a conflict.
func TestEtcdEditGivenUpLeavesNoBase(t *testing.T) {
	for _, discard := range []bool{false, true} {
		f := newEtcdFixture(t, map[string]string{"a": "1", "b": "2"}, false)
		h := watching(t, etcdSource(f.store))
		h.send(keyText("e"))
		if discard {
			h.send(keyEnd, keyText("0"), keyEsc, keyText("y"))
		} else {
			h.send(keyEsc)
		}
		if h.editing() {
			t.Fatalf("discard %v: the editor is still open", discard)
		}
		h.send(keyText("d"), keyText("y"))
		f.wantEtcd("a", "(none)")
		h.send(keyText("u"))
		f.wantEtcd("a", "1")
		if err := h.store.LastSaveError(); err != nil || h.store.Pending() != 0 {
			t.Errorf("discard %v: the undo left %d pending with error %v", discard, h.store.Pending(), err)
		}
		h.wantStatus("no unsaved changes")
	}
}

// notJSONBytes is a value another client stored that is not JSON: text
// with a terminal escape and a byte that is not UTF-8.
const notJSONBytes = "plain <text>\x1b[31m\xff"

// A value that is not JSON is marked in the key list and the value pane's
// title, shown escaped, and never written: not by refreshes, nor by
// another client's changes read in. y copies its bytes as stored.
func TestEtcdNotJSONIsMarkedAndLeftAlone(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1", "plain": notJSONBytes}, false)
	rev := f.modRevision("plain")
	h := watching(t, etcdSource(f.store))
	h.send(keyDown)
	h.wantScreen("plain · not JSON, shown as a string")
	h.wantScreen("plain ¬JSON")
	h.wantScreen(`"plain <text>\u001b[31m`)
	if strings.Contains(h.screen(), "a ¬JSON") {
		t.Errorf("a JSON value is marked:\n%s", h.screen())
	}
	if u := firstUnsafe(strings.ReplaceAll(h.screen(), "\n", "")); u != "" {
		t.Errorf("the screen holds %s raw", u)
	}
	f.put("a", "2")
	h.fireRefresh()
	h.wantStatus("view updated")
	h.fireRefresh()
	h.wantScreen("plain · not JSON, shown as a string")
	if got := f.modRevision("plain"); got != rev {
		t.Errorf("plain was written (revision %d, was %d)", got, rev)
	}
	f.wantEtcd("plain", notJSONBytes)

	var copied string
	h.m.clip = func(s string) tea.Cmd { copied = s; return nil }
	h.send(keyText("y"))
	if copied != notJSONBytes {
		t.Errorf("y copied %q, want the bytes as stored %q", copied, notJSONBytes)
	}
	h.wantStatus("as stored")
}

// Undo and redo of a delete, and a rename and its undo, move the exact
// bytes of a value that is not JSON, not the JSON string shown.
func TestEtcdNotJSONKeepsItsBytesThroughUndoAndRename(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1", "plain": notJSONBytes}, false)
	h := watching(t, etcdSource(f.store))
	h.send(keyDown, keyText("d"), keyText("y"))
	f.wantEtcd("plain", "(none)")
	h.send(keyText("u"))
	f.wantEtcd("plain", notJSONBytes)
	h.send(keyCtrlY)
	f.wantEtcd("plain", "(none)")
	h.send(keyText("u"))
	f.wantEtcd("plain", notJSONBytes)
	h.wantScreen("plain ¬JSON")

	h.send(keyText("r"), keyText("2"), keyEnter)
	f.wantEtcd("plain", "(none)")
	f.wantEtcd("plain2", notJSONBytes)
	h.wantScreen("plain2 · not JSON, shown as a string")
	h.send(keyText("u"))
	f.wantEtcd("plain", notJSONBytes)
	f.wantEtcd("plain2", "(none)")
	if err := h.store.LastSaveError(); err != nil || h.store.Pending() != 0 {
		t.Errorf("%d pending with error %v", h.store.Pending(), err)
	}
}

// A rename of a value that is not JSON onto a key another client created
// meanwhile conflicts; keeping ours on the conflict screen writes the
// exact bytes.
func TestEtcdNotJSONKeepsItsBytesThroughMerge(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"plain": notJSONBytes}, false)
	src := etcdSource(f.store)
	f.put("q", `"theirs"`)
	if err := src.Rename("plain", "q"); err == nil {
		t.Fatal("a rename onto a key another client created succeeded")
	}
	c, err := src.Conflict()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Collisions, "q") {
		t.Fatalf("the conflict's collisions are %q, want q", c.Collisions)
	}
	if err := src.Merge(func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	f.wantEtcd("q", notJSONBytes)
	f.wantEtcd("plain", "(none)")
	if !notJSON(src, "q") {
		t.Error("the merged value is not marked as not JSON")
	}
}

// The editor opens on the JSON string a value that is not JSON is shown
// as, and says what applying does; unchanged it stores nothing, and what
// the user makes of it is stored as JSON.
func TestEtcdEditorOnNotJSON(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1", "plain": notJSONBytes}, false)
	h := watching(t, etcdSource(f.store))
	h.send(keyDown, keyText("e"))
	h.wantScreen("not JSON where stored: applying stores it as JSON")
	if got, want := h.editor().ed.Text(), `"plain <text>\u001b[31m\ufffd"`; got != want {
		t.Errorf("the editor opens on %q, want the JSON string %q", got, want)
	}
	h.send(keyCtrlS)
	h.wantStatus("no changes to plain")
	f.wantEtcd("plain", notJSONBytes)

	h.editValue(`{"text": "plain"}`)
	f.wantEtcd("plain", `{"text":"plain"}`)
	if strings.Contains(h.screen(), "not JSON") {
		t.Errorf("a value stored as JSON is still marked:\n%s", h.screen())
	}
}

// TestGoldenNotJSON pins a value that is not JSON as the panes show it,
// and the editor opened on it. The port etcd listens on is written as
// zeros, keeping the status bar's width.
func TestGoldenNotJSON(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": `{"x": 1}`, "plain": notJSONBytes, "z": "3"}, false)
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		for _, editing := range []bool{false, true} {
			name := fmt.Sprintf("not-json-%dx%d", size[0], size[1])
			if editing {
				name = fmt.Sprintf("not-json-editor-%dx%d", size[0], size[1])
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, etcdSource(f.store), size[0], size[1])
				h.send(keyDown)
				if editing {
					h.send(keyText("e"))
				}
				golden(t, name, zeroPorts(h.screen()))
			})
		}
	}
}

// loopbackPort matches a loopback endpoint, whose port changes from run
// to run.
var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// zeroPorts writes the ports of loopback endpoints on screen as zeros,
// keeping their width, so a golden file of an etcd screen is stable.
func zeroPorts(screen string) string {
	return loopbackPort.ReplaceAllStringFunc(screen, func(s string) string {
		host, p, _ := strings.Cut(s, ":")
		return host + ":" + strings.Repeat("0", len(p))
	})
}

// With an edit pending, other clients' changes to keys the user did not
// edit show as they commit: added, changed and deleted keys, at the next
// refresh. Only the edited key waits, and the conflict screen counts and
// lists it alone.
func TestEtcdOthersChangesShowWithEditsPending(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1", "b": "2", "c": "3"}, false)
	h := watching(t, etcdSource(f.store))
	h.send(keyText("e"))
	f.put("a", "5")
	h.fireRefresh()
	h.send(keyEnd, keyText("0"), keyCtrlS) // the editor still holds 1: 10
	h.wantStatus("another client changed these keys (ctrl+s to resolve)")

	f.put("b", "20")
	f.put("new", `"from elsewhere"`)
	f.del("c")
	h.fireRefresh()
	h.send(keyDown, keyDown)
	if got := h.selected(); got != "new" {
		t.Errorf("the third key listed is %q, want new: c was deleted", got)
	}
	if got := h.store.Keys(); !slices.Equal(got, []string{"a", "b", "new"}) {
		t.Errorf("the UI lists %q, want a, b and new", got)
	}
	if raw, _ := h.store.GetRaw("b"); string(raw) != "20" {
		t.Errorf("the UI shows b = %s, want the other client's 20", raw)
	}
	if raw, _ := h.store.GetRaw("a"); string(raw) != "10" || h.store.Pending() != 1 {
		t.Errorf("the UI shows a = %s with %d pending, want the user's 10, pending", raw, h.store.Pending())
	}
	h.wantStatus("another client changed these keys (ctrl+s to resolve)")

	h.send(keyCtrlS)
	if !topIs[*resolver](h) {
		t.Fatalf("ctrl+s did not open the conflict screen:\n%s", h.screen())
	}
	h.wantScreen("Others changed 1 key, you changed 1 key; 1 key changed on both sides.")
	h.wantScreen("mine: 10")
	h.wantScreen("theirs: 5")
}
