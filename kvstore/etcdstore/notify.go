package etcdstore

import "github.com/kvstore-dev/kvstore/kvstore"

// ChangeKind says what a Change reports.
type ChangeKind int

const (
	// ChangePut is a key created or changed by another client.
	ChangePut ChangeKind = iota + 1
	// ChangeDelete is a key deleted by another client.
	ChangeDelete
	// ChangeWatchLost says the watch that keeps the view live has ended
	// (the cluster lost its leader or became unreachable, or the revision
	// to resume from was compacted). Err says why. The view stays as it was
	// until a ChangeReloaded follows; the store keeps trying until Close.
	ChangeWatchLost
	// ChangeReloaded says the view was read again in full after the watch
	// was lost, and is live again from Revision. Changes made meanwhile are
	// not reported one by one: compare the revisions you hold (Revision)
	// with the view's.
	ChangeReloaded
)

// String returns the kind in lower case: "put", "delete", "watch lost" or
// "reloaded".
func (k ChangeKind) String() string {
	switch k {
	case ChangePut:
		return "put"
	case ChangeDelete:
		return "delete"
	case ChangeWatchLost:
		return "watch lost"
	case ChangeReloaded:
		return "reloaded"
	}
	return "unknown"
}

// Change reports something that changed the view other than this Store's
// own writes: another client's write, or the watch being lost and the view
// read again.
type Change struct {
	Kind ChangeKind
	// Key is the key changed, without the prefix; empty for
	// ChangeWatchLost and ChangeReloaded.
	Key string
	// Revision is the etcd revision of the change, or for ChangeReloaded
	// the revision the view was read at.
	Revision int64
	// Err is why the watch was lost, for ChangeWatchLost.
	Err error
}

// Buffers for slow readers; beyond them the oldest notice is dropped.
const (
	eventBuffer  = 16
	changeBuffer = 64
)

// emit delivers ev without blocking the writer, dropping the oldest
// waiting event when the buffer is full, so a slow reader misses
// intermediate events but always receives the latest.
func (s *Store) emit(ev kvstore.FlushEvent) {
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	if s.emitDone {
		return
	}
	sendLatest(s.events, ev)
}

// notify delivers c like emit delivers events.
func (s *Store) notify(c Change) {
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	if s.emitDone {
		return
	}
	sendLatest(s.changes, c)
}

func sendLatest[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}
