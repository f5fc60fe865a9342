package kvstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// loadPatience bounds how long a read-only load keeps retrying while a
// writer changes the file and its journals under it.
var loadPatience = 10 * time.Second

func open(path string, opts *Options, fsys fileSystem) (*KVStore, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	given := path
	path, err := dataPath(fsys, path)
	if err != nil {
		return nil, err
	}

	s := &KVStore{
		path:   path,
		given:  given,
		opts:   o,
		fsys:   fsys,
		events: make(chan FlushEvent, eventBuffer),
		kick:   make(chan struct{}, 1),
		stop:   make(chan struct{}),

		compactBytes: minCompactBytes,
	}
	s.perm.Store(0o644)
	s.writeRO.Store(o.WriteReadOnlyFile)
	if info, err := fsys.Stat(path); err == nil {
		s.perm.Store(uint32(sidecarPerm(info.Mode())))
	}
	s.appended = sync.NewCond(&s.mu)
	if !o.ReadOnly {
		lockPath := path + ".lock"
		unlock, err := fsys.Lock(lockPath, os.FileMode(s.perm.Load()))
		if errors.Is(err, errLockHeld) {
			return nil, &LockedError{Path: path, LockPath: lockPath, PID: lockHolder(fsys, lockPath)}
		}
		if err != nil {
			return nil, fmt.Errorf("kvstore: open %s: lock %s: %w", path, lockPath, err)
		}
		s.unlock = unlock
	}
	if !o.ReadOnly {
		mounted, err := fsys.MountPoint(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.unlock()
			return nil, fmt.Errorf("kvstore: open %s: %w", path, err)
		}
		s.mounted = mounted
	}
	// A journal beside a mount point is on the other side of the mount
	// (in the container, not on the host that mounted the file), where
	// the file's owner may never see it: a write there is no write to the
	// file. Always-save writes to a mounted file go into the file itself.
	s.journal.on = o.AlwaysSave && !o.ReadOnly && !s.mounted
	if err := s.load(); err != nil {
		if s.unlock != nil {
			s.unlock()
		}
		return nil, err
	}
	if !o.ReadOnly {
		removeStrayTemps(fsys, path)
		if err := s.recoverJournal(); err != nil {
			s.unlock()
			return nil, err
		}
		s.saver.Add(1)
		go s.runSaver(o.saveInterval())
	}
	return s, nil
}

// dataPath checks the path of a data file given to Open and returns the
// file it names, with symbolic links followed: the file need not exist, but
// its directory must.
func dataPath(fsys fileSystem, given string) (string, error) {
	if given == "" {
		return "", errors.New("kvstore: open: empty path")
	}
	path, err := resolveLinks(given)
	if err != nil {
		return "", fmt.Errorf("kvstore: open %s: %w", given, err)
	}
	dir := filepath.Dir(path)
	switch info, err := fsys.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("kvstore: open %s: directory %s does not exist", path, dir)
	case err != nil:
		return "", fmt.Errorf("kvstore: open %s: %w", path, err)
	case !info.IsDir():
		return "", fmt.Errorf("kvstore: open %s: %s is not a directory", path, dir)
	}
	return path, nil
}

// Path returns the data file's path as given to Open. If that is a
// symbolic link, the store reads and writes the file it points to (see
// File), and the link stays in place.
func (s *KVStore) Path() string { return s.given }

// File returns the path of the file the store reads and writes: Path with
// any symbolic links followed. Its sidecars (lock, journal, rescue files)
// live beside it.
func (s *KVStore) File() string { return s.path }

// ReadOnly reports whether the store was opened with Options.ReadOnly.
func (s *KVStore) ReadOnly() bool { return s.opts.ReadOnly }

// load reads the data file and, in a read-only store, replays the journals a
// writer may have left, so a viewer sees every acknowledged write. A writer
// may compact while a viewer reads; the data file then changes under the
// viewer, which retries until it reads the file and journals of one state.
// A state that fails that check is never installed: after loadPatience of
// retries, with growing pauses that let the writer's compaction finish,
// load gives up with an error and the store keeps what it had.
func (s *KVStore) load() error {
	var df *dataFile
	js, err := readState(s.fsys, s.path, s.opts.ReadOnly, func(segments []int) bool {
		// A writer keeps the id to tell a change of the file's mode or
		// owner from an edit (see onlyMetadataChanged).
		return !s.opts.ReadOnly || s.needsIDs(segments)
	}, func(withID bool) (os.FileInfo, string, error) {
		var err error
		if df, err = loadIndexed(s.fsys, s.path, withID); err != nil {
			return nil, "", err
		}
		return df.info, df.id, nil
	})
	if err != nil {
		return err
	}
	data, index, info, id := df.m, df.index, df.info, df.id
	texts := js.texts
	var ours *kvTree
	var unshown error
	switch {
	case js.elsewhere(id) && s.opts.ReadOnly:
		// As below; a reader shows the file alone, a state that
		// existed, and leaves the rescue to the next writer.
		unshown = unshownJournals(s.path, texts)
	case js.elsewhere(id):
		// The journals were written against a file that is gone:
		// someone replaced it since, and replaying them over theirs
		// would silently undo their edits. The store takes the file;
		// recoverJournal keeps the journals' state apart.
		ours = data.Copy()
		err = replayJournals(texts, entries{ours, newHashIndex(0)}) // the index is not kept
	default:
		err = replayJournals(texts, entries{data, index})
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.data = entries{data, index}
	s.base = data.Copy()
	if s.opts.ReadOnly {
		s.lastErr = unshown
	}
	s.mu.Unlock()
	if s.opts.ReadOnly {
		df.style.layout = nil // a reader never saves
	}
	s.disk, s.diskID, s.style = info, id, df.style
	s.journalConflict = ours
	if id != "" {
		s.journal.mu.Lock()
		s.journal.accept = []string{id}
		s.journal.mu.Unlock()
	}
	if info != nil {
		s.lastSize.Store(info.Size())
		s.perm.Store(uint32(sidecarPerm(info.Mode())))
	}
	s.staleJournal = s.staleJournal || len(texts) > 0
	s.rememberLoaded(info)
	return nil
}

// needsIDs reports whether this store must know the data file's content id
// (see fileid.go): a writer that keeps a journal, or a store that finds one,
// given the journal segments on disk.
func (s *KVStore) needsIDs(segments []int) bool {
	// A reader's staleJournal only says that an earlier load saw one.
	return !s.opts.ReadOnly && (s.journal.on || s.staleJournal) || hasJournal(s.fsys, s.path, segments)
}

// hasJournal reports whether the data file at path has a journal beside it,
// given its journal segments on disk.
func hasJournal(fsys fileSystem, path string, segments []int) bool {
	if len(segments) > 0 {
		return true
	}
	_, err := fsys.Stat(journalPath(path))
	return !errors.Is(err, fs.ErrNotExist)
}

// journals are the journal files beside a data file, as readState read
// them, with the data files they may be replayed over (see journalFiles).
type journals struct {
	texts    []journalText
	ids      []string
	recorded bool
}

// elsewhere reports whether the journals were written against another data
// file than the one whose content id is id: replaying them over it would
// undo what replaced their file.
func (j journals) elsewhere(id string) bool {
	return j.recorded && !slices.Contains(j.ids, id)
}

// unshownJournals is a reader's error for journals written against another
// version of the data file at path: it shows the file alone.
func unshownJournals(path string, texts []journalText) error {
	return fmt.Errorf("kvstore: read %s: %w: %s was written against another version of the file (a writer stopped with a conflict unsettled, or the file was replaced or deleted since); showing the file alone, without the journal's changes, which the next writer to open the file saves to a rescue file",
		path, ErrConflict, journalNames(texts))
}

// readState reads the data file at path, through read, and then its
// journals. needsID says, given the journal segments on disk, whether read
// must compute the file's content id; read returns the file's FileInfo (nil
// if there is none) and that id. A writer owns the files and reads them
// once. A reader (readOnly) may race a writer's compaction, which replaces
// the file and removes journal lines that a file read a moment earlier
// lacks, so it reads both again until it has read them as they were at
// one moment, or gives up after loadPatience with an error.
func readState(fsys fileSystem, path string, readOnly bool, needsID func(segments []int) bool, read func(withID bool) (os.FileInfo, string, error)) (journals, error) {
	pause := time.Millisecond
	deadline := time.Now().Add(loadPatience)
	for {
		segmentsBefore, _ := journalSegments(fsys, path)
		info, id, err := read(needsID(segmentsBefore))
		if err != nil {
			return journals{}, err
		}
		texts, err := readJournals(fsys, path)
		if err != nil {
			return journals{}, err
		}
		ids, recorded := journalFiles(texts)
		// A read-only load that found no journal when it read the data
		// file, and one since, does not know the file's id: it reads both
		// again, as after any other change under it.
		if readOnly && (!consistentRead(fsys, path, info, segmentsBefore) || recorded && id == "") {
			if time.Now().After(deadline) {
				return journals{}, fmt.Errorf("kvstore: read %s: the writer kept replacing the file and its journal for %v; try again", path, loadPatience)
			}
			time.Sleep(pause)
			pause = min(2*pause, 100*time.Millisecond)
			continue
		}
		return journals{texts, ids, recorded}, nil
	}
}

// consistentRead reports whether a read of the data file at path,
// described by info, and of its journals, whose segments were
// segmentsBefore when the read began, saw one state of the writer's.
func consistentRead(fsys fileSystem, path string, info os.FileInfo, segmentsBefore []int) bool {
	// A compaction between reading the file and the journals may have
	// removed journal lines that the file read lacks.
	if now, err := fsys.Stat(path); err == nil && !sameFile(now, info) || err != nil && info != nil {
		return false
	}
	// A rotation while reading renames the active journal to a new segment,
	// which this read may have missed under either name.
	segmentsAfter, err := journalSegments(fsys, path)
	return err == nil && slices.Equal(segmentsBefore, segmentsAfter)
}

// recoverJournal runs at Open: if journals were replayed, the data file is
// behind them, so it is brought up to date at once and the journals removed.
func (s *KVStore) recoverJournal() error {
	gens, err := journalSegments(s.fsys, s.path)
	if err != nil {
		return fmt.Errorf("kvstore: open %s: %w", s.path, err)
	}
	if len(gens) > 0 {
		s.journal.gen = gens[len(gens)-1]
	}
	if !s.staleJournal {
		return nil
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if ours := s.journalConflict; ours != nil {
		s.journalConflict = nil
		return s.settleJournalConflict(ours)
	}
	s.seq, s.savedSeq = 1, 1 // the replayed state is durable, but not in the file
	s.applied.Store(1)
	if err := s.flushLocked(FlushCompact, false); err != nil {
		// The journal is intact and holds every change, so the store opens
		// anyway: the failure (a full disk, say) is reported by
		// LastSaveError and an event, and the fold is tried again once the
		// store is idle, at Flush and at Close.
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// settleJournalConflict runs at Open when the journals were written against
// a data file that someone has since replaced. ours is the journals' state:
// the file they were written against is gone, so it is their changes
// replayed over the file now there. Unless that is the file's own content,
// it is written to a rescue file beside the data file, as Close does for a
// conflict, and the store reports ErrConflict naming it. Then the journals
// are removed. If either step fails Open fails, having changed nothing the
// next Open could not redo. The caller holds flushMu.
func (s *KVStore) settleJournalConflict(ours *kvTree) error {
	changed := len(diffMaps(s.base, ours)) > 0
	var rescued string
	if changed {
		name, err := s.writeRescue(ours)
		if err != nil {
			return fmt.Errorf("kvstore: open %s: the file was replaced after the changes in its journal were made, and saving them to %s failed: %w", s.path, name, err)
		}
		rescued = name
	}
	s.journal.mu.Lock()
	err := s.removeJournalsLocked()
	s.journal.mu.Unlock()
	if err != nil {
		return fmt.Errorf("kvstore: open %s: %w", s.path, err)
	}
	if changed {
		err := &RescueError{File: rescued, Err: fmt.Errorf("kvstore: open %s: %w: the file was replaced after the changes in its journal were made, and the store has the file's content", s.path, ErrConflict)}
		s.mu.Lock()
		s.lastErr, s.fileErr = err, err
		keys := s.data.len()
		s.mu.Unlock()
		s.emit(FlushEvent{Time: time.Now(), Reason: FlushCompact, Keys: keys, Err: err})
	}
	return nil
}

// removeJournalsLocked removes every journal file, and fails unless all are
// gone: it is used where a journal left behind would be replayed over a
// file it was not written for. The caller holds flushMu and journal.mu.
func (s *KVStore) removeJournalsLocked() error {
	if err := s.rotateJournalLocked(); err != nil {
		return err
	}
	s.removeSegments(s.journal.gen)
	gens, err := journalSegments(s.fsys, s.path)
	if err == nil && len(gens) > 0 {
		err = fmt.Errorf("%s could not be removed", segmentPath(s.path, gens[0]))
	}
	if err == nil {
		err = s.fsys.SyncDir(filepath.Dir(s.path))
	}
	if err != nil {
		return fmt.Errorf("remove the journal: %w", err)
	}
	return nil
}
