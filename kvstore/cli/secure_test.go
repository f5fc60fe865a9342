package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// The command line against three members that speak only TLS, to clients
// and to each other, with authentication on: etcdctl's flags carry the CA,
// the client certificate and the user, and get, set, export, import
// --replace and watch work through them. A member killed between writes
// costs no write the command line acknowledged: each is in the cluster
// and in the watch's output.
func TestSecureClusterCommands(t *testing.T) {
	c := etcdtest.StartSecureCluster(t, 3)
	admin := c.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src := "etcd:///sec/"
	conn := []string{"--endpoints", strings.Join(c.Endpoints(), ","),
		"--cacert", c.TLS.CA, "--cert", c.TLS.Cert, "--key", c.TLS.Key, "--user", c.User, "--password", c.Password}
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, err := runCLI(ctx, stdin, append(args, conn...)...)
		if err != nil {
			t.Fatalf("kvstore %q: %v\n%s", args, err, errOut)
		}
		return out
	}
	etcdHolds := func(key string) (string, bool) {
		t.Helper()
		resp, err := admin.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) == 0 {
			return "", false
		}
		return string(resp.Kvs[0].Value), true
	}

	// Without the password, authentication refuses the command.
	if _, _, err := runCLI(ctx, "", append([]string{"get", src, "a"}, conn[:len(conn)-2]...)...); err == nil {
		t.Error("get without --password succeeded against a cluster with authentication on")
	}

	run("", "set", src, "a", `{"n": 1}`)
	if got := strings.TrimSpace(run("", "get", src, "a")); got != `{"n":1}` && got != `{"n": 1}` {
		t.Errorf("get a printed %q, want the value set", got)
	}
	if v, ok := etcdHolds("/sec/a"); !ok || !json.Valid([]byte(v)) {
		t.Errorf("etcd holds /sec/a = %q (%v), want the JSON set", v, ok)
	}

	// The watch is under way once it shows a key written before it.
	start, err := admin.Put(ctx, "/sec/w/start", "0")
	if err != nil {
		t.Fatal(err)
	}
	out, done := startWatch(t, ctx, append([]string{"watch", src, "w/", "--prefix", "--rev", fmt.Sprint(start.Header.Revision)}, conn...)...)
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		for out.Scan() {
			lines <- out.Text()
		}
	}()
	if line, ok := <-lines; !ok || !strings.Contains(line, `"key":"w/start"`) {
		t.Fatalf("the watch began with %q (%v): %v", line, ok, <-done)
	}

	// Kill the leader between writes: every write the command line
	// acknowledged is in the cluster, and in the watch's output.
	const writes = 12
	acked := map[string]bool{}
	for i := range writes {
		if i == writes/2 {
			for _, m := range c.Members {
				if m.IsLeader() {
					m.Stop()
				}
			}
		}
		key := fmt.Sprintf("w/%02d", i)
		if _, _, err := runCLI(ctx, "", append([]string{"set", src, key, fmt.Sprint(i)}, conn...)...); err == nil {
			acked[key] = true
		} else {
			// Not acknowledged: the test holds it to nothing.
			t.Logf("set %s: %v", key, err)
		}
	}
	if len(acked) < writes/2 {
		t.Errorf("only %d of %d writes succeeded with two of three members up", len(acked), writes)
	}
	for key := range acked {
		if _, ok := etcdHolds("/sec/" + key); !ok {
			t.Errorf("acknowledged write of %s is not in the cluster", key)
		}
	}
	for len(acked) > 0 {
		line, ok := <-lines
		if !ok {
			t.Fatalf("the watch ended with %v acknowledged writes not shown: %v", acked, <-done)
		}
		var ev struct {
			Type string `json:"type"`
			Key  string `json:"key"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("watch printed %q: %v", line, err)
		}
		delete(acked, ev.Key)
	}

	// export | import --replace into another prefix copies every key and
	// deletes what else was there.
	var from *clientv3.GetResponse
	if _, err := admin.Put(ctx, "/copy/stale", "1"); err != nil {
		t.Fatal(err)
	}
	exported := run("", "export", src)
	run(exported, "import", "etcd:///copy/", "--replace", "--yes")
	from, err = admin.Get(ctx, "/sec/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	to, err := admin.Get(ctx, "/copy/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(to.Kvs) != len(from.Kvs) {
		t.Fatalf("/copy/ holds %d keys after import --replace, want the %d of /sec/", len(to.Kvs), len(from.Kvs))
	}
	for i, kv := range to.Kvs {
		if was := from.Kvs[i]; strings.TrimPrefix(string(kv.Key), "/copy/") != strings.TrimPrefix(string(was.Key), "/sec/") || string(kv.Value) != string(was.Value) {
			t.Errorf("/copy/ has %s = %q where /sec/ has %s = %q", kv.Key, kv.Value, was.Key, was.Value)
		}
	}

	cancel()
	<-done
}
