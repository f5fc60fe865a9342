package kvstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// flushLocked writes the whole state to the data file if the file is behind
// (or unconditionally with force), folding any journal into it, and reports
// the attempt as an event. The caller holds flushMu. With force the file is
// written even if it changed on disk since it was loaded.
func (s *KVStore) flushLocked(reason FlushReason, force bool) error {
	if s.released {
		return ErrClosed
	}
	s.journal.mu.Lock()
	s.mu.Lock()
	if !force && s.seq == s.fileSeq && !s.journal.opened && !s.staleJournal {
		s.mu.Unlock()
		s.journal.mu.Unlock()
		return nil
	}
	snap, seq, prev := s.data.tree.Copy(), s.seq, s.savedSeq
	s.mu.Unlock()
	start := time.Now()
	err := s.rotateJournalLocked()
	gen := s.journal.gen
	s.journal.mu.Unlock()

	var n int
	if err == nil {
		n, err = s.save(snap, force)
	}
	if err == nil {
		s.base = snap
		if s.staleJournal {
			s.removeSegments(gen)
		}
		s.voidJournal = s.voidJournal && s.staleJournal
	}
	end := time.Now()

	s.mu.Lock()
	if err == nil {
		s.fileSeq = seq
		s.savedSeq = max(s.savedSeq, seq)
		s.jbroken = s.voidJournal
	}
	s.lastErr, s.fileErr = err, err
	s.mu.Unlock()
	s.emit(FlushEvent{Time: end, Reason: reason, Keys: snap.Len(), Changes: int(max(seq, prev) - prev),
		Bytes: int64(n), Duration: end.Sub(start), Err: err})
	return err
}

// save writes snap to the data file unless someone else changed the file
// since this store last read or wrote it. The file is checked before the
// save starts, so a conflict costs no writing, and again just before the
// rename, so an edit saved while the new file was being written (which for
// a large store takes a while) is not replaced. What remains is the moment
// between that second look and the rename, a few microseconds, which no
// rename-based save can close: an editor that replaces the file in that
// instant loses to this save, as it would to any other program's.
func (s *KVStore) save(snap *kvTree, force bool) (int, error) {
	cur, err := s.checkDisk(force)
	if err != nil {
		return 0, err
	}
	meta := metaOf(cur)
	meta.mounted = s.mounted
	// The journal must learn the new file's id (recordFiles) if there is
	// a journal, or may be one before the next save; the store keeps it
	// anyway (see onlyMetadataChanged).
	ids, journalIDs := new(idWriter), s.needsIDs(nil)
	src, plan, err := s.openSplice(snap, force)
	if err != nil {
		return 0, err
	}
	closeSrc := func() {
		if src != nil {
			// Before the rename, which some systems refuse over an open file.
			src.Close()
			src = nil
		}
	}
	defer closeSrc()
	var next *fileLayout
	write := func(w io.Writer) (err error) {
		w = io.MultiWriter(w, ids)
		if plan == nil {
			next, err = writeWhole(w, snap, &s.style)
			return err
		}
		defer closeSrc()
		next = plan.next
		return plan.write(w, src)
	}
	beforeRename := func(os.FileInfo) error {
		if journalIDs && !s.voidJournal {
			if err := s.recordFiles(ids.id(), false); err != nil {
				return err
			}
		}
		_, err := s.checkDisk(force)
		return err
	}
	info, renamed, err := writeFileAtomic(s.fsys, s.path, s.path, write, &meta, beforeRename)
	s.mounted = meta.mounted
	if renamed {
		s.disk, s.diskID = info, ids.id()
		s.style.layout = next
		s.lastSize.Store(info.Size())
		s.perm.Store(uint32(sidecarPerm(meta.perm)))
		switch {
		case journalIDs && s.voidJournal:
			// Nothing goes into the void journal; the next new one names
			// this file.
			s.journal.mu.Lock()
			s.journal.accept = []string{ids.id()}
			s.journal.mu.Unlock()
		case journalIDs:
			// With the directory fsync failed, the old file may come back
			// after a power cut, so the record keeps naming it too.
			s.recordFiles(ids.id(), err == nil)
		}
	} else if info != nil {
		// A write in place failed part way: what the file holds now is
		// this store's doing, not someone else's edit, so the next save
		// replaces it rather than report a conflict. Nothing of it can be
		// copied, so that save writes the whole file.
		s.disk, s.diskID = info, ""
		s.style.layout = nil
	}
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return 0, err
		}
		return 0, fmt.Errorf("kvstore: save %s: %w", s.path, err)
	}
	return int(info.Size()), nil
}

// recordFiles notes in the journal which data file it may be replayed over
// from now on (see journal.go). Before a save's rename (placed false) the
// new file id joins the ones already allowed, since a crash may leave
// either; once the new file is in place (placed true) it is the only one.
// The record goes at the end of the newest journal file: the active one, or
// else the newest segment. Before the rename it is made durable, and a
// failure stops the save; after, the next append's fsync covers it. The
// caller holds flushMu.
func (s *KVStore) recordFiles(id string, placed bool) error {
	s.journal.mu.Lock()
	defer s.journal.mu.Unlock()
	ids := []string{id}
	if !placed {
		ids = withID(s.journal.accept, id)
	}
	s.journal.accept = ids
	line := appendFileLine(nil, ids)
	if s.journal.file != nil {
		_, err := s.journal.file.Write(line)
		if err == nil && !placed {
			err = s.journal.file.Sync()
		}
		if err != nil {
			// The journal's tail is in doubt: no more appends to it.
			s.journal.file.Close()
			s.journal.file = nil
			s.mu.Lock()
			s.jbroken = true
			s.mu.Unlock()
			return fmt.Errorf("kvstore: save %s: record the new file in journal %s: %w", s.path, journalPath(s.path), err)
		}
		s.journal.size += int64(len(line))
		return nil
	}
	if placed || !s.staleJournal {
		return nil
	}
	gens, err := journalSegments(s.fsys, s.path)
	if err != nil || len(gens) == 0 {
		return err
	}
	name := segmentPath(s.path, gens[len(gens)-1])
	f, err := s.fsys.OpenAppend(name, os.FileMode(s.perm.Load()))
	if err != nil {
		return fmt.Errorf("kvstore: save %s: record the new file in journal %s: %w", s.path, name, err)
	}
	_, err = f.Write(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("kvstore: save %s: record the new file in journal %s: %w", s.path, name, err)
	}
	return nil
}

// checkDisk looks at the data file before a save writes over it. It returns
// the file's current FileInfo (nil if there is none), or an error wrapping
// ErrConflict if the file is not the one this store last read or wrote:
// edited, replaced or deleted by someone else, or no longer the file that
// the path given to Open leads to (see target.go). With force only that,
// and a file that cannot be replaced at all (a directory), are refused.
// Either way a read-only file is refused unless allowed (ErrReadOnlyFile).
func (s *KVStore) checkDisk(force bool) (os.FileInfo, error) {
	if err := s.checkPath(); err != nil {
		return nil, err
	}
	cur, err := s.fsys.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cur = nil
	case err != nil:
		return nil, fmt.Errorf("kvstore: save %s: %w", s.path, err)
	case cur.IsDir():
		return nil, fmt.Errorf("kvstore: save %s: a directory is in the data file's place", s.path)
	}
	switch {
	case force || sameFile(cur, s.disk) || s.onlyMetadataChanged(cur):
		return cur, s.checkWriteBits(cur)
	case cur == nil:
		return nil, fmt.Errorf("kvstore: save %s: %w: %w (Overwrite to write it again, or Reload to empty the store)", s.path, ErrConflict, ErrDeleted)
	}
	return nil, fmt.Errorf("kvstore: save %s: %w (Reload to take the file's content, or Overwrite to replace it)", s.path, ErrConflict)
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
	df, err := loadIndexed(s.fsys, s.path, true)
	if err != nil {
		return err
	}
	data, index, info, id := df.m, df.index, df.info, df.id
	s.journal.mu.Lock()
	defer s.journal.mu.Unlock()
	if err := s.rotateJournalLocked(); err != nil {
		return err
	}
	s.removeSegments(s.journal.gen)
	// Segments left behind were written against the file as it was, not
	// as Reload takes it.
	s.voidJournal = s.staleJournal
	s.mu.Lock()
	if s.savedSeq < s.seq {
		s.discards = append(s.discards, seqRange{s.savedSeq, s.seq})
	}
	s.data, s.savedSeq, s.fileSeq = entries{data, index}, s.seq, s.seq
	if id != "" {
		s.journal.accept = []string{id}
	}
	s.base = data.Copy()
	s.lastErr, s.fileErr, s.jbroken = nil, nil, s.voidJournal
	s.jpending = s.jpending[:0]
	s.mu.Unlock()
	s.disk, s.diskID, s.style = info, id, df.style
	return nil
}

// rescueLocked runs when Close cannot save because someone changed the file
// on disk. Neither side may be lost and the store is going away, so its
// state goes to a new file beside the data file, named in the returned
// error, for the user to compare and merge; the journal, whose replay at
// the next Open would overwrite the other side's edits, is then removed.
// The caller holds flushMu.
func (s *KVStore) rescueLocked(conflict error) error {
	s.mu.Lock()
	snap := s.data.tree.Copy()
	s.mu.Unlock()
	name, err := s.writeRescue(snap)
	if err != nil {
		return fmt.Errorf("%w; saving this store's state to %s failed too: %v", conflict, name, err)
	}
	s.journal.mu.Lock()
	if err := s.rotateJournalLocked(); err == nil {
		s.removeSegments(s.journal.gen)
	}
	s.journal.mu.Unlock()
	return &RescueError{File: name, Err: conflict}
}

// writeRescue writes snap to a new file beside the data file, named after
// it and the time, and returns the name. The caller holds flushMu.
func (s *KVStore) writeRescue(snap *kvTree) (string, error) {
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
	meta := metaOf(s.disk)
	meta.perm, meta.bestEffort = os.FileMode(s.perm.Load()), true
	meta.mounted = false // the rescue file is new, beside the data file
	_, _, err := writeFileAtomic(s.fsys, s.path, name, func(w io.Writer) error { return writeEncoded(w, snap, &s.style) }, &meta, nil)
	return name, err
}

// releaseLocked closes the journal and releases the lock: what Close does
// once its final save is made, and all that a crash leaves done. The
// caller holds flushMu.
func (s *KVStore) releaseLocked() error {
	s.released = true
	s.journal.mu.Lock()
	if s.journal.file != nil {
		s.journal.file.Close()
		s.journal.file = nil
	}
	s.journal.mu.Unlock()
	if s.unlock == nil {
		return nil
	}
	return s.unlock()
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
	if uerr := s.releaseLocked(); uerr != nil && err == nil {
		err = fmt.Errorf("kvstore: close %s: release lock: %w", s.path, uerr)
	}
	s.emitMu.Lock()
	close(s.events)
	s.emitMu.Unlock()
	s.mu.Lock()
	s.data = newEntries(newKVTree(), nil)
	s.mu.Unlock()
	return err
}
