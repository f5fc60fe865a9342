package etcdstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// A cluster of one member that is gone, stopped or cut off by the network,
// ends no watch by itself: the client keeps reconnecting it. The Backend
// must still say that its view is no longer live, as it does for a lost
// quorum, and read the prefix again once the member answers.
func TestDeadSingleMemberLosesTheWatch(t *testing.T) {
	for _, c := range []struct {
		name         string
		fail, revive func(t *testing.T, m *etcdtest.Server)
	}{
		{"member stopped", func(_ *testing.T, m *etcdtest.Server) { m.Stop() }, func(t *testing.T, m *etcdtest.Server) { m.Restart(t) }},
		{"network cut", func(_ *testing.T, m *etcdtest.Server) { m.CutClients() }, func(_ *testing.T, m *etcdtest.Server) { m.RestoreClients() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := etcdtest.StartServer(t, "solo")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := etcdtest.Client(t, m.Endpoint()).Put(ctx, "/d/a", "1"); err != nil {
				t.Fatal(err)
			}
			store := openStore(t, etcdstore.Config{Endpoints: []string{m.Endpoint()}, Prefix: "/d/", OpTimeout: 3 * time.Second})
			b := etcdstore.NewBackend(store, etcdstore.BackendOptions{})
			if w := b.Watch(); w.Lost {
				t.Fatalf("the watch is lost at the start: %+v", w)
			}

			c.fail(t, m)
			w := awaitWatch(t, b, func(w kvstore.WatchState) bool { return w.Lost })
			if w.Reason != "cluster unreachable" {
				t.Errorf("the watch was lost for %q, want \"cluster unreachable\"", w.Reason)
			}
			if !b.Has("a") {
				t.Error("the view lost its keys with the watch")
			}

			// A change made while the Backend could not see it: through
			// the member's own address, which the cut does not cut, or
			// once the stopped member is back.
			revived := false
			if m.Direct() == "" {
				c.revive(t, m)
				revived = true
			}
			if _, err := etcdtest.Client(t, m.Direct()).Put(ctx, "/d/b", "2"); err != nil {
				t.Fatal(err)
			}
			if !revived {
				if w := b.Watch(); !w.Lost {
					t.Fatalf("the watch came back while the network is cut: %+v", w)
				}
				c.revive(t, m)
			}
			awaitWatch(t, b, func(w kvstore.WatchState) bool { return w.Recovered })
			if w := b.Watch(); w.Lost {
				t.Errorf("after reading again the watch says %+v", w)
			}
			if raw, ok := b.GetRaw("b"); !ok || string(raw) != "2" {
				t.Errorf("after reading again b is %q (%v), want 2", raw, ok)
			}
		})
	}
}

// awaitWatch takes in the Backend's notices until its watch state
// satisfies ok, and returns that state. The deadline is generous: it
// catches a watch that never changes, and does not time how fast it does.
func awaitWatch(t *testing.T, b *etcdstore.Backend, ok func(kvstore.WatchState) bool) kvstore.WatchState {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := b.Changed(); err != nil {
			t.Fatal(err)
		}
		if w := b.Watch(); ok(w) {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watch state did not change within a minute: %+v", b.Watch())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
