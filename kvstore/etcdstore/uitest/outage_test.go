package uitest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// The only member of the cluster stops under the UI. The status bar must
// not go on saying "no unsaved changes" over a view that no longer follows
// the data: it says the data may be stale and why, until the member is
// back and the prefix was read again, changes made meanwhile included.
func TestEtcdDeadMemberShowsStaleData(t *testing.T) {
	t.Parallel() // each test has its own etcd
	m := etcdtest.StartServer(t, "tui")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := etcdtest.Client(t, m.Endpoint()).Put(ctx, "/app/a", "1"); err != nil {
		t.Fatal(err)
	}
	store := openEtcdStore(t, etcdstore.Config{Endpoints: []string{m.Endpoint()}, Prefix: "/app/", OpTimeout: 3 * time.Second})
	h := watching(t, etcdSource(store))
	h.fireRefresh()
	h.wantScreen("1 key")
	h.wantStatus("no unsaved changes")

	m.Stop()
	h.refreshUntil("watch lost: reconnecting… (cluster unreachable)")
	h.wantStatus("data may be stale")
	if strings.Contains(h.statusLine(), "no unsaved changes") {
		t.Errorf("with the cluster gone the status bar still says %q", h.statusLine())
	}

	m.Restart(t)
	if _, err := etcdtest.Client(t, m.Endpoint()).Put(ctx, "/app/b", "2"); err != nil {
		t.Fatal(err)
	}
	h.refreshUntil("read again after the watch was lost (cluster unreachable)")
	for _, gone := range []string{"watch lost:", "data may be stale"} {
		if strings.Contains(h.statusLine(), gone) {
			t.Errorf("after reading again the status bar still says %q: %q", gone, h.statusLine())
		}
	}
	h.wantStatus("no unsaved changes")
	h.wantScreen("2 keys")
}
