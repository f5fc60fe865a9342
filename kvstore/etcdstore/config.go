package etcdstore

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
)

// Config says which cluster and key prefix to open. The zero value of each
// optional field means its default.
type Config struct {
	// Endpoints are the cluster members' client addresses, such as
	// "127.0.0.1:2379" or "https://etcd-1:2379". At least one is required.
	Endpoints []string
	// Prefix is the key prefix as etcd stores it, leading slash included
	// if the keys have one: "/app/" opens the keys that begin with "/app/".
	// The store shows and takes keys without it. Empty means every key.
	Prefix string

	// DialTimeout bounds connecting (and authenticating) to the cluster.
	// Zero means 5 seconds.
	DialTimeout time.Duration
	// OpTimeout bounds each call of the methods that take no context
	// (those of kvstore.Store), the initial read when Open's context has no
	// deadline, and each attempt to read everything again after the watch
	// is lost. Zero means 10 seconds.
	OpTimeout time.Duration
	// PageSize is how many keys each request of a full read fetches, so
	// that a large prefix never needs one huge response. Zero means 1000.
	PageSize int

	// CACert is a PEM file of the certificate authorities that signed the
	// servers' certificates, for TLS. Empty means the system's roots when
	// Cert is set, and no TLS otherwise.
	CACert string
	// Cert and Key are the PEM files of a client certificate and its key,
	// for servers that require one. Both or neither.
	Cert, Key string
	// TLS makes the connection TLS even when none of CACert, Cert and Key
	// is set, verifying the servers with the system's roots, as etcdctl
	// --insecure-transport=false does. An endpoint written https://
	// always uses TLS, and one written http:// never does.
	TLS bool
	// InsecureSkipVerify accepts any certificate a server presents, over a
	// TLS connection: for a test cluster whose CA is not at hand, as
	// etcdctl --insecure-skip-tls-verify.
	InsecureSkipVerify bool

	// Username and Password authenticate with etcd's own user database.
	// Empty Username means no authentication.
	Username, Password string

	// Lazy makes Open read nothing and start no watch: the view holds only
	// the keys a Backend's Load read, and a Backend's Keys and Prefix list
	// the prefix from etcd, in pages, when asked. A short-lived task, such
	// as one command, then costs what it reads: one round trip for a key,
	// whatever the prefix holds. The view is not kept live.
	Lazy bool

	// MaxTxnOps and MaxRequestBytes are the cluster's limits on one
	// transaction, as its members were started with (--max-txn-ops,
	// --max-request-bytes): writes are checked against them before they are
	// sent, and waiting writes are split to fit. Zero means etcd's defaults,
	// 128 operations and 1.5 MiB.
	MaxTxnOps, MaxRequestBytes int

	// KeysOnly makes Open list the keys without their values (one
	// keys-only read, streamed or in pages) and keeps that list live with
	// the watch, which then keeps no values either. A Backend on such a
	// Store reads a value when it is asked for, keeps the recent ones
	// (kvstore.ValueLoader), and reads every value in pages only for a
	// scan: its memory is the key list plus what was shown lately, as a
	// terminal UI on a large prefix needs. The listed keys are kept
	// packed, each its bytes and 6 to 12 bytes of position and revision
	// beside them, with no allocation per key; what changes later is kept
	// apart until it is merged in. The Store's own Get, GetRaw
	// and Item read the value from etcd on each call. Lazy takes
	// precedence.
	KeysOnly bool

	// ReadOnly makes every write return kvstore.ErrReadOnly. The view is
	// still read and kept live.
	ReadOnly bool

	// Validate, when set, is asked about every JSON value before a write
	// sends or stages it, as kvstore.Options.Validate is for the file
	// store: Set, SetRaw and SetIf pass the key and the compact JSON, and
	// Rename the new key and the value it moves. A non-nil error refuses
	// the write, which returns it wrapped. Values other clients wrote, and
	// bytes that are not JSON (a Backend's SetBytes), are not checked.
	Validate func(key string, raw []byte) error
}

// validate asks cfg.Validate about raw, to be stored under key by op.
func (c *Config) validate(op, key string, raw []byte) error {
	if c.Validate == nil {
		return nil
	}
	if err := c.Validate(key, raw); err != nil {
		return fmt.Errorf("etcdstore: %s %q: %w", op, key, err)
	}
	return nil
}

const (
	defaultDialTimeout = 5 * time.Second
	defaultOpTimeout   = 10 * time.Second
	defaultPageSize    = 1000
)

func (c Config) withDefaults() Config {
	if c.DialTimeout <= 0 {
		c.DialTimeout = defaultDialTimeout
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = defaultOpTimeout
	}
	if c.PageSize <= 0 {
		c.PageSize = defaultPageSize
	}
	return c
}

// isHTTPS reports whether an endpoint is written https://.
func isHTTPS(endpoint string) bool { return strings.HasPrefix(endpoint, "https://") }

// tlsConfig returns the TLS settings, or nil when the connections are
// plain: etcd serves TLS only when asked to, so none of the files set, no
// TLS and no https:// endpoint means none wanted. An endpoint written
// http:// stays plain whatever it returns (clientv3 drops TLS for it).
func (c Config) tlsConfig() (*tls.Config, error) {
	if c.CACert == "" && c.Cert == "" && c.Key == "" {
		if !c.TLS && !slices.ContainsFunc(c.Endpoints, isHTTPS) {
			return nil, nil
		}
		return &tls.Config{InsecureSkipVerify: c.InsecureSkipVerify}, nil
	}
	if (c.Cert == "") != (c.Key == "") {
		return nil, errors.New("etcdstore: Cert and Key must be given together")
	}
	info := transport.TLSInfo{CertFile: c.Cert, KeyFile: c.Key, TrustedCAFile: c.CACert}
	cfg, err := info.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("etcdstore: TLS: %w", err)
	}
	cfg.InsecureSkipVerify = c.InsecureSkipVerify
	return cfg, nil
}
