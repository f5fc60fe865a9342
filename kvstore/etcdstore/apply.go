package etcdstore

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// MaxApply is the most writes one Apply may carry unless Config.MaxTxnOps
// says otherwise: etcd refuses a transaction of more operations than its
// --max-txn-ops, which is 128 unless the cluster was started with another.
const MaxApply = 128

// AnyRevision as a Write's Revision makes the write whatever etcd holds.
const AnyRevision int64 = -1

// KeepLease as a Write's Lease keeps whatever lease etcd holds for the key
// when the write commits (none for a new key), without reading it first:
// what a write that checks no revision needs, since the lease may have
// changed since the key was read.
const KeepLease int64 = -1

// Write is one change of an Apply.
type Write struct {
	// Key is the key without the Store's prefix.
	Key string
	// Value is stored under Key exactly as given, so that bytes another
	// client stored (which may not be JSON) can be moved unchanged; text
	// taken from a user should go through Compact first. Ignored when
	// Delete is set.
	Value []byte
	// Delete removes Key instead.
	Delete bool
	// Lease is the ID of the lease to attach Key to (Item.Lease), 0 for
	// none, or KeepLease. A write that drops a key's lease makes a key
	// that was to expire with its owner permanent.
	Lease int64
	// Revision is the key's revision the caller was shown (Revision,
	// Item), 0 for a key that must not exist, or AnyRevision.
	Revision int64
}

// Compact validates raw as SetRaw does and returns it without
// insignificant white space: invalid text gives an error wrapping a
// *kvstore.SyntaxError with its line and column. It is kvstore.Compact,
// so both stores accept exactly the same values.
func Compact(raw []byte) ([]byte, error) { return kvstore.Compact(raw) }

// Apply makes every write in one transaction, provided that each key's
// revision in etcd is still the one its Write gives. Otherwise it changes
// nothing and returns an error wrapping kvstore.ErrConflict that names a
// key that moved. It returns once the cluster has committed the writes and
// the view shows them, like Set, and what an error means is as for Set. A
// key may appear once; at most Config.MaxTxnOps writes (MaxApply by
// default), and no more bytes than Config.MaxRequestBytes, or it returns a
// *LimitError without sending anything. ctx is used as by SetIf.
// With no writes it sends nothing, and returns kvstore.ErrReadOnly or
// kvstore.ErrClosed if the Store takes no writes.
//
// On success it returns the revision of the transaction, which is the new
// revision of every key it stored: what to pass to the next conditional
// write of those keys without taking a later client's change for one's
// own.
func (s *Store) Apply(ctx context.Context, writes []Write) (int64, error) {
	if len(writes) == 0 {
		return 0, s.writable()
	}
	if len(writes) > s.cfg.maxTxnOps() {
		return 0, fmt.Errorf("etcdstore: apply: %d writes, more than etcd takes in one transaction (%d)", len(writes), s.cfg.maxTxnOps())
	}
	if err := s.oneTransaction(writes); err != nil {
		return 0, err
	}
	var cmps []clientv3.Cmp
	var ops, reads []clientv3.Op
	seen := make(map[string]bool, len(writes))
	size := 0
	for _, w := range writes {
		if seen[w.Key] {
			return 0, fmt.Errorf("etcdstore: apply: key %q given twice", w.Key)
		}
		seen[w.Key] = true
		full := s.cfg.Prefix + w.Key
		if w.Revision != AnyRevision {
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(full), "=", w.Revision))
			reads = append(reads, clientv3.OpGet(full, clientv3.WithKeysOnly()))
		}
		if w.Delete {
			ops = append(ops, clientv3.OpDelete(full))
		} else {
			ops = append(ops, putOp(full, w.Value, w.Lease))
			size += len(w.Value)
		}
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	txn := s.cli.Txn(ctx).If(cmps...).Then(ops...).Else(reads...)
	resp, err := s.commit(ctx, "apply", writes[0].Key, size, txn)
	if err != nil {
		return 0, s.refusedForSize(err)
	}
	if resp.Succeeded {
		return resp.Header.Revision, nil
	}
	// The Else branch read every compared key, in the order compared.
	i := 0
	for _, w := range writes {
		if w.Revision == AnyRevision {
			continue
		}
		if now := modRev(resp.Responses[i].GetResponseRange().GetKvs()); now != w.Revision {
			return 0, conflict("apply", w.Key, w.Revision, now)
		}
		i++
	}
	// Unreachable while compares and reads pair up, but a refusal must never
	// pass for success.
	return 0, fmt.Errorf("etcdstore: apply: %w", kvstore.ErrConflict)
}

// putOp is the operation that stores value under the etcd key full,
// attached to lease (0: none; KeepLease: the one the key has then).
func putOp(full string, value []byte, lease int64) clientv3.Op {
	switch lease {
	case 0:
		return clientv3.OpPut(full, string(value))
	case KeepLease:
		// etcd refuses ignore_lease for a key that does not exist, which
		// then has no lease to keep.
		return clientv3.OpTxn(
			[]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(full), ">", 0)},
			[]clientv3.Op{clientv3.OpPut(full, string(value), clientv3.WithIgnoreLease())},
			[]clientv3.Op{clientv3.OpPut(full, string(value))},
		)
	}
	return clientv3.OpPut(full, string(value), clientv3.WithLease(clientv3.LeaseID(lease)))
}
