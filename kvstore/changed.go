package kvstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// journalSettle is how long after a journal file's last modification a
// read-only store keeps reporting it as possibly changed. The store records
// the journal files as they are after load has read them, so an append that
// lands between the read and the record would otherwise look like part of
// what was loaded and never be picked up. Reading once more within this
// window is cheap next to missing a write.
const journalSettle = 2 * time.Second

// loadedFile is one file a read-only store's last load depended on: the data
// file, the active journal or a rotated segment. info is nil if the file was
// absent.
type loadedFile struct {
	path string
	info os.FileInfo
}

// loadStamp is what a read-only store's last load read.
type loadStamp struct {
	files  []loadedFile // the data file first, then the journal files
	listed bool         // the journal files could be listed
	at     time.Time    // when they were recorded
}

// rememberLoaded records, at the end of a successful load, the files that
// load read in a read-only store: dataInfo is the data file exactly as read,
// and the journals are looked up now. A writable store needs no record:
// Changed compares the data file with the one it last read or wrote, and the
// journal is its own. The caller holds flushMu, or is Open.
func (s *KVStore) rememberLoaded(dataInfo os.FileInfo) {
	if !s.opts.ReadOnly {
		return
	}
	files, err := s.journalFiles()
	if err != nil {
		// Without the list, the next Changed cannot match it and reports a
		// change, so the next look loads again rather than trusting this.
		files = nil
	}
	s.loaded = loadStamp{
		files:  append([]loadedFile{{path: s.path, info: dataInfo}}, files...),
		listed: err == nil,
		at:     time.Now(),
	}
}

// journalFiles returns the rotated journal segments, oldest first, and the
// active journal, each with its FileInfo (nil if absent).
func (s *KVStore) journalFiles() ([]loadedFile, error) {
	gens, err := journalSegments(s.fsys, s.path)
	if err != nil {
		return nil, err
	}
	files := make([]loadedFile, 0, len(gens)+1)
	for _, gen := range gens {
		files = append(files, loadedFile{path: segmentPath(s.path, gen)})
	}
	files = append(files, loadedFile{path: journalPath(s.path)})
	for i := range files {
		info, err := s.fsys.Stat(files[i].path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		files[i].info = info
	}
	return files, nil
}

// Changed reports whether the data on disk is no longer what the store last
// read or wrote, at the cost of a few stats and no reading.
//
// In a read-only store it reports whether the data file or any journal file
// (the active one or a rotated segment) changed since Open or the last
// Reload, so a viewer calls Reload only when a writer saved or appended
// something. A journal file modified within a couple of seconds before the
// last load counts as changed, since the load may have read it just before
// that modification; this costs at most one more Reload after the writer
// goes quiet.
//
// In a writable store it reports whether the data file was replaced,
// changed or removed by someone else since this store last read or wrote
// it: exactly the case in which the next save fails with ErrConflict. The
// store's own journal does not count.
func (s *KVStore) Changed() (bool, error) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if s.released {
		return false, ErrClosed
	}
	if !s.opts.ReadOnly {
		cur, err := s.fsys.Stat(s.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			cur = nil
		case err != nil:
			return false, fmt.Errorf("kvstore: check %s: %w", s.path, err)
		}
		return !sameFile(cur, s.disk), nil
	}
	if !s.loaded.listed || len(s.loaded.files) == 0 {
		return true, nil
	}
	cur, err := s.fsys.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cur = nil
	case err != nil:
		return false, fmt.Errorf("kvstore: check %s: %w", s.path, err)
	}
	if !sameFile(cur, s.loaded.files[0].info) {
		return true, nil
	}
	files, err := s.journalFiles()
	if err != nil {
		return false, fmt.Errorf("kvstore: check the journals of %s: %w", s.path, err)
	}
	was := s.loaded.files[1:]
	if len(files) != len(was) {
		return true, nil
	}
	for i, f := range files {
		if f.path != was[i].path || !sameFile(f.info, was[i].info) {
			return true, nil
		}
		if f.info != nil && f.info.ModTime().After(s.loaded.at.Add(-journalSettle)) {
			return true, nil
		}
	}
	return false, nil
}
