package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"iter"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// etcdScheme starts a SRC or DST that names a key prefix of an etcd
// cluster rather than a file (a file of that name is ./etcd://...).
const etcdScheme = "etcd://"

// isEtcd reports whether src names an etcd key prefix.
func isEtcd(src string) bool { return strings.HasPrefix(src, etcdScheme) }

// The connection flags, spelled as etcdctl spells them. Each has
// etcdctl's environment variable as its default (see etcdSetting), except
// --prefix and --all-keys, which are kvstore's own.
const (
	flagPrefix             = "prefix"
	flagEndpoints          = "endpoints"
	flagCACert             = "cacert"
	flagCert               = "cert"
	flagKey                = "key"
	flagUser               = "user"
	flagPassword           = "password"
	flagDialTimeout        = "dial-timeout"
	flagCommandTimeout     = "command-timeout"
	flagInsecureSkipVerify = "insecure-skip-tls-verify"
	flagInsecureTransport  = "insecure-transport"
	flagAllKeys            = "all-keys"
)

// connectionFlags are the flags that mean something only for an etcd://
// source.
var connectionFlags = []string{flagPrefix, flagEndpoints, flagCACert, flagCert, flagKey, flagUser, flagPassword,
	flagDialTimeout, flagCommandTimeout, flagInsecureSkipVerify, flagInsecureTransport, flagAllKeys}

// The timeouts' defaults: connecting to the cluster (which includes
// authenticating, slow on a busy server), and each request after that (the initial read, each commit; for the terminal UI
// each write, which then waits and is tried again).
const (
	defaultDialTimeout    = 5 * time.Second
	defaultCommandTimeout = 5 * time.Second
)

// etcdFlags defines the connection flags on root, for every command. keys,
// get, del and watch have a --prefix of their own, etcdctl's, a choice of
// keys within the source, which shadows the etcd prefix there: with them,
// the prefix is given in the URL.
func etcdFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.String(flagPrefix, "", "with an etcd:// source, the etcd key `PREFIX` instead of the URL's path")
	f.String(flagEndpoints, "", "with etcd:/// (no HOST), the members' `HOST:PORT,...` ($ETCDCTL_ENDPOINTS); https://HOST:PORT for TLS")
	f.String(flagCACert, "", "with etcd://, verify the servers' TLS certificates with this CA bundle `FILE` ($ETCDCTL_CACERT)")
	f.String(flagCert, "", "with etcd://, identify with this TLS client certificate `FILE` ($ETCDCTL_CERT)")
	f.String(flagKey, "", "with etcd://, the TLS client certificate's key `FILE` ($ETCDCTL_KEY)")
	f.String(flagUser, "", "with etcd://, authenticate as `NAME[:PASSWORD]`, asking for a missing password ($ETCDCTL_USER)")
	f.String(flagPassword, "", "with etcd://, the `PASSWORD` of --user, which is then a NAME alone ($ETCDCTL_PASSWORD)")
	f.Duration(flagDialTimeout, defaultDialTimeout, "with etcd://, how long to wait for a connection to the cluster ($ETCDCTL_DIAL_TIMEOUT)")
	f.Duration(flagCommandTimeout, defaultCommandTimeout, "with etcd://, how long to wait for each request, once connected ($ETCDCTL_COMMAND_TIMEOUT)")
	f.Bool(flagInsecureSkipVerify, false, "with etcd:// over TLS, accept any server certificate ($ETCDCTL_INSECURE_SKIP_TLS_VERIFY)")
	f.Bool(flagInsecureTransport, true, "with etcd://, plain text unless TLS files or https:// say otherwise; false: TLS with the system's CAs ($ETCDCTL_INSECURE_TRANSPORT)")
	f.Bool(flagAllKeys, false, "with etcd:// and no prefix, work on every key of the cluster, which import --replace may delete")
	// The certificate flags take files, which the shell completes; these
	// take text no shell can guess.
	for _, name := range []string{flagPrefix, flagEndpoints, flagUser, flagPassword} {
		_ = root.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
}

// etcdSetting returns the connection flag name's value: the flag's, when
// it was given, or else etcdctl's environment variable for it
// (ETCDCTL_DIAL_TIMEOUT for --dial-timeout), or else the flag's own
// value, its default unless a completion shortened it.
// from names where the value came from, for messages.
func etcdSetting(cmd *cobra.Command, name string) (value, from string) {
	f := cmd.Root().PersistentFlags().Lookup(name)
	if f.Changed {
		return f.Value.String(), "--" + name
	}
	env := "ETCDCTL_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	if v, ok := os.LookupEnv(env); ok && v != "" {
		return v, "$" + env
	}
	return f.Value.String(), "--" + name
}

// etcdBool is etcdSetting for a flag that is true or false.
func etcdBool(cmd *cobra.Command, name string) (bool, error) {
	v, from := etcdSetting(cmd, name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, usagef(cmd, "%s must be true or false, not %q", from, v)
	}
	return b, nil
}

// checkNoEtcdFlags refuses connection flags on a command whose source is a
// file, where they would silently mean nothing. etcdctl's environment
// variables are no flags: they stay set for other commands.
func checkNoEtcdFlags(cmd *cobra.Command) error {
	for _, name := range connectionFlags {
		if cmd.Root().PersistentFlags().Lookup(name).Changed {
			return usagef(cmd, "--%s applies only to an etcd:// source", name)
		}
	}
	return nil
}

// splitEtcdURL splits what follows etcd:// into its endpoints and its
// path: HOST:PORT,https://HOST:PORT/PREFIX. An endpoint may carry its
// scheme, whose // does not start the path.
func splitEtcdURL(rest string) (hosts, path string, hasPath bool) {
	i := 0
	for {
		for _, scheme := range []string{"https://", "http://"} {
			if strings.HasPrefix(rest[i:], scheme) {
				i += len(scheme)
				break
			}
		}
		end := strings.IndexAny(rest[i:], ",/")
		switch {
		case end < 0:
			return rest, "", false
		case rest[i+end] == '/':
			return rest[:i+end], rest[i+end+1:], true
		}
		i += end + 1
	}
}

// etcdConfig turns SRC, etcd://HOST:PORT[,HOST:PORT...]/PREFIX, and the
// connection flags into a Config. An endpoint may be written
// https://HOST:PORT for TLS. The URL's path is the prefix as etcd
// stores it, leading slash included, taken as written (no %-decoding),
// except that it is a directory: etcd://HOST/app is /app/, and a note on
// stderr says so, since /app alone would take in /apple and /application
// too. --prefix gives any other prefix, exactly as written, such as one
// without a leading slash. No prefix at all is the whole keyspace, which
// takes --all-keys. With no HOST, the endpoints come from --endpoints or
// $ETCDCTL_ENDPOINTS.
func etcdConfig(cmd *cobra.Command, src string) (etcdstore.Config, error) {
	hosts, path, hasPath := splitEtcdURL(strings.TrimPrefix(src, etcdScheme))
	var cfg etcdstore.Config
	cfg.CACert, _ = etcdSetting(cmd, flagCACert)
	cfg.Cert, _ = etcdSetting(cmd, flagCert)
	cfg.Key, _ = etcdSetting(cmd, flagKey)
	if hasPath {
		cfg.Prefix = "/" + path
		if !strings.HasSuffix(cfg.Prefix, "/") {
			hint := fmt.Sprintf(" (--prefix %s takes the prefix as written)", cfg.Prefix)
			if ownPrefix(cmd) {
				hint = ""
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "kvstore: note: %s is the directory %s/%s\n", src, cfg.Prefix, hint)
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
		if ownPrefix(cmd) {
			give = strings.TrimSuffix(src, "/") + "/app/"
		}
		return cfg, usagef(cmd, "%s names no prefix, which is every key of the cluster: give one (%s), "+
			"or --%s to mean them all", src, give, flagAllKeys)
	case cfg.Prefix != "" && allKeys:
		return cfg, usagef(cmd, "--%s goes with no prefix, and %s has %q", flagAllKeys, src, cfg.Prefix)
	}
	if cmd.Root().PersistentFlags().Lookup(flagEndpoints).Changed && hosts != "" {
		return cfg, usagef(cmd, "%s names its endpoints and --%s gives others", src, flagEndpoints)
	}
	if hosts == "" {
		hosts, _ = etcdSetting(cmd, flagEndpoints)
	}
	for h := range strings.SplitSeq(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.Endpoints = append(cfg.Endpoints, h)
		}
	}
	if len(cfg.Endpoints) == 0 {
		return cfg, usagef(cmd, "%s names no HOST:PORT, and neither --%s nor $ETCDCTL_ENDPOINTS gives one", src, flagEndpoints)
	}
	for _, t := range []struct {
		flag string
		to   *time.Duration
	}{{flagDialTimeout, &cfg.DialTimeout}, {flagCommandTimeout, &cfg.OpTimeout}} {
		v, from := etcdSetting(cmd, t.flag)
		timeout, err := time.ParseDuration(v)
		if err != nil || timeout <= 0 {
			return cfg, usagef(cmd, "%s must be a positive duration such as 5s, not %q", from, v)
		}
		*t.to = timeout
	}
	if err := txnLimits(cmd, &cfg); err != nil {
		return cfg, err
	}
	var err error
	if cfg.InsecureSkipVerify, err = etcdBool(cmd, flagInsecureSkipVerify); err != nil {
		return cfg, err
	}
	insecureTransport, err := etcdBool(cmd, flagInsecureTransport)
	if err != nil {
		return cfg, err
	}
	cfg.TLS = !insecureTransport
	user, _ := etcdSetting(cmd, flagUser)
	password, passwordFrom := etcdSetting(cmd, flagPassword)
	switch {
	case user == "" && password != "":
		return cfg, usagef(cmd, "%s goes with --user NAME or $ETCDCTL_USER", passwordFrom)
	case user == "":
	case password != "":
		// As in etcdctl: with a password of its own, --user is the
		// name, colons and all.
		cfg.Username, cfg.Password = user, password
	default:
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

// ownPrefix reports whether cmd has a --prefix of its own, etcdctl's,
// which chooses keys within the source and shadows the etcd prefix.
func ownPrefix(cmd *cobra.Command) bool {
	return cmd.Flags().Lookup(flagPrefix) != cmd.Root().PersistentFlags().Lookup(flagPrefix)
}

// askPassword reads the password of user from the terminal, without echo.
// Without a terminal there is nobody to ask, and reading stdin would take
// what a command means as its input.
func askPassword(cmd *cobra.Command, user string) (string, error) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(in.Fd()) {
		return "", fmt.Errorf("--user %s has no password and stdin is not a terminal to ask on; give --user %s:PASSWORD or --%s", user, user, flagPassword)
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

// items lists the keys that start with prefix, in pages, with their
// values as JSON and, with meta, their revisions and leases, and the time
// left of each lease (one request per lease, asked once).
func (e etcdSource) items(ctx context.Context, prefix string, meta bool) iter.Seq2[listedKey, error] {
	return func(yield func(listedKey, error) bool) {
		ttls := map[int64]int64{}
		for key, it := range e.Items(prefix) {
			value := it.Value
			if it.JSON {
				value, _ = kvstore.Compact(value)
			} else {
				value = jsonString(it.Value)
			}
			k := listedKey{key: key, value: value}
			if meta {
				k.meta = &keyMeta{modRevision: it.Revision, lease: it.Lease}
				if it.Lease != 0 {
					ttl, known := ttls[it.Lease]
					if !known {
						var err error
						if ttl, err = e.Store().LeaseTTL(ctx, it.Lease); err != nil {
							yield(k, describeEtcdError(e.Store().Config(), err))
							return
						}
						ttls[it.Lease] = ttl
					}
					k.meta.ttl = ttl
				}
			}
			if !yield(k, nil) {
				return
			}
		}
	}
}

// jsonString is text as a JSON string, as the store shows a value that is
// not JSON: bytes that are not UTF-8 become U+FFFD.
func jsonString(text []byte) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(text))
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
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
	var tlsErr *etcdstore.TLSError
	switch {
	case errors.As(err, &tlsErr):
		// Trying again will not cure it.
		return describeTLSError(tlsErr)
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

// describeTLSError says what went wrong with TLS, and which flag may
// cure it.
func describeTLSError(e *etcdstore.TLSError) error {
	var verify *tls.CertificateVerificationError
	switch {
	case e.ServesTLS:
		return fmt.Errorf("etcd at %s serves TLS, and kvstore spoke plain text to it: give --%s FILE "+
			"(or https://%s, or --%s=false to trust the system's CAs)", e.Endpoint, flagCACert,
			strings.TrimPrefix(e.Endpoint, "http://"), flagInsecureTransport)
	case e.PlainText:
		return fmt.Errorf("etcd at %s closed the TLS handshake, as a member without TLS does: leave out --%s, --%s "+
			"and --%s, or write http://%s", e.Endpoint, flagCACert, flagCert, flagKey, e.Endpoint)
	case errors.As(e.Err, &verify):
		return fmt.Errorf("etcd at %s: its TLS certificate is not trusted (%v): give --%s with the CA that signed it",
			e.Endpoint, verify.Err, flagCACert)
	case strings.Contains(e.Err.Error(), "certificate required"):
		return fmt.Errorf("etcd at %s requires a TLS client certificate (%v): give --%s FILE and --%s FILE",
			e.Endpoint, e.Err, flagCert, flagKey)
	}
	return fmt.Errorf("etcd at %s: TLS handshake failed: %v", e.Endpoint, e.Err)
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
