//go:build unix

package cli_test

import (
	"context"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// SIGTERM can be sent to oneself only on Unix; Windows has no such signal.

// watch prints each change etcd commits under the key or prefix as a JSON
// line, from --rev on, and exits 0, cleanly, on SIGTERM.
func TestWatchEtcdUntilSIGTERM(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, err := client.Put(ctx, "/w/svc/a", "10.0.0.1:80")
	if err != nil {
		t.Fatal(err)
	}
	rev := first.Header.Revision
	// Nothing of the watch outlives it: goroutines or the signal handler.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	out, done := startWatch(t, context.Background(), "watch", "etcd://"+endpoint+"/w/", "--prefix", "svc/", "--rev", strconv.FormatInt(rev, 10))
	want := `{"type":"put","key":"svc/a","value":"10.0.0.1:80","mod_revision":` + strconv.FormatInt(rev, 10) + `}`
	if got := nextLine(t, out); got != want {
		t.Errorf("first line %s, want %s", got, want)
	}
	// Keys outside the prefix are not watched.
	if _, err := client.Put(ctx, "/w/other", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Put(ctx, "/w/svc/b", `{"port": 80}`); err != nil {
		t.Fatal(err)
	}
	if got := nextLine(t, out); !regexp.MustCompile(`^\{"type":"put","key":"svc/b","value":\{"port":80\},"mod_revision":\d+\}$`).MatchString(got) {
		t.Errorf("after a put: %s", got)
	}
	if _, err := client.Delete(ctx, "/w/svc/a"); err != nil {
		t.Fatal(err)
	}
	if got := nextLine(t, out); !regexp.MustCompile(`^\{"type":"delete","key":"svc/a","mod_revision":\d+\}$`).MatchString(got) {
		t.Errorf("after a delete: %s", got)
	}
	// The watch has printed changes made after it started, so its signal
	// handler is in place: SIGTERM ends it, not the test.
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil || cli.ExitCode(err) != 0 {
		t.Errorf("watch ended with %v, exit %d; want exit 0", err, cli.ExitCode(err))
	}
	if out.Scan() {
		t.Errorf("after SIGTERM the watch printed %s", out.Text())
	}
}
