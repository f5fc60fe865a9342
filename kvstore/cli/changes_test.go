package cli_test

// import --changes applies a file of changes as the terminal UI writes the
// edits an etcd prefix did not take: on etcd each change requires the
// revision its edit was based on, so a key another client changed since is
// not overwritten, and nothing of the file is written; --force writes it.

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// runImport runs kvstore import with args and stdin, and returns its error.
func runImport(stdin string, args ...string) error {
	root := cli.New(func(cli.TUIOptions) error { return nil })
	root.SetArgs(append([]string{"import"}, args...))
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return root.ExecuteContext(context.Background())
}

func TestImportChangesChecksRevisions(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	other := etcdtest.Client(t, endpoint)
	ctx := context.Background()
	put := func(key, value string) int64 {
		t.Helper()
		resp, err := other.Put(ctx, "/chg/"+key, value)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Header.Revision
	}
	get := func(key string) string {
		t.Helper()
		resp, err := other.Get(ctx, "/chg/"+key)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) == 0 {
			return "(none)"
		}
		return string(resp.Kvs[0].Value)
	}
	dst := "etcd://" + endpoint + "/chg/"
	revA, revB := put("a", "1"), put("b", "2")

	// The revisions the edits were based on hold: every change is made.
	changes := fmt.Sprintf(`{"set": {"a": 10, "c": "new"}, "delete": ["b"], "revisions": {"a": %d, "b": %d, "c": 0}}`, revA, revB)
	if err := runImport(changes, dst, "--changes"); err != nil {
		t.Fatal(err)
	}
	if a, b, c := get("a"), get("b"), get("c"); a != "10" || b != "(none)" || c != `"new"` {
		t.Fatalf("after the import a = %s, b = %s, c = %s", a, b, c)
	}

	// Another client changed a since its edit: nothing of the file is
	// written, and the error says what to do.
	revA = put("a", "5")
	stale := fmt.Sprintf(`{"set": {"a": 20, "d": 1}, "revisions": {"a": %d, "d": 0}}`, revA-1)
	err := runImport(stale, dst, "--changes")
	if err == nil || !strings.Contains(err.Error(), "after the edit was made") ||
		!strings.Contains(err.Error(), "--force") {
		t.Fatalf("import of a stale change: %v", err)
	}
	// Worded for data other clients share: no file, and the revisions.
	want := fmt.Sprintf(`"a": another client changed the key since it was read (revision %d, now %d)`, revA-1, revA)
	if msg := err.Error(); strings.Contains(msg, "file") || strings.Contains(msg, "disk") || !strings.Contains(msg, want) {
		t.Errorf("the conflict says %q, want one with %q and no file", msg, want)
	}
	if a, d := get("a"), get("d"); a != "5" || d != "(none)" {
		t.Fatalf("a refused import wrote a = %s, d = %s", a, d)
	}
	// A key created meanwhile that the file creates (revision 0) is
	// refused too.
	put("e", "1")
	if err := runImport(`{"set": {"e": 2}, "revisions": {"e": 0}}`, dst, "--changes"); err == nil {
		t.Fatal("the import overwrote a key created after the edit")
	}
	if e := get("e"); e != "1" {
		t.Fatalf("e = %s after a refused import", e)
	}

	// --force writes them all the same.
	if err := runImport(stale, dst, "--changes", "--force"); err != nil {
		t.Fatal(err)
	}
	if a, d := get("a"), get("d"); a != "20" || d != "1" {
		t.Fatalf("after --force a = %s, d = %s", a, d)
	}

	// A change etcd already holds is not a conflict: an edit whose first
	// attempt committed unseen goes through.
	if err := runImport(fmt.Sprintf(`{"set": {"a": 20}, "revisions": {"a": %d}}`, revA), dst, "--changes"); err != nil {
		t.Fatalf("a change etcd holds already: %v", err)
	}
}
