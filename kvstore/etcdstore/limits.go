package etcdstore

import (
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// etcd's defaults for the limits a transaction must keep, which a cluster
// started with --max-txn-ops or --max-request-bytes changes.
const (
	defaultMaxTxnOps       = MaxApply
	defaultMaxRequestBytes = 3 << 19 // 1.5 MiB
)

// opOverhead is what a transaction spends per operation beside its key and
// value (field tags, lengths, the revision a compare names), rounded up;
// txnOverhead is the request's own envelope. The estimate only needs to be
// no smaller than what etcd counts.
const (
	opOverhead  = 32
	txnOverhead = 256
)

// ErrTooLarge is wrapped by the error of a write that etcd would refuse
// for its size: a value larger than one request may be, or, for a Backend
// that must commit its changes together (BackendOptions.Deferred without
// Batch), more changes than one transaction may hold. Nothing was sent.
var ErrTooLarge = errors.New("too large for etcd")

// LimitError says which of etcd's limits a write would break. It wraps
// ErrTooLarge.
type LimitError struct {
	// Key is the key whose write alone is larger than one request may be,
	// or empty when the changes only need more than one transaction.
	Key string
	// Bytes is the size of Key's write, or of all the changes, as etcd
	// counts it (estimated from above: the value, the key, and what the
	// request spends around them).
	Bytes int
	// Changes is the number of changes, and Transactions the number of
	// transactions they take within the limits (0 when Key is set: no
	// number of them would do).
	Changes, Transactions int
	// MaxTxnOps and MaxRequestBytes are the limits assumed (Config).
	MaxTxnOps, MaxRequestBytes int
}

func (e *LimitError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("etcdstore: the write of %q takes %s, more than etcd takes in one request (%s, its --max-request-bytes)",
			e.Key, byteSize(e.Bytes), byteSize(e.MaxRequestBytes))
	}
	return fmt.Sprintf("etcdstore: %d changes (%s) need %d transactions: etcd takes at most %d changes "+
		"(its --max-txn-ops) and %s (its --max-request-bytes) in one",
		e.Changes, byteSize(e.Bytes), e.Transactions, e.MaxTxnOps, byteSize(e.MaxRequestBytes))
}

func (e *LimitError) Unwrap() error { return ErrTooLarge }

// byteSize is n bytes as a person reads it: 900 B, 1.5 KiB, 2.0 MiB.
type byteSize int

func (n byteSize) String() string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", int(n))
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// maxTxnOps and maxRequestBytes are the limits the Config gives, or etcd's
// defaults.
func (c Config) maxTxnOps() int {
	if c.MaxTxnOps > 0 {
		return c.MaxTxnOps
	}
	return defaultMaxTxnOps
}

func (c Config) maxRequestBytes() int {
	if c.MaxRequestBytes > 0 {
		return c.MaxRequestBytes
	}
	return defaultMaxRequestBytes
}

// writeSize estimates, from above, what w costs in a transaction on the
// etcd key full: the put or delete, and the compare and the read of the
// key that a checked write adds. A put that keeps the lease is a nested
// transaction carrying the value twice.
func writeSize(full string, w Write) int {
	n := len(full) + opOverhead
	if !w.Delete {
		n += len(w.Value)
		if w.Lease == KeepLease {
			// A put in each branch, and the compare of the key.
			n = 2*n + len(full) + 2*opOverhead
		}
	}
	if w.Revision != AnyRevision {
		n += 2 * (len(full) + opOverhead)
	}
	return n
}

// fits returns a *LimitError when w alone is more than one request may
// carry.
func (s *Store) fits(w Write) error {
	n := writeSize(s.cfg.Prefix+w.Key, w)
	if n > s.cfg.maxRequestBytes()-txnOverhead {
		return &LimitError{Key: w.Key, Bytes: n, MaxTxnOps: s.cfg.maxTxnOps(), MaxRequestBytes: s.cfg.maxRequestBytes()}
	}
	return nil
}

// batches splits writes, in order, into transactions etcd takes: at most
// the Config's MaxTxnOps writes and MaxRequestBytes each. A write that is
// larger alone is an error, a *LimitError, and nothing is split.
func (s *Store) batches(writes []Write) ([][]Write, error) {
	maxOps, maxBytes := s.cfg.maxTxnOps(), s.cfg.maxRequestBytes()-txnOverhead
	var out [][]Write
	start, size := 0, 0
	for i, w := range writes {
		if err := s.fits(w); err != nil {
			return nil, err
		}
		n := writeSize(s.cfg.Prefix+w.Key, w)
		if i > start && (i-start == maxOps || size+n > maxBytes) {
			out = append(out, writes[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(writes) {
		out = append(out, writes[start:])
	}
	return out, nil
}

// oneTransaction returns a *LimitError when writes need more than one
// transaction.
func (s *Store) oneTransaction(writes []Write) error {
	b, err := s.batches(writes)
	if err != nil || len(b) <= 1 {
		return err
	}
	total := 0
	for _, w := range writes {
		total += writeSize(s.cfg.Prefix+w.Key, w)
	}
	return &LimitError{Bytes: total, Changes: len(writes), Transactions: len(b),
		MaxTxnOps: s.cfg.maxTxnOps(), MaxRequestBytes: s.cfg.maxRequestBytes()}
}

// refusedForSize words etcd's refusal of a transaction for its size or its
// number of operations, which means the cluster's limits are lower than
// the Config says.
func (s *Store) refusedForSize(err error) error {
	switch {
	case errors.Is(err, rpctypes.ErrTooManyOps):
		return fmt.Errorf("%w: %w: the cluster takes fewer than %d changes in one transaction (its --max-txn-ops, Config.MaxTxnOps)",
			err, ErrTooLarge, s.cfg.maxTxnOps())
	case errors.Is(err, rpctypes.ErrRequestTooLarge):
		return fmt.Errorf("%w: %w: the cluster takes less than %s in one request (its --max-request-bytes, Config.MaxRequestBytes)",
			err, ErrTooLarge, byteSize(s.cfg.maxRequestBytes()))
	}
	return err
}
