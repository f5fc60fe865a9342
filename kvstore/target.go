package kvstore

import (
	"fmt"
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
