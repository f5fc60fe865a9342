package kvstore

import "time"

// FlushReason says what started a flush.
type FlushReason int

const (
	// FlushPeriodic is a save by the background saver.
	FlushPeriodic FlushReason = iota + 1
	// FlushAlways is a save made for a write in always-save mode.
	FlushAlways
	// FlushManual is a save requested with Flush or Overwrite.
	FlushManual
	// FlushClose is the final save made by Close.
	FlushClose
	// FlushCompact is a background rewrite of the data file that folds the
	// always-save journal into it.
	FlushCompact
)

// String returns the reason in lower case: "periodic", "always", "manual",
// "close" or "compact".
func (r FlushReason) String() string {
	switch r {
	case FlushPeriodic:
		return "periodic"
	case FlushAlways:
		return "always"
	case FlushManual:
		return "manual"
	case FlushClose:
		return "close"
	case FlushCompact:
		return "compact"
	}
	return "unknown"
}

// FlushEvent reports one completed flush attempt, successful or not.
type FlushEvent struct {
	Time     time.Time     // when the flush finished
	Reason   FlushReason   // what started it
	Keys     int           // number of keys in the store
	Changes  int           // changes this flush made durable
	Bytes    int64         // bytes written: the whole file, or the journal lines appended
	Duration time.Duration // how long the flush took
	Err      error         // nil on success; the changes stay pending otherwise
	// Pending is the number of changes not yet durable when the event was
	// sent, as Pending returns it: a reader learns the store's state from
	// the event alone, without asking again.
	Pending int
}

// eventBuffer is how many events wait for a slow reader before the oldest
// is dropped.
const eventBuffer = 16

// emit fills in ev.Pending and delivers ev without ever blocking the saver:
// when the buffer is full the oldest event is dropped, so a slow reader
// misses intermediate events but always receives the latest.
func (s *KVStore) emit(ev FlushEvent) {
	s.mu.RLock()
	ev.Pending = int(s.seq - s.savedSeq)
	s.mu.RUnlock()
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	for {
		select {
		case s.events <- ev:
			return
		default:
		}
		select {
		case <-s.events:
		default:
		}
	}
}
