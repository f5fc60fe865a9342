package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// An error is one line that starts with "kvstore: " once: the store's
// nested prefixes go, a key's text stays as it is, and nothing in a file
// name can reach the terminal as a control character.
func TestOneLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"kvstore: data.json is in use", "data.json is in use"},
		{"kvstore: open x.json: kvstore: invalid JSON", "open x.json: invalid JSON"},
		{"kvstore: kvstore: twice", "twice"},
		{`etcd://h/a/ not saved: etcdstore: apply "k": another client`, `etcd://h/a/ not saved: apply "k": another client`},
		{`no key "a: kvstore: b" in x.json`, `no key "a: kvstore: b" in x.json`},
		{`no key "a\\" in kvstore: x`, `no key "a\\" in kvstore: x`},
		{`no key "q\"x: kvstore: y" in f`, `no key "q\"x: kvstore: y" in f`},
		{"open bad\x1b[31mname\n.json: denied", `open bad\u001b[31mname .json: denied`},
		{"csi \u009b and del \x7f", `csi \u009b and del \u007f`},
		{"open a\u2028b\u202ec\U000E0041.json", `open a\u2028b\u202ec\U000e0041.json`},
	} {
		if got := oneLine(c.in); got != c.want {
			t.Errorf("oneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A deadline that runs out inside a streamed etcd call comes back as a
// gRPC status, not as the context's error: it is the command timeout all
// the same, and says so.
func TestTimedOutSeesGRPCDeadlines(t *testing.T) {
	cfg := etcdstore.Config{Endpoints: []string{"127.0.0.1:2379"}, OpTimeout: 500 * time.Millisecond}
	for _, err := range []error{
		fmt.Errorf("etcdstore: list /app/: %w", context.DeadlineExceeded),
		fmt.Errorf("etcdstore: list /app/: %w", status.Error(codes.DeadlineExceeded, "context deadline exceeded")),
	} {
		got := describeEtcdError(cfg, err)
		if !strings.Contains(got.Error(), "did not answer within 500ms (--command-timeout)") || ExitCode(got) != 3 {
			t.Errorf("describeEtcdError(%v) = %v, exit %d; want the command timeout, exit 3", err, got, ExitCode(got))
		}
	}
	if timedOut(status.Error(codes.Unavailable, "no leader")) {
		t.Error("an unavailable cluster was taken for a timeout")
	}
}

// The exit status table kvstore --help prints is the one ExitCode gives:
// each status, for an error of the kind its line names.
func TestExitStatusTable(t *testing.T) {
	root := New(nil)
	for _, line := range []string{"  0  success", "  1  failure: a missing key", "  2  a command line that does not fit",
		"  3  an etcd cluster could not be reached"} {
		if !strings.Contains(root.Long, line) {
			t.Errorf("kvstore --help lacks %q", line)
		}
	}
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errNoKey("data.json", "k"), 1},
		{fmt.Errorf("x not saved: %w", kvstore.ErrConflict), 1},
		{usagef(root, "bad"), 2},
		{describeEtcdError(etcdstore.Config{Endpoints: []string{"h:1"}},
			fmt.Errorf("%w to h:1: %w", etcdstore.ErrConnect, context.DeadlineExceeded)), 3},
		{describeEtcdError(etcdstore.Config{Endpoints: []string{"h:1"}},
			fmt.Errorf("%w: %w", etcdstore.ErrConnect, &etcdstore.TLSError{Endpoint: "h:1", ServesTLS: true})), 1},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
