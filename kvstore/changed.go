package kvstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// journalSettle is how long after a journal file's last modification a
// read-only store reports it as possibly changed, when the store could only
// record the journal files after load had read them: an append that landed
// between the read and the record would otherwise look like part of what
// was loaded and never be picked up. Reading once more within this window
// is cheap next to missing a write.
const journalSettle = 2 * time.Second

// loadedFile is one file a read-only store's last load depended on: the data
// file, the active journal or a rotated segment. info is nil if the file was
// absent.
type loadedFile struct {
	path string
	info os.FileInfo
	// end is the end of the journal file's content when its modification
	// time was recent as it was listed, else -1. A journal is allocated
	// ahead of its appends (see appendJournal), so an append keeps its
	// size, and file systems stamp times from a coarse clock: an append in
	// the same tick as the one before it can leave the stat unchanged.
	end int64
}

// loadStamp is what a read-only store's last load read, and what the last
// Changed saw of the journals since.
type loadStamp struct {
	data    os.FileInfo  // the data file exactly as read
	journal []loadedFile // the journal files, segments first
	listed  bool         // the journal files could be listed
	// before: the journal files were recorded before load read them (by
	// the Changed that preceded it), so any later append differs from
	// them; otherwise they were recorded after, and at says when.
	before bool
	at     time.Time
	// seen is the journal files as the last Changed found them, for the
	// next load to record; nil if none was listed since the last load.
	seen []loadedFile
}

// rememberLoaded records, at the end of a successful load, what load read
// in a read-only store: dataInfo is the data file exactly as read. The
// journal files are those the last Changed saw, just before the Reload it
// prompted, or else as they are now. A writable store needs no record:
// Changed compares the data file with the one it last read or wrote, and the
// journal is its own. The caller holds flushMu, or is Open.
func (s *KVStore) rememberLoaded(dataInfo os.FileInfo) {
	if !s.opts.ReadOnly {
		return
	}
	stamp := loadStamp{data: dataInfo, journal: s.loaded.seen, listed: true, before: true}
	if stamp.journal == nil {
		files, err := s.journalFiles()
		// Without the list the next Changed cannot match it and reports a
		// change, so the next look loads again rather than trusting this.
		stamp = loadStamp{data: dataInfo, journal: files, listed: err == nil, at: time.Now()}
	}
	s.loaded = stamp
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
		files[i].end = -1
		if info != nil && time.Since(info.ModTime()) < journalSettle {
			end, err := s.fsys.JournalEnd(files[i].path)
			switch {
			case err == nil:
				files[i].end = end
			case !errors.Is(err, fs.ErrNotExist):
				return nil, err
			}
		}
	}
	return files, nil
}

// statData returns the data file's FileInfo, nil if it does not exist, or
// ErrClosed after Close. The caller holds flushMu.
func (s *KVStore) statData() (os.FileInfo, error) {
	if s.released {
		return nil, ErrClosed
	}
	info, err := s.fsys.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("kvstore: check %s: %w", s.path, err)
	}
	return info, nil
}

// Changed reports whether the data on disk is no longer what the store last
// read or wrote, at the cost of a few stats and, in a read-only store while
// a journal was appended to in the last two seconds, a read of that
// journal's last bytes.
//
// In a read-only store it reports whether the data file or any journal file
// (the active one or a rotated segment) changed since Open or the last
// Reload, so a viewer calls Reload only when a writer saved or appended
// something. The journal files a Reload depends on are those the Changed
// before it saw; after Open, or a Reload without a Changed before it, a
// journal file modified within a couple of seconds before the load counts
// as changed, since the load may have read it just before that
// modification. That costs at most one more Reload after the writer goes
// quiet.
//
// In a writable store it reports whether the data file was replaced,
// changed or removed by someone else since this store last read or wrote
// it, or the path given to Open no longer leads to it (a link replaced or
// re-pointed): exactly the cases in which the next save fails with
// ErrConflict. The store's own journal does not count.
func (s *KVStore) Changed() (bool, error) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	cur, err := s.statData()
	if err != nil {
		return false, err
	}
	if !s.opts.ReadOnly {
		return !sameFile(cur, s.disk) && !s.onlyMetadataChanged(cur) || s.checkPath() != nil, nil
	}
	files, err := s.journalFiles()
	if err != nil {
		return false, fmt.Errorf("kvstore: check the journals of %s: %w", s.path, err)
	}
	s.loaded.seen = files
	was := &s.loaded
	if !was.listed || !sameFile(cur, was.data) || len(files) != len(was.journal) {
		return true, nil
	}
	for i, f := range files {
		if f.path != was.journal[i].path || !sameFile(f.info, was.journal[i].info) ||
			f.end != was.journal[i].end {
			return true, nil
		}
		if !was.before && f.info != nil && f.info.ModTime().After(was.at.Add(-journalSettle)) {
			return true, nil
		}
	}
	return false, nil
}
