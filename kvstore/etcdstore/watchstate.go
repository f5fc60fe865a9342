package etcdstore

import (
	"errors"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// How a Backend hears of other clients: the notices of the Store's watch,
// taken at each call of Changed, and the state of that watch.

// Changed reports whether other clients changed the prefix since the last
// call: it takes every notice the Store has queued, without waiting. A
// notice that the watch was lost changes nothing yet, but Watch tells it;
// the one that the prefix was read again counts as a change, since any
// key may have changed meanwhile. When it finds a change, the keys with no
// pending change show the prefix as the Store's view holds it now.
func (b *Backend) Changed() (changed bool, err error) {
	defer func() {
		if changed {
			shown := b.store.snapshot()
			b.mu.Lock()
			b.shown = shown
			b.mu.Unlock()
		}
	}()
	for {
		select {
		case c, ok := <-b.store.Changes():
			if !ok {
				return changed, nil
			}
			b.mu.Lock()
			switch c.Kind {
			case ChangeWatchLost:
				b.watch.Lost = true
				b.watch.Reason = watchLostReason(c.Err)
			case ChangeReloaded:
				changed = true
				if b.watch.Lost {
					b.watch.Lost, b.watch.Recovered = false, true
				}
			default:
				changed = true
			}
			b.mu.Unlock()
		default:
			return changed, nil
		}
	}
}

// Watch reports whether the watch is lost, and whether the prefix was read
// again after a loss since the last call.
func (b *Backend) Watch() kvstore.WatchState {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.watch
	b.watch.Recovered = false
	return w
}

// watchLostReason says in a few words why the watch was lost, or nothing
// when the error is too long for a status bar.
func watchLostReason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, rpctypes.ErrCompacted):
		return "revision compacted"
	case errors.Is(err, rpctypes.ErrNoLeader):
		return "no leader"
	case errors.Is(err, errUnreachable):
		return "cluster unreachable"
	}
	// A gRPC status, as such or as text, says "rpc error: code = … desc =
	// …"; the desc is what matters.
	msg := rpctypes.ErrorDesc(err)
	if _, desc, ok := strings.Cut(msg, " desc = "); ok {
		msg = desc
	}
	msg = strings.TrimPrefix(msg, "etcdserver: ")
	if len(msg) > maxReason {
		return ""
	}
	return msg
}

// maxReason is the longest reason for a lost watch Watch gives.
const maxReason = 40
