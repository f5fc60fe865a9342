package kvstore

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// SaveCopy writes the store's state, pending changes included, to a new
// file at path, as a save writes the data file: whole or not at all, in the
// data file's style and with its permission bits. It is the way out when
// the data file cannot be saved (its directory is read-only, the disk is
// full, the file changed on disk): the store itself is left as it was, with
// its changes pending and its data file untouched. A file already at path
// is never replaced: the error wraps fs.ErrExist. A read-only store can
// write a copy too.
func (s *KVStore) SaveCopy(path string) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	snap := s.data.tree.Copy()
	s.mu.Unlock()
	exists := func(os.FileInfo) error {
		if _, err := s.fsys.Stat(path); err == nil {
			return fmt.Errorf("file exists: %w", fs.ErrExist)
		}
		return nil
	}
	// Checked first, so nothing is written in vain, and again just before
	// the rename, when the copy is complete.
	err := exists(nil)
	if err == nil {
		_, _, err = writeFileAtomic(s.fsys, path, path, func(w io.Writer) error { return writeEncoded(w, snap, &s.style) },
			os.FileMode(s.perm.Load()), exists)
	}
	if err != nil {
		return fmt.Errorf("kvstore: save a copy to %s: %w", path, err)
	}
	return nil
}
