package kvstore

import "time"

// compactIdle is how long the journal must see no appends before the
// background compaction folds it into the data file. It and minCompactBytes
// are variables only so that the power-loss test can make compactions
// frequent.
var compactIdle = time.Second

// minCompactBytes is the journal size below which compaction waits for a
// pause in writes, however small the data file.
var minCompactBytes int64 = 1 << 20

// runSaver is the background goroutine: it saves pending changes every
// interval (retrying failed saves), and compacts the journal when it grows
// large or when appends pause. It does nothing while nothing changes.
func (s *KVStore) runSaver(interval time.Duration) {
	defer s.saver.Done()
	compactIdle := compactIdle
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	idle := time.NewTimer(compactIdle)
	idle.Stop()
	idleArmed := false
	for {
		select {
		case <-s.stop:
			idle.Stop()
			return
		case <-tick:
			if s.Dirty() {
				s.flush(FlushPeriodic, false)
			}
		case <-s.kick:
			if s.journalBytes() >= max(s.compactBytes, s.lastSize.Load()) {
				s.flush(FlushCompact, false)
			} else if !idleArmed {
				idle.Reset(compactIdle)
				idleArmed = true
				s.idleArmed.Store(true)
			}
		case <-idle.C:
			// Cleared before lastAppend is read: an append that saw the
			// timer armed, and so did not kick, stored its time before
			// this, and is seen below.
			idleArmed = false
			s.idleArmed.Store(false)
			if wait := compactIdle - time.Since(time.Unix(0, s.lastAppend.Load())); wait > 0 {
				idle.Reset(wait)
				idleArmed = true
				s.idleArmed.Store(true)
			} else {
				s.flush(FlushCompact, false)
			}
		}
	}
}

func (s *KVStore) flush(reason FlushReason, force bool) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	return s.flushLocked(reason, force)
}

// journalBytes is the size of the active journal.
func (s *KVStore) journalBytes() int64 {
	s.journal.mu.Lock()
	defer s.journal.mu.Unlock()
	return s.journal.size
}
