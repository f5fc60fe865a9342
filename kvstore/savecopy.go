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
	return s.saveCopy(path, nil)
}

// SaveKeys is SaveCopy of the given keys only: the new file holds each of
// them that exists, with its value. It exports part of a store.
func (s *KVStore) SaveKeys(path string, keys []string) error {
	if keys == nil {
		keys = []string{}
	}
	return s.saveCopy(path, keys)
}

// saveCopy writes every key (keys nil) or the given ones to a new file.
func (s *KVStore) saveCopy(path string, keys []string) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	snap := s.data.tree.Copy()
	s.mu.Unlock()
	if keys != nil {
		part := newKVTree()
		for _, k := range keys {
			if v, ok := snap.Get(k); ok {
				part.Set(k, v)
			}
		}
		snap = part
	}
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
		// A new file of this process's own, elsewhere: the data file's
		// permission bits, not its owner.
		meta := fileMeta{perm: os.FileMode(s.perm.Load())}
		_, _, err = writeFileAtomic(s.fsys, path, path, func(w io.Writer) error { return writeEncoded(w, snap, &s.style) },
			&meta, exists)
	}
	if err != nil {
		return fmt.Errorf("kvstore: save a copy to %s: %w", path, err)
	}
	return nil
}
