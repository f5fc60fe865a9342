package cli

import (
	"reflect"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// The URL, the connection flags and etcdctl's environment variables make
// the Config: flags win over the environment, the URL's path is the prefix
// as written, and keys' own --prefix never becomes the etcd prefix.
// The whole keyspace takes --all-keys.
func TestEtcdConfig(t *testing.T) {
	t.Setenv("ETCDCTL_ENDPOINTS", "env-a:2379,env-b:2379")
	t.Setenv("ETCDCTL_CACERT", "env-ca.pem")
	t.Setenv("ETCDCTL_CERT", "env-cert.pem")
	t.Setenv("ETCDCTL_KEY", "env-key.pem")
	t.Setenv("ETCDCTL_USER", "envuser:envpass")
	for _, c := range []struct {
		args []string
		want etcdstore.Config
	}{
		{[]string{"get", "etcd://h1:1,h2:2/app/x%20y/"}, etcdstore.Config{
			Endpoints: []string{"h1:1", "h2:2"}, Prefix: "/app/x%20y/", DialTimeout: 5 * time.Second, OpTimeout: 5 * time.Second,
			CACert: "env-ca.pem", Cert: "env-cert.pem", Key: "env-key.pem", Username: "envuser", Password: "envpass",
		}},
		{[]string{"set", "etcd://", "--prefix", "app/", "--cacert", "ca.pem", "--cert", "c.pem", "--key", "k.pem",
			"--user", "root:a:b", "--dial-timeout", "3s", "--command-timeout", "7s"}, etcdstore.Config{
			Endpoints: []string{"env-a:2379", "env-b:2379"}, Prefix: "app/", DialTimeout: 3 * time.Second, OpTimeout: 7 * time.Second,
			CACert: "ca.pem", Cert: "c.pem", Key: "k.pem", Username: "root", Password: "a:b",
		}},
		{[]string{"get", "etcd://https://h1:1,http://h2:2,h3:3/app/", "--user", "a:b", "--password", "p",
			"--insecure-skip-tls-verify", "--insecure-transport=false"}, etcdstore.Config{
			Endpoints: []string{"https://h1:1", "http://h2:2", "h3:3"}, Prefix: "/app/", DialTimeout: 5 * time.Second, OpTimeout: 5 * time.Second,
			CACert: "env-ca.pem", Cert: "env-cert.pem", Key: "env-key.pem", Username: "a:b", Password: "p",
			TLS: true, InsecureSkipVerify: true,
		}},
		{[]string{"get", "etcd:///app/", "--endpoints", "https://f:1,f:2"}, etcdstore.Config{
			Endpoints: []string{"https://f:1", "f:2"}, Prefix: "/app/", DialTimeout: 5 * time.Second, OpTimeout: 5 * time.Second,
			CACert: "env-ca.pem", Cert: "env-cert.pem", Key: "env-key.pem", Username: "envuser", Password: "envpass",
		}},
		{[]string{"keys", "etcd://h:1", "--prefix", "user.", "--all-keys"}, etcdstore.Config{
			Endpoints: []string{"h:1"}, DialTimeout: 5 * time.Second, OpTimeout: 5 * time.Second,
			CACert: "env-ca.pem", Cert: "env-cert.pem", Key: "env-key.pem", Username: "envuser", Password: "envpass",
		}},
	} {
		t.Setenv("ETCDCTL_PASSWORD", "")
		checkEtcdConfig(t, c.args, c.want)
	}
}

// Every environment variable of etcdctl's that kvstore takes: each sets
// what its flag would, and the flag, when given, wins.
func TestEtcdctlEnvironment(t *testing.T) {
	env := map[string]string{
		"ETCDCTL_ENDPOINTS":                "https://e:1",
		"ETCDCTL_CACERT":                   "ca.pem",
		"ETCDCTL_CERT":                     "c.pem",
		"ETCDCTL_KEY":                      "k.pem",
		"ETCDCTL_USER":                     "name:with:colons",
		"ETCDCTL_PASSWORD":                 "pw",
		"ETCDCTL_DIAL_TIMEOUT":             "2s",
		"ETCDCTL_COMMAND_TIMEOUT":          "9s",
		"ETCDCTL_INSECURE_SKIP_TLS_VERIFY": "true",
		"ETCDCTL_INSECURE_TRANSPORT":       "false",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	fromEnv := etcdstore.Config{
		Endpoints: []string{"https://e:1"}, Prefix: "/a/", CACert: "ca.pem", Cert: "c.pem", Key: "k.pem",
		Username: "name:with:colons", Password: "pw", DialTimeout: 2 * time.Second, OpTimeout: 9 * time.Second,
		InsecureSkipVerify: true, TLS: true,
	}
	fromFlags := etcdstore.Config{
		Endpoints: []string{"f:1"}, Prefix: "/a/", CACert: "fca.pem", Cert: "fc.pem", Key: "fk.pem",
		Username: "u", Password: "fpw", DialTimeout: 3 * time.Second, OpTimeout: 4 * time.Second,
	}
	for _, c := range []struct {
		args []string
		want etcdstore.Config
	}{
		{[]string{"get", "etcd:///a/"}, fromEnv},
		{[]string{"get", "etcd:///a/", "--endpoints", "f:1", "--cacert", "fca.pem", "--cert", "fc.pem", "--key", "fk.pem",
			"--user", "u", "--password", "fpw", "--dial-timeout", "3s", "--command-timeout", "4s",
			"--insecure-skip-tls-verify=false", "--insecure-transport=true"}, fromFlags},
	} {
		checkEtcdConfig(t, c.args, c.want)
	}
	t.Setenv("ETCDCTL_DIAL_TIMEOUT", "soon")
	root := New(nil)
	cmd, rest, _ := root.Find([]string{"get", "etcd:///a/"})
	_ = cmd.ParseFlags(rest)
	if _, err := etcdConfig(cmd, "etcd:///a/"); err == nil || err.Error() != `$ETCDCTL_DIAL_TIMEOUT must be a positive duration such as 5s, not "soon"` {
		t.Errorf("a bad $ETCDCTL_DIAL_TIMEOUT gave %v", err)
	}
}

// checkEtcdConfig parses args as the command line would and checks the
// etcd configuration they make.
func checkEtcdConfig(t *testing.T, args []string, want etcdstore.Config) {
	t.Helper()
	cmd, rest, err := New(nil).Find(args)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatal(err)
	}
	got, err := etcdConfig(cmd, cmd.Flags().Arg(0))
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q:\n got %+v\nwant %+v", args, got, want)
	}
}
