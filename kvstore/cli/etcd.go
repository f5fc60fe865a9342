package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

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
