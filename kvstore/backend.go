package kvstore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"time"
)

// Backend is everything a front end (the terminal UI, the command line)
// needs of the data it shows and changes, whatever keeps it: *KVStore for
// a JSON file, etcdstore's Backend for a key prefix of an etcd cluster.
// A front end names the backend once, where it opens it, and nothing above
// this contract asks which one it has; abilities only some backends have
// are the small interfaces below, found with a type assertion.
//
// Writes are staged: SetRaw, Delete and Rename change what the reads
// return at once and leave the change pending until the backend has saved
// it, by its own rule (a save strategy, a transaction per write, or Flush
// and Close). A change that could not be saved stays pending, Pending
// counts it and LastSaveError says why. When the data was changed
// elsewhere meanwhile, a save fails with ErrConflict and changes nothing;
// Conflict shows both sides, and Merge, Reload or Overwrite settles it.
//
// Reads answer from memory and are cheap enough to call while drawing,
// unless the backend was opened to read only what it is asked for (as a
// command opens an etcd prefix), in which case its documentation says
// what a listing costs.
// Every method that may wait for I/O (the writes, Flush, Reload,
// Overwrite, Conflict, Merge, Changed, Close) may take as long as the
// backend's timeouts allow. All methods are safe for concurrent use.
type Backend interface {
	// Name is what a front end calls the data: a file's name, or an etcd
	// prefix with its endpoints.
	Name() string
	// ReadOnly reports whether the backend refuses writes (ErrReadOnly).
	ReadOnly() bool

	// Keys returns every key, with the pending changes, in ascending
	// byte order.
	Keys() []string
	// GetRaw returns a copy of the compact JSON under key, with the
	// pending changes.
	GetRaw(key string) (json.RawMessage, bool)
	// Has reports whether key exists, with the pending changes.
	Has(key string) bool

	// SetRaw stages the JSON text raw under key after validating it:
	// invalid text is refused with an error wrapping a *SyntaxError, and
	// nothing is staged.
	SetRaw(key string, raw []byte) error
	// Delete stages the removal of key; deleting a missing key does
	// nothing.
	Delete(key string) error
	// Rename stages moving the value of from to to, saved as one atomic
	// change; it reports ErrNotFound and ErrExists.
	Rename(from, to string) error

	// Flush saves the pending changes now.
	Flush() error
	// Reload drops the pending changes and reads the data again.
	Reload() error
	// Overwrite saves the pending changes over changes made elsewhere.
	Overwrite() error
	// Conflict compares the pending changes with the changes made
	// elsewhere since the data was last read or saved.
	Conflict() (*Conflict, error)
	// Merge takes the changes made elsewhere and saves ours where they do
	// not collide, and where keepOurs says so where they do.
	Merge(keepOurs func(key string) bool) error
	// Changed reports whether the data was changed elsewhere since it was
	// last read or saved, without reading it.
	Changed() (bool, error)

	// Events delivers a report of every completed save, whoever started
	// it. Delivery never blocks the backend; the channel is closed by
	// Close.
	Events() <-chan FlushEvent
	// Pending is the number of changes not yet saved.
	Pending() int
	// LastSaveError is the error of the last save, nil once one succeeds.
	// It wraps ErrUnreachable while the changes wait for a backend that
	// could not be reached.
	LastSaveError() error

	// Close releases the backend. What it does with pending changes is
	// the backend's: a file saves them (or rescues them to a file beside
	// it); a backend that implements Rescuer drops them, and a front end
	// writes them to a rescue file first.
	Close() error
}

var _ Backend = (*KVStore)(nil)

// Name returns the data file's name without its directory.
func (s *KVStore) Name() string { return filepath.Base(s.Path()) }

// Optional abilities of a Backend, each found with a type assertion; the
// comment of each says what a front end does without it.
type (
	// TextGetter hands out a value's JSON text as a string, as *KVStore
	// does without copying it. Without it, a front end converts GetRaw's
	// bytes.
	TextGetter interface {
		GetText(key string) (string, bool)
	}

	// DeletionReporter tells data deleted from data emptied, as *KVStore
	// can, so that a refresh does not silently empty a writable view.
	DeletionReporter interface {
		Deleted() (bool, error)
	}

	// ByteValues is a Backend whose values are bytes that need not be
	// JSON, as an etcd prefix's are: another client may store anything.
	// GetRaw gives such a value as a JSON string of its text. Without it,
	// every value is JSON.
	ByteValues interface {
		// NotJSON reports whether the value under key is not JSON.
		NotJSON(key string) bool
		// Bytes returns the value under key exactly as stored.
		Bytes(key string) ([]byte, bool)
		// SetBytes stages b under key exactly, JSON or not.
		SetBytes(key string, b []byte) error
	}

	// EditTracker is a Backend whose writes check the version of a value
	// the user was shown, and so must hear when the user starts editing
	// one and when an edit ends without a write.
	EditTracker interface {
		// EditStarted records that the user began editing key as shown
		// now: its write will require that version.
		EditStarted(key string)
		// EditEnded records that the edit of key ended without a write.
		EditEnded(key string)
	}

	// Watched is a Backend kept current by a watch that can be lost, as
	// an etcd prefix is. Its reads show other clients' changes to keys
	// that have no pending change as they commit; Changed reports them.
	Watched interface {
		// Watch reports the watch's state, handing out Recovered once.
		Watch() WatchState
	}

	// Shared is a Backend whose data other clients change as a matter of
	// course: there is no file to speak of, and closing it writes nothing
	// beside it. A front end words its messages for shared data.
	Shared interface {
		Shared() bool
	}

	// ValueLoader is a Backend that holds its keys in memory but reads
	// values from where they live when asked, keeping only the recent
	// ones, as an etcd prefix opened keys-only does: its reads of a value
	// not loaded (GetRaw, ByteValues' methods) wait for a round trip. A
	// front end that must not wait (one drawing a screen) asks Loaded
	// first, shows that the value is loading, and calls LoadValues off its
	// drawing path. Without it, every value is in memory.
	ValueLoader interface {
		// Loaded reports whether the value under key can be read without
		// I/O: it is loaded, pending, or key does not exist.
		Loaded(key string) bool
		// Load reads the values of keys not loaded, in one round trip per
		// page of them, and keeps them for the reads that follow; values
		// loaded long ago may be dropped to bound the memory.
		LoadValues(ctx context.Context, keys []string) error
		// ScanValues calls fn, in ascending key order, for every key with
		// its JSON text as GetRaw gives it and the size of the value as
		// stored, with the pending changes; it reads the values in pages
		// and keeps none. It stops when fn returns false, returning nil,
		// or at the first error (ctx ending included), which it returns.
		ScanValues(ctx context.Context, fn func(key string, raw []byte, size int) bool) error
	}

	// Leases is a Backend whose keys may be attached to a lease, and go
	// when it expires, as etcd keys may.
	Leases interface {
		// Leased reports whether key is attached to a lease, as far as
		// is known without I/O: a ValueLoader may know it only once the
		// key's value is loaded.
		Leased(key string) bool
		// LeaseTTL asks how long the lease of key has left; ok is false
		// when key has no lease.
		LeaseTTL(ctx context.Context, key string) (ttl time.Duration, ok bool, err error)
	}

	// Rescuer is a Backend whose Close drops the changes it could not
	// save, and which writes them, for a front end, to a rescue file that
	// `kvstore import --changes` applies later.
	Rescuer interface {
		// WritePending writes the pending changes to a new file at path,
		// never over an existing one, and returns how many it wrote.
		WritePending(path string) (int, error)
	}
)

// WatchState is what a Watched backend says of its watch.
type WatchState struct {
	// Lost is set while the watch is lost: other clients' changes do not
	// show until it is back.
	Lost bool
	// Recovered is set once, at the first call after the data was read
	// again following a loss.
	Recovered bool
	// Reason says in a few words why the watch was lost ("revision
	// compacted"), or is empty when the error was too long to show.
	Reason string
}
