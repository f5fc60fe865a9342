package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
	"github.com/kvstore-dev/kvstore/kvstore/exactjson"
)

// runCLI runs the command line in this process with stdin, and returns
// what it printed and its error.
func runCLI(ctx context.Context, stdin string, args ...string) (stdout, stderr string, err error) {
	var out, errOut strings.Builder
	root := cli.New(func(cli.TUIOptions) error { return nil })
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

// object returns a JSON object of n keys named prefix000… with small
// values, and extra members appended as they are.
func object(prefix string, n int, extra ...string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:%d", fmt.Sprintf("%s%03d", prefix, i), i)
	}
	for _, m := range extra {
		b.WriteString("," + m)
	}
	return b.String() + "}"
}

func revision(t *testing.T, ctx context.Context, client *clientv3.Client) int64 {
	t.Helper()
	resp, err := client.Get(ctx, "/", clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

// An import that cannot be one transaction within etcd's default limits
// says so before writing anything: 300 keys with a 2 MiB value (etcd takes
// 1.5 MiB in a request) names the value; 300 small keys (etcd takes 128
// changes in a transaction) say how many transactions --batch needs, and
// --batch writes them. del of many keys is held to the same rule.
func TestImportBeyondEtcdLimitsWritesNothing(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dst := "etcd://" + endpoint + "/big/"
	before := revision(t, ctx, client)

	huge := `"big":"` + strings.Repeat("x", 2<<20) + `"`
	_, _, err := runCLI(ctx, object("k", 300, huge), "import", dst)
	if err == nil || !strings.Contains(err.Error(), `the write of "big" takes 2.0 MiB, more than etcd takes in one request (1.5 MiB`) ||
		!strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("import with a 2 MiB value: %v, want an error naming it", err)
	}
	_, _, err = runCLI(ctx, object("k", 300), "import", dst)
	if err == nil || !strings.Contains(err.Error(), "300 changes") || !strings.Contains(err.Error(), "need 3 transactions") ||
		!strings.Contains(err.Error(), "--batch commits them in 3 transactions") {
		t.Errorf("import of 300 keys: %v, want an error saying they need 3 transactions and --batch", err)
	}
	if got := cli.ExitCode(err); got != 1 {
		t.Errorf("exit status %d, want 1", got)
	}
	if now := revision(t, ctx, client); now != before {
		t.Fatalf("etcd went from revision %d to %d: a refused import wrote", before, now)
	}

	if _, _, err := runCLI(ctx, object("k", 300), "import", dst, "--batch"); err != nil {
		t.Fatalf("import --batch: %v", err)
	}
	resp, err := client.Get(ctx, "/big/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Count != 300 {
		t.Errorf("etcd holds %d keys after import --batch, want 300", resp.Count)
	}
	if got := resp.Header.Revision - before; got != 3 {
		t.Errorf("import --batch took %d revisions, want 3, one per transaction", got)
	}

	// del of more keys than one transaction takes: the same.
	del := []string{"del", dst}
	for i := range 130 {
		del = append(del, fmt.Sprintf("k%03d", i))
	}
	before = revision(t, ctx, client)
	if _, _, err := runCLI(ctx, "", del...); err == nil || !strings.Contains(err.Error(), "130 changes") ||
		!strings.Contains(err.Error(), "--batch commits them in 2 transactions") {
		t.Errorf("del of 130 keys: %v, want an error saying they need 2 transactions", err)
	}
	if now := revision(t, ctx, client); now != before {
		t.Fatalf("a refused del went from revision %d to %d", before, now)
	}
	if _, _, err := runCLI(ctx, "", append(del, "--batch")...); err != nil {
		t.Fatalf("del --batch: %v", err)
	}
	resp, err = client.Get(ctx, "/big/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Count != 170 {
		t.Errorf("after del --batch etcd holds %d keys, want 170", resp.Count)
	}
}

// import --batch against a cluster whose limits are lower than the command
// was told stops at the transaction the cluster refuses, keeping those
// before it; run again with the cluster's limit, it writes only what is
// missing, and the keys it wrote the first time keep their revisions.
func TestImportBatchResumes(t *testing.T) {
	const limit = 64 << 10
	endpoint := etcdtest.StartWith(t, "cli", func(cfg *embed.Config) { cfg.MaxRequestBytes = limit })
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dst := "etcd://" + endpoint + "/b/"
	var large []string
	for i := range 4 {
		large = append(large, fmt.Sprintf(`"z%d":"%s"`, i, strings.Repeat("y", 30<<10)))
	}
	input := object("a", 130, large...)

	_, _, err := runCLI(ctx, input, "import", dst, "--batch", "--max-request-bytes", "1048576")
	if err == nil || !strings.Contains(err.Error(), "128 of 134 changes committed, in 1 of 2 transactions") ||
		!strings.Contains(err.Error(), "--max-request-bytes") {
		t.Fatalf("import --batch beyond the cluster's limit: %v, want it to say what it committed and which limit", err)
	}
	first, err := client.Get(ctx, "/b/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Kvs) != 128 {
		t.Fatalf("etcd holds %d keys after the failed batch, want the first transaction's 128", len(first.Kvs))
	}

	if _, _, err := runCLI(ctx, input, "import", dst, "--batch", "--max-request-bytes", fmt.Sprint(limit)); err != nil {
		t.Fatalf("import --batch again: %v", err)
	}
	after, err := client.Get(ctx, "/b/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Kvs) != 134 {
		t.Fatalf("etcd holds %d keys, want 134", len(after.Kvs))
	}
	for i, kv := range first.Kvs {
		if kv.ModRevision != after.Kvs[i].ModRevision {
			t.Errorf("%s went from revision %d to %d: written twice", kv.Key, kv.ModRevision, after.Kvs[i].ModRevision)
		}
	}
	if _, _, err := runCLI(ctx, input, "import", dst, "--batch", "--max-request-bytes", fmt.Sprint(limit)); err != nil {
		t.Fatalf("import --batch a third time: %v", err)
	}
	if now := revision(t, ctx, client); now != after.Header.Revision {
		t.Errorf("an import of what etcd holds went from revision %d to %d", after.Header.Revision, now)
	}
}

// A prefix as other clients write it: random bytes, text that is not JSON,
// JSON spaced in several ways, keys that are not UTF-8. export | import
// --replace onto the same prefix writes nothing, so every key keeps its
// mod revision; into another prefix it makes every key's bytes identical.
func TestExportImportIsExact(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(25, 1))
	values := map[string]string{
		"addr":           "10.0.0.1:8080",
		"code":           "007",
		"bytes":          "x\x00\xff",
		"spaced":         `{"a": 1}`,
		"pretty":         "{\n  \"a\": [\n    1,\n    2.50\n  ]\n}\n",
		"tabs":           "[1,\t2]",
		"compact":        `{"b":[1,2.50]}`,
		"escaped":        `"caf\u00e9 <b>"`,
		"empty":          "",
		"string":         `"plain"`,
		"key\xffbin":     "\xfe\xff",
		exactjson.Member: `"a key named like the table"`,
	}
	for i := range 20 {
		b := make([]byte, rng.IntN(40))
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		values[fmt.Sprintf("random/%02d", i)] = string(b)
	}
	for k, v := range values {
		if _, err := client.Put(ctx, "/src/"+k, v); err != nil {
			t.Fatal(err)
		}
	}
	src, dst := "etcd://"+endpoint+"/src/", "etcd://"+endpoint+"/dst/"
	exported, _, err := runCLI(ctx, "", "export", src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(exported), &doc); err != nil {
		t.Fatalf("export is not one JSON object: %v\n%s", err, exported)
	}
	if got := string(doc["addr"]); got != `"10.0.0.1:8080"` {
		t.Errorf(`export's member "addr" is %s, want the string get shows`, got)
	}
	if _, ok := doc[exactjson.Member]; !ok {
		t.Errorf("export has no %q member", exactjson.Member)
	}

	if out, _, err := runCLI(ctx, exported, "import", src, "--replace", "--dry-run"); err != nil || out != "" {
		t.Errorf("import --dry-run onto the same prefix: %q, %v; want no change", out, err)
	}
	out, _, err := runCLI(ctx, exported, "import", dst, "--dry-run")
	if err != nil || strings.Count(out, "set ") != len(values) || !strings.Contains(out, `set "key\xffbin"`+"\n") {
		t.Errorf("import --dry-run into another prefix: %q, %v; want a set of every key", out, err)
	}
	file := filepath.Join(t.TempDir(), "data.json")
	// A file keeps a key's bytes that are not UTF-8 as they are.
	if _, _, err := runCLI(ctx, exported, "import", file); err != nil {
		t.Errorf("import into a file: %v", err)
	} else if fs, err := kvstore.Open(file, &kvstore.Options{ReadOnly: true}); err != nil {
		t.Errorf("the imported file: %v", err)
	} else {
		if !fs.Has("key\xffbin") || fs.Len() != len(values) {
			t.Errorf("the imported file holds %q, want the key \"key\\xffbin\" among %d", fs.Keys(), len(values))
		}
		fs.Close()
	}

	before, err := client.Get(ctx, "/src/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(ctx, exported, "import", src, "--replace"); err != nil {
		t.Fatalf("import onto the same prefix: %v", err)
	}
	same, err := client.Get(ctx, "/src/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if same.Header.Revision != before.Header.Revision {
		t.Errorf("import onto the same prefix went from revision %d to %d", before.Header.Revision, same.Header.Revision)
	}
	for i, kv := range same.Kvs {
		if was := before.Kvs[i]; string(kv.Key) != string(was.Key) || kv.ModRevision != was.ModRevision {
			t.Errorf("%q is at mod revision %d after the import, was %d", kv.Key, kv.ModRevision, was.ModRevision)
		}
	}

	if _, _, err := runCLI(ctx, exported, "import", dst, "--yes"); err != nil {
		t.Fatalf("import into another prefix: %v", err)
	}
	copied, err := client.Get(ctx, "/dst/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(copied.Kvs) != len(values) {
		t.Errorf("the other prefix holds %d keys, want %d", len(copied.Kvs), len(values))
	}
	for _, kv := range copied.Kvs {
		k := strings.TrimPrefix(string(kv.Key), "/dst/")
		if want, ok := values[k]; !ok || string(kv.Value) != want {
			t.Errorf("%q = %q in the copy, want %q", k, kv.Value, want)
		}
	}

	// Members changed or removed after export, as jq would, win over the
	// exact list: a changed one is stored as its new JSON, a removed one
	// not at all.
	doc["addr"] = json.RawMessage(`"10.0.0.2:9090"`)
	delete(doc, "code")
	edited, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(ctx, string(edited), "import", "etcd://"+endpoint+"/edited/", "--yes"); err != nil {
		t.Fatalf("import of an edited export: %v", err)
	}
	for key, want := range map[string]string{"addr": `"10.0.0.2:9090"`, "code": "", "spaced": `{"a": 1}`} {
		resp, err := client.Get(ctx, "/edited/"+key)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(resp.Kvs) > 0 {
			got = string(resp.Kvs[0].Value)
		}
		if got != want {
			t.Errorf("%s = %q after importing the edited export, want %q", key, got, want)
		}
	}
}

// The file of pending changes keeps keys and values exactly: a key that
// is not UTF-8, bytes that are not JSON, JSON spaced another client's way;
// import --changes applies it, with each change's revision check, so that
// etcd holds exactly what the edits made.
func TestPendingFileIsExact(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for k, v := range map[string]string{"k\xff": "old", "gone\xfe": "x", "plain": "1"} {
		if _, err := client.Put(ctx, "/r/"+k, v); err != nil {
			t.Fatal(err)
		}
	}
	store, err := etcdstore.Open(ctx, etcdstore.Config{Endpoints: []string{endpoint}, Prefix: "/r/"})
	if err != nil {
		t.Fatal(err)
	}
	b := etcdstore.NewBackend(store, etcdstore.BackendOptions{Deferred: true})
	defer b.Close()
	want := map[string]string{"k\xff": "new\x00\xff", "spaced": `{"a": 1}`, "plain": "2", "new\xfd": "7"}
	for k, v := range want {
		if k == "plain" {
			err = b.SetRaw(k, []byte(v))
		} else {
			err = b.SetBytes(k, []byte(v))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete("gone\xfe"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pending.json")
	if n, err := b.WritePending(path); err != nil || n != 5 {
		t.Fatalf("WritePending: %d, %v; want 5 changes", n, err)
	}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), "\ufffd") || strings.Contains(string(text), `\ufffd`) {
		t.Errorf("the pending file replaced bytes with U+FFFD:\n%s", text)
	}
	if _, _, err := runCLI(ctx, string(text), "import", "etcd://"+endpoint+"/r/", "--changes"); err != nil {
		t.Fatalf("import --changes: %v\n%s", err, text)
	}
	resp, err := client.Get(ctx, "/r/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range resp.Kvs {
		got[strings.TrimPrefix(string(kv.Key), "/r/")] = string(kv.Value)
	}
	if !maps.Equal(got, want) {
		t.Errorf("etcd holds %q, want %q", got, want)
	}
}

// Keys that are not UTF-8, as other clients may write them, are listed as
// the terminal UI shows them, quoted with each such byte \xNN, and a KEY
// argument written so names the key: get reads it, mv renames it and del
// deletes it, byte for byte.
func TestKeysThatAreNotUTF8(t *testing.T) {
	endpoint := etcdtest.Start(t, "cli")
	client := etcdtest.Client(t, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for k, v := range map[string]string{"bin\xff\x01": "1", "ok": "2", `"quoted"`: "3"} {
		if _, err := client.Put(ctx, "/u/"+k, v); err != nil {
			t.Fatal(err)
		}
	}
	src := "etcd://" + endpoint + "/u/"
	out, _, err := runCLI(ctx, "", "keys", src)
	if want := `"\"quoted\""` + "\n" + `"bin\xff\u0001"` + "\nok\n"; err != nil || out != want {
		t.Errorf("keys printed %q (%v), want %q", out, err, want)
	}
	out, _, err = runCLI(ctx, "", "keys", src, "--json")
	b64 := base64.StdEncoding.EncodeToString([]byte("bin\xff\x01"))
	if want := `["\"quoted\"",{"base64":"` + b64 + `"},"ok"]` + "\n"; err != nil || out != want {
		t.Errorf("keys --json printed %q (%v)", out, err)
	}
	if out, _, err := runCLI(ctx, "", "get", src, `"bin\xff\u0001"`); err != nil || out != "1\n" {
		t.Errorf(`get "bin\xff\u0001": %q, %v`, out, err)
	}
	if out, _, err := runCLI(ctx, "", "get", src, `"\"quoted\""`); err != nil || out != "3\n" {
		t.Errorf(`get of the key "quoted", quotes included: %q, %v`, out, err)
	}
	if _, _, err := runCLI(ctx, "", "mv", src, `"bin\xff\u0001"`, `"moved\xfe"`); err != nil {
		t.Fatalf("mv: %v", err)
	}
	if _, _, err := runCLI(ctx, "", "del", src, `"moved\xfe"`); err != nil {
		t.Fatalf("del: %v", err)
	}
	resp, err := client.Get(ctx, "/u/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	if want := []string{`/u/"quoted"`, "/u/ok"}; !slices.Equal(keys, want) {
		t.Errorf("etcd holds %q, want %q", keys, want)
	}
	if _, _, err := runCLI(ctx, "", "get", src, `"bad\q"`); cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), `\q, which is not an escape`) {
		t.Errorf(`get "bad\q": %v, want a usage error naming the escape`, err)
	}
}
