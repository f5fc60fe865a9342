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
	got, rev, err := s.fetch(ctx, keys)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if e, ok := got[k]; ok {
			s.view.Set(k, e)
		} else {
			s.view.Delete(k)
		}
	}
	s.rev = max(s.rev, rev)
	return nil
}

// fetch reads the values of keys from etcd, all at one revision, in one
// round trip per MaxApply of them, and returns those etcd holds and the
// revision read at. It leaves the view alone.
func (s *Store) fetch(ctx context.Context, keys []string) (map[string]entry, int64, error) {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	got := make(map[string]entry, len(keys))
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
			return nil, 0, fmt.Errorf("etcdstore: read %q: %w", keys[0], err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for i, k := range keys[:n] {
			if kvs := resp.Responses[i].GetResponseRange().GetKvs(); len(kvs) > 0 {
				got[k] = entryOf(kvs[0].Value, kvs[0].ModRevision, kvs[0].Lease)
			}
		}
		keys = keys[n:]
	}
	return got, rev, nil
}

// valued returns key's entry with its value: from the view, or on a
// KeysOnly Store, whose view holds none, from etcd.
func (s *Store) valued(key string) (entry, bool) {
	e, ok := s.lookup(key)
	if !ok || !e.lazy {
		return e, ok
	}
	got, _, err := s.fetch(context.Background(), []string{key})
	if err != nil {
		return entry{}, false
	}
	e, ok = got[key]
	return e, ok
}

// listing yields the keys under the Store's prefix that start with
// prefix, with their values unless keysOnly, all at one revision (see
// scan). It stops at the first error, which *err then holds.
func (s *Store) listing(prefix string, keysOnly bool, err *error) iter.Seq2[string, entry] {
	return s.listingCtx(s.ctx, true, prefix, keysOnly, err)
}

// listingCtx is listing bounded by ctx, and by OpTimeout only if bounded
// is set: a scan of every value may take longer than one request.
func (s *Store) listingCtx(ctx context.Context, bounded bool, prefix string, keysOnly bool, err *error) iter.Seq2[string, entry] {
	return func(yield func(string, entry) bool) {
		var cancel context.CancelFunc
		if bounded {
			ctx, cancel = context.WithTimeout(ctx, s.cfg.OpTimeout)
		} else {
			ctx, cancel = context.WithCancel(ctx)
			stop := context.AfterFunc(s.ctx, cancel)
			defer stop()
		}
		defer cancel()
		from := s.cfg.Prefix + prefix
		end := clientv3.GetPrefixRangeEnd(from)
		if from == "" {
			from, end = "\x00", "\x00"
		}
		_, e := s.scan(ctx, from, end, keysOnly, func(kv *mvccpb.KeyValue) bool {
			key := string(kv.Key[len(s.cfg.Prefix):])
			if keysOnly {
				return yield(key, lazyEntry(kv.ModRevision, kv.Lease))
			}
			return yield(key, entryOf(kv.Value, kv.ModRevision, kv.Lease))
		})
		if e != nil {
			*err = fmt.Errorf("etcdstore: list %s%s: %w", s.cfg.Prefix, prefix, e)
		}
	}
}
