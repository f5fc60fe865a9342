package kvstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

// KVStore is a key-value store kept in one JSON file. All methods are safe
// for concurrent use.
type KVStore struct {
	path  string // the data file, links resolved
	given string // the path as given to Open
	opts  Options
	fsys  fileSystem

	// Locks are taken in the order flushMu, journal.mu, mu, emitMu.

	// mu guards the in-memory state. Saves hold it only to take an O(1)
	// copy-on-write snapshot of data.
	mu       sync.RWMutex
	data     entries
	seq      uint64        // number of changes applied so far
	applied  atomic.Uint64 // seq, for readers that must not take mu
	savedSeq uint64        // changes made durable (file or journal) or dropped by Reload
	fileSeq  uint64        // changes covered by the data file
	closed   bool
	lastErr  error      // error of the most recent save or append
	fileErr  error      // error of the most recent whole-file save
	discards []seqRange // changes dropped by Reload, for writers still waiting
	jpending []byte     // journal lines of changes not yet appended
	// appending: a writer is appending jpending to the journal; the others
	// wait on appended until it is done.
	appending bool
	appended  *sync.Cond
	jbroken   bool // a journal append failed: the next save must rewrite the file

	// flushMu serializes whole-file saves and guards the fields below it.
	// Writers in always-save mode without a journal queue on it; whoever
	// gets it saves every change made so far, so the writers behind it find
	// their change already on disk (group commit).
	flushMu  sync.Mutex
	disk     os.FileInfo // the data file as last read or written; nil if absent
	diskID   string      // its content id (fileid.go); "" if unknown
	style    fileStyle   // the data file's layout, kept when it is rewritten
	base     *kvTree     // its content then, to tell our changes from theirs
	released bool        // Close has made its final save and dropped the lock
	mounted  bool        // the data file is a mount point, saved in place (mount.go)
	// staleJournal: journal files are on disk whose changes the data file
	// may lack; the next whole-file save removes them.
	staleJournal bool
	// voidJournal: the journal files on disk hold changes that Merge or
	// Reload settled against a file they were not written for. Replayed
	// over the file the store saves next they would undo the other side's
	// edits, so no save names its new file in them, and no new journal
	// (whose first record would do the same) is started until they are
	// gone: durability comes from whole-file saves meanwhile (jbroken).
	voidJournal bool
	// journalConflict is set by load when the journals were written
	// against another data file: their state, for recoverJournal to rescue.
	journalConflict *kvTree

	journal journalState

	compactBytes int64         // journal size that triggers compaction, at least
	lastSize     atomic.Int64  // size of the last data file written
	perm         atomic.Uint32 // permission bits for sidecars (sidecarPerm)
	writeRO      atomic.Bool   // saves may replace a read-only data file
	lastAppend   atomic.Int64  // UnixNano of the last journal append
	idleArmed    atomic.Bool   // the saver's idle-compaction timer is running

	emitMu sync.Mutex
	unlock func() error
	events chan FlushEvent
	kick   chan struct{} // an append happened: check the compaction triggers
	stop   chan struct{}
	saver  sync.WaitGroup

	// loaded is what a read-only store's last load read, for Changed (see
	// changed.go); guarded by flushMu.
	loaded loadStamp
}

// seqRange is the half-open interval (from, to] of change numbers.
type seqRange struct{ from, to uint64 }

// NewKVStore opens the store at path, creating the file on first save if it
// does not exist. With alwaysSave every change is on disk before the call
// that made it returns; either way pending changes are saved every minute
// and by Close. It is Open(path, &Options{AlwaysSave: alwaysSave}).
func NewKVStore(path string, alwaysSave bool) (*KVStore, error) {
	return Open(path, &Options{AlwaysSave: alwaysSave})
}

// Open opens the store at path with the given options; nil means the
// defaults. The file is read once, here; it need not exist. Unless
// opts.ReadOnly is set, Open takes an exclusive lock on path+".lock", and
// fails with an error wrapping ErrLocked if another writer holds it.
func Open(path string, opts *Options) (*KVStore, error) {
	return open(path, opts, osFS{})
}

// encodeValue turns a Go value into the canonical compact JSON the store
// keeps. HTML characters are not escaped, so strings stay readable.
func encodeValue(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})), nil
}

// Set stores value under key. The value is encoded to JSON now, so later
// changes to it (a map the caller keeps using) do not reach the store. A
// value that cannot be encoded (a channel, a func, NaN, a cycle) is refused
// with an error and the store is unchanged. encoding/json writes a byte of
// a string that is not UTF-8 as U+FFFD; SetRaw keeps such bytes. In
// always-save mode Set returns once the change is on disk, or the save's
// error; the change is then kept and stays pending.
func (s *KVStore) Set(key string, value any) error {
	raw, err := encodeValue(value)
	if err != nil {
		return fmt.Errorf("kvstore: set %q: value cannot be stored as JSON: %w", key, err)
	}
	if err := s.validate("set", key, raw); err != nil {
		return err
	}
	return s.apply(key, raw, false)
}

// SetRaw stores the JSON text raw under key after checking that it is one
// valid JSON value. It is kept as written, minus insignificant white space,
// so numbers keep their exact digits. Invalid text is refused with an error
// wrapping a *SyntaxError that gives the line and column. Durability is as
// for Set.
func (s *KVStore) SetRaw(key string, raw []byte) error {
	compact, serr := compactJSON(raw)
	if serr != nil {
		return fmt.Errorf("kvstore: set %q: %w", key, serr.syntaxError("", raw))
	}
	if err := s.validate("set", key, compact); err != nil {
		return err
	}
	return s.apply(key, compact, false)
}

// Delete removes key; deleting a missing key does nothing. Durability is as
// for Set.
func (s *KVStore) Delete(key string) error {
	return s.apply(key, nil, true)
}

// Rename moves the value of key from to the key to, as one change: readers
// see the old key or the new one, never neither and never both. It returns
// an error wrapping ErrNotFound if from does not exist and ErrExists if to
// does. Durability is as for Set, and a crash never leaves both keys or
// neither: in always-save mode the rename is one journal line.
func (s *KVStore) Rename(from, to string) error {
	var checked string // the value Validate accepted under to
	s.mu.Lock()
	for {
		if err := s.writableLocked(); err != nil {
			s.mu.Unlock()
			return err
		}
		raw, ok := s.data.get(from)
		if !ok {
			s.mu.Unlock()
			return fmt.Errorf("kvstore: rename %q: %w", from, ErrNotFound)
		}
		if _, taken := s.data.get(to); taken || s.opts.Validate == nil || from == to ||
			(checked != "" && raw == checked) {
			break
		}
		// Validate runs without the lock; if the value changes meanwhile,
		// the new one is checked too.
		s.mu.Unlock()
		if err := s.validate("rename "+strconv.Quote(from)+" to", to, []byte(raw)); err != nil {
			return err
		}
		checked = raw
		s.mu.Lock()
	}
	raw, _ := s.data.get(from)
	if from == to {
		return s.noopLocked()
	}
	if _, taken := s.data.get(to); taken {
		s.mu.Unlock()
		return fmt.Errorf("kvstore: rename %q to %q: %w", from, to, ErrExists)
	}
	s.data.set(to, bytesOf(raw))
	s.data.del(from)
	return s.commitLocked(func(dst []byte) []byte { return appendJournalRename(dst, from, to, bytesOf(raw)) })
}

// validate asks Options.Validate about raw, to be stored under key by op.
func (s *KVStore) validate(op, key string, raw []byte) error {
	if s.opts.Validate == nil {
		return nil
	}
	if err := s.opts.Validate(key, raw); err != nil {
		return fmt.Errorf("kvstore: %s %q: %w", op, key, err)
	}
	return nil
}

// apply makes one change in memory and, in always-save mode, waits until a
// save covers it.
func (s *KVStore) apply(key string, raw []byte, del bool) error {
	s.mu.Lock()
	if err := s.writableLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	if del {
		if _, ok := s.data.get(key); !ok {
			return s.noopLocked()
		}
		s.data.del(key)
	} else {
		if old, ok := s.data.get(key); ok && old == string(raw) {
			return s.noopLocked()
		}
		s.data.set(key, raw)
	}
	return s.commitLocked(func(dst []byte) []byte { return appendJournalLine(dst, key, raw, del) })
}

// commitLocked numbers a change just made in memory, queues its journal
// line (which line appends) in always-save mode, releases mu, and waits
// until the change is as durable as the save strategy promises. The caller
// holds mu.
func (s *KVStore) commitLocked(line func(dst []byte) []byte) error {
	s.seq++
	s.applied.Store(s.seq)
	seq := s.seq
	if s.journal.on {
		s.jpending = line(s.jpending)
	}
	s.mu.Unlock()
	return s.awaitDurable(seq)
}

// noopLocked answers a change that the store already holds, such as
// setting a key to its current value. The state that makes it a no-op may
// come from a write still on its way to disk, or from one whose save failed,
// so in always-save mode it waits for every change made so far, and returns
// the save's error if they cannot be made durable: a retry after a failed
// write must never report success while the value is only in memory. The
// caller holds mu, which noopLocked releases.
func (s *KVStore) noopLocked() error {
	seq := s.seq
	durable := s.savedSeq >= seq
	s.mu.Unlock()
	if durable {
		return nil
	}
	return s.awaitDurable(seq)
}

// awaitDurable returns once change number seq is as durable as the save
// strategy promises: in always-save mode, on disk.
func (s *KVStore) awaitDurable(seq uint64) error {
	switch {
	case s.journal.on:
		return s.syncJournal(seq)
	case s.opts.AlwaysSave:
		return s.syncFile(seq)
	}
	return nil
}

func (s *KVStore) writableLocked() error {
	if s.closed {
		return ErrClosed
	}
	if s.opts.ReadOnly {
		return ErrReadOnly
	}
	return nil
}

func (s *KVStore) checkWritable() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.writableLocked()
}

// Events returns the channel on which every completed flush is reported:
// periodic, always-save, manual and the final one made by Close. Delivery
// never blocks the store; a reader that falls behind misses older events but
// always receives the latest. The channel is closed by Close. All calls
// return the same channel, so use one reader.
func (s *KVStore) Events() <-chan FlushEvent { return s.events }

// Dirty reports whether there are changes not yet saved.
func (s *KVStore) Dirty() bool { return s.Pending() > 0 }

// Pending returns the number of changes made since the last successful save
// (or Reload).
func (s *KVStore) Pending() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int(s.seq - s.savedSeq)
}

// NotInFile returns the number of changes the data file does not hold yet:
// those pending and, in always-save mode, those durable only in the
// journal until it is folded into the file. Pending counts only the first.
// Reload drops them all. While NotInFile is not zero, a data file changed
// by someone else (Changed) is a conflict, to settle with Conflict and
// Merge, Overwrite or, deliberately, Reload; reading the file again on
// seeing it changed, as a viewer with nothing pending may, would drop
// acknowledged writes.
func (s *KVStore) NotInFile() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int(s.seq - s.fileSeq)
}

// LastSaveError returns the error of the most recent save attempt, or nil
// if it succeeded or none was made. In always-save mode a failure to fold
// the journal into the data file (such as ErrConflict) is reported here
// until a later save of the file succeeds, even though the changes
// themselves are durable in the journal. After an Open that moved a
// crashed writer's journal to a rescue file it is a *RescueError naming
// that file. In a read-only store it reports, wrapping ErrConflict, a
// journal that the last load did not show because it was written against
// another version of the data file.
func (s *KVStore) LastSaveError() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.lastErr != nil {
		return s.lastErr
	}
	return s.fileErr
}
