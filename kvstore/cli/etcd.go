package cli

import (
	"context"
	"errors"
	"fmt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// etcdScheme starts a SRC or DST that names a key prefix of an etcd
// cluster rather than a file (a file of that name is ./etcd://...).
const etcdScheme = "etcd://"

// isEtcd reports whether src names an etcd key prefix.
func isEtcd(src string) bool { return strings.HasPrefix(src, etcdScheme) }

// The connection flags, spelled as etcdctl spells them, with etcdctl's
// environment variables as their defaults.
const (
	flagPrefix         = "prefix"
	flagCACert         = "cacert"
	flagCert           = "cert"
	flagKey            = "key"
	flagUser           = "user"
	flagDialTimeout    = "dial-timeout"
	flagCommandTimeout = "command-timeout"
	flagAllKeys        = "all-keys"
)

// The timeouts' defaults: connecting to the cluster (which includes
// authenticating, slow on a busy server), and each request after that (the initial read, each commit; for the terminal UI
// each write, which then waits and is tried again).
const (
	defaultDialTimeout    = 5 * time.Second
	defaultCommandTimeout = 5 * time.Second
)

// etcdFlags defines the connection flags on root, for every command. keys
// has a --prefix of its own, a filter on the keys listed, which shadows the
// etcd prefix there: with keys, the prefix is given in the URL.
func etcdFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.String(flagPrefix, "", "with an etcd:// source, the etcd key `PREFIX` instead of the URL's path")
	f.String(flagCACert, "", "with etcd://, verify the servers' TLS certificates with this CA bundle `FILE` ($ETCDCTL_CACERT)")
	f.String(flagCert, "", "with etcd://, identify with this TLS client certificate `FILE` ($ETCDCTL_CERT)")
	f.String(flagKey, "", "with etcd://, the TLS client certificate's key `FILE` ($ETCDCTL_KEY)")
	f.String(flagUser, "", "with etcd://, authenticate as `NAME[:PASSWORD]`, asking for a missing password ($ETCDCTL_USER)")
	f.Duration(flagDialTimeout, defaultDialTimeout, "with etcd://, how long to wait for a connection to the cluster")
	f.Duration(flagCommandTimeout, defaultCommandTimeout, "with etcd://, how long to wait for each request, once connected")
	f.Bool(flagAllKeys, false, "with etcd:// and no prefix, work on every key of the cluster, which import --replace may delete")
}

// etcdFlag returns the value of the connection flag name, or the
// environment variable env when the flag was not given.
func etcdFlag(cmd *cobra.Command, name, env string) string {
	if f := cmd.Root().PersistentFlags().Lookup(name); f.Changed {
		return f.Value.String()
	}
	return os.Getenv(env)
}

// checkNoEtcdFlags refuses connection flags on a command whose source is a
// file, where they would silently mean nothing.
func checkNoEtcdFlags(cmd *cobra.Command) error {
	for _, name := range []string{flagPrefix, flagCACert, flagCert, flagKey, flagUser, flagDialTimeout, flagCommandTimeout, flagAllKeys} {
		if cmd.Root().PersistentFlags().Lookup(name).Changed {
			return usagef(cmd, "--%s applies only to an etcd:// source", name)
		}
	}
	return nil
}

// etcdConfig turns SRC, etcd://HOST:PORT[,HOST:PORT...]/PREFIX, and the
// connection flags into a Config. The URL's path is the prefix as etcd
// stores it, leading slash included, taken as written (no %-decoding),
// except that it is a directory: etcd://HOST/app is /app/, and a note on
// stderr says so, since /app alone would take in /apple and /application
// too. --prefix gives any other prefix, exactly as written, such as one
// without a leading slash. No prefix at all is the whole keyspace, which
// takes --all-keys. With no HOST, the endpoints come from
// $ETCDCTL_ENDPOINTS.
func etcdConfig(cmd *cobra.Command, src string) (etcdstore.Config, error) {
	hosts, path, hasPath := strings.Cut(strings.TrimPrefix(src, etcdScheme), "/")
	cfg := etcdstore.Config{
		CACert: etcdFlag(cmd, flagCACert, "ETCDCTL_CACERT"),
		Cert:   etcdFlag(cmd, flagCert, "ETCDCTL_CERT"),
		Key:    etcdFlag(cmd, flagKey, "ETCDCTL_KEY"),
	}
	if hasPath {
		cfg.Prefix = "/" + path
		if !strings.HasSuffix(cfg.Prefix, "/") {
			fmt.Fprintf(cmd.ErrOrStderr(), "kvstore: note: %s is the directory %s/ (--prefix %s takes the prefix as written)\n",
				src, cfg.Prefix, cfg.Prefix)
			cfg.Prefix += "/"
		}
	}
	// Root's own flag: keys' --prefix, a filter, shadows it on keys.
	if f := cmd.Root().PersistentFlags().Lookup(flagPrefix); f.Changed {
		if path != "" {
			return cfg, usagef(cmd, "%s has a prefix in its path and --prefix gives another", src)
		}
		cfg.Prefix = f.Value.String()
	}
	allKeys := cmd.Root().PersistentFlags().Lookup(flagAllKeys).Changed
	switch {
	case cfg.Prefix == "" && !allKeys:
		give := fmt.Sprintf("%s/app/ or --%s", strings.TrimSuffix(src, "/"), flagPrefix)
		if cmd.Flags().Lookup(flagPrefix) != cmd.Root().PersistentFlags().Lookup(flagPrefix) {
			// keys' own --prefix filters what it lists.
			give = strings.TrimSuffix(src, "/") + "/app/"
		}
		return cfg, usagef(cmd, "%s names no prefix, which is every key of the cluster: give one (%s), "+
			"or --%s to mean them all", src, give, flagAllKeys)
	case cfg.Prefix != "" && allKeys:
		return cfg, usagef(cmd, "--%s goes with no prefix, and %s has %q", flagAllKeys, src, cfg.Prefix)
	}
	if hosts == "" {
		hosts = os.Getenv("ETCDCTL_ENDPOINTS")
	}
	for h := range strings.SplitSeq(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.Endpoints = append(cfg.Endpoints, h)
		}
	}
	if len(cfg.Endpoints) == 0 {
		return cfg, usagef(cmd, "%s names no HOST:PORT and $ETCDCTL_ENDPOINTS is empty", src)
	}
	for _, t := range []struct {
		flag string
		to   *time.Duration
	}{{flagDialTimeout, &cfg.DialTimeout}, {flagCommandTimeout, &cfg.OpTimeout}} {
		timeout, err := cmd.Root().PersistentFlags().GetDuration(t.flag)
		if err != nil || timeout <= 0 {
			return cfg, usagef(cmd, "--%s must be positive", t.flag)
		}
		*t.to = timeout
	}
	if err := txnLimits(cmd, &cfg); err != nil {
		return cfg, err
	}
	var err error
	if user := etcdFlag(cmd, flagUser, "ETCDCTL_USER"); user != "" {
		var hasPassword bool
		cfg.Username, cfg.Password, hasPassword = strings.Cut(user, ":")
		if !hasPassword {
			if cfg.Password, err = askPassword(cmd, cfg.Username); err != nil {
				return cfg, err
			}
		}
	}
	return cfg, nil
}

// askPassword reads the password of user from the terminal, without echo.
// Without a terminal there is nobody to ask, and reading stdin would take
// what a command means as its input.
func askPassword(cmd *cobra.Command, user string) (string, error) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(in.Fd()) {
		return "", fmt.Errorf("--user %s has no password and stdin is not a terminal to ask on; give --user %s:PASSWORD", user, user)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Password for %s: ", user)
	password, err := term.ReadPassword(in.Fd())
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	return string(password), nil
}

// etcdSource is an etcd prefix as a command's source. Like a file opened
// by a writer, it keeps the command's changes and commits them when it is
// closed: in one transaction that holds only if every key it changes is
// still at the revision the command saw, so a command never overwrites
// what another client wrote meanwhile, and del, mv and import change all
// their keys or none. set alone, which reads nothing, puts without a
// check (see putter). A change too large for one transaction is committed
// in several, in key order; should one fail, the ones before it stay.
type etcdSource struct {
	*etcdstore.Backend
	path string
}

// Path names the source in messages, as the command line gave it.
func (e etcdSource) Path() string { return e.path }

// Load reads keys, with errors worded for the command line.
func (e etcdSource) Load(keys ...string) error {
	if err := e.Backend.Load(keys...); err != nil {
		return describeEtcdError(e.Store().Config(), err)
	}
	return nil
}

// ListErr is the error that cut the last listing short, worded for the
// command line.
func (e etcdSource) ListErr() error {
	if err := e.Backend.ListErr(); err != nil {
		return describeEtcdError(e.Store().Config(), err)
	}
	return nil
}

// keyMeta reads the lease's time to live, if key has a lease: one more
// request, which only get -w json makes.
func (e etcdSource) keyMeta(ctx context.Context, key string) (keyMeta, error) {
	it, _ := e.Store().Item(key)
	m := keyMeta{modRevision: it.Revision, lease: it.Lease}
	if it.Lease != 0 {
		ttl, err := e.Store().LeaseTTL(ctx, it.Lease)
		if err != nil {
			return m, describeEtcdError(e.Store().Config(), err)
		}
		m.ttl = ttl
	}
	return m, nil
}

// Dirty reports whether changes wait to be committed.
func (e etcdSource) Dirty() bool { return e.Pending() > 0 }

var _ revisionChecker = etcdSource{}

// openEtcd opens the etcd prefix src names as a command's source.
func openEtcd(cmd *cobra.Command, src string, readOnly bool) (source, error) {
	store, err := dialEtcd(cmd, src, readOnly, true)
	if err != nil {
		return nil, err
	}
	opts := etcdstore.BackendOptions{Deferred: true, Batch: flagSet(cmd, flagBatch)}
	return etcdSource{Backend: etcdstore.NewBackend(store, opts), path: src}, nil
}

// dialEtcd connects to the etcd prefix src names, within the dial
// timeout, so that a cluster that is not there fails the command within
// it, in one line; and then, unless lazy, reads it, within the command
// timeout. A command opens it lazy, to read only the keys it needs.
func dialEtcd(cmd *cobra.Command, src string, readOnly, lazy bool) (*etcdstore.Store, error) {
	cfg, err := etcdConfig(cmd, src)
	if err != nil {
		return nil, err
	}
	cfg.ReadOnly, cfg.Lazy = readOnly, lazy
	store, err := etcdstore.Open(cmd.Context(), cfg)
	if err != nil {
		return nil, describeEtcdError(cfg, err)
	}
	return store, nil
}

// describeEtcdError says in one line what the cluster cfg names did, for
// the errors a user can act on: which timeout ran out, which credentials
// are missing or wrong. Others are returned as they are.
func describeEtcdError(cfg etcdstore.Config, err error) error {
	at := strings.Join(cfg.Endpoints, ",")
	switch {
	case errors.Is(err, context.DeadlineExceeded) && errors.Is(err, etcdstore.ErrConnect):
		return unreachableError{fmt.Errorf("etcd at %s did not answer within %v (--%s)", at, cfg.DialTimeout, flagDialTimeout)}
	case timedOut(err):
		return unreachableError{fmt.Errorf("etcd at %s did not answer within %v (--%s)", at, cfg.OpTimeout, flagCommandTimeout)}
	case etcdstore.IsUnavailable(err):
		return unreachableError{err}
	case errors.Is(err, rpctypes.ErrUserEmpty):
		return fmt.Errorf("etcd at %s takes only its users: give --%s NAME[:PASSWORD] or $ETCDCTL_USER", at, flagUser)
	case errors.Is(err, rpctypes.ErrAuthFailed):
		return fmt.Errorf("etcd at %s refused user %q: wrong name or password", at, cfg.Username)
	}
	return err
}

// timedOut reports whether err says a request's deadline passed: this
// process's context, or the same deadline as gRPC reports it when it ran
// out inside a call (a streamed listing does).
func timedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se interface{ GRPCStatus() *status.Status }
	return errors.As(err, &se) && se.GRPCStatus().Code() == codes.DeadlineExceeded
}

// startEtcdTUI connects to the etcd prefix opts.Path names and runs the
// terminal UI on it.
func startEtcdTUI(cmd *cobra.Command, launch TUILauncher, opts TUIOptions) error {
	for _, name := range []string{"always-save", "interval"} {
		if cmd.Flags().Changed(name) {
			return usagef(cmd, "--%s applies only to a file: etcd commits every change as it is made", name)
		}
	}
	cfg, err := etcdConfig(cmd, opts.Path)
	if err != nil {
		return err
	}
	// The UI lists the keys and reads the values it shows: a large
	// prefix opens as fast as its keys are listed.
	cfg.ReadOnly, cfg.KeysOnly = opts.ReadOnly, true
	store, err := etcdstore.Open(cmd.Context(), cfg)
	if err != nil {
		return describeEtcdError(cfg, err)
	}
	opts.Backend = etcdstore.NewBackend(store, etcdstore.BackendOptions{})
	return launch(opts)
}
