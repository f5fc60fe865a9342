package kvstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/tidwall/btree"
)

// errLockHeld is lockFile's signal that another writer owns the file.
var errLockHeld = errors.New("lock held by another writer")

// KVStore is a key-value store kept in one JSON file. All methods are safe
// for concurrent use.
//
// Entries live in two structures sharing the same value slices: a B-tree,
// whose O(1) copy-on-write Copy gives saves and iterators their snapshot and
// keeps keys in order, and a hash map for lookups. A B-tree lookup compares
// the key with some 17 others, each compare a cache miss on another
// string's bytes; the map needs one or two, which makes GetRaw about ten
// times faster at 100k keys for some 60 bytes per key.
type KVStore struct {
	path string
	opts Options
	fsys fileSystem

	// Locks are taken in the order flushMu, jmu, mu, emitMu.

	// mu guards the in-memory state. Saves hold it only to take an O(1)
	// copy-on-write snapshot of data.
	mu       sync.RWMutex
	data     *btree.Map[string, []byte] // key -> compact JSON value, for order and snapshots
	index    map[string][]byte          // the same entries, for lookups
	seq      uint64                     // number of changes applied so far
	applied  atomic.Uint64              // seq, for readers that must not take mu
	savedSeq uint64                     // changes made durable (file or journal) or dropped by Reload
	fileSeq  uint64                     // changes covered by the data file
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
	disk     os.FileInfo                // the data file as last read or written; nil if absent
	base     *btree.Map[string, []byte] // its content then, to tell our changes from theirs
	released bool                       // Close has made its final save and dropped the lock
	// staleJournal: journal files are on disk whose changes the data file
	// may lack; the next whole-file save removes them.
	staleJournal bool

	// jmu serializes journal appends and guards the fields below it; the
	// journal gives always-save its group commit (see journal.go).
	jmu           sync.Mutex
	journaling    bool       // always-save through the journal
	jfile         appendFile // the active journal, nil until the next append opens it
	journalOpened bool       // the active journal was created since the last rotation
	activeBytes   int64      // bytes appended to the active journal
	jgen          int        // highest segment generation used
	jspare        []byte     // a drained jpending buffer, reused
	lastBatch     uint64     // changes in the previous append

	compactBytes int64         // journal size that triggers compaction, at least
	lastSize     atomic.Int64  // size of the last data file written
	perm         atomic.Uint32 // permission bits of the data file, for the journal
	lastAppend   atomic.Int64  // UnixNano of the last journal append

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

func open(path string, opts *Options, fsys fileSystem) (*KVStore, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if path == "" {
		return nil, errors.New("kvstore: open: empty path")
	}
	dir := filepath.Dir(path)
	switch info, err := fsys.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("kvstore: open %s: directory %s does not exist", path, dir)
	case err != nil:
		return nil, fmt.Errorf("kvstore: open %s: %w", path, err)
	case !info.IsDir():
		return nil, fmt.Errorf("kvstore: open %s: %s is not a directory", path, dir)
	}

	s := &KVStore{
		path:   path,
		opts:   o,
		fsys:   fsys,
		events: make(chan FlushEvent, eventBuffer),
		kick:   make(chan struct{}, 1),
		stop:   make(chan struct{}),

		compactBytes: minCompactBytes,
	}
	s.perm.Store(0o644)
	s.appended = sync.NewCond(&s.mu)
	if !o.ReadOnly {
		lockPath := path + ".lock"
		unlock, err := fsys.Lock(lockPath)
		if errors.Is(err, errLockHeld) {
			return nil, &LockedError{Path: path, LockPath: lockPath, PID: lockHolder(fsys, lockPath)}
		}
		if err != nil {
			return nil, fmt.Errorf("kvstore: open %s: lock %s: %w", path, lockPath, err)
		}
		s.unlock = unlock
	}
	s.journaling = o.AlwaysSave && !o.ReadOnly
	if err := s.load(); err != nil {
		if s.unlock != nil {
			s.unlock()
		}
		return nil, err
	}
	if !o.ReadOnly {
		removeStrayTemps(fsys, path)
		if err := s.recoverJournal(); err != nil {
			s.unlock()
			return nil, err
		}
		s.saver.Add(1)
		go s.runSaver(o.saveInterval())
	}
	return s, nil
}

// Path returns the data file's path as given to Open.
func (s *KVStore) Path() string { return s.path }

// ReadOnly reports whether the store was opened with Options.ReadOnly.
func (s *KVStore) ReadOnly() bool { return s.opts.ReadOnly }

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

func checkKey(op, key string) error {
	if !utf8.ValidString(key) {
		return fmt.Errorf("kvstore: %s %q: key is not valid UTF-8", op, key)
	}
	return nil
}

// Set stores value under key. The value is encoded to JSON now, so later
// changes to it (a map the caller keeps using) do not reach the store. A
// value that cannot be encoded (a channel, a func, NaN, a cycle) is refused
// with an error and the store is unchanged. In always-save mode Set returns
// once the change is on disk, or the save's error; the change is then kept
// and stays pending.
func (s *KVStore) Set(key string, value any) error {
	if err := checkKey("set", key); err != nil {
		return err
	}
	raw, err := encodeValue(value)
	if err != nil {
		return fmt.Errorf("kvstore: set %q: value cannot be stored as JSON: %w", key, err)
	}
	return s.apply(key, raw, false)
}

// SetRaw stores the JSON text raw under key after checking that it is one
// valid JSON value. It is kept as written, minus insignificant white space,
// so numbers keep their exact digits. Invalid text is refused with an error
// wrapping a *SyntaxError that gives the line and column. Durability is as
// for Set.
func (s *KVStore) SetRaw(key string, raw []byte) error {
	if err := checkKey("set", key); err != nil {
		return err
	}
	compact, serr := compactJSON(raw)
	if serr != nil {
		return fmt.Errorf("kvstore: set %q: %w", key, serr.syntaxError("", raw))
	}
	return s.apply(key, compact, false)
}

// Delete removes key; deleting a missing key does nothing. Durability is as
// for Set.
func (s *KVStore) Delete(key string) error {
	return s.apply(key, nil, true)
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
		if _, ok := s.index[key]; !ok {
			s.mu.Unlock()
			return nil
		}
		s.data.Delete(key)
		delete(s.index, key)
	} else {
		if old, ok := s.index[key]; ok && bytes.Equal(old, raw) {
			s.mu.Unlock()
			return nil
		}
		s.data.Set(key, raw)
		s.index[key] = raw
	}
	s.seq++
	s.applied.Store(s.seq)
	seq := s.seq
	if s.journaling {
		s.jpending = appendJournalLine(s.jpending, key, raw, del)
	}
	s.mu.Unlock()
	return s.awaitDurable(seq)
}

// awaitDurable returns once change number seq is as durable as the save
// strategy promises: in always-save mode, on disk.
func (s *KVStore) awaitDurable(seq uint64) error {
	switch {
	case s.journaling:
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

// LastSaveError returns the error of the most recent save attempt, or nil
// if it succeeded or none was made. In always-save mode a failure to fold
// the journal into the data file (such as ErrConflict) is reported here
// until a later save of the file succeeds, even though the changes
// themselves are durable in the journal.
func (s *KVStore) LastSaveError() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.lastErr != nil {
		return s.lastErr
	}
	return s.fileErr
}

func (s *KVStore) lookup(key string) ([]byte, bool) {
	s.mu.RLock()
	v, ok := s.index[key]
	s.mu.RUnlock()
	return v, ok
}

// Get returns the value stored under key, decoded as encoding/json decodes
// into an interface{}: objects as map[string]interface{}, arrays as
// []interface{}, numbers as float64. Each call returns a fresh value that
// the caller may modify. A value has the same Go type before and after the
// store is reopened. A value holding a number beyond float64's range (such
// as 1e400, which SetRaw accepts) decodes with its numbers as json.Number
// instead. Use GetAs for a typed result or GetRaw for the JSON.
func (s *KVStore) Get(key string) (interface{}, bool) {
	raw, ok := s.lookup(key)
	if !ok {
		return nil, false
	}
	return decodeAny(raw), true
}

// decodeAny decodes stored, valid JSON. Only a number that overflows float64
// can fail to decode; then every number of the value is kept as json.Number.
func decodeAny(raw []byte) interface{} {
	if v, ok := decodeCompact(raw); ok {
		return v
	}
	var v interface{}
	if json.Unmarshal(raw, &v) == nil {
		return v
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		panic(fmt.Sprintf("kvstore: stored value %s is not valid JSON: %v", raw, err))
	}
	return v
}

// GetRaw returns a copy of the compact JSON stored under key, without
// decoding it.
func (s *KVStore) GetRaw(key string) (json.RawMessage, bool) {
	raw, ok := s.lookup(key)
	if !ok {
		return nil, false
	}
	return bytes.Clone(raw), true
}

// GetAs decodes the value stored under key into a T. It returns an error
// wrapping ErrNotFound if the key does not exist, ErrClosed after Close, or
// the decoding error if the JSON does not fit T.
func GetAs[T any](s *KVStore, key string) (T, error) {
	var v T
	s.mu.RLock()
	closed := s.closed
	raw, ok := s.index[key]
	s.mu.RUnlock()
	if closed {
		return v, ErrClosed
	}
	if !ok {
		return v, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("kvstore: get %q as %T: %w", key, v, err)
	}
	return v, nil
}

// Has reports whether key exists.
func (s *KVStore) Has(key string) bool {
	_, ok := s.lookup(key)
	return ok
}

// Keys returns all keys in ascending byte order.
func (s *KVStore) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, s.data.Len())
	s.data.Scan(func(k string, _ []byte) bool {
		keys = append(keys, k)
		return true
	})
	return keys
}

// Len returns the number of keys.
func (s *KVStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data.Len()
}

// snapshot returns a copy-on-write copy of the data in O(1); later writes
// to the store do not show in it.
func (s *KVStore) snapshot() *btree.Map[string, []byte] {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Copy()
}

// All iterates over every key and a copy of its JSON value in ascending key
// order. It sees the store as it was when the loop started; the loop body
// may call any method of the store.
func (s *KVStore) All() iter.Seq2[string, json.RawMessage] {
	return s.Prefix("")
}

// Prefix is like All but yields only the keys that start with prefix.
func (s *KVStore) Prefix(prefix string) iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		s.snapshot().Ascend(prefix, func(k string, v []byte) bool {
			return strings.HasPrefix(k, prefix) && yield(k, bytes.Clone(v))
		})
	}
}
