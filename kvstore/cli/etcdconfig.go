package cli

// Naming an etcd prefix on the command line: the etcd:// URL, etcdctl's
// connection flags and variables, and the password prompt.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

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
