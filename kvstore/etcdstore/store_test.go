package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// rawClient returns a plain etcd client: "another client" in the tests.
func rawClient(tb testing.TB, endpoints ...string) *clientv3.Client {
	tb.Helper()
	return etcdtest.Client(tb, endpoints...)
}

// setup starts an etcd and opens the prefix "/app/" on it.
func setup(t *testing.T) (*etcdstore.Store, *clientv3.Client) {
	t.Helper()
	ep := startEtcd(t)
	return openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/app/"}), rawClient(t, ep)
}

// etcdHas returns what etcd holds under key, and whether it exists.
func etcdHas(t *testing.T, cli *clientv3.Client, key string) (string, bool) {
	t.Helper()
	resp, err := cli.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return "", false
	}
	return string(resp.Kvs[0].Value), true
}

// eventually fails the test unless cond becomes true within 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func collect(s kvstore.Store, prefix string) map[string]string {
	got := map[string]string{}
	for k, v := range s.Prefix(prefix) {
		got[k] = string(v)
	}
	return got
}

func TestCRUDAndOrder(t *testing.T) {
	s, cli := setup(t)
	ctx := context.Background()
	// Neighbours of the prefix must stay invisible.
	for _, k := range []string{"/app", "/app0", "/other/x", "/ap"} {
		if _, err := cli.Put(ctx, k, `"outside"`); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Set("user1", map[string]any{"name": "John Doe", "age": 30}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRaw("b", []byte("{\n  \"x\": [1, 2.50, 1e400],\n  \"y\": \"<&>\"\n}\n")); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"B", "a/b", "a", "é", "z"} {
		if err := s.Set(k, k); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok := etcdHas(t, cli, "/app/b"); !ok || got != `{"x":[1,2.50,1e400],"y":"<&>"}` {
		t.Errorf("etcd holds %q, want the compact text with its digits kept", got)
	}
	if got, _ := etcdHas(t, cli, "/app/user1"); got != `{"age":30,"name":"John Doe"}` {
		t.Errorf("etcd holds %q", got)
	}
	v, ok := s.Get("user1")
	if want := map[string]any{"name": "John Doe", "age": float64(30)}; !ok || !reflect.DeepEqual(v, want) {
		t.Errorf("Get = %v, %v; want %v", v, ok, want)
	}
	raw, ok := s.GetRaw("b")
	if !ok || string(raw) != `{"x":[1,2.50,1e400],"y":"<&>"}` {
		t.Errorf("GetRaw = %s, %v", raw, ok)
	}
	if v, ok := s.Get("b"); !ok || v.(map[string]any)["y"] != "<&>" {
		t.Errorf("Get of a value beyond float64 = %v, %v", v, ok)
	}
	want := []string{"B", "a", "a/b", "b", "user1", "z", "é"}
	if got := s.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
	if s.Len() != len(want) || !s.Has("a/b") || s.Has("app") {
		t.Errorf("Len = %d, Has(a/b) = %v, Has(app) = %v", s.Len(), s.Has("a/b"), s.Has("app"))
	}
	var order []string
	for k := range s.All() {
		order = append(order, k)
	}
	if !slices.Equal(order, want) {
		t.Errorf("All order = %q", order)
	}
	if got := collect(s, "a"); !reflect.DeepEqual(got, map[string]string{"a": `"a"`, "a/b": `"a/b"`}) {
		t.Errorf("Prefix(a) = %v", got)
	}

	if err := s.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("never-was"); err != nil {
		t.Errorf("Delete of a missing key = %v", err)
	}
	if _, ok := etcdHas(t, cli, "/app/a"); ok || s.Has("a") {
		t.Error("deleted key still there")
	}
	if err := s.Set("ch", make(chan int)); err == nil || s.Has("ch") {
		t.Errorf("Set(chan) = %v, Has = %v; want an error and no key", err, s.Has("ch"))
	}
}

func TestSetRawRejectsInvalidJSON(t *testing.T) {
	s, cli := setup(t)
	file, err := kvstore.Open(filepath.Join(t.TempDir(), "data.json"), &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, text := range []string{
		`{"a":}`,
		"{\n  \"a\": 1,\n  \"b\": tru\n}",
		`{"a":1`,
		`1 2`,
		``,
		"[1,\n2,,3]",
		"\"a control \x01 byte\"",
	} {
		err := s.SetRaw("k", []byte(text))
		var se *kvstore.SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, kvstore.ErrCorrupt) {
			t.Errorf("SetRaw(%q) = %v, want a *kvstore.SyntaxError", text, err)
			continue
		}
		// The file store refuses the same text, at the same position.
		var fse *kvstore.SyntaxError
		if ferr := file.SetRaw("k", []byte(text)); !errors.As(ferr, &fse) {
			t.Errorf("SetRaw(%q): etcd store says %v, file store says %v", text, se, ferr)
		} else if fse.Line != se.Line || fse.Column != se.Column || fse.Msg != se.Msg {
			t.Errorf("SetRaw(%q): etcd store says %v, file store says %v", text, se, fse)
		}
		if _, err := s.SetIf(context.Background(), "k", []byte(text), 0); !errors.As(err, &se) {
			t.Errorf("SetIf(%q) = %v, want a *kvstore.SyntaxError", text, err)
		}
	}
	if _, ok := etcdHas(t, cli, "/app/k"); ok {
		t.Error("invalid JSON reached etcd")
	}
	// A byte inside a string that is not UTF-8 is kept by both stores, as
	// a data file keeps it.
	text := "{\"k\xfe\": \"\xff\"}"
	if err := s.SetRaw("k", []byte(text)); err != nil {
		t.Fatalf("SetRaw(%q): %v", text, err)
	}
	if err := file.SetRaw("k", []byte(text)); err != nil {
		t.Fatalf("file SetRaw(%q): %v", text, err)
	}
	if got, _ := etcdHas(t, cli, "/app/k"); got != "{\"k\xfe\":\"\xff\"}" {
		t.Errorf("etcd holds %q", got)
	}
}

func TestDecode(t *testing.T) {
	s, _ := setup(t)
	type theme struct {
		Name string `json:"name"`
		Size int    `json:"size"`
	}
	if err := s.Set("theme", theme{"dark", 14}); err != nil {
		t.Fatal(err)
	}
	got, err := kvstore.Decode[theme](s, "theme")
	if err != nil || got != (theme{"dark", 14}) {
		t.Errorf("Decode = %v, %v", got, err)
	}
	if _, err := kvstore.Decode[theme](s, "missing"); !errors.Is(err, kvstore.ErrNotFound) {
		t.Errorf("Decode(missing) = %v, want ErrNotFound", err)
	}
	if _, err := kvstore.Decode[int](s, "theme"); err == nil {
		t.Error("Decode of an object into an int succeeded")
	}
}

func TestValueThatIsNotJSON(t *testing.T) {
	s, cli := setup(t)
	if _, err := cli.Put(context.Background(), "/app/blob", "not json \x01"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the blob in the view", func() bool { return s.Has("blob") })
	it, _ := s.Item("blob")
	if it.JSON || string(it.Value) != "not json \x01" || it.Revision == 0 {
		t.Errorf("Item = %+v", it)
	}
	if v, _ := s.Get("blob"); v != "not json \x01" {
		t.Errorf("Get = %q, want the text as a string", v)
	}
	if raw, _ := s.GetRaw("blob"); string(raw) != `"not json \u0001"` {
		t.Errorf("GetRaw = %s", raw)
	}
	// Renaming moves the bytes unchanged.
	if err := s.Rename("blob", "blob2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := etcdHas(t, cli, "/app/blob2"); got != "not json \x01" {
		t.Errorf("renamed blob is %q", got)
	}
}

func TestRename(t *testing.T) {
	s, cli := setup(t)
	ctx := context.Background()
	if err := s.Set("from", []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("taken", "keep me"); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename("from", "taken"); !errors.Is(err, kvstore.ErrExists) {
		t.Errorf("Rename onto a key = %v, want ErrExists", err)
	}
	if err := s.Rename("nothing", "x"); !errors.Is(err, kvstore.ErrNotFound) {
		t.Errorf("Rename of a missing key = %v, want ErrNotFound", err)
	}
	if got, _ := etcdHas(t, cli, "/app/taken"); got != `"keep me"` {
		t.Errorf("the target of a refused rename is %q", got)
	}
	if err := s.Rename("from", "to"); err != nil {
		t.Fatal(err)
	}
	if s.Has("from") || !s.Has("to") {
		t.Errorf("after Rename the view has from: %v, to: %v", s.Has("from"), s.Has("to"))
	}
	// One transaction: one revision has the old key, the next the new one.
	resp, err := cli.Get(ctx, "/app/to")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "[1,2]" {
		t.Fatalf("etcd has %v, %v", resp, err)
	}
	rev := resp.Kvs[0].ModRevision
	for at, want := range map[int64][2]bool{rev - 1: {true, false}, rev: {false, true}} {
		r, err := cli.Get(ctx, "/app/", clientv3.WithPrefix(), clientv3.WithRev(at), clientv3.WithKeysOnly())
		if err != nil {
			t.Fatal(err)
		}
		var has [2]bool
		for _, kv := range r.Kvs {
			has[0] = has[0] || string(kv.Key) == "/app/from"
			has[1] = has[1] || string(kv.Key) == "/app/to"
		}
		if has != want {
			t.Errorf("at revision %d: from, to exist = %v, want %v", at, has, want)
		}
	}

	// The source changed by another client since the caller saw it.
	seen := s.Revision("to")
	if _, err := cli.Put(ctx, "/app/to", `"theirs"`); err != nil {
		t.Fatal(err)
	}
	eventually(t, "their change in the view", func() bool { return s.Revision("to") != seen })
	if err := s.RenameIf(ctx, "to", "moved", seen); !errors.Is(err, kvstore.ErrConflict) {
		t.Errorf("RenameIf with a stale revision = %v, want ErrConflict", err)
	}
	if _, ok := etcdHas(t, cli, "/app/moved"); ok {
		t.Error("a refused rename created its target")
	}
}

func TestConditionalWritesConflict(t *testing.T) {
	s, cli := setup(t)
	ctx := context.Background()
	rev, err := s.SetIf(ctx, "cfg", []byte(`{"v":1}`), 0)
	if err != nil || rev == 0 || s.Revision("cfg") != rev {
		t.Fatalf("SetIf of a new key = %d, %v; view has revision %d", rev, err, s.Revision("cfg"))
	}
	if _, err := s.SetIf(ctx, "cfg", []byte(`{"v":2}`), 0); !errors.Is(err, kvstore.ErrConflict) {
		t.Errorf("SetIf(rev 0) of an existing key = %v, want ErrConflict", err)
	}
	// Another client edits the key after we were shown revision rev.
	if _, err := cli.Put(ctx, "/app/cfg", `{"v":"theirs"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetIf(ctx, "cfg", []byte(`{"v":"mine"}`), rev); !errors.Is(err, kvstore.ErrConflict) {
		t.Errorf("SetIf over another client's change = %v, want ErrConflict", err)
	}
	if err := s.DeleteIf(ctx, "cfg", rev); !errors.Is(err, kvstore.ErrConflict) {
		t.Errorf("DeleteIf over another client's change = %v, want ErrConflict", err)
	}
	if got, _ := etcdHas(t, cli, "/app/cfg"); got != `{"v":"theirs"}` {
		t.Fatalf("etcd holds %s: a conflicting write overwrote the other client's", got)
	}
	eventually(t, "their change in the view", func() bool { return s.Revision("cfg") > rev })
	theirs := s.Revision("cfg")
	next, err := s.SetIf(ctx, "cfg", []byte(`{"v":"mine"}`), theirs)
	if err != nil || next <= theirs {
		t.Fatalf("SetIf with the current revision = %d, %v", next, err)
	}
	if err := s.DeleteIf(ctx, "cfg", next); err != nil || s.Has("cfg") {
		t.Errorf("DeleteIf with the current revision = %v, Has = %v", err, s.Has("cfg"))
	}
}

func TestWatchShowsOtherClients(t *testing.T) {
	s, cli := setup(t)
	ctx := context.Background()
	if err := s.Set("mine", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/app/theirs", `{"hello":"world"}`); err != nil {
		t.Fatal(err)
	}
	c := nextChange(t, s)
	if c.Kind != etcdstore.ChangePut || c.Key != "theirs" || c.Revision == 0 {
		t.Fatalf("first change = %+v, want their put (our own write is not a change)", c)
	}
	if raw, _ := s.GetRaw("theirs"); string(raw) != `{"hello":"world"}` {
		t.Errorf("view has %s", raw)
	}
	if _, err := cli.Delete(ctx, "/app/theirs"); err != nil {
		t.Fatal(err)
	}
	if c := nextChange(t, s); c.Kind != etcdstore.ChangeDelete || c.Key != "theirs" || s.Has("theirs") {
		t.Errorf("change = %+v, Has = %v; want their delete", c, s.Has("theirs"))
	}
}

func nextChange(t *testing.T, s *etcdstore.Store) etcdstore.Change {
	t.Helper()
	select {
	case c := <-s.Changes():
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported within 10s")
	}
	return etcdstore.Change{}
}

// Our writes and another client's, interleaved: Changes must report all of
// theirs and none of ours, although the watch may deliver ours before the
// write that made it has its response.
func TestChangesTellOwnWritesFromOthers(t *testing.T) {
	s, cli := setup(t)
	const n = 60
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range n {
				if err := s.Set(fmt.Sprintf("mine/%d/%d", w, i), i); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range n {
			if _, err := cli.Put(context.Background(), fmt.Sprintf("/app/theirs/%d", i), "1"); err != nil {
				t.Error(err)
			}
		}
	})
	theirs := map[string]bool{}
	for len(theirs) < n {
		c := nextChange(t, s)
		if !strings.HasPrefix(c.Key, "theirs/") {
			t.Fatalf("change %+v is one of our own writes", c)
		}
		theirs[c.Key] = true
	}
	wg.Wait()
	select {
	case c := <-s.Changes():
		t.Errorf("extra change %+v", c)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestEventsReportCommittedWrites(t *testing.T) {
	s, _ := setup(t)
	if err := s.Set("k", "value"); err != nil {
		t.Fatal(err)
	}
	ev := <-s.Events()
	if ev.Reason != kvstore.FlushAlways || ev.Changes != 1 || ev.Bytes != int64(len(`"value"`)) || ev.Keys != 1 || ev.Err != nil {
		t.Errorf("event = %+v", ev)
	}
}

func TestPagedInitialRead(t *testing.T) {
	ep := startEtcd(t)
	cli := rawClient(t, ep)
	ctx := context.Background()
	const n = 3000
	for start := 0; start < n; start += 100 {
		var ops []clientv3.Op
		for i := start; i < start+100; i++ {
			ops = append(ops, clientv3.OpPut(fmt.Sprintf("/big/%05d", i), fmt.Sprintf(`{"i":%d}`, i)))
		}
		if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// Keys just outside the prefix, which the view must not hold.
	for _, k := range []string{"/big", "/bih"} {
		if _, err := cli.Put(ctx, k, "outside"); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}, Prefix: "/big/", PageSize: 250})
	resp, err := cli.Get(ctx, "/big/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, kv := range resp.Kvs {
		want[strings.TrimPrefix(string(kv.Key), "/big/")] = string(kv.Value)
	}
	if got := collect(s, ""); len(want) != n || !reflect.DeepEqual(got, want) {
		t.Errorf("the view has %d keys, etcd %d; equal: %v", len(got), len(want), reflect.DeepEqual(got, want))
	}
	if s.ViewRevision() != resp.Header.Revision {
		t.Errorf("view revision %d, etcd %d", s.ViewRevision(), resp.Header.Revision)
	}
}

func TestCloseAndReadOnly(t *testing.T) {
	ep := startEtcd(t)
	ro := openStore(t, etcdstore.Config{Endpoints: []string{ep}, ReadOnly: true})
	if err := ro.Set("k", 1); !errors.Is(err, kvstore.ErrReadOnly) {
		t.Errorf("Set on a read-only store = %v", err)
	}
	s := openStore(t, etcdstore.Config{Endpoints: []string{ep}})
	if err := s.Set("k", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil like the file store", err)
	}
	for name, err := range map[string]error{
		"Set":    s.Set("k", 2),
		"Delete": s.Delete("k"),
		"Rename": s.Rename("k", "j"),
	} {
		if !errors.Is(err, kvstore.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if _, err := s.SetIf(context.Background(), "k", []byte("2"), s.Revision("k")); !errors.Is(err, kvstore.ErrClosed) {
		t.Errorf("SetIf after Close = %v, want ErrClosed", err)
	}
	for range s.Events() {
	}
	if _, open := <-s.Changes(); open {
		t.Error("Changes not closed")
	}
	// Reads answer from the last view, as the file store's do.
	if v, ok := s.Get("k"); !ok || v != float64(1) {
		t.Errorf("Get after Close = %v, %v", v, ok)
	}
}

// Open fails with an error that says why: a cluster that does not answer
// within the context, no endpoints, a certificate without its key. Each
// case has a context of its own, so none fails only because an earlier
// one used up the time.
func TestOpenFailsClearly(t *testing.T) {
	silent := etcdtest.Silent(t)
	cases := []struct {
		cfg  etcdstore.Config
		want string
	}{
		{etcdstore.Config{Endpoints: []string{silent}}, "etcdstore: cannot connect to " + silent + ": context deadline exceeded"},
		{etcdstore.Config{}, "etcdstore: no endpoints"},
		{etcdstore.Config{Endpoints: []string{silent}, Cert: "c.pem"}, "etcdstore: Cert and Key must be given together"},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		s, err := etcdstore.Open(ctx, c.cfg)
		cancel()
		if err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", c.cfg)
		} else if err.Error() != c.want {
			t.Errorf("Open(%+v) = %v, want %s", c.cfg, err, c.want)
		}
	}
}
