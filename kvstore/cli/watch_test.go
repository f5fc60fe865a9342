package cli_test

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// startWatch runs kvstore with args (a watch) in the background and
// returns its output, line by line, and the channel its error comes on.
func startWatch(t *testing.T, ctx context.Context, args ...string) (*bufio.Scanner, <-chan error) {
	t.Helper()
	r, w := io.Pipe()
	root := cli.New(func(cli.TUIOptions) error { return nil })
	root.SetArgs(args)
	// As fang runs it: an error is the caller's to print.
	root.SilenceErrors, root.SilenceUsage = true, true
	root.SetOut(w)
	root.SetErr(io.Discard)
	done := make(chan error, 1)
	go func() {
		err := root.ExecuteContext(ctx)
		w.Close()
		done <- err
	}()
	t.Cleanup(func() { r.Close() })
	return bufio.NewScanner(r), done
}

// nextLine returns the watch's next line, failing the test if it ended.
func nextLine(t *testing.T, out *bufio.Scanner) string {
	t.Helper()
	if !out.Scan() {
		t.Fatalf("the watch ended: %v", out.Err())
	}
	return out.Text()
}

// A revision etcd compacted away is an error that says which it keeps.
func TestWatchEtcdCompactedRevision(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var last int64
	for range 3 {
		resp, err := client.Put(ctx, "/c/k", "1")
		if err != nil {
			t.Fatal(err)
		}
		last = resp.Header.Revision
	}
	if _, err := client.Compact(ctx, last); err != nil {
		t.Fatal(err)
	}
	_, done := startWatch(t, ctx, "watch", "etcd://"+endpoint+"/c/", "k", "--rev", "1")
	err := <-done
	if err == nil || !regexp.MustCompile(`compacted.*the oldest revision etcd keeps is \d+`).MatchString(err.Error()) {
		t.Errorf("watch --rev 1 after a compaction: %v", err)
	}
}

// On a file, watch looks at the file and prints the same lines, without
// revisions, for every change another writer saves.
func TestWatchFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	write := func(apply func(*kvstore.KVStore) error) {
		t.Helper()
		s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		if err := apply(s); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(func(s *kvstore.KVStore) error { return s.SetRaw("user/1", []byte(`{"n":1}`)) })
	ctx, cancel := context.WithCancel(context.Background())
	out, done := startWatch(t, ctx, "watch", path, "--prefix", "user/")
	lines := make(chan string)
	go func() {
		for out.Scan() {
			lines <- out.Text()
		}
		close(lines)
	}()
	// The watch reads the file when it starts, which this test cannot
	// see: it writes until the watch prints the change, each time a new
	// value, and then expects exactly the lines of its next changes.
	var got string
	for i := 2; got == ""; i++ {
		write(func(s *kvstore.KVStore) error { return s.SetRaw("user/2", []byte(strconv.Itoa(i))) })
		select {
		case got = <-lines:
		case <-time.After(time.Second):
		}
	}
	if !regexp.MustCompile(`^\{"type":"put","key":"user/2","value":\d+\}$`).MatchString(got) {
		t.Errorf("first change: %s", got)
	}
	write(func(s *kvstore.KVStore) error {
		if err := s.Delete("user/1"); err != nil {
			return err
		}
		return s.SetRaw("other", []byte(`1`))
	})
	if got := <-lines; got != `{"type":"delete","key":"user/1"}` {
		t.Errorf("after a delete: %s", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch ended with %v", err)
	}
	if line, ok := <-lines; ok {
		t.Errorf("the watch printed %s after its last change", line)
	}
}
