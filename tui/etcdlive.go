package tui

import (
	"errors"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// How the etcd source hears of other clients: the notices of the store's
// watch, taken at each refresh, and the state of that watch.

// Changed reports whether other clients changed the prefix since the last
// call: it takes every notice the store has queued, without waiting. A
// notice that the watch was lost changes nothing yet, but Watch tells it;
// the one that the prefix was read again counts as a change, since any
// key may have changed meanwhile.
func (s *etcdSource) Changed() (bool, error) {
	changed := false
	for {
		select {
		case c, ok := <-s.store.Changes():
			if !ok {
				return changed, nil
			}
			s.mu.Lock()
			switch c.Kind {
			case etcdstore.ChangeWatchLost:
				s.watch.lost = true
				s.watch.reason = watchLostReason(c.Err)
			case etcdstore.ChangeReloaded:
				changed = true
				if s.watch.lost {
					s.watch.lost, s.watch.recovered = false, true
				}
			default:
				changed = true
			}
			s.mu.Unlock()
		default:
			return changed, nil
		}
	}
}

// Watch reports whether the watch is lost, and whether the prefix was read
// again after a loss since the last call.
func (s *etcdSource) Watch() watchState {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.watch
	s.watch.recovered = false
	return w
}

// watchLostReason says in a few words why the watch was lost, or nothing
// when the error is too long for the status bar.
func watchLostReason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, rpctypes.ErrCompacted):
		return "revision compacted"
	case errors.Is(err, rpctypes.ErrNoLeader):
		return "no leader"
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

// maxReason is the longest reason for a lost watch the status bar shows.
const maxReason = 40
