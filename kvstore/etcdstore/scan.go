package etcdstore

import (
	"context"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// scan reads the keys in [from, end) at one revision, with their values
// unless keysOnly, and calls each for each in key order until it returns
// false. It returns the revision it read at, or 0 when each stopped it.
//
// It streams the range in one request where the cluster can (etcd 3.7's
// RangeStream): a range read in pages costs the server a count of the
// rest of the range for every page, so reading n keys in pages takes time
// in proportion to n squared, minutes for a million keys. Where the
// cluster cannot stream, it reads pages of cfg.PageSize.
func (s *Store) scan(ctx context.Context, from, end string, keysOnly bool, each func(*mvccpb.KeyValue) bool) (int64, error) {
	rev, streamed, err := s.stream(ctx, from, end, keysOnly, each)
	if streamed {
		return rev, err
	}
	return s.pages(ctx, from, end, keysOnly, each)
}

// stream is scan by RangeStream. streamed is false, and nothing was
// read, when the cluster does not know RangeStream.
func (s *Store) stream(ctx context.Context, from, end string, keysOnly bool, each func(*mvccpb.KeyValue) bool) (rev int64, streamed bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithRange(end)}
	if keysOnly {
		opts = append(opts, clientv3.WithKeysOnly())
	}
	chunks, err := s.cli.GetStream(ctx, from, opts...)
	if err != nil {
		return 0, !unimplemented(err), rpctypes.Error(err)
	}
	defer func() {
		// The client's reader tells its last error on the channel, and
		// ends only once that is taken.
		cancel()
		for range chunks {
		}
	}()
	first := true
	for chunk := range chunks {
		if err := chunk.Err(); err != nil {
			if first && unimplemented(err) {
				return 0, false, nil
			}
			return 0, true, rpctypes.Error(err)
		}
		first = false
		for _, kv := range chunk.Kvs {
			if !each(kv) {
				return 0, true, nil
			}
		}
		if chunk.Header != nil {
			rev = chunk.Header.Revision
		}
	}
	return rev, true, nil
}

func unimplemented(err error) bool { return status.Code(err) == codes.Unimplemented }

// pages is scan by ranges of cfg.PageSize keys, all at the revision of
// the first.
func (s *Store) pages(ctx context.Context, from, end string, keysOnly bool, each func(*mvccpb.KeyValue) bool) (int64, error) {
	var rev int64
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(int64(s.cfg.PageSize))}
		if keysOnly {
			opts = append(opts, clientv3.WithKeysOnly())
		}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(ctx, from, opts...)
		if err != nil {
			return 0, err
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			if !each(kv) {
				return 0, nil
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return rev, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}
