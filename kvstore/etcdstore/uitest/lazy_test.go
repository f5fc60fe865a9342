package uitest

import (
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
	"github.com/kvstore-dev/kvstore/tui"
)

// The UI on a prefix opened keys-only lists every key at once, says a
// value is loading until it is read, and reads only the values on screen.
func TestPrefixValuesAreReadAsShown(t *testing.T) {
	endpoint := etcdtest.Start(t, "ui")
	cli := etcdtest.Client(t, endpoint)
	fill(t, cli, "/app/", 3000)
	b := openPrefix(t, endpoint, "/app/")
	if b.Loaded("key-0000000") {
		t.Fatal("a value was read before the UI asked for it")
	}

	d := newDriver(t, b, 100, 20)
	if s := d.screen(); !strings.Contains(s, "loading the value of key-0000000") || !strings.Contains(s, "3,000 keys") {
		t.Fatalf("the first frame does not list the keys and say the value is loading:\n%s", s)
	}
	d.until(`"user-00000000"`)
	if !b.Loaded("key-0000010") {
		t.Error("a value on screen was not read with the selected one")
	}
	if b.Loaded("key-0002999") {
		t.Error("a value far off screen was read")
	}
	d.press("j")
	d.until(`"user-00000001"`)
}

// Find in values reads every value in the background, as one listing,
// and narrows the list to the keys whose value matches.
func TestPrefixFindReadsEveryValue(t *testing.T) {
	endpoint := etcdtest.Start(t, "ui")
	cli := etcdtest.Client(t, endpoint)
	fill(t, cli, "/app/", 3000)
	b := openPrefix(t, endpoint, "/app/")
	d := newDriver(t, b, 100, 20)
	d.until(`"user-00000000"`)

	d.press("ctrl+f", "user-00002718@")
	d.until("find: user-00002718@", "key-0002718", `"user-00002718"`)
	if s := d.screen(); strings.Contains(s, "key-0000001") {
		t.Fatalf("keys whose value does not match stayed listed:\n%s", s)
	}
	if b.Loaded("key-0002000") {
		t.Error("the find kept values it only looked at")
	}
}

// S sorts by value size only once every size is read, and says so; the
// largest value then comes first.
func TestPrefixSortBySizeReadsTheSizes(t *testing.T) {
	endpoint := etcdtest.Start(t, "ui")
	cli := etcdtest.Client(t, endpoint)
	fill(t, cli, "/app/", 2000)
	if _, err := cli.Put(context.Background(), "/app/key-0001500", `"`+strings.Repeat("y", 5000)+`"`); err != nil {
		t.Fatal(err)
	}
	b := openPrefix(t, endpoint, "/app/")
	d := newDriver(t, b, 100, 20)
	d.until(`"user-00000000"`)

	d.press("S")
	if s := d.screen(); !strings.Contains(s, "reading every value's size") || strings.Contains(s, "Keys by size") {
		t.Fatalf("S sorted before the sizes were read, or did not say it reads them:\n%s", s)
	}
	d.until("keys sorted by value size, largest first", "Keys by size")
	d.press("g") // the first row: the largest value
	d.until("▸ key-0001500", `"yyyy`)
	d.press("S")
	d.until("keys sorted by key", "▸ key-0001500")
}

// A key attached to a lease says in the value pane's title how long the
// lease has left.
func TestPrefixLeasedKeyShowsItsTTL(t *testing.T) {
	endpoint := etcdtest.Start(t, "ui")
	cli := etcdtest.Client(t, endpoint)
	ctx := context.Background()
	lease, err := cli.Grant(ctx, 600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/app/service", `"10.0.0.1:8080"`, clientv3.WithLease(lease.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/app/static", `1`); err != nil {
		t.Fatal(err)
	}
	b := openPrefix(t, endpoint, "/app/")
	d := newDriver(t, b, 100, 20)
	d.until("service · lease: ", " left")
	if s := d.screen(); !strings.Contains(s, "lease: 10m0s left") && !strings.Contains(s, "lease: 9m5") {
		t.Fatalf("the title does not say the lease's time left:\n%s", s)
	}
	d.press("j")
	d.until("static")
	if s := d.screen(); strings.Contains(s, "lease") {
		t.Fatalf("a key without a lease is said to have one:\n%s", s)
	}
}

// Another client's changes show as they commit: a new key, and a new
// value of a key whose value was read, which is read again.
func TestPrefixOtherClientsChangesShow(t *testing.T) {
	endpoint := etcdtest.Start(t, "ui")
	cli := etcdtest.Client(t, endpoint)
	fill(t, cli, "/app/", 10)
	b := openPrefix(t, endpoint, "/app/")
	d := newDriverWith(t, b, 100, 20, tui.Options{Keys: tui.DefaultKeyMap(), Refresh: 50 * time.Millisecond})
	d.until(`"user-00000000"`, "10 keys")

	if _, err := cli.Put(context.Background(), "/app/key-0000000", `{"changed":true}`); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(context.Background(), "/app/new", `2`); err != nil {
		t.Fatal(err)
	}
	d.until(`"changed": true`, "11 keys")
}

// The key list of a prefix opened keys-only follows other clients' keys
// as they come and go, read from the keys as listed with the changes
// since over them: the count, the first and last keys, a filter, a find
// and the tree all see the keys as they are.
func TestPrefixKeyListFollowsOtherClientsKeys(t *testing.T) {
	endpoint := etcdtest.Start(t, "ui")
	cli := etcdtest.Client(t, endpoint)
	fill(t, cli, "/app/", 3000)
	b := openPrefix(t, endpoint, "/app/")
	d := newDriverWith(t, b, 100, 20, tui.Options{Keys: tui.DefaultKeyMap(), Refresh: 50 * time.Millisecond})
	d.until(`"user-00000000"`, "3,000 keys")

	ctx := context.Background()
	if _, err := cli.Delete(ctx, "/app/key-0000000", clientv3.WithRange("/app/key-0001000")); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a/first", "a/second", "key-0005000", "key-0005001", "z/last"} {
		if _, err := cli.Put(ctx, "/app/"+k, `{"new":"`+k+`"}`); err != nil {
			t.Fatal(err)
		}
	}
	d.until("2,005 keys")
	d.press("g")
	d.until("▸ a/first", `"new": "a/first"`)
	d.press("G")
	d.until("▸ z/last", `"new": "z/last"`)

	d.press("/", "key-00050")
	d.until("2 of 2,005 keys", "key-0005000", "key-0005001")
	d.press("esc")
	d.until("2,005 keys")

	d.press("ctrl+f", "user-00002718@")
	d.until("find: user-00002718@", "key-0002718")
	d.press("esc")
	d.press("ctrl+f", "user-00000718@")
	d.until("find: user-00000718@", "0 of 2,005 keys")
	d.press("esc")

	d.press("t")
	d.until("Key tree", "▸ a/ 2", "a/first", "a/second")
	d.press("G")
	d.until("▸ z/ 1", "z/last")
}
