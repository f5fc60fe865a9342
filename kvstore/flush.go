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
// background compaction folds it into the data file. It and minCompactBytes
// are variables only so that the power-loss test can make compactions
// frequent.
var compactIdle = time.Second

// gatherWait bounds how long a journal append waits for the writers of the
// previous batch to queue their next changes (see syncJournal).
const gatherWait = 200 * time.Microsecond

// minCompactBytes is the journal size below which compaction waits for a
// pause in writes, however small the data file.
var minCompactBytes int64 = 1 << 20

// loadPatience bounds how long a read-only load keeps retrying while a
// writer changes the file and its journals under it.
var loadPatience = 10 * time.Second

// load reads the data file and, in a read-only store, replays the journals a
// writer may have left, so a viewer sees every acknowledged write. A writer
// may compact while a viewer reads; the data file then changes under the
// viewer, which retries until it reads the file and journals of one state.
// A state that fails that check is never installed: after loadPatience of
// retries, with growing pauses that let the writer's compaction finish,
// load gives up with an error and the store keeps what it had.
func (s *KVStore) load() error {
	pause := time.Millisecond
	deadline := time.Now().Add(loadPatience)
	for {
		segmentsBefore, _ := journalSegments(s.fsys, s.path)
		df, err := loadIndexed(s.fsys, s.path, s.needsIDs(segmentsBefore))
		if err != nil {
			return err
		}
		data, index, info, id := df.m, df.index, df.info, df.id
		texts, err := readJournals(s.fsys, s.path)
		if err != nil {
			return err
		}
		if s.opts.ReadOnly && !s.consistentRead(info, segmentsBefore) {
			if time.Now().After(deadline) {
				return fmt.Errorf("kvstore: read %s: the writer kept replacing the file and its journal for %v; try again", s.path, loadPatience)
			}
			time.Sleep(pause)
			pause = min(2*pause, 100*time.Millisecond)
			continue
		}
		var ours *btree.Map[string, []byte]
		if ids, recorded := journalFiles(texts); recorded && !s.opts.ReadOnly && !slices.Contains(ids, id) {
			// The journals were written against a file that is gone:
			// someone replaced it since, and replaying them over theirs
			// would silently undo their edits. The store takes the file;
			// recoverJournal keeps the journals' state apart.
			ours = data.Copy()
			err = replayJournals(texts, ours, map[string][]byte{})
		} else {
			err = replayJournals(texts, data, index)
		}
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.data, s.index = data, index
		s.base = data.Copy()
		s.mu.Unlock()
		s.disk, s.style = info, df.style
		s.journalConflict = ours
		if id != "" {
			s.jmu.Lock()
			s.accept = []string{id}
			s.jmu.Unlock()
		}
		if info != nil {
			s.lastSize.Store(info.Size())
			s.perm.Store(uint32(sidecarPerm(info.Mode())))
		}
		s.staleJournal = s.staleJournal || len(texts) > 0
		return nil
	}
}

// needsIDs reports whether this store must know the data file's content id
// (see fileid.go): a writer that keeps a journal, or that finds one, given
// the journal segments on disk.
func (s *KVStore) needsIDs(segments []int) bool {
	if s.opts.ReadOnly {
		return false
	}
	if s.journaling || s.staleJournal || len(segments) > 0 {
		return true
	}
	_, err := s.fsys.Stat(journalPath(s.path))
	return !errors.Is(err, fs.ErrNotExist)
}

// consistentRead reports whether a read of the data file, described by
// info, and of the journals, whose segments were segmentsBefore when the
// read began, saw one state of the writer's.
func (s *KVStore) consistentRead(info os.FileInfo, segmentsBefore []int) bool {
	// A compaction between reading the file and the journals may have
	// removed journal lines that the file read lacks.
	if now, err := s.fsys.Stat(s.path); err == nil && !sameFile(now, info) || err != nil && info != nil {
		return false
	}
	// A rotation while reading renames the active journal to a new segment,
	// which this read may have missed under either name.
	segmentsAfter, err := journalSegments(s.fsys, s.path)
	return err == nil && slices.Equal(segmentsBefore, segmentsAfter)
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
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if ours := s.journalConflict; ours != nil {
		s.journalConflict = nil
		return s.settleJournalConflict(ours)
	}
	s.seq, s.savedSeq = 1, 1 // the replayed state is durable, but not in the file
	s.applied.Store(1)
	if err := s.flushLocked(FlushCompact, false); err != nil {
		// The journal is intact and holds every change, so the store opens
		// anyway: the failure (a full disk, say) is reported by
		// LastSaveError and an event, and the fold is tried again once the
		// store is idle, at Flush and at Close.
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// settleJournalConflict runs at Open when the journals were written against
// a data file that someone has since replaced. ours is the journals' state:
// the file they were written against is gone, so it is their changes
// replayed over the file now there. Unless that is the file's own content,
// it is written to a rescue file beside the data file, as Close does for a
// conflict, and the store reports ErrConflict naming it. Then the journals
// are removed. If either step fails Open fails, having changed nothing the
// next Open could not redo. The caller holds flushMu.
func (s *KVStore) settleJournalConflict(ours *btree.Map[string, []byte]) error {
	changed := len(diffMaps(s.base, ours)) > 0
	var rescued string
	if changed {
		name, err := s.writeRescue(ours)
		if err != nil {
			return fmt.Errorf("kvstore: open %s: the file was replaced after the changes in its journal were made, and saving them to %s failed: %w", s.path, name, err)
		}
		rescued = name
	}
	s.jmu.Lock()
	err := s.removeJournalsLocked()
	s.jmu.Unlock()
	if err != nil {
		return fmt.Errorf("kvstore: open %s: %w", s.path, err)
	}
	if changed {
		err := fmt.Errorf("kvstore: open %s: %w: the file was replaced after the changes in its journal were made; the store has the file's content, and the journal's state is saved in %s", s.path, ErrConflict, rescued)
		s.mu.Lock()
		s.lastErr, s.fileErr = err, err
		keys := s.data.Len()
		s.mu.Unlock()
		s.emit(FlushEvent{Time: time.Now(), Reason: FlushCompact, Keys: keys, Err: err})
	}
	return nil
}

// removeJournalsLocked removes every journal file, and fails unless all are
// gone: it is used where a journal left behind would be replayed over a
// file it was not written for. The caller holds flushMu and jmu.
func (s *KVStore) removeJournalsLocked() error {
	if err := s.rotateJournalLocked(); err != nil {
		return err
	}
	s.removeSegments(s.jgen)
	gens, err := journalSegments(s.fsys, s.path)
	if err == nil && len(gens) > 0 {
		err = fmt.Errorf("%s could not be removed", segmentPath(s.path, gens[0]))
	}
	if err == nil {
		err = s.fsys.SyncDir(filepath.Dir(s.path))
	}
	if err != nil {
		return fmt.Errorf("remove the journal: %w", err)
	}
	return nil
}

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

// testHookBeforeAppend, set only by tests, runs when a writer has become
// the appender and is about to take the journal lock: the moment at which
// Close or a failed append can overtake it.
var testHookBeforeAppend func()

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

	if testHookBeforeAppend != nil {
		testHookBeforeAppend()
	}
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
	if s.closed || s.jbroken {
		// Close, a failed append or a Merge came between this writer's check
		// and the journal lock. After Close no journal may be created (at
		// rest there is none, and the events channel is closed); after the
		// others the journal no longer holds every change. Either way a
		// whole-file save covers this change, or has already.
		s.appending = false
		s.appended.Broadcast()
		s.mu.Unlock()
		s.jmu.Unlock()
		return s.syncFile(seq)
	}
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
		if len(s.accept) > 0 {
			// A new journal starts by naming the data file it follows.
			batch = append(appendFileLine(nil, s.accept), batch...)
		}
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
// changes the data file now holds, oldest first. An old segment left alone
// behind removed newer ones would bring back values they replaced, so no
// removal may outlive a crash that an older one does not: the directory is
// fsynced between removals (a file system may otherwise persist a later
// unlink before an earlier one), and the first failure stops the run. The
// unbroken run of newest segments a failure or crash leaves is harmless to
// replay over the data file, and the next save removes it.
func (s *KVStore) removeSegments(gen int) {
	gens, err := journalSegments(s.fsys, s.path)
	if err != nil {
		return
	}
	dir := filepath.Dir(s.path)
	for i, g := range gens {
		if g > gen {
			break
		}
		if i > 0 {
			if err := s.fsys.SyncDir(dir); err != nil {
				return
			}
		}
		if err := s.fsys.Remove(segmentPath(s.path, g)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return // still stale: the next save tries again
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
// since this store last read or wrote it. The file is checked before the
// save starts, so a conflict costs no writing, and again just before the
// rename, so an edit saved while the new file was being written (which for
// a large store takes a while) is not replaced. What remains is the moment
// between that second look and the rename, a few microseconds, which no
// rename-based save can close: an editor that replaces the file in that
// instant loses to this save, as it would to any other program's.
func (s *KVStore) save(snap *btree.Map[string, []byte], force bool) (int, error) {
	cur, err := s.checkDisk(force)
	if err != nil {
		return 0, err
	}
	perm := os.FileMode(0o644)
	if cur != nil {
		perm = cur.Mode().Perm()
	}
	// The journal must learn the new file's id (recordFiles) if there is
	// a journal, or may be one before the next save.
	var ids *idWriter
	if s.needsIDs(nil) {
		ids = new(idWriter)
	}
	write := func(w io.Writer) error {
		if ids != nil {
			w = io.MultiWriter(w, ids)
		}
		return writeEncoded(w, snap, &s.style)
	}
	beforeRename := func(os.FileInfo) error {
		if ids != nil {
			if err := s.recordFiles(ids.id(), false); err != nil {
				return err
			}
		}
		_, err := s.checkDisk(force)
		return err
	}
	info, renamed, err := writeFileAtomic(s.fsys, s.path, s.path, write, perm, beforeRename)
	if renamed {
		s.disk = info
		s.lastSize.Store(info.Size())
		s.perm.Store(uint32(sidecarPerm(perm)))
		if ids != nil {
			// With the directory fsync failed, the old file may come back
			// after a power cut, so the record keeps naming it too.
			s.recordFiles(ids.id(), err == nil)
		}
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
	s.jmu.Lock()
	defer s.jmu.Unlock()
	ids := []string{id}
	if !placed {
		ids = withID(s.accept, id)
	}
	s.accept = ids
	line := appendFileLine(nil, ids)
	if s.jfile != nil {
		_, err := s.jfile.Write(line)
		if err == nil && !placed {
			err = s.jfile.Sync()
		}
		if err != nil {
			// The journal's tail is in doubt: no more appends to it.
			s.jfile.Close()
			s.jfile = nil
			s.mu.Lock()
			s.jbroken = true
			s.mu.Unlock()
			return fmt.Errorf("kvstore: save %s: record the new file in journal %s: %w", s.path, journalPath(s.path), err)
		}
		s.activeBytes += int64(len(line))
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
// edited, replaced or deleted by someone else. With force only a file that
// cannot be replaced at all (a directory) is refused.
func (s *KVStore) checkDisk(force bool) (os.FileInfo, error) {
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
	case force || sameFile(cur, s.disk):
		return cur, nil
	case cur == nil:
		return nil, fmt.Errorf("kvstore: save %s: %w: it was deleted (Overwrite to write it again, or Reload to empty the store)", s.path, ErrConflict)
	}
	return nil, fmt.Errorf("kvstore: save %s: %w (Reload to take the file's content, or Overwrite to replace it)", s.path, ErrConflict)
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
	df, err := loadIndexed(s.fsys, s.path, s.needsIDs(nil))
	if err != nil {
		return err
	}
	data, index, info, id := df.m, df.index, df.info, df.id
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
	if id != "" {
		s.accept = []string{id}
	}
	s.base = data.Copy()
	s.lastErr, s.fileErr, s.jbroken = nil, nil, false
	s.jpending = s.jpending[:0]
	s.mu.Unlock()
	s.disk, s.style = info, df.style
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
	snap := s.data.Copy()
	s.mu.Unlock()
	name, err := s.writeRescue(snap)
	if err != nil {
		return fmt.Errorf("%w; saving this store's state to %s failed too: %v", conflict, name, err)
	}
	s.jmu.Lock()
	if err := s.rotateJournalLocked(); err == nil {
		s.removeSegments(s.jgen)
	}
	s.jmu.Unlock()
	return fmt.Errorf("%w; this store's state is saved in %s", conflict, name)
}

// writeRescue writes snap to a new file beside the data file, named after
// it and the time, and returns the name. The caller holds flushMu.
func (s *KVStore) writeRescue(snap *btree.Map[string, []byte]) (string, error) {
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
	_, _, err := writeFileAtomic(s.fsys, s.path, name, func(w io.Writer) error { return writeEncoded(w, snap, &s.style) }, os.FileMode(s.perm.Load()), nil)
	return name, err
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
