package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// The etcd source's write path: each change is staged in what the UI
// shows, then sent as a transaction that requires the revision the user
// was shown; a change that cannot reach the cluster waits, marked
// errUnreachable, for the retry (retry.go).

// writeTimeout bounds each write the UI sends: with the cluster out of
// reach, a write gives up after it, its change stays pending, and the UI
// tries again later (see retry.go).
const writeTimeout = 4 * time.Second

// errUnreachable marks the save error of changes that wait because the
// cluster could not be reached (etcdstore.IsUnavailable): they are kept
// and written again, with the same revision checks, once it answers.
var errUnreachable = errors.New("etcd unreachable")

// unreachable reports whether a save error means the changes wait for
// the cluster.
func unreachable(err error) bool { return errors.Is(err, errUnreachable) }

// SetBytes stores b under key exactly, JSON or not, if etcd still holds the
// revision shown (or the one an edit started from).
func (s *etcdSource) SetBytes(key string, b []byte) error {
	if err := s.writable(); err != nil {
		return err
	}
	return s.set(key, valueOf(bytes.Clone(b)))
}

// baseLocked is the revision a write of key must find: the one it had
// before our pending change, or the one shown.
func (s *etcdSource) baseLocked(key string) int64 {
	if rev, ok := s.pending[key]; ok {
		return rev
	}
	v, _ := s.shown.Get(key)
	return v.rev
}

// SetRaw stores raw under key if etcd still holds the revision the edit
// started from.
func (s *etcdSource) SetRaw(key string, raw []byte) error {
	c, err := etcdstore.Compact(raw)
	if err != nil {
		return err
	}
	if err := s.writable(); err != nil {
		return err
	}
	return s.set(key, shownValue{json: c, raw: c})
}

// set stores v under key, checked against the revision the edit of key
// started from, if one is under way, or else the revision shown.
func (s *etcdSource) set(key string, v shownValue) error {
	s.mu.Lock()
	base, ok := s.editBase[key]
	if ok {
		delete(s.editBase, key)
	} else {
		base = s.baseLocked(key)
	}
	s.stageLocked(key, &v, base)
	return s.commitUnlock(key)
}

// Delete removes key if etcd still holds the revision shown.
func (s *etcdSource) Delete(key string) error {
	if err := s.writable(); err != nil {
		return err
	}
	s.mu.Lock()
	if _, ok := s.shown.Get(key); !ok {
		s.mu.Unlock()
		return nil
	}
	s.stageLocked(key, nil, s.baseLocked(key))
	return s.commitUnlock(key)
}

// Rename moves from's bytes to to in one transaction that requires from at
// the revision shown and to absent.
func (s *etcdSource) Rename(from, to string) error {
	if err := s.writable(); err != nil {
		return err
	}
	s.mu.Lock()
	v, ok := s.shown.Get(from)
	switch {
	case !ok:
		s.mu.Unlock()
		return fmt.Errorf("rename %q: %w", from, kvstore.ErrNotFound)
	case from == to:
		s.mu.Unlock()
		return nil
	}
	if _, exists := s.shown.Get(to); exists {
		s.mu.Unlock()
		return fmt.Errorf("rename %q to %q: %w", from, to, kvstore.ErrExists)
	}
	s.stageLocked(to, &shownValue{json: v.json, raw: v.raw, notJSON: v.notJSON}, s.baseLocked(to))
	s.stageLocked(from, nil, s.baseLocked(from))
	return s.commitUnlock(from, to)
}

// commitUnlock writes the change of keys just staged, and unlocks s.mu.
// While the cluster is known to be out of reach the change only joins the
// others waiting, at once, rather than holding the write queue for a
// timeout: the next retry writes them all.
func (s *etcdSource) commitUnlock(keys ...string) error {
	if err := s.lastErr; unreachable(err) {
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	return s.commit(false, keys...)
}

// stageLocked puts a change of key (nil: deletion) into shown as pending,
// to be written only where etcd holds revision base.
func (s *etcdSource) stageLocked(key string, v *shownValue, base int64) {
	if v == nil {
		s.shown.Delete(key)
	} else {
		s.shown.Set(key, *v)
	}
	s.pending[key] = base
}

// commit writes the pending changes of keys (all of them if none given),
// in transactions of at most etcdstore.MaxApply writes, each checking the
// revisions the changes were based on, or none when force is set. What is
// committed leaves pending; what fails stays, and the error is the save
// error the status bar shows.
func (s *etcdSource) commit(force bool, keys ...string) error {
	s.mu.Lock()
	if len(keys) == 0 {
		keys = slices.Sorted(maps.Keys(s.pending))
	}
	var writes []etcdstore.Write
	for _, k := range keys {
		base, ok := s.pending[k]
		if !ok {
			continue
		}
		v, exists := s.shown.Get(k)
		if force {
			base = etcdstore.AnyRevision
		}
		writes = append(writes, etcdstore.Write{Key: k, Value: v.raw, Delete: !exists, Revision: base})
	}
	s.mu.Unlock()
	var err error
	for len(writes) > 0 && err == nil {
		n := min(len(writes), etcdstore.MaxApply)
		err = s.apply(writes[:n])
		writes = writes[n:]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || len(s.pending) > 0 {
		if err != nil {
			s.lastErr = err
		}
		return err
	}
	s.lastErr = nil
	return nil
}

// apply sends one transaction, within s.timeout, and records what it
// committed. A failure for want of the cluster is marked errUnreachable.
// A conflict after such a failure may be that failure's own commit: if
// etcd holds every value the writes would make, they are recorded as
// committed instead.
func (s *etcdSource) apply(writes []etcdstore.Write) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	rev, err := s.store.Apply(ctx, writes)
	unavailable := etcdstore.IsUnavailable(err)
	s.mu.Lock()
	uncertain := false
	for _, w := range writes {
		uncertain = uncertain || s.uncertain[w.Key]
		// Whatever this attempt found settles what the earlier one did,
		// unless it could not reach the cluster either.
		if unavailable {
			s.uncertain[w.Key] = true
		} else {
			delete(s.uncertain, w.Key)
		}
	}
	s.mu.Unlock()
	switch {
	case err == nil:
		s.committed(writes, func(string) int64 { return rev })
	case unavailable:
		return fmt.Errorf("%w: %w", errUnreachable, err)
	case uncertain && errors.Is(err, kvstore.ErrConflict):
		revs, ok := s.madeEarlier(writes)
		if !ok {
			return err
		}
		s.committed(writes, func(k string) int64 { return revs[k] })
	default:
		return err
	}
	return nil
}

// madeEarlier reports whether etcd holds what writes would make, with the
// revision of each key, once the store's view shows the change its
// revision check tripped on. A transaction is all or nothing, so a write
// that committed moved every key it compared; the view follows etcd within
// moments, and a real conflict is given up on after a second.
func (s *etcdSource) madeEarlier(writes []etcdstore.Write) (map[string]int64, bool) {
	deadline := time.Now().Add(time.Second)
	for {
		revs, moved, same := map[string]int64{}, true, true
		for _, w := range writes {
			item, exists := s.store.Item(w.Key)
			if w.Revision != etcdstore.AnyRevision && item.Revision == w.Revision {
				moved = false
			}
			if exists == w.Delete || (exists && !bytes.Equal(item.Value, w.Value)) {
				same = false
			}
			revs[w.Key] = item.Revision
		}
		if moved || time.Now().After(deadline) {
			return revs, moved && same
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// committed records writes committed, each key at the revision rev gives:
// shown now has them as etcd does.
func (s *etcdSource) committed(writes []etcdstore.Write, rev func(key string) int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range writes {
		delete(s.pending, w.Key)
		delete(s.theirs, w.Key)
		if v, ok := s.shown.Get(w.Key); ok {
			v.rev = rev(w.Key)
			s.shown.Set(w.Key, v)
		}
	}
}

// writable returns kvstore.ErrReadOnly or kvstore.ErrClosed when the store
// takes no writes: an Apply of nothing sends nothing and says so.
func (s *etcdSource) writable() error {
	_, err := s.store.Apply(context.Background(), nil)
	return err
}
