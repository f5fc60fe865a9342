package uitest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// The UI on a prefix of a real etcd, run in this process: what the user
// sees, what reaches etcd, and what another client does meanwhile.

// etcdFixture is an etcd holding values under /app/, the UI's store on that
// prefix, and another client.
type etcdFixture struct {
	t     *testing.T
	store *etcdstore.Store
	other *clientv3.Client
}

func newEtcdFixture(t *testing.T, values map[string]string, readOnly bool) *etcdFixture {
	t.Helper()
	endpoint := etcdtest.Start(t, "tui")
	return openEtcdFixture(t, values, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/app/", ReadOnly: readOnly})
}

// openEtcdFixture puts values under /app/ as another client, then opens
// the store the UI uses with cfg; both close with the test.
func openEtcdFixture(t *testing.T, values map[string]string, cfg etcdstore.Config) *etcdFixture {
	t.Helper()
	f := &etcdFixture{t: t, other: etcdtest.Client(t, cfg.Endpoints...)}
	for k, v := range values {
		f.put(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if f.store, err = etcdstore.Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	return f
}

// put writes key under /app/ as another client, and waits until the UI's
// store has seen it, so that the next refresh finds it.
func (f *etcdFixture) put(key, value string) {
	f.t.Helper()
	resp, err := f.other.Put(context.Background(), "/app/"+key, value)
	if err != nil {
		f.t.Fatal(err)
	}
	if f.store != nil {
		f.seen(resp.Header.Revision, key)
	}
}

// seen waits until the UI's store has seen revision rev, which changed
// key, so that the next refresh finds the change.
func (f *etcdFixture) seen(rev int64, key string) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.store.ViewRevision() < rev {
		if time.Now().After(deadline) {
			f.t.Fatalf("the store did not see the change of %s within 10s", key)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// get returns what etcd holds under /app/key, or "(none)".
func (f *etcdFixture) get(key string) string {
	f.t.Helper()
	resp, err := f.other.Get(context.Background(), "/app/"+key)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return "(none)"
	}
	return string(resp.Kvs[0].Value)
}

// etcdSource is store as the UI's Source, as the program opens it.
func etcdSource(store *etcdstore.Store) *etcdstore.Backend {
	return etcdstore.NewBackend(store, etcdstore.BackendOptions{WriteTimeout: 4 * time.Second})
}

// pendingFile is the documented shape of a file of pending changes.
type pendingFile struct {
	Source    string                     `json:"source"`
	Set       map[string]json.RawMessage `json:"set"`
	Delete    []string                   `json:"delete"`
	Revisions map[string]int64           `json:"revisions"`
}

func (f *etcdFixture) wantEtcd(key, want string) {
	f.t.Helper()
	if got := f.get(key); got != want {
		f.t.Fatalf("etcd has /app/%s = %s, want %s", key, got, want)
	}
}

// The list shows the keys under the prefix without it; an edit is in etcd
// when the status bar says saved, and the status bar names the prefix.
func TestEtcdListAndEdit(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1", "b": `{"x": 1}`}, false)
	h := watching(t, etcdSource(f.store))
	h.wantScreen("2 keys")
	h.wantScreen("etcd://127.0.0.1:")
	h.wantScreen("/app/")
	h.send(keyDown)
	h.wantScreen(`"x": 1`)
	h.send(keyUp, keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
	f.wantEtcd("a", "10")
	f.wantEtcd("b", `{"x": 1}`)
	h.nextEvent()
	h.wantSaved()
	if h.editing() {
		t.Error("the editor stayed open after the value was stored")
	}
}

// A key another client adds appears at the next refresh, without a key
// press, and the status bar says the data changed elsewhere.
func TestEtcdOtherClientsChangesAppear(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1"}, false)
	h := watching(t, etcdSource(f.store))
	h.fireRefresh()
	h.wantScreen("1 key")
	f.put("new", `"from elsewhere"`)
	h.fireRefresh()
	h.wantScreen("2 keys")
	h.wantScreen("new")
	h.wantStatus("view updated")
	h.fireRefresh()
	h.wantStatus("no unsaved changes")
}

// An edit of a value another client changed after the editor opened is
// refused by etcd, even though a refresh showed the new value meanwhile:
// the user did not see it. The status bar offers the conflict screen,
// which shows both values, and the user's choice is what etcd ends with.
func TestEtcdEditOfAChangedValueConflicts(t *testing.T) {
	for _, keepMine := range []bool{true, false} {
		f := newEtcdFixture(t, map[string]string{"a": "1", "b": "2"}, false)
		h := watching(t, etcdSource(f.store))
		h.send(keyText("e"))
		f.put("a", "5")
		h.fireRefresh()
		h.send(keyEnd, keyText("0"), keyCtrlS) // the editor still holds 1: 10
		f.wantEtcd("a", "5")
		f.wantEtcd("a", "5")
		// Shared data is worded as such: there is no file on disk here.
		h.wantStatus("another client changed these keys (ctrl+s to resolve)")

		h.send(keyCtrlS)
		if !h.conflictShown() {
			t.Fatalf("ctrl+s did not open the conflict screen:\n%s", h.screen())
		}
		h.wantScreen("Another client changed keys you changed")
		if strings.Contains(h.screen(), "on disk") || strings.Contains(h.screen(), "file") {
			t.Errorf("the conflict screen of an etcd prefix speaks of a file:\n%s", h.screen())
		}
		h.wantScreen("O overwrite theirs")
		h.send(keyText("O"))
		h.wantScreen("Write yours over the other clients' changes to 1 key?")
		h.send(keyText("n"))
		h.wantScreen("mine: 10")
		h.wantScreen("theirs: 5")
		want := "5"
		if keepMine {
			h.send(keyText("m"))
			want = "10"
		} else {
			h.send(keyText("t"))
		}
		h.send(keyEnter)
		f.wantEtcd("a", want)
		if raw, _ := h.store.GetRaw("a"); string(raw) != want {
			t.Errorf("keep mine %v: the UI shows a = %s, want %s", keepMine, raw, want)
		}
		if n := h.store.Pending(); n != 0 {
			t.Errorf("keep mine %v: %d changes pending after the merge", keepMine, n)
		}
	}
}

// Deleting and renaming check the revision shown, as editing does;
// Overwrite writes ours whatever etcd holds, and Reload drops ours.
func TestEtcdDeleteRenameOverwriteReload(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1", "b": "2", "c": "3"}, false)
	src := etcdSource(f.store)
	f.put("a", "100")
	f.put("b", "200")
	if err := src.Delete("a"); err == nil {
		t.Error("deleting a key another client changed succeeded")
	}
	if err := src.Rename("b", "bb"); err == nil {
		t.Error("renaming a key another client changed succeeded")
	}
	f.wantEtcd("a", "100")
	f.wantEtcd("b", "200")
	f.wantEtcd("bb", "(none)")
	if src.Has("a") || !src.Has("bb") || src.Pending() != 3 {
		t.Errorf("the refused changes are not shown as pending: has a %v, has bb %v, pending %d",
			src.Has("a"), src.Has("bb"), src.Pending())
	}
	if err := src.Reload(); err != nil {
		t.Fatal(err)
	}
	if raw, _ := src.GetRaw("a"); string(raw) != "100" || src.Pending() != 0 {
		t.Errorf("after Reload a = %s with %d pending, want etcd's 100 and none", raw, src.Pending())
	}

	f.put("c", "300")
	if err := src.SetRaw("c", []byte("30")); err == nil {
		t.Error("setting a key another client changed succeeded")
	}
	if err := src.Overwrite(); err != nil {
		t.Fatal(err)
	}
	f.wantEtcd("c", "30")
	if err := src.Rename("c", "d"); err != nil {
		t.Fatal(err)
	}
	f.wantEtcd("c", "(none)")
	f.wantEtcd("d", "30")
	if err := src.Delete("d"); err != nil {
		t.Fatal(err)
	}
	f.wantEtcd("d", "(none)")
	if src.LastSaveError() != nil || src.Pending() != 0 {
		t.Errorf("after successful writes: error %v, %d pending", src.LastSaveError(), src.Pending())
	}
}

// A read-only prefix is shown and kept live, and refuses every change.
func TestEtcdReadOnly(t *testing.T) {
	f := newEtcdFixture(t, map[string]string{"a": "1"}, true)
	src := etcdSource(f.store)
	if !src.ReadOnly() {
		t.Fatal("a read-only store's Source is not read-only")
	}
	h := watching(t, src)
	h.wantStatus("read-only")
	h.send(keyText("e"))
	if h.editing() {
		t.Error("the editor opened on a read-only prefix")
	}
	if err := src.SetRaw("a", []byte("2")); err == nil {
		t.Error("SetRaw on a read-only prefix succeeded")
	}
	f.wantEtcd("a", "1")
	f.put("b", "2")
	h.fireRefresh()
	h.wantScreen("2 keys")
}

// etcdPut writes key = value through cli, another client of the etcd a
// test runs the UI on.
func etcdPut(t *testing.T, cli *clientv3.Client, key, value string) {
	t.Helper()
	if _, err := cli.Put(context.Background(), key, value); err != nil {
		t.Fatal(err)
	}
}

// waitEtcd waits until etcd holds want under key, as cli reads it, for at
// most within; a read that fails (the cluster away for a while) is tried
// again.
func waitEtcd(t *testing.T, cli *clientv3.Client, key, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := cli.Get(context.Background(), key)
		if err == nil && len(resp.Kvs) > 0 && string(resp.Kvs[0].Value) == want {
			return
		}
		if time.Now().After(deadline) {
			if err == nil {
				t.Fatalf("etcd never held %s = %s; it holds %v", key, want, resp.Kvs)
			}
			t.Fatalf("etcd never held %s = %s (%v)", key, want, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
