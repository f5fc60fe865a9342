package tui

import (
	"encoding/json"
	"path/filepath"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Source is the data the UI shows and changes, and the only way it reaches
// that data. It names no file, path or journal, so a store kept elsewhere (a
// key prefix of a network store) can implement it as well as a kvstore file:
// FileSource adapts a *kvstore.KVStore.
//
// Every method that may wait for I/O (the writes, Flush, Reload, Overwrite,
// Conflict, Merge, Changed) is called from a Cmd, never from Update; the
// others read memory and are called while drawing.
type Source interface {
	// Name is what the status bar and the window title call the data.
	Name() string
	ReadOnly() bool

	Keys() []string
	GetRaw(key string) (json.RawMessage, bool)
	Has(key string) bool

	SetRaw(key string, raw []byte) error
	Delete(key string) error
	Rename(from, to string) error

	// Flush saves pending changes; Reload drops them and reads the data
	// again; Overwrite saves them over changes made elsewhere.
	Flush() error
	Reload() error
	Overwrite() error
	// Conflict compares the pending changes with the changes made
	// elsewhere; Merge takes the others' changes and keeps ours where
	// keepOurs says so.
	Conflict() (*kvstore.Conflict, error)
	Merge(keepOurs func(key string) bool) error
	// Changed reports whether the data was changed elsewhere since it was
	// last read or written, without reading it.
	Changed() (bool, error)

	// Events delivers a report of every completed save, whoever started it.
	Events() <-chan kvstore.FlushEvent
	// Pending is the number of changes not yet saved, and LastSaveError
	// the error of the last save, nil once one succeeds.
	Pending() int
	LastSaveError() error
}

// fileSource is a kvstore file as a Source.
type fileSource struct{ *kvstore.KVStore }

// FileSource returns store as the UI's Source, named by its file's name.
func FileSource(store *kvstore.KVStore) Source { return fileSource{store} }

// Name returns the data file's name without its directory.
func (f fileSource) Name() string { return filepath.Base(f.Path()) }

// foldingSource is a Source that keeps acknowledged changes apart from its
// data until it folds them in, as a kvstore file in always-save mode keeps
// them in its journal: they are not Pending, yet reading the data again
// would drop them, so while there are any a change made elsewhere is a
// conflict. NotInFile counts them with the pending ones.
type foldingSource interface {
	NotInFile() int
}

// notInData returns the number of changes src holds that its data does
// not: those pending and those a foldingSource keeps apart.
func notInData(src Source) int {
	if f, ok := src.(foldingSource); ok {
		return max(f.NotInFile(), src.Pending())
	}
	return src.Pending()
}

// deletionAware is a Source that can tell its data deleted from emptied,
// as FileSource can. A refresh asks it before reading the data again, so a
// deleted file does not silently empty a writable view.
type deletionAware interface {
	Deleted() (bool, error)
}

// textSource is a Source that hands out a value's JSON text as a string in
// one copy, as FileSource does; the value pane keeps text, and converting
// GetRaw's bytes would hold two copies of a large value at once.
type textSource interface {
	GetText(key string) (string, bool)
}

// valueText returns the JSON text stored under key.
func valueText(src Source, key string) (string, bool) {
	if ts, ok := src.(textSource); ok {
		return ts.GetText(key)
	}
	raw, ok := src.GetRaw(key)
	return string(raw), ok
}

// byteSource is a Source whose values are bytes that need not be JSON, as
// an etcd prefix's are: another client may store anything. GetRaw gives
// such a value as a JSON string of its text; the UI marks it, and puts its
// bytes back exactly where it restores it (undo, redo) rather than that
// string.
type byteSource interface {
	// NotJSON reports whether the value under key is not JSON.
	NotJSON(key string) bool
	// Bytes returns the value under key exactly as stored.
	Bytes(key string) ([]byte, bool)
	// SetBytes stores b under key exactly, JSON or not, with the checks
	// SetRaw makes of what the user was shown.
	SetBytes(key string, b []byte) error
}

// notJSONTag follows the key of a value that is not JSON in the value
// pane's title.
const notJSONTag = "not JSON, shown as a string"

// notJSON reports whether src holds the value under key as bytes that are
// not JSON.
func notJSON(src Source, key string) bool {
	bs, ok := src.(byteSource)
	return ok && bs.NotJSON(key)
}

// liveSource is a Source kept current by a watch that can be lost, as an
// etcd prefix is: while it is lost, other clients' changes do not show,
// and once it is back the data has been read again.
type liveSource interface {
	// Watch reports the watch's state: whether it is lost now, and whether
	// the data was read again after a loss since the last call.
	Watch() watchState
}

// watchState is what a liveSource says of its watch.
type watchState struct {
	// lost is set while the watch is lost: other clients' changes do not
	// show until it is back.
	lost bool
	// recovered is set once, at the first call after the data was read
	// again following a loss.
	recovered bool
	// reason says in a few words why the watch was lost ("revision
	// compacted"), or is empty when the error was too long to show.
	reason string
}
