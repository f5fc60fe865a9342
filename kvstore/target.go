package kvstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The store works on the file that its path led to at Open (File), and
// keeps its lock and journal beside it. Other programs can change where the
// path leads while the store is open: sed -i and an editor's rename-save
// replace a link with a regular file, ln -sf points it elsewhere, a
// directory link on the way is swapped. The user's path then names another
// file, and a save into the old one would be acknowledged while reading the
// path shows none of it. So every save, and every always-save append,
// checks first that the path still leads to the file the store has open.

// checkPath returns an error wrapping ErrConflict if the path given to Open
// no longer leads to the store's file. The store cannot follow: its lock
// and journal belong to the old file, so the way on is to reopen.
func (s *KVStore) checkPath() error {
	now, err := resolveLinks(s.given)
	if err != nil {
		return fmt.Errorf("kvstore: save %s: follow %s: %w", s.path, s.given, err)
	}
	if now == s.path {
		return nil
	}
	where := fmt.Sprintf("%s now leads to %s", s.given, now)
	if now == filepath.Clean(s.given) {
		where = fmt.Sprintf("%s is no longer a link to it", s.given)
	}
	return fmt.Errorf("kvstore: save %s: %w: %s (reopen %s to work on that file)", s.path, ErrConflict, where, s.given)
}

// checkWriteBits returns a *ReadOnlyFileError if the data file, described
// by cur (nil if absent), has no write permission bit and saves have not
// been allowed to replace such a file. It looks at the mode bits, not at
// what this process may do: root may write anything, and a rename needs
// only the directory's permission.
func (s *KVStore) checkWriteBits(cur os.FileInfo) error {
	if cur == nil || cur.Mode().Perm()&0o222 != 0 || s.writeRO.Load() {
		return nil
	}
	return &ReadOnlyFileError{Path: s.path, Mode: cur.Mode().Perm()}
}

// checkTarget is the look an always-save append takes before it
// acknowledges writes through the journal: the path must still lead to the
// store's file, and that file must not be read-only. A journal could only
// hold such writes for a save that must not happen. Edits by others are
// left to the save that folds the journal in, which reports them; so is a
// path that led to its file without a link at Open and is replaced by one,
// which is such an edit (the file at the path is another). Following the
// path takes a few microseconds per directory, so it is done only for a
// path that went through a link.
func (s *KVStore) checkTarget() error {
	if s.path != filepath.Clean(s.given) {
		if err := s.checkPath(); err != nil {
			return err
		}
	}
	cur, err := s.fsys.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kvstore: save %s: %w", s.path, err)
	}
	return s.checkWriteBits(cur)
}

// SetWriteReadOnlyFile sets whether saves may replace a read-only data
// file, as Options.WriteReadOnlyFile does at Open. A program that asked its
// user after a save failed with ErrReadOnlyFile calls it, then Flush.
func (s *KVStore) SetWriteReadOnlyFile(allow bool) { s.writeRO.Store(allow) }
