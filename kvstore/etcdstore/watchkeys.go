package etcdstore

import (
	"context"
	"fmt"
	"iter"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// KeyEvent is one change WatchKeys reports.
type KeyEvent struct {
	// Key is the key without the Store's prefix.
	Key string
	// Delete is set when the key was deleted; Item then has only its
	// Revision.
	Delete bool
	// Item is the key as the change left it: its bytes, and the revision
	// of the change.
	Item Item
}

// WatchKeys reports each change of key, or with prefix of every key that
// starts with it, as etcd commits them, from revision rev on (0: from
// now), until ctx ends, when the sequence ends with no error. A watch
// that cannot go on (rev compacted away, the cluster without a leader)
// ends with its error. It is a watch of its own, apart from the one that
// keeps the Store's view live, and works on a Lazy Store too.
func (s *Store) WatchKeys(ctx context.Context, key string, prefix bool, rev int64) iter.Seq2[KeyEvent, error] {
	return func(yield func(KeyEvent, error) bool) {
		ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		defer cancel()
		full := s.cfg.Prefix + key
		var opts []clientv3.OpOption
		if prefix {
			opts = append(opts, clientv3.WithPrefix())
		}
		if rev > 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		for resp := range s.cli.Watch(ctx, full, opts...) {
			if err := resp.Err(); err != nil {
				if ctx.Err() == nil {
					if resp.CompactRevision != 0 {
						err = fmt.Errorf("%w (the oldest revision etcd keeps is %d)", err, resp.CompactRevision)
					}
					yield(KeyEvent{}, fmt.Errorf("etcdstore: watch %s: %w", full, err))
				}
				return
			}
			for _, ev := range resp.Events {
				e := KeyEvent{Key: string(ev.Kv.Key[len(s.cfg.Prefix):])}
				if ev.Type == clientv3.EventTypeDelete {
					e.Delete = true
					e.Item.Revision = ev.Kv.ModRevision
				} else {
					e.Item = entryOf(ev.Kv.Value, ev.Kv.ModRevision, ev.Kv.Lease).item()
				}
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}
