package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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
// that cannot go on (rev compacted away, the cluster without a leader for
// longer than Config.OpTimeout) ends with its error; one ended by a leader
// election, or by a member that does not know the client's auth token
// yet (for as long as the cluster answers other requests, up to
// maxTokenRetries times in a row), resumes after the last change it
// reported, so nothing is missed or told twice. It is a watch of its own, apart from the one that
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
		next := rev         // the revision to resume from; 0: from now
		var since time.Time // when the watch last failed without progress
		tokenRetries := 0   // refusals of a new token since the last progress
		for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
			resumed := next
			err := s.watchKeysOnce(ctx, full, append(opts, clientv3.WithRev(next)), &next, yield)
			switch {
			case err == nil || ctx.Err() != nil || errors.Is(err, errStopped):
				return
			case transientWatchError(err):
				// A leader being elected, or a member that has not yet
				// applied the authentication that issued the client's
				// token: resume where the watch stopped, for up to the
				// operation timeout without progress.
				if next == 0 {
					// Nothing was reported: start where the refused
					// watch would have.
					if h := tokenHeader(err); h > 0 {
						next = h + 1
					}
				}
				if next != resumed || since.IsZero() {
					since, wait, tokenRetries = time.Now(), 50*time.Millisecond, 0
				}
				if invalidToken(err) && tokenRetries < maxTokenRetries && s.answers(ctx, full) {
					// clientv3 authenticates afresh for every new watch
					// stream, and the member that serves the stream may
					// not have applied that new token yet. On a loaded
					// cluster a follower can stay that far behind
					// attempt after attempt, while the cluster itself
					// answers: no outage, so the wait starts again.
					tokenRetries++
					since = time.Now()
				}
				if time.Since(since) < s.cfg.OpTimeout {
					select {
					case <-ctx.Done():
						return
					case <-time.After(wait):
					}
					continue
				}
			}
			yield(KeyEvent{}, fmt.Errorf("etcdstore: watch %s: %w", full, err))
			return
		}
	}
}

// maxTokenRetries bounds how many times in a row WatchKeys opens a new
// watch after one refused for an auth token the member did not know,
// while the cluster answers other requests.
const maxTokenRetries = 20

// invalidToken reports whether err is a member's refusal of the client's
// auth token.
func invalidToken(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.Is(rpctypes.Error(e), rpctypes.ErrInvalidAuthToken) {
			return true
		}
	}
	return false
}

// answers reports whether the cluster answers a read of one key within
// the operation timeout: a unary request, which clientv3 retries with a
// fresh token itself.
func (s *Store) answers(ctx context.Context, key string) bool {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	_, err := s.cli.Get(ctx, key, clientv3.WithKeysOnly())
	return err == nil
}

// errStopped says the consumer of WatchKeys stopped.
var errStopped = errors.New("etcdstore: watch stopped")

// watchKeysOnce runs one watch, yielding its events and recording in next
// the revision after the last one yielded. It returns nil when the watch
// ended with ctx, errStopped when yield asked to stop, or the watch's
// error.
func (s *Store) watchKeysOnce(ctx context.Context, full string, opts []clientv3.OpOption, next *int64, yield func(KeyEvent, error) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for resp := range s.cli.Watch(ctx, full, opts...) {
		if err := resp.Err(); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if resp.CompactRevision != 0 {
				err = fmt.Errorf("%w (the oldest revision etcd keeps is %d)", err, resp.CompactRevision)
			}
			if *next == 0 && resp.Header.Revision > 0 {
				err = &headerError{err: err, rev: resp.Header.Revision}
			}
			return err
		}
		for _, ev := range resp.Events {
			e := KeyEvent{Key: string(ev.Kv.Key[len(s.cfg.Prefix):])}
			if ev.Type == clientv3.EventTypeDelete {
				e.Delete = true
				e.Item.Revision = ev.Kv.ModRevision
			} else {
				e.Item = entryOf(ev.Kv.Value, ev.Kv.ModRevision, ev.Kv.Lease).item()
			}
			*next = ev.Kv.ModRevision + 1
			if !yield(e, nil) {
				return errStopped
			}
		}
	}
	return nil
}

// headerError carries the revision a refused watch's response was sent
// at, for a watch from now to resume from.
type headerError struct {
	err error
	rev int64
}

func (e *headerError) Error() string { return e.err.Error() }
func (e *headerError) Unwrap() error { return e.err }

func tokenHeader(err error) int64 {
	var h *headerError
	if errors.As(err, &h) {
		return h.rev
	}
	return 0
}

// transientWatchError reports whether err ended a watch for a while
// only: the cluster electing a leader, or a member refusing the client's
// auth token because it has not applied the authentication yet.
func transientWatchError(err error) bool {
	for _, e := range []error{rpctypes.ErrNoLeader, rpctypes.ErrLeaderChanged, rpctypes.ErrInvalidAuthToken} {
		if errors.Is(err, e) {
			return true
		}
	}
	switch status.Code(errors.Unwrap(err)) {
	case codes.Unauthenticated, codes.Unavailable:
		return true
	}
	switch status.Code(err) {
	case codes.Unauthenticated, codes.Unavailable:
		return true
	}
	return false
}
