package tui

import (
	"github.com/kvstore-dev/kvstore/kvstore"
)

// Source is the data the UI shows and changes, and the only way it reaches
// that data: the backend contract, kvstore.Backend, which a kvstore file
// and an etcd prefix both implement. The UI names no
// backend; what only some backends can do it finds with a type assertion
// on the small interfaces below.
//
// Every method that may wait for I/O (the writes, Flush, Reload, Overwrite,
// Conflict, Merge, Changed) is called from a Cmd, never from Update; the
// others read memory and are called while drawing.
type Source = kvstore.Backend

// FileSource returns store as the UI's Source, named by its file's name.
func FileSource(store *kvstore.KVStore) Source { return store }

// The optional abilities the UI uses, by what it does with each.
type (
	// deletionAware tells a file deleted from emptied: a refresh asks it
	// before reading the data again, so a deleted file does not silently
	// empty a writable view.
	deletionAware = kvstore.DeletionReporter
	// textSource hands out a value's text in one copy: the value pane keeps
	// text, and converting GetRaw's bytes would hold two copies of a large
	// value at once.
	textSource = kvstore.TextGetter
	// byteSource holds bytes that need not be JSON: the UI marks such a
	// value, and puts its bytes back exactly where it restores it (undo,
	// redo) rather than the JSON string GetRaw shows.
	byteSource = kvstore.ByteValues
	// liveSource is kept current by a watch that can be lost: while it is
	// lost, other clients' changes do not show, and the status bar says so.
	liveSource = kvstore.Watched
	// editTracker checks writes against the version the user was shown,
	// and so hears when an edit starts and ends without a write.
	editTracker = kvstore.EditTracker
	// sharedSource is data other clients change as a matter of course: the
	// UI words its messages for it (see wording.go).
	sharedSource = kvstore.Shared
	// rescuer drops its unsaved changes on Close: quitting writes them to a
	// file first (see quitPending).
	rescuer = kvstore.Rescuer
)

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

// valueText returns the JSON text stored under key.
func valueText(src Source, key string) (string, bool) {
	if ts, ok := src.(textSource); ok {
		return ts.GetText(key)
	}
	raw, ok := src.GetRaw(key)
	return string(raw), ok
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

// noteEditStart tells src, if it tracks edits, that editing key starts.
func noteEditStart(src Source, key string) {
	if t, ok := src.(editTracker); ok {
		t.EditStarted(key)
	}
}

// noteEditEnd tells src, if it tracks edits, that the edit of key ended
// without a write.
func noteEditEnd(src Source, key string) {
	if t, ok := src.(editTracker); ok {
		t.EditEnded(key)
	}
}
