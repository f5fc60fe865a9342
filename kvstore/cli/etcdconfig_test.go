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
		{[]string{"keys", "etcd://h:1", "--prefix", "user.", "--all-keys"}, etcdstore.Config{
			Endpoints: []string{"h:1"}, DialTimeout: 5 * time.Second, OpTimeout: 5 * time.Second,
			CACert: "env-ca.pem", Cert: "env-cert.pem", Key: "env-key.pem", Username: "envuser", Password: "envpass",
		}},
	} {
		root := New(nil)
		cmd, rest, err := root.Find(c.args)
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Fatal(err)
		}
		got, err := etcdConfig(cmd, cmd.Flags().Arg(0))
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.args, got, c.want)
		}
	}
}
