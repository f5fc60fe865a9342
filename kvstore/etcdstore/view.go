package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errWatchEnded is why the watch was lost when its channel closed without
// saying why.
var errWatchEnded = errors.New("etcdstore: watch ended")

// span returns the first key and the range end that cover the prefix.
// etcd has no empty key, so the whole keyspace starts at "\x00".
func (s *Store) span() (start, end string) {
	if s.cfg.Prefix == "" {
		return "\x00", "\x00"
	}
	return s.cfg.Prefix, clientv3.GetPrefixRangeEnd(s.cfg.Prefix)
}

// readAll reads every key under the prefix at one revision (see scan),
// without the values on a KeysOnly Store, so
// the result is one consistent snapshot however many requests it takes. It
// starts over if that revision is compacted before the read ends.
//
// A KeysOnly Store's keys go in one packed base (see keyView), without an
// allocation per key.
func (s *Store) readAll(ctx context.Context) (*keyView, int64, error) {
	for {
		from, end := s.span()
		keysOnly := s.cfg.KeysOnly
		var kb keyBuilder
		view := newKeyView(false)
		rev, err := s.scan(ctx, from, end, keysOnly, func(kv *mvccpb.KeyValue) bool {
			key := kv.Key[len(s.cfg.Prefix):]
			switch {
			case keysOnly && kv.Lease == 0:
				addKey(&kb, key, kv.ModRevision)
			case keysOnly:
				// A base holds no leases.
				kb.refused = append(kb.refused, refusedKey{string(key), kv.ModRevision, kv.Lease})
			default:
				view.Set(string(key), entryOf(kv.Value, kv.ModRevision, kv.Lease))
			}
			return true
		})
		if errors.Is(err, rpctypes.ErrCompacted) && ctx.Err() == nil {
			continue
		}
		if keysOnly {
			view = viewOf(&kb)
		}
		return view, rev, err
	}
}

// watch keeps the view live until Close: it follows one watch on the
// prefix, and when that ends it reads everything again and follows anew
// from there.
func (s *Store) watch() {
	defer close(s.done)
	for {
		err := s.follow()
		if s.ctx.Err() != nil {
			return
		}
		s.notify(Change{Kind: ChangeWatchLost, Err: err})
		if !s.reload() {
			return
		}
	}
}

// follow applies the events of one watch from the view's revision on, and
// returns why it ended. The watch requires a leader, so a member cut off
// from the quorum ends it instead of serving a stale view silently. A
// member that is gone altogether (stopped, or the network to it cut) ends
// nothing by itself, since the client keeps reconnecting the watch: while
// the watch is quiet, probe asks the cluster a cheap question now and then,
// and a question left unanswered ends the watch too.
func (s *Store) follow() error {
	ctx, cancel := context.WithCancelCause(clientv3.WithRequireLeader(s.ctx))
	heard := make(chan struct{}, 1)
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		s.probe(ctx, heard, cancel)
	}()
	defer func() {
		cancel(nil)
		<-probed
	}()
	s.mu.RLock()
	from := s.rev + 1
	s.mu.RUnlock()
	start, end := s.span()
	for resp := range s.cli.Watch(ctx, start, clientv3.WithRange(end), clientv3.WithRev(from)) {
		select {
		case heard <- struct{}{}:
		default:
		}
		if err := resp.Err(); err != nil {
			return err
		}
		if resp.Canceled {
			break
		}
		s.apply(resp.Events)
	}
	if cause := context.Cause(ctx); errors.Is(cause, errUnreachable) {
		return cause
	}
	return errWatchEnded
}

// errUnreachable is why the watch was lost when the cluster stopped
// answering.
var errUnreachable = errors.New("etcdstore: cluster unreachable")

// How often the watch checks that the cluster answers while it is quiet,
// and how long an answer may take: together they bound how long a view
// from a cluster that is gone passes for live.
const (
	probeEvery = time.Second
	probeWait  = 2 * time.Second
)

// probe reads one key of the prefix, linearizably and without its value,
// every probeEvery in which the watch delivered nothing (heard), and ends
// the watch with errUnreachable when the cluster does not answer within
// probeWait or says it cannot. Other errors (a permission revoked) are left
// to the watch, which reports them itself. probe returns when ctx ends.
func (s *Store) probe(ctx context.Context, heard <-chan struct{}, end context.CancelCauseFunc) {
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	key, _ := s.span()
	for {
		select {
		case <-ctx.Done():
			return
		case <-heard:
			tick.Reset(probeEvery)
			continue
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, probeWait)
		_, err := s.cli.Get(pctx, key, clientv3.WithCountOnly())
		cancel()
		if ctx.Err() != nil {
			return
		}
		if unanswered(err) {
			end(fmt.Errorf("%w: %w", errUnreachable, err))
			return
		}
	}
}

// unanswered reports whether err says the cluster did not answer: the
// request ran out of time, or no member could be reached, or none could
// serve it.
func unanswered(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return errors.Is(err, rpctypes.ErrNoLeader) || errors.Is(err, rpctypes.ErrTimeout) ||
		errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail) || errors.Is(err, rpctypes.ErrTimeoutDueToConnectionLost)
}

// apply puts a batch of watch events into the view, in revision order.
func (s *Store) apply(events []*clientv3.Event) {
	if len(events) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range events {
		key := string(ev.Kv.Key[len(s.cfg.Prefix):])
		c := Change{Kind: ChangePut, Key: key, Revision: ev.Kv.ModRevision}
		if ev.Type == mvccpb.DELETE {
			c.Kind = ChangeDelete
			s.view.Delete(key)
		} else if s.cfg.KeysOnly {
			// The event carries the value, but keeping every value that
			// changes would grow without bound: a Backend reads the ones
			// it shows.
			s.view.Set(key, lazyEntry(ev.Kv.ModRevision, ev.Kv.Lease))
		} else {
			s.view.Set(key, entryOf(ev.Kv.Value, ev.Kv.ModRevision, ev.Kv.Lease))
		}
		s.writes.seen(c)
		s.rev = ev.Kv.ModRevision
	}
	s.advanceLocked()
}

// reload reads everything again until it succeeds, backing off between
// attempts, and installs the result. It returns false if Close came first.
func (s *Store) reload() bool {
	wait := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.OpTimeout)
		view, rev, err := s.readAll(ctx)
		cancel()
		if err == nil {
			s.mu.Lock()
			s.view, s.rev = view, rev
			s.advanceLocked()
			s.mu.Unlock()
			s.notify(Change{Kind: ChangeReloaded, Revision: rev})
			return true
		}
		select {
		case <-s.ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// advanceLocked wakes the writers waiting for the view to reach their
// write, and delivers the notices of other clients' changes that can now be
// told apart from this Store's own writes.
func (s *Store) advanceLocked() {
	close(s.advanced)
	s.advanced = make(chan struct{})
	for _, c := range s.writes.settle(s.rev) {
		s.notify(c)
	}
}

// awaitView waits until the view includes revision rev, so that a caller
// reads its own write once the write returns. It gives up when ctx ends
// or the Store closes: the write has committed either way, and the view
// catches up when the watch does.
func (s *Store) awaitView(ctx context.Context, rev int64) {
	for {
		s.mu.RLock()
		reached, ch := s.rev >= rev, s.advanced
		s.mu.RUnlock()
		if reached {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
	}
}

// writeLog tells this Store's writes from other clients' in the watch.
// The watch may deliver a write before the call that made it has its
// response, so a change cannot be judged when it arrives: it is held until
// every write that was in flight then has finished, and is then either
// recognised by its revision as one of ours or reported.
type writeLog struct {
	ticket   uint64              // the last ticket handed to a write
	inflight map[uint64]struct{} // tickets of writes awaiting their response
	own      map[int64]struct{}  // revisions our writes committed at
	held     []heldChange
}

type heldChange struct {
	Change
	stamp uint64 // the last ticket handed out when the change arrived
}

func (w *writeLog) init() {
	w.inflight = map[uint64]struct{}{}
	w.own = map[int64]struct{}{}
}

// begin registers a write about to be sent.
func (w *writeLog) begin() uint64 {
	w.ticket++
	w.inflight[w.ticket] = struct{}{}
	return w.ticket
}

// finish records the end of write t, which committed at revision rev, or
// made no revision (rev 0).
func (w *writeLog) finish(t uint64, rev int64) {
	delete(w.inflight, t)
	if rev != 0 {
		w.own[rev] = struct{}{}
	}
}

// seen holds a change the watch delivered.
func (w *writeLog) seen(c Change) {
	w.held = append(w.held, heldChange{Change: c, stamp: w.ticket})
}

// settle returns the held changes that are now known to be other clients',
// drops those that are ours, and forgets revisions of ours the view has
// passed without the watch showing them (the view was read again).
func (w *writeLog) settle(viewRev int64) []Change {
	oldest := uint64(math.MaxUint64)
	for t := range w.inflight {
		oldest = min(oldest, t)
	}
	var out []Change
	kept := w.held[:0]
	for _, h := range w.held {
		if _, mine := w.own[h.Revision]; mine {
			delete(w.own, h.Revision)
			continue
		}
		if h.stamp < oldest {
			out = append(out, h.Change)
			continue
		}
		kept = append(kept, h)
	}
	clear(w.held[len(kept):])
	w.held = kept
	for rev := range w.own {
		if rev <= viewRev && !w.holds(rev) {
			delete(w.own, rev)
		}
	}
	return out
}

func (w *writeLog) holds(rev int64) bool {
	for _, h := range w.held {
		if h.Revision == rev {
			return true
		}
	}
	return false
}
