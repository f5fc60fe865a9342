package kvstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/tidwall/btree"
)

// compactIdle is how long the journal must see no appends before the
// background compaction folds it into the data file.
const compactIdle = time.Second

// gatherWait bounds how long a journal append waits for the writers of the
// previous batch to queue their next changes (see syncJournal).
const gatherWait = 200 * time.Microsecond

// minCompactBytes is the journal size below which compaction waits for a
// pause in writes, however small the data file.
const minCompactBytes = 1 << 20

// load reads the data file and, in a read-only store, replays the journals a
// writer may have left, so a viewer sees every acknowledged write. A writer
// may compact while a viewer reads; the data file then changes under the
// viewer, which retries until it reads the file and journals of one state.
func (s *KVStore) load() error {
	for attempt := 0; ; attempt++ {
		segmentsBefore, _ := journalSegments(s.fsys, s.path)
		data, index, info, err := loadIndexed(s.fsys, s.path)
		if err != nil {
			return err
		}
		found, err := replayJournals(s.fsys, s.path, data, index)
		if err != nil {
			return err
		}
		if s.opts.ReadOnly && attempt < 10 {
			// A compaction between reading the file and the journals may
			// have removed journal lines that the file read lacks.
			if now, err := s.fsys.Stat(s.path); err == nil && !sameFile(now, info) {
				continue
			}
			// A rotation while reading renames the active journal to a new
			// segment, which this read may have missed under either name.
			if segmentsAfter, _ := journalSegments(s.fsys, s.path); !slices.Equal(segmentsBefore, segmentsAfter) {
				continue
			}
		}
		s.mu.Lock()
		s.data, s.index = data, index
		s.base = data.Copy()
		s.mu.Unlock()
		s.disk = info
		if info != nil {
			s.lastSize.Store(info.Size())
			s.perm.Store(uint32(info.Mode().Perm()))
		}
		s.staleJournal = s.staleJournal || found
		s.rememberLoaded(info)
		return nil
	}
}

// recoverJournal runs at Open: if journals were replayed, the data file is
// behind them, so it is brought up to date at once and the journals removed.
func (s *KVStore) recoverJournal() error {
	gens, err := journalSegments(s.fsys, s.path)
	if err != nil {
		return fmt.Errorf("kvstore: open %s: %w", s.path, err)
	}
	if len(gens) > 0 {
		s.jgen = gens[len(gens)-1]
	}
	if !s.staleJournal {
		return nil
	}
	s.seq, s.savedSeq = 1, 1 // the replayed state is durable, but not in the file
	s.applied.Store(1)
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if err := s.flushLocked(FlushCompact, false); err != nil {
		return fmt.Errorf("kvstore: open %s: fold the journal into the file: %w", s.path, err)
	}
	return nil
}

// runSaver is the background goroutine: it saves pending changes every
// interval (retrying failed saves), and compacts the journal when it grows
// large or when appends pause. It does nothing while nothing changes.
func (s *KVStore) runSaver(interval time.Duration) {
	defer s.saver.Done()
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
			}
		case <-idle.C:
			idleArmed = false
			if wait := compactIdle - time.Since(time.Unix(0, s.lastAppend.Load())); wait > 0 {
				idle.Reset(wait)
				idleArmed = true
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
	s.jmu.Lock()
	defer s.jmu.Unlock()
	return s.activeBytes
}

// discardedLocked reports whether Reload dropped change seq before it was
// saved. The caller holds mu.
func (s *KVStore) discardedLocked(seq uint64) bool {
	for _, r := range s.discards {
		if r.from < seq && seq <= r.to {
			return true
		}
	}
	return false
}

func (s *KVStore) errDiscarded() error {
	return fmt.Errorf("kvstore: save %s: change discarded by Reload before it was saved", s.path)
}

// syncFile returns once change number seq is in the data file, saving the
// whole file if no save has covered it yet.
func (s *KVStore) syncFile(seq uint64) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.RLock()
	saved, lastErr, discarded := s.savedSeq, s.lastErr, s.discardedLocked(seq)
	s.mu.RUnlock()
	switch {
	case discarded:
		return s.errDiscarded()
	case saved >= seq:
		return nil
	case s.released:
		return fmt.Errorf("kvstore: change not saved before Close: %w", lastErr)
	}
	return s.flushLocked(FlushAlways, false)
}

// syncJournal returns once change number seq is durable in the journal.
// One writer at a time is the appender: it takes every pending line, writes
// them with one write and one fsync, and wakes the others, who return at
// once if the batch covered their change. Waiting on a condition rather
// than a mutex matters: with a mutex, writers whose change is already on
// disk would queue one by one behind the next appender instead of going on
// to make their next change in time for its fsync.
func (s *KVStore) syncJournal(seq uint64) error {
	s.mu.Lock()
	for {
		switch {
		case s.discardedLocked(seq):
			s.mu.Unlock()
			return s.errDiscarded()
		case s.savedSeq >= seq:
			s.mu.Unlock()
			return nil
		case s.jbroken || s.closed:
			// After a failed append the journal's tail is in doubt, so
			// durability comes from rewriting the data file instead.
			s.mu.Unlock()
			return s.syncFile(seq)
		}
		if !s.appending {
			break
		}
		s.appended.Wait()
	}
	s.appending = true
	saved := s.savedSeq
	s.mu.Unlock()

	s.jmu.Lock()
	if s.lastBatch > 1 {
		// The last batch came from several writers, who are about to make
		// their next changes: a moment's wait lets one fsync cover them all
		// instead of splitting them over two. The wait watches an atomic
		// copy of seq so as not to contend for mu with those writers.
		deadline := time.Now().Add(gatherWait)
		for s.applied.Load()-saved < s.lastBatch && time.Now().Before(deadline) {
			runtime.Gosched()
		}
	}
	s.mu.Lock()
	batch, upto, prev, keys := s.jpending, s.seq, s.savedSeq, s.data.Len()
	s.jpending = s.jspare[:0]
	s.mu.Unlock()
	s.lastBatch = upto - prev

	start := time.Now()
	err := s.appendJournal(batch)
	end := time.Now()
	s.jspare = batch

	s.mu.Lock()
	if err == nil {
		s.savedSeq = max(s.savedSeq, upto)
		s.lastErr = nil
	} else {
		s.jbroken = true
		s.lastErr = err
	}
	s.appending = false
	s.appended.Broadcast()
	s.mu.Unlock()
	s.emit(FlushEvent{Time: end, Reason: FlushAlways, Keys: keys, Changes: int(upto - prev),
		Bytes: int64(len(batch)), Duration: end.Sub(start), Err: err})
	s.jmu.Unlock()
	if err != nil {
		return err
	}
	s.lastAppend.Store(end.UnixNano())
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// appendJournal writes batch to the active journal and fsyncs it. The
// caller holds jmu.
func (s *KVStore) appendJournal(batch []byte) error {
	jpath := journalPath(s.path)
	if s.jfile == nil {
		f, err := s.fsys.OpenAppend(jpath, os.FileMode(s.perm.Load()))
		if err != nil {
			return fmt.Errorf("kvstore: save %s: open journal: %w", s.path, err)
		}
		// The new journal's directory entry must be durable before any
		// write is acknowledged through it.
		if err := s.fsys.SyncDir(filepath.Dir(s.path)); err != nil {
			f.Close()
			return fmt.Errorf("kvstore: save %s: fsync directory: %w", s.path, err)
		}
		s.jfile = f
		s.journalOpened = true
	}
	_, err := s.jfile.Write(batch)
	if err == nil {
		err = s.jfile.Sync()
	}
	if err != nil {
		s.jfile.Close()
		s.jfile = nil
		return fmt.Errorf("kvstore: save %s: append to journal %s: %w", s.path, jpath, err)
	}
	s.activeBytes += int64(len(batch))
	return nil
}

// rotateJournalLocked closes the active journal and renames it to the next
// segment, so that appends after this instant go to a new journal while the
// data file is rewritten. The caller holds flushMu and jmu.
func (s *KVStore) rotateJournalLocked() error {
	if s.jfile != nil {
		s.jfile.Close()
		s.jfile = nil
	}
	if !s.journalOpened && !s.staleJournal {
		return nil
	}
	next := s.jgen + 1
	err := s.fsys.Rename(journalPath(s.path), segmentPath(s.path, next))
	switch {
	case err == nil:
		s.jgen = next
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("kvstore: save %s: rotate journal: %w", s.path, err)
	}
	s.staleJournal = true
	s.journalOpened = false
	s.activeBytes = 0
	return nil
}

// removeSegments deletes the journal segments up to generation gen, whose
// changes the data file now holds, oldest first. It stops at the first one
// that cannot be removed: the unbroken run of newest segments it leaves is
// harmless to replay over the data file, but an old segment left alone
// behind removed newer ones would bring back values they replaced.
func (s *KVStore) removeSegments(gen int) {
	gens, err := journalSegments(s.fsys, s.path)
	if err != nil {
		return
	}
	for _, g := range gens {
		if g > gen {
			break
		}
		if err := s.fsys.Remove(segmentPath(s.path, g)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	s.staleJournal = false
}

// flushLocked writes the whole state to the data file if the file is behind
// (or unconditionally with force), folding any journal into it, and reports
// the attempt as an event. The caller holds flushMu. With force the file is
// written even if it changed on disk since it was loaded.
func (s *KVStore) flushLocked(reason FlushReason, force bool) error {
	if s.released {
		return ErrClosed
	}
	s.jmu.Lock()
	s.mu.Lock()
	if !force && s.seq == s.fileSeq && !s.journalOpened && !s.staleJournal {
		s.mu.Unlock()
		s.jmu.Unlock()
		return nil
	}
	snap, seq, prev := s.data.Copy(), s.seq, s.savedSeq
	s.mu.Unlock()
	start := time.Now()
	err := s.rotateJournalLocked()
	gen := s.jgen
	s.jmu.Unlock()

	var n int
	if err == nil {
		n, err = s.save(snap, force)
	}
	if err == nil {
		s.base = snap
		if s.staleJournal {
			s.removeSegments(gen)
		}
	}
	end := time.Now()

	s.mu.Lock()
	if err == nil {
		s.fileSeq = seq
		s.savedSeq = max(s.savedSeq, seq)
		s.jbroken = false
	}
	s.lastErr, s.fileErr = err, err
	s.mu.Unlock()
	s.emit(FlushEvent{Time: end, Reason: reason, Keys: snap.Len(), Changes: int(max(seq, prev) - prev),
		Bytes: int64(n), Duration: end.Sub(start), Err: err})
	return err
}

// save writes snap to the data file unless someone else changed the file
// since this store last read or wrote it.
func (s *KVStore) save(snap *btree.Map[string, []byte], force bool) (int, error) {
	cur, err := s.fsys.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cur = nil
	case err != nil:
		return 0, fmt.Errorf("kvstore: save %s: %w", s.path, err)
	}
	if cur != nil && !force && !sameFile(cur, s.disk) {
		return 0, fmt.Errorf("kvstore: save %s: %w (Reload to take the file's content, or Overwrite to replace it)", s.path, ErrConflict)
	}
	perm := os.FileMode(0o644)
	if cur != nil {
		perm = cur.Mode().Perm()
	}
	info, renamed, err := writeFileAtomic(s.fsys, s.path, s.path, func(w io.Writer) error { return writeEncoded(w, snap) }, perm)
	if renamed {
		s.disk = info
		s.lastSize.Store(info.Size())
		s.perm.Store(uint32(perm))
	}
	if err != nil {
		return 0, fmt.Errorf("kvstore: save %s: %w", s.path, err)
	}
	return int(info.Size()), nil
}

// Flush brings the data file up to date now: it saves pending changes and
// folds the always-save journal into the file. It does nothing if the file
// is current. It returns an error wrapping ErrConflict, leaving the changes
// pending, if the file changed on disk since it was loaded.
func (s *KVStore) Flush() error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	return s.flush(FlushManual, false)
}

// Overwrite saves the store's current state even if the file changed on
// disk since it was loaded, replacing what is there. Use it to settle an
// ErrConflict in favour of this store.
func (s *KVStore) Overwrite() error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	return s.flush(FlushManual, true)
}

// Reload replaces the store's content with the data file's, dropping every
// change the file does not hold, including those kept only in the
// always-save journal. Use it to settle an ErrConflict in favour of the
// file, or in a read-only store to see what the writer has saved since. If
// the file cannot be read or parsed the store is left as it was.
func (s *KVStore) Reload() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if s.released {
		return ErrClosed
	}
	if s.opts.ReadOnly {
		return s.load()
	}
	data, index, info, err := loadIndexed(s.fsys, s.path)
	if err != nil {
		return err
	}
	s.jmu.Lock()
	defer s.jmu.Unlock()
	if err := s.rotateJournalLocked(); err != nil {
		return err
	}
	s.removeSegments(s.jgen)
	s.mu.Lock()
	if s.savedSeq < s.seq {
		s.discards = append(s.discards, seqRange{s.savedSeq, s.seq})
	}
	s.data, s.index, s.savedSeq, s.fileSeq = data, index, s.seq, s.seq
	s.base = data.Copy()
	s.lastErr, s.fileErr, s.jbroken = nil, nil, false
	s.jpending = s.jpending[:0]
	s.mu.Unlock()
	s.disk = info
	return nil
}

// rescueLocked runs when Close cannot save because someone changed the file
// on disk. Neither side may be lost and the store is going away, so its
// state goes to a new file beside the data file, named in the returned
// error, for the user to compare and merge; the journal, whose replay at
// the next Open would overwrite the other side's edits, is then removed.
// The caller holds flushMu.
func (s *KVStore) rescueLocked(conflict error) error {
	stamp := time.Now().Format("20060102-150405.000")
	name := fmt.Sprintf("%s.unsaved-%s.json", s.path, stamp)
	// Never replace an earlier rescue made in the same millisecond; the
	// write lock keeps other writers from taking the name meanwhile.
	for n := 2; ; n++ {
		if _, err := s.fsys.Stat(name); err != nil {
			break
		}
		name = fmt.Sprintf("%s.unsaved-%s-%d.json", s.path, stamp, n)
	}
	s.mu.Lock()
	snap := s.data.Copy()
	s.mu.Unlock()
	if _, _, err := writeFileAtomic(s.fsys, s.path, name, func(w io.Writer) error { return writeEncoded(w, snap) }, os.FileMode(s.perm.Load())); err != nil {
		return fmt.Errorf("%w; saving this store's state to %s failed too: %v", conflict, name, err)
	}
	s.jmu.Lock()
	if err := s.rotateJournalLocked(); err == nil {
		s.removeSegments(s.jgen)
	}
	s.jmu.Unlock()
	return fmt.Errorf("%w; this store's state is saved in %s", conflict, name)
}

// Close saves pending changes, folds the journal into the data file, stops
// the background saver, releases the lock and closes the Events channel. It
// returns the final save's error; changes made durable in the journal stay
// there for the next Open even then. If the save fails because the file
// changed on disk (ErrConflict), the store's state is written to a new file
// beside it, named in the error, so that neither side's changes are lost.
// Calling Close again does nothing and returns nil; every other method
// returns ErrClosed (or, for those without an error, an empty result).
func (s *KVStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	close(s.stop)
	s.saver.Wait()

	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	var err error
	if !s.opts.ReadOnly {
		err = s.flushLocked(FlushClose, false)
		if errors.Is(err, ErrConflict) {
			err = s.rescueLocked(err)
		}
	}
	s.released = true
	s.jmu.Lock()
	if s.jfile != nil {
		s.jfile.Close()
		s.jfile = nil
	}
	s.jmu.Unlock()
	if s.unlock != nil {
		if uerr := s.unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("kvstore: close %s: release lock: %w", s.path, uerr)
		}
	}
	s.emitMu.Lock()
	close(s.events)
	s.emitMu.Unlock()
	s.mu.Lock()
	s.data, s.index = new(btree.Map[string, []byte]), map[string][]byte{}
	s.mu.Unlock()
	return err
}

// indexOf builds the lookup map for the entries of m.
func indexOf(m *btree.Map[string, []byte]) map[string][]byte {
	index := make(map[string][]byte, m.Len())
	m.Scan(func(k string, v []byte) bool {
		index[k] = v
		return true
	})
	return index
}
