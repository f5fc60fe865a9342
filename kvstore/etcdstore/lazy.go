package etcdstore

import (
	"context"
	"fmt"
	"iter"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Reads of a Lazy Store: the keys asked for, in one round trip per
// MaxApply of them, and listings in pages.

// load reads keys from etcd, all at one revision, into the view: a key
// etcd does not hold leaves the view.
func (s *Store) load(ctx context.Context, keys []string) error {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	var rev int64
	for len(keys) > 0 {
		n := min(len(keys), MaxApply)
		ops := make([]clientv3.Op, n)
		for i, k := range keys[:n] {
			var opts []clientv3.OpOption
			if rev != 0 {
				opts = append(opts, clientv3.WithRev(rev))
			}
			ops[i] = clientv3.OpGet(s.cfg.Prefix+k, opts...)
		}
		resp, err := s.cli.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			return fmt.Errorf("etcdstore: read %q: %w", keys[0], err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		s.mu.Lock()
		for i, k := range keys[:n] {
			kvs := resp.Responses[i].GetResponseRange().GetKvs()
			if len(kvs) == 0 {
				s.view.Delete(k)
			} else {
				s.view.Set(k, entryOf(kvs[0].Value, kvs[0].ModRevision, kvs[0].Lease))
			}
		}
		s.rev = max(s.rev, rev)
		s.mu.Unlock()
		keys = keys[n:]
	}
	return nil
}

// listing yields the keys under the Store's prefix that start with
// prefix, with their values unless keysOnly, all at one revision (see
// scan). It stops at the first error, which *err then holds.
func (s *Store) listing(prefix string, keysOnly bool, err *error) iter.Seq2[string, entry] {
	return func(yield func(string, entry) bool) {
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.OpTimeout)
		defer cancel()
		from := s.cfg.Prefix + prefix
		end := clientv3.GetPrefixRangeEnd(from)
		if from == "" {
			from, end = "\x00", "\x00"
		}
		_, e := s.scan(ctx, from, end, keysOnly, func(kv *mvccpb.KeyValue) bool {
			key := string(kv.Key[len(s.cfg.Prefix):])
			if keysOnly {
				return yield(key, entry{rev: kv.ModRevision, lease: kv.Lease})
			}
			return yield(key, entryOf(kv.Value, kv.ModRevision, kv.Lease))
		})
		if e != nil {
			*err = fmt.Errorf("etcdstore: list %s%s: %w", s.cfg.Prefix, prefix, e)
		}
	}
}
