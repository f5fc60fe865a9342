package kvstore

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Conflict describes how this store and the data file on disk have each
// changed since the store last read or wrote the file. The maps hold the
// new value of each changed key, or nil where the key was deleted.
type Conflict struct {
	Ours       map[string]json.RawMessage // changed in this store and not yet in the file
	Theirs     map[string]json.RawMessage // changed in the file by someone else
	Collisions []string                   // changed on both sides to different values, sorted
}

// Conflict reads the data file and compares it and this store with the file
// as this store last read or wrote it. Use it after a save failed with
// ErrConflict, to show what each side changed before calling Merge, Reload
// or Overwrite.
func (s *KVStore) Conflict() (*Conflict, error) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if s.released {
		return nil, ErrClosed
	}
	disk, err := loadFile(s.fsys, s.path)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	ours := s.data.tree.Copy()
	s.mu.RUnlock()
	return conflictBetween(s.base, ours, disk.m), nil
}

// conflictBetween compares ours and disk, the store's state and the file's,
// with base, the file as the store last read or wrote it.
func conflictBetween(base, ours, disk *kvTree) *Conflict {
	c := &Conflict{Ours: diffMaps(base, ours), Theirs: diffMaps(base, disk)}
	for k, mine := range c.Ours {
		if theirs, ok := c.Theirs[k]; ok && !bytes.Equal(mine, theirs) {
			c.Collisions = append(c.Collisions, k)
		}
	}
	slices.Sort(c.Collisions)
	return c
}

// diffMaps returns the keys whose values differ between a and b, with
// copies of their values in b (nil for a key that b lacks).
func diffMaps(a, b *kvTree) map[string]json.RawMessage {
	d := map[string]json.RawMessage{}
	ia, ib := a.Iter(), b.Iter()
	okA, okB := ia.First(), ib.First()
	for okA || okB {
		switch {
		case okB && (!okA || ib.Key() < ia.Key()):
			d[ib.Key()] = bytes.Clone(ib.Value())
			okB = ib.Next()
		case okA && (!okB || ia.Key() < ib.Key()):
			d[ia.Key()] = nil
			okA = ia.Next()
		default:
			if !sameBytes(ia.Value(), ib.Value()) {
				d[ib.Key()] = bytes.Clone(ib.Value())
			}
			okA, okB = ia.Next(), ib.Next()
		}
	}
	return d
}

// Merge settles a conflict key by key: it takes the data file's content and
// applies this store's changes on top of it. A change to a key the file did
// not change is kept; for each collision, keepOurs decides (nil keeps
// theirs). keepOurs is called without the store's locks held, so it may read
// the store. A write made while Merge runs is never lost: it is merged, or
// applied on top of the merged state. The merged state is then saved, and
// the error of that save returned.
func (s *KVStore) Merge(keepOurs func(key string) bool) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	df, err := readData(s.fsys, s.path, false, true)
	if err != nil {
		return err
	}
	disk := df.m
	// The store's lock is held from the comparison to the swap, so that no
	// write can land in between and be replaced by a state that lacks it:
	// every write is either in ours, and merged, or made on top of the
	// merged state. Merges are rare and the work is linear, so writers
	// waiting for it is the right trade. keepOurs is never called under the
	// lock (it may read the store): a collision it has not yet decided sends
	// Merge out to ask and back to compare again.
	decided := map[string]bool{}
	var merged *kvTree
	for merged == nil {
		s.mu.Lock()
		c := conflictBetween(s.base, s.data.tree, disk)
		var ask []string
		for _, k := range c.Collisions {
			if _, ok := decided[k]; !ok && keepOurs != nil {
				ask = append(ask, k)
			}
		}
		if len(ask) > 0 {
			s.mu.Unlock()
			for _, k := range ask {
				decided[k] = keepOurs(k)
			}
			continue
		}
		merged = disk.Copy()
		for k, v := range c.Ours {
			if _, collides := slices.BinarySearch(c.Collisions, k); collides && !decided[k] {
				continue
			}
			if v == nil {
				merged.Delete(k)
			} else {
				merged.Set(k, v)
			}
		}
	}
	s.data = newEntries(merged, nil)
	s.seq++
	s.applied.Store(s.seq)
	// The journal's lines were written against the old file; replayed over
	// the file now on disk they would undo every choice of theirs. Until a
	// whole-file save holds the merged state, durability comes from such
	// saves (the same path as after a failed append), so writers waiting
	// on a line dropped here are answered by the save below.
	s.jpending = s.jpending[:0]
	s.jbroken = s.journal.on
	s.mu.Unlock()
	// Nor may the save make the journal replayable over the merged file,
	// as a compaction's save does, for a crash between its rename and the
	// journal's removal to bring the old lines back: left with the old
	// record, they are rescued at the next Open instead (see voidJournal).
	s.voidJournal = s.journal.on || s.staleJournal
	s.base, s.disk, s.diskID, s.style = disk, df.info, df.id, df.style
	return s.flushLocked(FlushManual, false)
}
