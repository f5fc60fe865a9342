package kvstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrClosed is returned by every operation on a store after Close.
var ErrClosed = errors.New("kvstore: store is closed")

// ErrReadOnly is returned by operations that would change a store opened
// with Options.ReadOnly.
var ErrReadOnly = errors.New("kvstore: store is read-only")

// ErrLocked is returned by Open when another writer, in this process or
// another, already has the file open. The returned error is a *LockedError,
// which names the file and, where it can, the process that holds it.
var ErrLocked = errors.New("kvstore: file is in use by another writer")

// LockedError is the error Open returns when another writer holds the file.
// errors.Is(err, ErrLocked) matches it.
type LockedError struct {
	Path     string // the data file
	LockPath string // the lock file, Path + ".lock"
	// PID is the process id the writer recorded in the lock file, or 0 if
	// it is unknown (on Windows, or in the instant after the writer took
	// the lock and before it wrote its id).
	PID int
}

// Error names the file and the holder, e.g. "kvstore: data.json is in use
// by another writer (process 4242 holds data.json.lock)".
func (e *LockedError) Error() string {
	holder := "it holds"
	switch {
	case e.PID == os.Getpid():
		holder = "this process holds"
	case e.PID > 0:
		holder = fmt.Sprintf("process %d holds", e.PID)
	}
	return fmt.Sprintf("kvstore: %s is in use by another writer (%s %s)", e.Path, holder, e.LockPath)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// ErrConflict is returned by a save when the file on disk changed since the
// store last read or wrote it, for example because someone edited it by hand.
// The store's changes stay pending: call Reload to take the file's content
// (dropping the pending changes) or Overwrite to replace it.
var ErrConflict = errors.New("kvstore: file changed on disk since it was loaded")

// ErrUnreachable is wrapped by the save error of changes that wait
// because the backend could not be reached (an etcd cluster without a
// quorum or out of reach): they stay pending, with the same checks, and
// the next Flush tries them again.
var ErrUnreachable = errors.New("kvstore: backend unreachable")

// ErrDeleted is wrapped, together with ErrConflict, by the error of a save
// that found the data file deleted since the store last read or wrote it:
// the store writes it again only when asked to (Overwrite).
var ErrDeleted = errors.New("kvstore: data file was deleted")

// ErrReadOnlyFile is wrapped by the error of a save that found the data
// file read-only: it has no write permission bit for anyone, as after chmod
// a-w. Its owner meant it to stay as it is, so the store does not replace
// it unasked (though its directory would let a rename do so), much as vim
// asks for :w! first. The changes stay pending, and an always-save write is
// not acknowledged. Options.WriteReadOnlyFile or SetWriteReadOnlyFile lets
// saves replace the file, which keeps its mode. The error is a
// *ReadOnlyFileError.
var ErrReadOnlyFile = errors.New("kvstore: file is read-only")

// ReadOnlyFileError is the error of a save refused because the data file is
// read-only. errors.Is(err, ErrReadOnlyFile) matches it.
type ReadOnlyFileError struct {
	Path string      // the data file
	Mode fs.FileMode // its permission bits, none of them a write bit
}

// Error names the file and its mode, e.g. "kvstore: save data.json: the
// file is read-only (mode 0444)".
func (e *ReadOnlyFileError) Error() string {
	return fmt.Sprintf("kvstore: save %s: the file is read-only (mode %04o)", e.Path, e.Mode)
}

// Is reports whether target is ErrReadOnlyFile.
func (e *ReadOnlyFileError) Is(target error) bool { return target == ErrReadOnlyFile }

// RescueError is the error of a Close that could not save into the data
// file because someone changed or deleted it (Err wraps ErrConflict), and
// wrote the store's state to File beside it instead, so that neither side's
// changes are lost. LastSaveError reports one too after an Open that found
// a journal written against another version of the file.
type RescueError struct {
	File string // where the store's state was written
	Err  error  // why it could not go into the data file
}

// Error says what happened and names the file.
func (e *RescueError) Error() string {
	return fmt.Sprintf("%v; this store's state is saved in %s", e.Err, e.File)
}

// Unwrap returns Err, so errors.Is(err, ErrConflict) holds.
func (e *RescueError) Unwrap() error { return e.Err }

// ErrNotFound is returned by GetAs and Rename when the key does not exist.
var ErrNotFound = errors.New("kvstore: key not found")

// ErrExists is returned by Rename when the new name is already a key.
var ErrExists = errors.New("kvstore: key already exists")

// ErrCorrupt is wrapped by every *SyntaxError, so callers can test for a bad
// file or bad JSON text with errors.Is without inspecting the position.
var ErrCorrupt = errors.New("kvstore: invalid JSON")

// SyntaxError describes invalid JSON: in a data file at Open or Reload, in a
// journal line, or in the text passed to SetRaw. Line and Column are 1-based;
// Column counts bytes.
type SyntaxError struct {
	File   string // the file that holds the text, or "" for SetRaw input
	Line   int    // 1-based line number
	Column int    // 1-based byte column within the line
	Offset int64  // 0-based byte offset of the error
	Msg    string // what is wrong, e.g. "invalid character 'x' looking for value"
}

// Error formats the error as "file:line:column: msg", or
// "line L, column C: msg" when there is no file.
func (e *SyntaxError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true for every SyntaxError.
func (e *SyntaxError) Unwrap() error { return ErrCorrupt }

// errLockHeld is lockFile's signal that another writer owns the file.
var errLockHeld = errors.New("lock held by another writer")
