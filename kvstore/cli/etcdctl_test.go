package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// buildEtcdctl builds etcdctl from the version this module requires as a
// tool (see the tool directive in go.mod), so that the interop test
// speaks with the real etcdctl of the etcd it runs, and returns its path.
func buildEtcdctl(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "etcdctl")
	out, err := exec.Command("go", "build", "-o", path, "go.etcd.io/etcd/etcdctl/v3").CombinedOutput()
	if err != nil {
		t.Fatalf("go build etcdctl: %v\n%s", err, out)
	}
	return path
}

// runEtcdctl runs etcdctl against endpoint with stdin and returns what it
// printed.
func runEtcdctl(t *testing.T, ctx context.Context, etcdctl, endpoint, stdin string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, etcdctl, append([]string{"--endpoints=" + endpoint}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("etcdctl %q: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// etcdctlKV is a key as `etcdctl get -w json` prints it: key and value as
// base64, which encoding/json decodes into bytes.
type etcdctlKV struct {
	Key         []byte `json:"key"`
	Value       []byte `json:"value"`
	ModRevision int64  `json:"mod_revision"`
}

// etcdctlPrefix reads every key under prefix with etcdctl, as JSON.
func etcdctlPrefix(t *testing.T, ctx context.Context, etcdctl, endpoint, prefix string) []etcdctlKV {
	t.Helper()
	var resp struct {
		Kvs []etcdctlKV `json:"kvs"`
	}
	out := runEtcdctl(t, ctx, etcdctl, endpoint, "", "get", prefix, "--prefix", "-w", "json")
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("etcdctl get -w json printed %q: %v", out, err)
	}
	return resp.Kvs
}

// Values etcdctl writes (random bytes, JSON spaced its writer's way, text
// that is not JSON) go through export | import untouched: onto the same
// prefix nothing is rewritten, as etcdctl sees every key's mod revision,
// and into another prefix etcdctl reads every value byte for byte.
func TestEtcdctlRoundTrip(t *testing.T) {
	etcdctl := buildEtcdctl(t)
	endpoint := etcdtest.Start(t, "cli")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(25, 3))
	values := map[string]string{
		"json/compact": `{"b":[1,2.50]}`,
		"json/spaced":  "{\n  \"a\": 1\n}\n",
		"json/number":  "007",
		"text/addr":    "10.0.0.1:8080",
		"text/nl":      "line\n",
	}
	for i := range 12 {
		// etcdctl takes a value from stdin, where an empty one means none.
		b := make([]byte, 1+rng.IntN(48))
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		values[fmt.Sprintf("random/%02d", i)] = string(b)
	}
	for k, v := range values {
		runEtcdctl(t, ctx, etcdctl, endpoint, v, "put", "/ctl/"+k)
	}
	before := etcdctlPrefix(t, ctx, etcdctl, endpoint, "/ctl/")
	if len(before) != len(values) {
		t.Fatalf("etcdctl reads %d keys under /ctl/, want %d", len(before), len(values))
	}
	for _, kv := range before {
		if want := values[strings.TrimPrefix(string(kv.Key), "/ctl/")]; string(kv.Value) != want {
			t.Fatalf("etcdctl put %s as %q, want %q", kv.Key, kv.Value, want)
		}
	}

	src := "etcd://" + endpoint + "/ctl/"
	exported, _, err := runCLI(ctx, "", "export", src)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if _, _, err := runCLI(ctx, exported, "import", src, "--replace"); err != nil {
		t.Fatalf("import --replace onto the same prefix: %v", err)
	}
	after := etcdctlPrefix(t, ctx, etcdctl, endpoint, "/ctl/")
	if len(after) != len(before) {
		t.Fatalf("etcdctl reads %d keys under /ctl/ after the import, want %d", len(after), len(before))
	}
	for i, kv := range after {
		was := before[i]
		if !bytes.Equal(kv.Key, was.Key) || !bytes.Equal(kv.Value, was.Value) || kv.ModRevision != was.ModRevision {
			t.Errorf("%q = %q at mod revision %d after the import, was %q at %d",
				kv.Key, kv.Value, kv.ModRevision, was.Value, was.ModRevision)
		}
	}

	if _, _, err := runCLI(ctx, exported, "import", "etcd://"+endpoint+"/copy/", "--yes"); err != nil {
		t.Fatalf("import into another prefix: %v", err)
	}
	copied := etcdctlPrefix(t, ctx, etcdctl, endpoint, "/copy/")
	if len(copied) != len(values) {
		t.Errorf("etcdctl reads %d keys under /copy/, want %d", len(copied), len(values))
	}
	for _, kv := range copied {
		k := strings.TrimPrefix(string(kv.Key), "/copy/")
		if want, ok := values[k]; !ok || string(kv.Value) != want {
			t.Errorf("etcdctl reads %q = %q in the copy, want %q", kv.Key, kv.Value, want)
		}
	}
}
