package cli_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// startEtcdWithAuth is startEtcd with etcd's authentication on and one
// user, root, whose password is secret.
func startEtcdWithAuth(tb testing.TB) string {
	tb.Helper()
	endpoint := etcdtest.Start(tb, "cli")
	cli := etcdtest.Client(tb, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.UserAdd(ctx, "root", "secret"); err != nil {
		tb.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		tb.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		tb.Fatal(err)
	}
	return endpoint
}

// etcdCommand is the script command `etcd put KEY VALUE` or `etcd get KEY`
// (prints the value as etcd holds it; fails if KEY is missing): another
// client of the scripts' etcd, which reaches it without kvstore, by full
// etcd keys. `etcd leaseput KEY VALUE` puts KEY attached to a new lease of
// ten minutes, and `etcd lease KEY` prints "lease ID" in hex, or "lease
// none".
func etcdCommand(endpoint string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 2 {
			ts.Fatalf("usage: etcd put KEY VALUE | get KEY")
		}
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		ts.Check(err)
		defer cli.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		switch {
		case args[0] == "put" && len(args) == 3 && !neg:
			_, err = cli.Put(ctx, args[1], args[2])
			ts.Check(err)
		case args[0] == "leaseput" && len(args) == 3 && !neg:
			grant, err := cli.Grant(ctx, 600)
			ts.Check(err)
			_, err = cli.Put(ctx, args[1], args[2], clientv3.WithLease(grant.ID))
			ts.Check(err)
		case args[0] == "lease" && len(args) == 2 && !neg:
			resp, err := cli.Get(ctx, args[1])
			ts.Check(err)
			switch {
			case len(resp.Kvs) == 0:
				ts.Fatalf("etcd has no %s", args[1])
			case resp.Kvs[0].Lease == 0:
				fmt.Fprintln(ts.Stdout(), "lease none")
			default:
				fmt.Fprintf(ts.Stdout(), "lease %x\n", resp.Kvs[0].Lease)
			}
		case args[0] == "get" && len(args) == 2:
			resp, err := cli.Get(ctx, args[1])
			ts.Check(err)
			switch {
			case neg && len(resp.Kvs) > 0:
				ts.Fatalf("etcd has %s = %q", args[1], resp.Kvs[0].Value)
			case neg:
			case len(resp.Kvs) == 0:
				ts.Fatalf("etcd has no %s", args[1])
			default:
				ts.Stdout().Write(append(resp.Kvs[0].Value, '\n'))
			}
		default:
			ts.Fatalf("usage: etcd put KEY VALUE | get KEY | leaseput KEY VALUE | lease KEY")
		}
	}
}

// A cluster that does not answer fails a command through --dial-timeout,
// not after the longer time a write or a large read may take: the command
// returns with the dial timeout's error while its own context, which
// allows a minute, is still live.
func TestUnreachableEtcdFailsWithinDialTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	root := cli.New(func(cli.TUIOptions) error { return nil })
	root.SetArgs([]string{"keys", "etcd://" + etcdtest.Silent(t) + "/app/", "--dial-timeout", timeout.String()})
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if ctx.Err() != nil {
		t.Errorf("the command ended with its context (%v), not with --dial-timeout", ctx.Err())
	}
	if err == nil || !strings.Contains(err.Error(), "did not answer within 500ms (--dial-timeout)") {
		t.Errorf("error = %v, want one saying etcd did not answer within the dial timeout", err)
	}
}

// A cluster that answers the connection but not the request (it has lost
// its quorum) fails a command within --command-timeout, and says so: the
// two timeouts are separate, as in etcdctl.
func TestCommandTimeoutIsNotTheDialTimeout(t *testing.T) {
	members := etcdtest.StartCluster(t, 3)
	members[1].Stop()
	members[2].Stop()
	root := cli.New(func(cli.TUIOptions) error { return nil })
	root.SetArgs([]string{"keys", "etcd://" + members[0].Endpoint() + "/app/", "--dial-timeout", "3s", "--command-timeout", "500ms"})
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not answer within 500ms (--command-timeout)") {
		t.Errorf("error = %v, want one saying etcd did not answer within the command timeout", err)
	}
	if got := cli.ExitCode(err); got != 3 {
		t.Errorf("exit status %d, want 3, the status of a cluster out of reach", got)
	}
}

// Sets that read nothing first are plain puts, as etcdctl's are: of ten
// at once on one key, every one succeeds and etcd holds one of their
// values.
func TestConcurrentSetsAllSucceed(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		root := cli.New(func(cli.TUIOptions) error { return nil })
		root.SetArgs([]string{"set", "etcd://" + endpoint + "/c/", "k", fmt.Sprint(i)})
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = root.ExecuteContext(context.Background())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("set %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := etcdtest.Client(t, endpoint).Get(ctx, "/c/k")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || len(resp.Kvs[0].Value) != 1 || resp.Kvs[0].Value[0] < '0' || resp.Kvs[0].Value[0] >= '0'+n {
		t.Errorf("etcd holds %v, want one of the values set", resp.Kvs)
	}
}

// What other clients wrote survives export | import --replace onto the
// same prefix untouched: text that is not JSON, JSON spaced their way,
// bytes that are not UTF-8. Nothing is rewritten, so every key keeps its
// bytes and its mod revision, and no watcher wakes.
func TestExportImportRoundTripRewritesNothing(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	values := map[string]string{
		"/rt/addr":   "10.0.0.1:8080",
		"/rt/code":   "007",
		"/rt/bytes":  "x\x00\xff",
		"/rt/spaced": `{"a": 1}`,
		"/rt/json":   `{"b":[1,2.50]}`,
		"/rt/empty":  "",
	}
	for k, v := range values {
		if _, err := client.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	before, err := client.Get(ctx, "/rt/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	run := func(stdin io.Reader, args ...string) string {
		t.Helper()
		var out strings.Builder
		root := cli.New(func(cli.TUIOptions) error { return nil })
		root.SetArgs(args)
		root.SetIn(stdin)
		root.SetOut(&out)
		root.SetErr(io.Discard)
		if err := root.ExecuteContext(ctx); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	exported := run(strings.NewReader(""), "export", "etcd://"+endpoint+"/rt/")
	run(strings.NewReader(exported), "import", "etcd://"+endpoint+"/rt/", "--replace")
	after, err := client.Get(ctx, "/rt/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if after.Header.Revision != before.Header.Revision {
		t.Errorf("etcd went from revision %d to %d: the import wrote", before.Header.Revision, after.Header.Revision)
	}
	if len(after.Kvs) != len(values) {
		t.Fatalf("etcd holds %d keys under /rt/, want %d", len(after.Kvs), len(values))
	}
	for i, kv := range after.Kvs {
		if string(kv.Value) != values[string(kv.Key)] || kv.ModRevision != before.Kvs[i].ModRevision {
			t.Errorf("%s = %q at revision %d, want %q at %d", kv.Key, kv.Value, kv.ModRevision,
				values[string(kv.Key)], before.Kvs[i].ModRevision)
		}
	}
}

// set --raw stores bytes that are neither JSON nor UTF-8 exactly, and
// get --raw gives them back exactly, with nothing added.
func TestRawBytesRoundTrip(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	value := "x\x00\xff\x1b[2J\n"
	run := func(stdin string, args ...string) string {
		t.Helper()
		var out strings.Builder
		root := cli.New(func(cli.TUIOptions) error { return nil })
		root.SetArgs(args)
		root.SetIn(strings.NewReader(stdin))
		root.SetOut(&out)
		root.SetErr(io.Discard)
		if err := root.ExecuteContext(t.Context()); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	run(value, "set", "etcd://"+endpoint+"/b/", "k", "--raw")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := etcdtest.Client(t, endpoint).Get(ctx, "/b/k")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != value {
		t.Fatalf("etcd holds %v, want %q", resp.Kvs, value)
	}
	if got := run("", "get", "etcd://"+endpoint+"/b/", "k", "--raw"); got != value {
		t.Errorf("get --raw = %q, want %q", got, value)
	}
}
