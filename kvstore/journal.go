package kvstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// In always-save mode a change is made durable by appending one JSON line to
// a journal beside the data file and fsyncing it, instead of rewriting the
// whole file: a durable write then costs one small append and one fsync
// (shared by all writers waiting at that moment), whatever the store's size.
//
//	{"set":"user1","value":{"name":"Ann"}}
//	{"del":"user2"}
//	{"ren":"user3","to":"user4","value":{"name":"Bo"}}
//
// A rename is one line, so a crash that tears it leaves the old key or the
// new one, never both. It carries the value, so like the others it is an
// absolute assignment: delete the old key, set the new one.
//
// Each journal also records which data file its lines were written
// against, so that Open never replays them over a file someone else wrote:
//
//	{"file":["2048:1a2b3c4d"]}
//
// lists the contents (size and CRC-32C, see fileid.go) that the data file
// may have from that line on. A journal starts with one; a save appends
// one naming both the old file and the new just before its rename (a crash
// can leave either), and one naming the new file alone once it is in place.
// The last such line across the journals in order is the one that counts.
// Journals written before these lines existed have none, and are replayed
// over whatever file is there, as they always were.
//
// The active journal is allocated ahead of its appends, a journalChunk of
// written zeros at a time: its length covers zeros after the last line,
// which the next appends overwrite. An fdatasync of an append that extends
// a file must also write the file's new size (a metadata commit on ext4 and
// XFS); one that fills zeros already written writes the data alone. Replay takes
// the zeros after the last line for the end of the journal, as it takes a
// torn final append (see replayJournal): the store never writes a zero
// byte, so no acknowledged line can be mistaken for them, and a damaged
// line followed by valid ones is still corruption. Files are never reused:
// a new journal's room is fresh zeros, so no old line lies past the end.
// Journals that grew with each append, as earlier versions wrote them,
// replay as before.
//
// Compaction writes the whole state to the data file the usual atomic way
// and removes the journal. It runs in the background when the journal grows
// as large as the data file, when writes pause, and at Close, so at rest the
// JSON file is complete and no journal exists.
//
// Compaction must not block writers while it writes. It therefore renames
// the active journal (<file>.journal) to a numbered segment
// (<file>.journal.N) under the journal lock, at the instant it snapshots the
// state, and new writes start a fresh active journal. Once the data file is
// in place the segments are removed. Every line is an absolute assignment,
// so replaying a segment over a data file that already includes it is
// harmless, and a crash at any point leaves files that replay to the last
// acknowledged state: segments in order, then the active journal, over the
// data file.

// journalState is the always-save journal's side of the store: its active
// file and the bookkeeping of its segments and records. Its mutex
// serializes appends (the group commit in syncJournal) and guards the
// other fields, except on, which is set at Open and only read after.
type journalState struct {
	mu        sync.Mutex
	on        bool       // always-save through the journal
	file      appendFile // the active journal, nil until the next append opens it
	opened    bool       // the active journal was created since the last rotation
	size      int64      // bytes appended to the active journal
	room      int64      // the active journal's length, zeros after size
	gen       int        // highest segment generation used
	spare     []byte     // a drained jpending buffer, reused
	lastBatch uint64     // changes in the previous append
	accept    []string   // ids of the data files the journal may be replayed over
}

// journalChunk is how far ahead of its content the active journal is
// allocated (see appendJournal). It is a variable only so that the
// power-loss test can make appends cross its boundaries.
var journalChunk int64 = 64 << 10

// gatherWait bounds how long a journal append waits for the writers of the
// previous batch to queue their next changes (see syncJournal).
const gatherWait = 200 * time.Microsecond

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
	if s.checkTarget() != nil {
		// No save may bring the journal into the file: the whole-file save
		// says why, and keeps the change pending.
		s.mu.Lock()
		s.appending = false
		s.appended.Broadcast()
		s.mu.Unlock()
		return s.syncFile(seq)
	}

	if testHookBeforeAppend != nil {
		testHookBeforeAppend()
	}
	s.journal.mu.Lock()
	if s.journal.lastBatch > 1 {
		// The last batch came from several writers, who are about to make
		// their next changes: a moment's wait lets one fsync cover them all
		// instead of splitting them over two. The wait watches an atomic
		// copy of seq so as not to contend for mu with those writers.
		deadline := time.Now().Add(gatherWait)
		for s.applied.Load()-saved < s.journal.lastBatch && time.Now().Before(deadline) {
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
		s.journal.mu.Unlock()
		return s.syncFile(seq)
	}
	batch, upto, prev, keys := s.jpending, s.seq, s.savedSeq, s.data.len()
	s.jpending = s.journal.spare[:0]
	s.mu.Unlock()
	s.journal.lastBatch = upto - prev

	start := time.Now()
	err := s.appendJournal(batch)
	end := time.Now()
	s.journal.spare = batch

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
	size := s.journal.size
	s.journal.mu.Unlock()
	if err != nil {
		return err
	}
	s.lastAppend.Store(end.UnixNano())
	// The background saver needs to hear of an append only when it may
	// have to act: the journal has grown large, or its idle timer is not
	// running (which then watches lastAppend). Waking it after every
	// append would cost each write a goroutine switch.
	if !s.idleArmed.Load() || size >= max(s.compactBytes, s.lastSize.Load()) {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// appendJournal writes batch to the active journal and fsyncs it. The
// caller holds journal.mu.
func (s *KVStore) appendJournal(batch []byte) error {
	jpath := journalPath(s.path)
	if s.journal.file == nil {
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
		s.journal.file = f
		s.journal.opened = true
		s.journal.room = f.End()
		if len(s.journal.accept) > 0 {
			// A new journal starts by naming the data file it follows.
			batch = append(appendFileLine(nil, s.journal.accept), batch...)
		}
	}
	if need := s.journal.file.End() + int64(len(batch)); need > s.journal.room {
		// Zeros reserved ahead of the content: the appends that fill them
		// change neither the file's size nor its blocks, so each one's
		// fdatasync writes its data alone, not the file's metadata too.
		// The fdatasync below makes the new length durable with this
		// batch. Replay takes the zeros after the last line for the end
		// of the journal (see replayJournal). The room only saves time: a
		// disk with less than a chunk free still takes the append, which
		// then grows the file, and a failure that matters fails the write
		// or the fdatasync.
		room := (need/journalChunk + 1) * journalChunk
		if s.journal.file.Allocate(room) == nil {
			s.journal.room = room
		}
	}
	_, err := s.journal.file.Write(batch)
	if err == nil {
		err = s.journal.file.Sync()
	}
	if err != nil {
		s.journal.file.Close()
		s.journal.file = nil
		return fmt.Errorf("kvstore: save %s: append to journal %s: %w", s.path, jpath, err)
	}
	s.journal.size += int64(len(batch))
	return nil
}

// rotateJournalLocked closes the active journal and renames it to the next
// segment, so that appends after this instant go to a new journal while the
// data file is rewritten. The caller holds flushMu and journal.mu.
func (s *KVStore) rotateJournalLocked() error {
	if s.journal.file != nil {
		s.journal.file.Close()
		s.journal.file = nil
	}
	if !s.journal.opened && !s.staleJournal {
		return nil
	}
	next := s.journal.gen + 1
	err := s.fsys.Rename(journalPath(s.path), segmentPath(s.path, next))
	switch {
	case err == nil:
		s.journal.gen = next
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("kvstore: save %s: rotate journal: %w", s.path, err)
	}
	s.staleJournal = true
	s.journal.opened = false
	s.journal.size = 0
	s.journal.room = 0
	return nil
}

// removeSegments deletes the journal segments up to generation gen, whose
// changes the data file now holds (or which Merge or Reload settled),
// oldest first. An old segment left alone behind removed newer ones would
// bring back values they replaced, so no removal may outlive a crash that
// an older one does not: the directory is fsynced between removals (a file
// system may otherwise persist a later unlink before an earlier one), and
// the first failure stops the run. The unbroken run of newest segments a
// failure or crash leaves is harmless to replay over the data file after a
// compaction, and the next save removes it; after Merge or Reload it is
// rescued at the next Open. The directory is fsynced after the last
// removal too, before the call that removed them returns: a segment that
// came back after a power cut, and a Reload or Merge had settled, would
// otherwise turn up at the next Open as a conflict of its own.
func (s *KVStore) removeSegments(gen int) {
	gens, err := journalSegments(s.fsys, s.path)
	if err != nil {
		return
	}
	dir := filepath.Dir(s.path)
	removed := false
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
		removed = true
	}
	if removed {
		if err := s.fsys.SyncDir(dir); err != nil {
			return
		}
	}
	s.staleJournal = false
}

// journalPath is the active journal of the data file at path.
func journalPath(path string) string { return path + ".journal" }

// segmentPath is the rotated journal segment number gen.
func segmentPath(path string, gen int) string { return path + ".journal." + strconv.Itoa(gen) }

// journalSegments lists the generations of the rotated segments on disk, in
// ascending order.
func journalSegments(fsys fileSystem, path string) ([]int, error) {
	entries, err := fsys.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	prefix := filepath.Base(path) + ".journal."
	var gens []int
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		if gen, err := strconv.Atoi(rest); err == nil && gen > 0 && strconv.Itoa(gen) == rest {
			gens = append(gens, gen)
		}
	}
	slices.Sort(gens)
	return gens, nil
}
