package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// The UI on an etcd that goes away and comes back: edits made meanwhile
// wait, shown as pending, and go through by themselves, with their
// revision checks, once it answers again.

// newOfflineFixture is newEtcdFixture on a member the test can stop and
// restart, with the UI's Source giving up on a write after a second.
func newOfflineFixture(t *testing.T, endpoints []string, values map[string]string) (*etcdFixture, *etcdstore.Backend) {
	t.Helper()
	f := openEtcdFixture(t, values, etcdstore.Config{Endpoints: endpoints, Prefix: "/app/", OpTimeout: 3 * time.Second})
	return f, etcdstore.NewBackend(f.store, etcdstore.BackendOptions{WriteTimeout: time.Second})
}

// fireRetry fires the automatic retry's timer.
func (h *harness) fireRetry() {
	h.t.Helper()
	for i, tm := range h.timers {
		if _, ok := tm.msg.(retryTickMsg); ok {
			h.timers = append(h.timers[:i], h.timers[i+1:]...)
			h.send(tm.msg)
			return
		}
	}
	h.t.Fatalf("no retry timer is running; status %q", h.statusLine())
}

// retryArmed reports whether a retry timer is running.
func (h *harness) retryArmed() bool {
	for _, tm := range h.timers {
		if tick, ok := tm.msg.(retryTickMsg); ok && tick.id == h.m.retry.id {
			return true
		}
	}
	return false
}

// retryUntilSaved fires the retry timer until nothing waits: the
// cluster's client reconnects by itself, within a few attempts.
func (h *harness) retryUntilSaved() {
	h.t.Helper()
	for range 20 {
		if !h.m.waitingForCluster() {
			return
		}
		h.fireRetry()
	}
	h.t.Fatalf("still waiting after 20 retries: %q", h.statusLine())
}

// With the only member stopped, an edit gives up within the Source's
// timeout, stays shown and pending, and the status bar says etcd is
// unreachable; a deletion made then waits at once. Both are listed as
// unsaved changes, retried with a growing wait, and land in etcd by
// themselves once the member is back.
func TestEtcdUnreachableEditsWaitAndGoThrough(t *testing.T) {
	t.Parallel() // each test has its own etcd
	srv := etcdtest.StartServer(t, "tui")
	f, src := newOfflineFixture(t, []string{srv.Endpoint()}, map[string]string{"a": "1", "b": "2", "c": "3"})
	h := watching(t, src)
	h.wantScreen("3 keys")

	srv.Stop()
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
	if h.editing() {
		t.Fatalf("the editor stayed open on an edit that waits:\n%s", h.screen())
	}
	h.wantStatus("unreachable · retrying · 1 pending")
	h.send(keyDown, keyText("d"), keyText("y")) // delete b
	h.wantStatus("unreachable · retrying · 2 pending")
	if raw, _ := src.GetRaw("a"); string(raw) != "10" || src.Has("b") {
		t.Errorf("while waiting the UI shows a = %s, has b %v; want the user's changes", raw, src.Has("b"))
	}
	h.send(keyText("c"))
	h.wantScreen("Unsaved changes · 2 changes")
	h.wantScreen("changed  a")
	h.wantScreen("deleted  b")
	h.send(keyEsc)

	// Each failed attempt waits twice as long before the next, up to the
	// cap.
	var delays []time.Duration
	for range 6 {
		if !h.retryArmed() {
			t.Fatal("no retry is scheduled while changes wait")
		}
		delays = append(delays, h.m.retry.delay)
		h.fireRetry()
		h.wantStatus("unreachable · retrying · 2 pending")
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, retryMax, retryMax}
	if !slices.Equal(delays, want) {
		t.Errorf("retry delays %v, want %v", delays, want)
	}

	srv.Restart(t)
	h.retryUntilSaved()
	f.wantEtcd("a", "10")
	f.wantEtcd("b", "(none)")
	f.wantEtcd("c", "3")
	// The failed attempts' events come first, then the one that saved.
	ev := h.nextEvent()
	for ev.Err != nil {
		ev = h.nextEvent()
	}
	h.wantSaved(ev)
	if h.retryArmed() {
		t.Error("a retry is still scheduled with nothing waiting")
	}
	// The next wait starts short again.
	if h.m.retry.delay != 0 {
		t.Errorf("after saving the retry delay is %v, want it reset", h.m.retry.delay)
	}
}

// An edit that waited while another client changed the same key is not
// written over that change when the cluster is back: the retry's revision
// check refuses it, the status bar says so, and ctrl+s opens the conflict
// screen. The other waiting edit is written once the conflict is settled.
func TestEtcdWaitingEditMeetsAnotherClientsChange(t *testing.T) {
	t.Parallel() // each test has its own etcd
	srv := etcdtest.StartServer(t, "tui")
	f, src := newOfflineFixture(t, []string{srv.Endpoint()}, map[string]string{"a": "1", "b": "2"})
	h := watching(t, src)

	srv.Stop()
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS)          // a: 10
	h.send(keyDown, keyText("e"), keyEnd, keyText("0"), keyCtrlS) // b: 20
	h.wantStatus("unreachable · retrying · 2 pending")

	srv.Restart(t)
	f.put("a", "5") // another client, before the UI's retry
	for range 20 {
		if !h.m.waitingForCluster() {
			break
		}
		h.fireRetry()
	}
	h.wantStatus("another client changed these keys (ctrl+s to resolve)")
	f.wantEtcd("a", "5")
	f.wantEtcd("b", "2")
	if h.retryArmed() {
		t.Error("a conflict is retried as if etcd were still unreachable")
	}

	h.send(keyCtrlS)
	if !topIs[*resolver](h) {
		t.Fatalf("ctrl+s did not open the conflict screen:\n%s", h.screen())
	}
	h.wantScreen("mine: 10")
	h.wantScreen("theirs: 5")
	h.send(keyText("m"), keyEnter)
	f.wantEtcd("a", "10")
	f.wantEtcd("b", "20")
	if src.Pending() != 0 {
		t.Errorf("%d changes pending after the conflict was settled", src.Pending())
	}
}

// Quitting an etcd prefix with changes waiting for it asks; w writes them
// to a new file, named in the current directory by default, that holds
// every change and says which are deletions; the file is never written
// over, and the path typed survives a failure.
func TestEtcdQuitWithWaitingChangesWritesThemToAFile(t *testing.T) {
	t.Parallel() // each test has its own etcd
	srv := etcdtest.StartServer(t, "tui")
	f, src := newOfflineFixture(t, []string{srv.Endpoint()}, map[string]string{"a": "1", "b": "2", "c": "3"})
	h := watching(t, src)
	wantRevisions := map[string]int64{"a": f.modRevision("a"), "b": f.modRevision("b"), "c": f.modRevision("c"), "d": 0}
	srv.Stop()
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
	h.send(keyDown, keyText("d"), keyText("y"))          // delete b
	h.send(keyDown, keyText("r"))                        // rename c to d
	h.send(tea.KeyPressMsg{Code: tea.KeyBackspace}, keyText("d"), keyEnter)
	h.wantStatus("4 pending")

	h.send(keyText("q"))
	h.wantScreen("4 changes wait to be saved.")
	h.wantScreen("w write them to a file")
	h.wantScreen("y quit, dropping them")
	h.wantScreen("n keep retrying")
	if h.quit {
		t.Fatal("q quit with changes waiting")
	}
	// n stays, and the retries go on.
	h.send(keyText("n"))
	if !h.browsing() || !h.retryArmed() {
		t.Fatalf("n did not go back to the keys with the retry scheduled:\n%s", h.screen())
	}

	h.send(keyText("q"), keyText("w"))
	p, ok := h.m.top().(*prompt)
	if !ok || !strings.HasPrefix(p.text, "./kvstore-pending-") || !strings.HasSuffix(p.text, ".json") {
		t.Fatalf("w did not offer a file in the current directory:\n%s", h.screen())
	}
	dir := t.TempDir()
	taken := filepath.Join(dir, "taken.json")
	if err := os.WriteFile(taken, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.text, p.pos = taken, len(taken)
	h.send(keyEnter)
	h.wantStatus("already exists")
	if got, _ := os.ReadFile(taken); string(got) != "mine" {
		t.Errorf("an existing file was written over: %q", got)
	}
	p, ok = h.m.top().(*prompt)
	if !ok || p.text != taken {
		t.Fatalf("after the failure the prompt does not hold the path typed:\n%s", h.screen())
	}

	path := filepath.Join(dir, "pending.json")
	p.text, p.pos = path, len(path)
	h.send(keyEnter)
	h.wantScreen("Wrote 4 changes to")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got pendingFile
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("the file is not the documented shape: %v\n%s", err, raw)
	}
	if !strings.HasPrefix(got.Source, "etcd://") || !strings.HasSuffix(got.Source, "/app/") {
		t.Errorf("source %q does not name the prefix", got.Source)
	}
	if len(got.Set) != 2 || string(got.Set["a"]) != "10" || string(got.Set["d"]) != "3" {
		t.Errorf("set = %s, want a: 10 and d: 3", raw)
	}
	if !slices.Equal(got.Delete, []string{"b", "c"}) {
		t.Errorf("delete = %q, want b and c", got.Delete)
	}
	if !maps.Equal(got.Revisions, wantRevisions) {
		t.Errorf("revisions = %v, want the ones each change was based on, %v", got.Revisions, wantRevisions)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the directory holds %d files, want taken.json and pending.json: a temporary file stayed", len(entries))
	}
	h.send(keyText("y"))
	if !h.quit {
		t.Error("y did not quit after the changes were written")
	}
}

// A three-member cluster loses its leader while the UI applies a stream
// of edits through its one write path. Edits that meet the election wait
// as pending and are retried by themselves; in the end nothing is
// pending, and etcd holds every edit the UI made, once each, even an edit
// whose first attempt committed without the UI hearing so.
func TestEtcdLeaderLossWhileApplying(t *testing.T) {
	members := etcdtest.StartCluster(t, 3)
	var endpoints []string
	for _, m := range members {
		endpoints = append(endpoints, m.Endpoint())
	}
	f, src := newOfflineFixture(t, endpoints, nil)
	h := watching(t, src)

	// The stream goes on until the leader is stopped and 10 edits more
	// have been applied, however long stopping takes on a busy machine:
	// the edits right after the stop meet the election.
	const before, after, most = 10, 10, 100000
	var stopped chan struct{}
	want := map[string]string{}
	waited, edits, since := 0, 0, 0
	for i := 0; since < after && i < most; i++ {
		if i == before {
			var leader *etcdtest.Server
			for leader == nil {
				for _, m := range members {
					if m.IsLeader() {
						leader = m
					}
				}
				time.Sleep(10 * time.Millisecond)
			}
			stopped = make(chan struct{})
			go func() {
				leader.Stop()
				close(stopped)
			}()
		}
		key, value := fmt.Sprintf("k%04d", i), fmt.Sprintf(`{"i":%d}`, i)
		h.send(opMsg{op: operation{kind: opSet, key: key, raw: []byte(value)}})
		want[key] = value
		edits++
		if h.m.waitingForCluster() {
			waited++
		}
		if stopped != nil {
			if waited > 0 {
				// Edits that wait cost nothing; make the rest once the
				// member is down, whatever stopping it takes.
				<-stopped
			}
			select {
			case <-stopped:
				since++
			default:
			}
		}
	}
	if since < after {
		t.Fatalf("the leader did not stop during %d edits", edits)
	}
	t.Logf("%d of %d edits waited for the cluster", waited, edits)
	if waited == 0 {
		t.Fatal("no edit met the election: the test did not test it")
	}
	h.retryUntilSaved()
	if n := src.Pending(); n != 0 || src.LastSaveError() != nil {
		t.Fatalf("after the retries %d changes pending, error %v", n, src.LastSaveError())
	}
	for k, v := range want {
		var got string
		etcdtest.UntilAnswered(t, "reading "+k+" back", func() error {
			resp, err := f.other.Get(context.Background(), "/app/"+k)
			if err == nil && len(resp.Kvs) == 1 {
				got = string(resp.Kvs[0].Value)
			}
			return err
		})
		if got != v {
			t.Errorf("etcd has %s = %q, want the UI's %s", k, got, v)
		}
		if raw, _ := src.GetRaw(k); string(raw) != v {
			t.Errorf("the UI shows %s = %s, want %s", k, raw, v)
		}
	}
}

// Waiting at the question about quitting is waiting for the cluster: the
// retries go on, and once one saves the waiting edit the program quits.
func TestEtcdQuitQuestionQuitsOnceSaved(t *testing.T) {
	t.Parallel() // each test has its own etcd
	srv := etcdtest.StartServer(t, "tui")
	f, src := newOfflineFixture(t, []string{srv.Endpoint()}, map[string]string{"a": "1"})
	h := watching(t, src)
	srv.Stop()
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
	h.send(keyText("q"))
	h.wantScreen("1 change waits to be saved.")
	srv.Restart(t)
	h.retryUntilSaved()
	if !h.quit {
		t.Fatalf("the edit was saved but the program did not quit:\n%s", h.screen())
	}
	f.wantEtcd("a", "10")
}

// A signal ends the UI without a question, and closing an etcd prefix
// drops the changes etcd does not have: they go to a new file in the
// current directory first, and ExitNotice says where. With nothing
// pending, no file is written and nothing is said.
func TestEtcdShutdownWritesWaitingChangesToAFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	srv := etcdtest.StartServer(t, "tui")
	_, src := newOfflineFixture(t, []string{srv.Endpoint()}, map[string]string{"a": "1", "b": "2"})

	h := watching(t, src)
	h.send(ShutdownMsg{})
	if !h.quit || h.m.ExitNotice() != "" {
		t.Fatalf("a shutdown with nothing pending: quit %v, notice %q", h.quit, h.m.ExitNotice())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a shutdown with nothing pending wrote %d files", len(entries))
	}

	h = watching(t, src)
	srv.Stop()
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
	h.wantStatus("unreachable")
	h.send(ShutdownMsg{})
	if !h.quit {
		t.Fatal("the shutdown did not quit")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "kvstore-pending-*.json"))
	if len(files) != 1 {
		t.Fatalf("the shutdown wrote %d files of pending changes, want 1", len(files))
	}
	want := "kvstore: 1 unsaved change went to ./" + filepath.Base(files[0])
	if got := h.m.ExitNotice(); got != want {
		t.Errorf("exit notice %q, want %q", got, want)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var got pendingFile
	if err := json.Unmarshal(raw, &got); err != nil || string(got.Set["a"]) != "10" || len(got.Set) != 1 || len(got.Delete) != 0 {
		t.Fatalf("the file holds %s (%v), want a: 10", raw, err)
	}
}

// When the current directory cannot take the file of waiting changes (here
// it was deleted), a shutdown writes it to the temporary directory, and
// ExitNotice says so.
func TestEtcdShutdownFallsBackToTheTempDir(t *testing.T) {
	gone, tmp := t.TempDir(), t.TempDir()
	t.Chdir(gone)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	srv := etcdtest.StartServer(t, "tui")
	_, src := newOfflineFixture(t, []string{srv.Endpoint()}, map[string]string{"a": "1"})
	h := watching(t, src)
	srv.Stop()
	h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
	h.wantStatus("unreachable")
	h.send(ShutdownMsg{})
	if !h.quit {
		t.Fatal("the shutdown did not quit")
	}
	files, _ := filepath.Glob(filepath.Join(tmp, "kvstore-pending-*.json"))
	if len(files) != 1 {
		t.Fatalf("the shutdown wrote %d files of pending changes to the temporary directory, want 1 (notice %q)", len(files), h.m.ExitNotice())
	}
	if want := "kvstore: 1 unsaved change went to " + files[0]; h.m.ExitNotice() != want {
		t.Errorf("exit notice %q, want %q", h.m.ExitNotice(), want)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var got pendingFile
	if err := json.Unmarshal(raw, &got); err != nil || string(got.Set["a"]) != "10" {
		t.Fatalf("the file holds %s (%v), want a: 10", raw, err)
	}
}

// TestGoldenEtcdUnreachable pins the screens of an edit waiting for an
// etcd that went away: the status bar while it waits, and the question
// quitting asks.
func TestGoldenEtcdUnreachable(t *testing.T) {
	srv := etcdtest.StartServer(t, "tui")
	_, src := newOfflineFixture(t, []string{srv.Endpoint()}, map[string]string{"a": "1", "b": `{"x": 2}`})
	srv.Stop()
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, src, size[0], size[1])
			if src.Pending() == 0 {
				h.send(keyText("e"), keyEnd, keyText("0"), keyCtrlS) // a: 10
			}
			h.wantStatus("unreachable")
			golden(t, fmt.Sprintf("etcd-unreachable-%dx%d", size[0], size[1]), zeroPorts(h.screen()))
			h.send(keyText("q"))
			golden(t, fmt.Sprintf("etcd-quit-waiting-%dx%d", size[0], size[1]), zeroPorts(h.screen()))
		})
	}
}
